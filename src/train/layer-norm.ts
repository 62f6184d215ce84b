// The mixer's building blocks shared with the graph encoder: GELU and a LayerNorm over the last axis.
import * as tf from '@tensorflow/tfjs';
import { makeParam, type Param } from './bayes.ts';

/** GELU, tanh approximation (tfjs has no gelu op); x·x² because tf.pow is 2× slower. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

export class LayerNorm {
  readonly gamma: Param;
  readonly beta: Param;
  constructor(name: string, dim: number) {
    this.gamma = makeParam(`${name}.gamma`, [dim], new Float32Array(dim).fill(1), false);
    this.beta = makeParam(`${name}.beta`, [dim], new Float32Array(dim), false);
  }
  apply(x: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), this.gamma.variable), this.beta.variable);
  }
}
