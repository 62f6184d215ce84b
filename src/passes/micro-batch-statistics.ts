import * as tf from '@tensorflow/tfjs';
import type { MicroBatchTensors } from './micro-batches.ts';
import type { PassContext } from './pass.ts';
import { reluCodeKernel } from './relu-kernel.ts';
import { readScalars, tidyValue } from './scalars.ts';

/** The statistics the requested proxies take from each micro-batch of the real batch's forward: the
 * partials of proxies with `perMicroBatch` (into ctx.partials) and the ReLU-code kernel (into the network
 * totals, block-diagonal over micro-batches). Undefined when no proxy needs any. */
export function microBatchStatistics(ctx: PassContext): ((mb: MicroBatchTensors) => void) | undefined {
  const nodes = ctx.net.nodes;
  const B = ctx.batch.images.shape[0];
  const microProxies = ctx.proxies.node.filter((p) => p.perMicroBatch);
  const needKernel = ctx.proxies.network.some((p) => p.needsReluKernel);
  if (!microProxies.length && !needKernel) return undefined;
  for (const p of microProxies) ctx.partials.set(p.name, new Array<number | null>(nodes.length).fill(0));
  const kernel = needKernel ? new Float64Array(B * B) : undefined;
  ctx.networkTotals.reluKernel = kernel;
  let offset = 0;
  return ({ acts, actGrads, reluInputs }) => {
    const m = acts.values().next().value!.shape[0];
    for (const p of microProxies) {
      const part = ctx.partials.get(p.name)!;
      const pending: { i: number; t: tf.Scalar }[] = [];
      nodes.forEach((node, i) => {
        const v = tidyValue(() => p.perMicroBatch!({ node, act: acts.get(node)!, actGrad: actGrads.get(node), reluInput: reluInputs.get(node)?.[0] }));
        if (v === null || part[i] === null) part[i] = null;
        else if (typeof v === 'number') part[i] = part[i]! + v;
        else pending.push({ i, t: v });
      });
      if (pending.length) {
        const vals = readScalars(pending.map((q) => q.t));
        pending.forEach((q, k) => { part[q.i] = part[q.i] === null ? null : part[q.i]! + vals[k]; });
      }
    }
    if (kernel) {
      const kt = tf.tidy(() => tf.addN([...reluInputs.values()].flat().map(reluCodeKernel)));
      const k = kt.dataSync();
      kt.dispose();
      for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) kernel[(offset + r) * B + offset + c] += k[r * m + c];
      offset += m;
    }
  };
}
