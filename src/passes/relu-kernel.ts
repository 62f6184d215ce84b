import * as tf from '@tensorflow/tfjs';

/** Hamming kernel K = c·cᵀ + (1−c)·(1−c)ᵀ of the binary codes c = [x > 0] of a ReLU input [m, …]. */
export function reluCodeKernel(x: tf.Tensor): tf.Tensor2D {
  const codes = tf.cast(tf.greater(x, 0), 'float32').reshape([x.shape[0], -1]) as tf.Tensor2D;
  const inv = tf.sub(1, codes) as tf.Tensor2D;
  return tf.add(tf.matMul(codes, codes, false, true), tf.matMul(inv, inv, false, true));
}
