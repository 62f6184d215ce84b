import * as tf from '@tensorflow/tfjs';
import type { InitialParams } from '../nn/init.ts';
import type { Network } from '../nn/network.ts';
import type { ImageBatch, MeasureOptions, PassContext } from '../passes/pass.ts';
import { planPasses } from '../passes/registry.ts';
import { readScalars, tidyValue } from '../passes/scalars.ts';
import type { NetworkProxy, NodeProxy } from './proxy.ts';

export type { ImageBatch, MeasureOptions } from '../passes/pass.ts';

export interface Measurement {
  /** Per node proxy, one value per `net.nodes` entry (null: not applicable or not finite). */
  node: Map<string, (number | null)[]>;
  network: Map<string, number | null>;
  /** Values that came out NaN/Inf and were stored as null: "proxy@node". */
  nonFinite: string[];
}

/** Runs the passes the proxies need, each once, and returns every proxy's values for one network. */
export function measureNetwork(
  net: Network,
  init: InitialParams,
  batch: ImageBatch,
  proxies: { node: NodeProxy[]; network: NetworkProxy[] },
  opts: MeasureOptions,
): Measurement {
  const B = batch.images.shape[0];
  const passes = planPasses([...proxies.node, ...proxies.network].map((p) => p.pass));
  const ctx: PassContext = {
    net, init, batch, opts, proxies,
    nodeTotals: net.nodes.map((node) => ({ node, weight: init.weights[node.name] })),
    networkTotals: { net, batchSize: B },
    partials: new Map(),
    owned: [],
    recordLossGates: passes.some((p) => p.replaysLossGates),
  };
  for (const pass of passes) pass.run(ctx);

  const nodes = net.nodes;
  const result: Measurement = { node: new Map(), network: new Map(), nonFinite: [] };
  const finite = (v: number | null, where: string) => {
    if (v === null) return null;
    if (Number.isFinite(v)) return v;
    result.nonFinite.push(where);
    return null;
  };
  // All tensor-valued node statistics are read back with one sync.
  const pending: { proxy: string; i: number; t: tf.Scalar }[] = [];
  for (const p of proxies.node) {
    const values = new Array<number | null>(nodes.length).fill(null);
    ctx.nodeTotals.forEach((t, i) => {
      const v = tidyValue(() => p.value(t, B, ctx.partials.get(p.name)?.[i] ?? null));
      if (v === null || typeof v === 'number') values[i] = v;
      else pending.push({ proxy: p.name, i, t: v });
    });
    result.node.set(p.name, values);
  }
  if (pending.length) {
    const vals = readScalars(pending.map((q) => q.t));
    pending.forEach((q, k) => { result.node.get(q.proxy)![q.i] = vals[k]; });
  }
  for (const [name, values] of result.node) values.forEach((v, i) => { values[i] = finite(v, `${name}@${nodes[i].name}`); });
  for (const p of proxies.network) result.network.set(p.name, finite(p.value(ctx.networkTotals), p.name));
  tf.dispose(ctx.owned);
  return result;
}
