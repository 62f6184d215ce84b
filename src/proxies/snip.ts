import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** SNIP saliency Σ|θ ⊙ ∂L/∂θ| (Lee et al. 2019). */
export const snip: NodeProxy = {
  name: 'snip',
  description: 'sum of |weight × cross-entropy gradient|',
  level: 'node',
  pass: 'loss',
  value: (n) => tf.sum(tf.abs(tf.mul(n.weight, n.grad!))) as tf.Scalar,
};
