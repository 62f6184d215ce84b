import type * as tf from '@tensorflow/tfjs';
import type { Network, NodeSpec } from '../nn/network.ts';

/** The shared passes proxies read from. Each is run at most once per architecture, whatever the number
 * of proxies that need it. */
export type PassName =
  | 'weights' // no forward: the initial weights only
  | 'activations' // forward on the real batch, BN with batch statistics: node outputs and ReLU inputs (served by 'loss' when that runs)
  | 'loss' // cross-entropy on the real batch, BN with batch statistics: ∂L/∂θ, node outputs and their gradients
  | 'synflow' // |θ|, no BN, all-ones input, R = Σ logits: ∂R/∂θ (rescaled, see LayerOps.cut)
  | 'halves' // ∂L/∂θ of each half of the real batch on its own (BN statistics of the half)
  | 'hessian' // Hessian-gradient product H·∂L/∂θ on the real batch (finite difference of two loss gradients)
  | 'jacobian' // ∂(Σ logits)/∂x per example on the real batch
  | 'gaussian'; // Zen-NAS: Gaussian weights and input, a perturbed twin, features before pooling

/** What the passes know about one node once they are done (tensors live until the node values are read). */
export interface NodeTotals {
  node: NodeSpec;
  weight: tf.Tensor;
  /** ∂L/∂θ of the mean cross-entropy over the whole batch ('loss'). */
  grad?: tf.Tensor;
  /** ∂R/∂θ of synflow's R, divided by exp(synflowLogScale) ('synflow'). */
  synflowGrad?: tf.Tensor;
  /** ln of the factor the synflow gradients were divided by. */
  synflowLogScale?: number;
  /** ∂L/∂θ of the mean loss of the first and of the second half of the batch ('halves'). */
  halfGrads?: [tf.Tensor, tf.Tensor];
  /** H·g with g = ∂L/∂θ ('hessian'). */
  hessGrad?: tf.Tensor;
}

/** One micro-batch of the real batch's forward ('activations' or 'loss' pass), seen from one node. */
export interface MicroBatchNode {
  node: NodeSpec;
  /** Node output (pre-BN) [m, …outShape]. */
  act: tf.Tensor;
  /** ∂L/∂(node output), L the mean loss over the whole batch; only when the 'loss' pass runs. */
  actGrad?: tf.Tensor;
  /** Input of the ReLU that starts this node's op, if any [m, …]. */
  reluInput?: tf.Tensor;
}

/** How a node table stores a proxy's values: as computed, or as ln(1 + value) for values beyond float32
 * (read them through src/proxies/stored-form.ts). */
export type StoredForm = 'linear' | 'log1p';

/** A proxy with one value per node. */
export interface NodeProxy {
  name: string;
  description: string;
  /** Bumped when the computation changes, so a harvest never resumes old values (absent: 1). */
  revision?: number;
  level: 'node';
  pass: PassName;
  /** The form `value` returns and the table stores (absent: 'linear'). */
  stored?: StoredForm;
  /** Partial statistic of one micro-batch of the real batch's forward, summed over the micro-batches; null when it
   * does not apply to this node. Returning a number is allowed where the maths needs JS (e.g. logdet). */
  perMicroBatch?(n: MicroBatchNode): tf.Scalar | number | null;
  /** The node's value from the totals and, if `perMicroBatch` is defined, the sum of its partials. */
  value(n: NodeTotals, batchSize: number, partial: number | null): tf.Scalar | number | null;
}

/** What the network-level proxies read. */
export interface NetworkTotals {
  net: Network;
  batchSize: number;
  /** Per node, summed over micro-batches: Σ K for the binary codes of ReLU inputs (nwot kernel) [B, B]. */
  reluKernel?: Float64Array;
  /** ∂(Σ logits)/∂x, [B, D] row-major. */
  jacobian?: { values: Float32Array; rows: number; cols: number };
  /** Zen-NAS: mean over examples of Σ|f(x) − f(x + 0.01ε)|, and Σ over BN layers of ln √(mean variance). */
  zen?: { featureDistance: number; logBnScale: number };
}

/** A proxy with one value per network. */
export interface NetworkProxy {
  name: string;
  description: string;
  /** Bumped when the computation changes, so a harvest never resumes old values (absent: 1). */
  revision?: number;
  level: 'network';
  pass: PassName;
  /** Needs the nwot ReLU kernel from the 'loss' pass. */
  needsReluKernel?: boolean;
  /** null when undefined for this network (e.g. a singular kernel); never NaN or Infinity. */
  value(t: NetworkTotals): number | null;
}

export type Proxy = NodeProxy | NetworkProxy;
