import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** ‖∂L/∂θ‖₂ of the node's weight (Abdelfattah et al. 2021). */
export const gradNorm: NodeProxy = {
  name: 'grad_norm',
  description: 'L2 norm of the cross-entropy gradient of the weight',
  level: 'node',
  pass: 'loss',
  value: (n) => tf.norm(n.grad!) as tf.Scalar,
};
