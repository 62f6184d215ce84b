import type * as tf from '@tensorflow/tfjs';
import type { InitialParams, RandomSource } from '../nn/init.ts';
import type { Network } from '../nn/network.ts';
import type { NetworkProxy, NetworkTotals, NodeProxy, NodeTotals, PassName } from '../proxies/proxy.ts';
import type { MicroBatchGates } from './loss-gradients.ts';

/** One real batch: NHWC images and integer labels. */
export interface ImageBatch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
}

export interface MeasureOptions {
  /** Largest number of examples in one forward/backward (the wasm heap is 32-bit); gradients add up. */
  microBatch: number;
  /** Random source for the Zen-NAS pass's Gaussian weights and inputs. */
  rng: RandomSource;
  /** Relative step of the finite-difference Hessian-gradient product: no node's weights move by more than
   * step·‖θ_node‖ (h·max_node ‖g‖/‖θ‖ = step). */
  hessianStep?: number;
}

/** What the passes of one network read and fill. */
export interface PassContext {
  readonly net: Network;
  readonly init: InitialParams;
  readonly batch: ImageBatch;
  readonly opts: MeasureOptions;
  /** The requested proxies: they decide which statistics the real batch's forward collects. */
  readonly proxies: { readonly node: readonly NodeProxy[]; readonly network: readonly NetworkProxy[] };
  /** One entry per `net.nodes` entry. */
  readonly nodeTotals: NodeTotals[];
  readonly networkTotals: NetworkTotals;
  /** Per node proxy with `perMicroBatch`, the sum of its partials per node; null once any part was null. */
  readonly partials: Map<string, (number | null)[]>;
  /** Tensors the passes put into the totals: disposed once the proxy values are read. */
  readonly owned: tf.Tensor[];
  /** Set when a planned pass replays the loss pass's ReLU gates: the loss pass then records them. */
  readonly recordLossGates: boolean;
  /** The gates the loss pass recorded; the pass replaying them disposes them. */
  lossGates?: MicroBatchGates;
}

/** A shared computation proxies read from (see PassName), run at most once per network. */
export interface Pass {
  readonly name: PassName;
  /** Passes that must have run before this one (absent: none); planning one plans them too. */
  readonly requires?: readonly PassName[];
  /** Replays the ReLU gates the loss pass recorded (so `requires` names 'loss'). */
  readonly replaysLossGates?: boolean;
  /** A pass that does this one's work as part of its own: when both are planned, only that one runs. */
  readonly servedBy?: PassName;
  /** Fills its fields of the node and network totals. */
  run(ctx: PassContext): void;
}
