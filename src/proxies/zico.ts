import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** ZiCo (Li et al. 2023) of one layer: ln Σ_θ mean|g_θ| / std(g_θ) over the gradients of the two halves of
 * the batch (the reference's split_data = 2; numpy's std, ddof 0), parameters with zero std left out, and
 * 0 when nothing is left, as the reference adds no term then. Null with a batch of one. */
export const zico: NodeProxy = {
  name: 'zico',
  description: 'ln of Σ mean|g| / std(g) over the weight gradients of two half batches',
  level: 'node',
  pass: 'halves',
  value: (n) => {
    if (!n.halfGrads) return null;
    const [a, b] = n.halfGrads;
    const std = tf.div(tf.abs(tf.sub(a, b)), 2);
    const meanAbs = tf.div(tf.add(tf.abs(a), tf.abs(b)), 2);
    const ratio = tf.where(tf.greater(std, 0), tf.div(meanAbs, tf.maximum(std, 1e-30)), tf.zerosLike(std));
    const total = tf.sum(ratio);
    return tf.where(tf.greater(total, 0), tf.log(tf.maximum(total, 1e-30)), tf.scalar(0)) as tf.Scalar;
  },
};
