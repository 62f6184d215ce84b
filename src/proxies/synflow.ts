import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** SynFlow Σ |θ ⊙ ∂R/∂θ| with |θ|, no BN, all-ones input (Tanaka et al. 2020; zero-cost-nas reference,
 * whose per-weight score is abs(θ·∂R/∂θ)). In a ReLU net without BN every ∂R/∂θ ≥ 0, so the abs changes
 * nothing there; LayerNorm and GELU (ViTs) give gradients of both signs, and the abs keeps the score ≥ 0.
 * Deep nets exceed float32 (≈1e48 for NB201's heaviest cell), so the pass rescales at graph cuts and the
 * table stores ln(1 + score) (stored form log1p), finite for every cell; exp(v) − 1 recovers the score in
 * float64, and aggregateNodeValues sums nodes into a cell's value in the same form. */
export const synflow: NodeProxy = {
  name: 'synflow',
  description: 'ln(1 + synaptic flow score) of the weight',
  level: 'node',
  pass: 'synflow',
  stored: 'log1p',
  value: (n) => {
    const scaled = tf.sum(tf.abs(tf.mul(n.weight, n.synflowGrad!)));
    return tf.softplus(tf.add(tf.log(scaled), n.synflowLogScale!)) as tf.Scalar;
  },
};
