import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** Σ θ ⊙ ∂L/∂θ, signed (Mozer & Smolensky's first-order saliency; NAS-Bench-Suite-Zero "plain"). */
export const plain: NodeProxy = {
  name: 'plain',
  description: 'sum of weight × cross-entropy gradient (signed)',
  level: 'node',
  pass: 'loss',
  value: (n) => tf.sum(tf.mul(n.weight, n.grad!)) as tf.Scalar,
};
