import * as tf from '@tensorflow/tfjs';
import { reluCodeKernel } from '../passes/relu-kernel.ts';
import { logAbsDet } from '../util/linalg.ts';
import type { NodeProxy } from './proxy.ts';

/** ln|det K| of a kernel, null when singular (e.g. a ReLU whose input is all zero). */
export function kernelLogDet(k: ArrayLike<number>, n: number): number | null {
  const v = logAbsDet(k, n);
  return Number.isFinite(v) ? v : null;
}

/** NASWOT (Mellor et al. 2021) per node: ln|det K| of the codes of the ReLU that starts the node's op.
 * With micro-batches, K is block-diagonal (codes are not compared across micro-batches). */
export const nwotNode: NodeProxy = {
  name: 'nwot',
  description: 'NASWOT log-determinant of the ReLU codes entering the node (null without a ReLU)',
  level: 'node',
  pass: 'activations',
  perMicroBatch: (n) => {
    if (!n.reluInput) return null;
    const m = n.reluInput.shape[0];
    const k = reluCodeKernel(n.reluInput);
    const value = kernelLogDet(k.dataSync(), m);
    k.dispose();
    return value;
  },
  value: (_n, _b, partial) => partial,
};
