// Ranking losses over a 1-D batch of predicted scores ŷ and targets y (e.g. true accuracies).
// All are built from differentiable tfjs ops that every backend (cpu, wasm, webgl) implements,
// and return a scalar. Gradients flow to `pred`; `target` is normally a constant.
import * as tf from '@tensorflow/tfjs';

function checkBatch(pred: tf.Tensor, target: tf.Tensor, minSize: number): void {
  if (pred.rank !== 1 || target.rank !== 1) {
    throw new Error(`expected 1-D pred and target, got shapes [${pred.shape}] and [${target.shape}]`);
  }
  if (pred.shape[0] !== target.shape[0]) {
    throw new Error(`batch size mismatch: pred ${pred.shape[0]} vs target ${target.shape[0]}`);
  }
  if (pred.shape[0] < minSize) throw new Error(`need a batch of at least ${minSize}, got ${pred.shape[0]}`);
}

/** Matrix of pairwise differences d[i][j] = v[i] − v[j]. */
function pairwiseDiff(v: tf.Tensor1D): tf.Tensor2D {
  return tf.sub(tf.expandDims(v, 1), tf.expandDims(v, 0));
}

/**
 * Differentiable Kendall loss:
 *   −Σ_{i≠j} tanh(α·Δŷ_ij/2)·tanh(α·Δy_ij/2) / (N(N−1)/2).
 * The diagonal needs no mask because Δ_ii = 0 makes its terms vanish. Since both ordered pairs
 * are summed, the value lies in (−2, 0] rather than (−1, 0]; tanh is a soft sign, so larger α
 * approaches −2·tau.
 */
export function diffKendallLoss(pred: tf.Tensor1D, target: tf.Tensor1D, alpha = 0.5): tf.Scalar {
  checkBatch(pred, target, 2);
  const n = pred.shape[0];
  return tf.tidy(() => {
    const softSign = (v: tf.Tensor1D) => tf.tanh(tf.mul(pairwiseDiff(v), alpha / 2));
    const agreement = tf.sum(tf.mul(softSign(pred), softSign(target)));
    return tf.neg(tf.div(agreement, (n * (n - 1)) / 2)) as tf.Scalar;
  });
}

/** softplus(z) = log(1 + e^z), written as max(z, 0) + log1p(e^−|z|) so it never overflows. */
function stableSoftplus(z: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/**
 * Pairwise logistic (RankNet) loss:
 *   Σ_{i≠j} log(1 + exp(−(ŷ_i − ŷ_j)·sign(y_i − y_j))) / (N(N−1)).
 * Pairs with tied targets contribute the constant log 2 (zero gradient), as the formula says.
 */
export function pairwiseLogisticLoss(pred: tf.Tensor1D, target: tf.Tensor1D): tf.Scalar {
  checkBatch(pred, target, 2);
  const n = pred.shape[0];
  return tf.tidy(() => {
    const z = tf.neg(tf.mul(pairwiseDiff(pred), tf.sign(pairwiseDiff(target))));
    const offDiagonal = tf.sub(1, tf.eye(n));
    return tf.div(tf.sum(tf.mul(stableSoftplus(z), offDiagonal)), n * (n - 1)) as tf.Scalar;
  });
}

/** Mean squared error. */
export function mseLoss(pred: tf.Tensor1D, target: tf.Tensor1D): tf.Scalar {
  checkBatch(pred, target, 1);
  return tf.tidy(() => tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar);
}

/**
 * Margin ranking loss (RD-NAS): for every pair ordered by the target, a hinge on the score difference
 * with a margin proportional to the target gap,
 *   Σ_{y_i > y_j} max(0, m·(y_i − y_j) − (ŷ_i − ŷ_j)) / #{y_i > y_j},
 * so pairs far apart in accuracy must be ranked further apart. Tied pairs do not count; 0 when all tie.
 */
export function marginRankingLoss(pred: tf.Tensor1D, target: tf.Tensor1D, margin = 0.1): tf.Scalar {
  checkBatch(pred, target, 2);
  return tf.tidy(() => {
    const gap = pairwiseDiff(target);
    const ordered = tf.cast(tf.greater(gap, 0), 'float32');
    const hinge = tf.relu(tf.sub(tf.mul(gap, margin), pairwiseDiff(pred)));
    return tf.div(tf.sum(tf.mul(hinge, ordered)), tf.maximum(tf.sum(ordered), 1)) as tf.Scalar;
  });
}
