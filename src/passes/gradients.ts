import * as tf from '@tensorflow/tfjs';

/** Gradients of f's scalar with respect to xs, zero for an x that never reaches it (a conv into a cell
 * node with no path to the output): tf.grads throws there, and tying every x to the output instead costs
 * five kernels per layer on every pass. */
export function gradientsOrZero(f: () => tf.Tensor, xs: tf.Tensor[]): tf.Tensor[] {
  const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
  value.dispose();
  return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
}

/** Keeps a tensor created inside a gradient scope alive past it (as its own handle, because the tape
 * may dispose the tensors it saved for the backward pass). */
export const keepCopy = (x: tf.Tensor) => tf.keep(tf.clone(x));
