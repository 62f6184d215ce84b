import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** GraSP −Σ θ ⊙ (H·∂L/∂θ) (Wang et al. 2020), with H·g from a finite difference of loss gradients. */
export const grasp: NodeProxy = {
  name: 'grasp',
  description: 'minus the sum of weight × Hessian-gradient product',
  revision: 2, // 2: finite-difference step bounded per node (1 had not converged on NB201 cells)
  level: 'node',
  pass: 'hessian',
  value: (n) => tf.neg(tf.sum(tf.mul(n.weight, n.hessGrad!))) as tf.Scalar,
};
