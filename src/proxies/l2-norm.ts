import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** ‖θ‖₂ at initialisation (NAS-Bench-Suite-Zero "l2_norm"). */
export const l2Norm: NodeProxy = {
  name: 'l2_norm',
  description: 'L2 norm of the initial weight',
  level: 'node',
  pass: 'weights',
  value: (n) => tf.norm(n.weight) as tf.Scalar,
};
