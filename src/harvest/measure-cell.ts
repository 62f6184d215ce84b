import * as tf from '@tensorflow/tfjs';
import { loadImageBatch } from '../data/cifar.ts';
import { UserError } from '../errors.ts';
import { disposeParams, initParams } from '../nn/init.ts';
import { measureNetwork, type ImageBatch } from '../proxies/measure.ts';
import { resolveProxies } from '../proxies/registry.ts';
import { deriveSeed, randomSource } from '../random.ts';
import { getSpace } from '../spaces/index.ts';
import type { PlannedArch } from './plan.ts';
import type { CellRecord } from './record.ts';
import type { HarvestSettings } from './settings.ts';

/** The wasm backend's 32-bit heap (4 GB at most) overflowing surfaces as a WebAssembly trap; the
 * instance is unusable afterwards, so the harvest stops with what to change. Other errors pass through. */
export function explainHeapOverflow(e: unknown, arch: string, microBatch: number): unknown {
  if (!(e instanceof WebAssembly.RuntimeError) || !/memory access out of bounds/.test(e.message)) return e;
  const smaller = Math.max(1, Math.floor(microBatch / 4));
  return new UserError(`${arch}: the wasm heap (4 GB at most) overflowed at --micro-batch ${microBatch}; rerun with --micro-batch ${smaller} ` +
    '(batch-norm statistics are then per micro-batch, so use it for the whole table) or --backend tensorflow');
}

/** Measures architectures one by one with fixed settings (the real batch is loaded once). Each
 * architecture's weights come from deriveSeed(seed, arch), so its values do not depend on which worker
 * or shard measured it, nor on what was measured before. */
export function createCellMeasurer(settings: HarvestSettings) {
  const space = getSpace(settings.space);
  const proxies = resolveProxies(settings.proxies);
  const data = loadImageBatch({ dataset: settings.dataset, batchSize: settings.batchSize, seed: settings.seed });
  const batch: ImageBatch = {
    images: tf.tensor4d(data.images, [settings.batchSize, 32, 32, 3]),
    labels: tf.tensor1d(data.labels, 'int32'),
  };
  const P = proxies.node.length;

  return {
    proxies,
    measure(job: PlannedArch): CellRecord {
      const start = performance.now();
      const net = space.build(job.arch, data.numClasses);
      const rng = randomSource(deriveSeed(settings.seed, job.arch));
      const init = initParams(net, rng);
      let m;
      try {
        m = measureNetwork(net, init, batch, proxies, { microBatch: settings.microBatch, rng });
      } catch (e) {
        throw explainHeapOverflow(e, job.arch, settings.microBatch);
      } finally {
        disposeParams(init);
      }
      if (m.nonFinite.length) process.stderr.write(`parzc: warning: ${job.arch}: non-finite values stored as null: ${m.nonFinite.join(', ')}\n`);
      const values = new Float32Array(net.nodes.length * P);
      net.nodes.forEach((_, k) => proxies.node.forEach((p, j) => { values[k * P + j] = m.node.get(p.name)![k] ?? Number.NaN; }));
      return {
        position: job.position, arch: job.arch, index: job.index,
        slots: net.nodes.map((n) => n.slot), names: net.nodes.map((n) => n.name), types: net.nodes.map((n) => n.type),
        values, network: proxies.network.map((p) => m.network.get(p.name) ?? null),
        seconds: (performance.now() - start) / 1000,
      };
    },
    dispose() {
      tf.dispose([batch.images, batch.labels]);
    },
  };
}
