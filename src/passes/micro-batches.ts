import type * as tf from '@tensorflow/tfjs';
import type { NodeSpec } from '../nn/network.ts';

/** One micro-batch's node outputs, their gradients (loss pass only) and the ReLU inputs feeding each node. */
export interface MicroBatchTensors {
  acts: Map<NodeSpec, tf.Tensor>;
  actGrads: Map<NodeSpec, tf.Tensor>;
  reluInputs: Map<NodeSpec | null, tf.Tensor[]>;
}

/** [start, size] of each micro-batch of at most m of n examples. */
export function microBatches(n: number, m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += m) out.push([s, Math.min(m, n - s)]);
  return out;
}
