import * as tf from '@tensorflow/tfjs';
import { registerWasmGradients } from '../src/backend/wasm-gradients.ts';
registerWasmGradients();
await tf.setBackend(process.argv[2] ?? 'wasm');
const x = tf.randomNormal([4, 6]);
const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
const w1 = tf.randomUniform([6, 5], -0.4, 0.4), w2 = tf.randomUniform([5, 3], -0.4, 0.4);
const loss = (a: tf.Tensor, b: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.tanh(tf.matMul(x, a)), b));
const g = tf.grads(loss)([w1, w2]);
const hg = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
  const [ga, gb] = tf.grads(loss)([a, b]);
  return tf.add(tf.sum(tf.mul(ga, g[0])), tf.sum(tf.mul(gb, g[1])));
})([w1, w2]);
hg.forEach((t) => t.print());
