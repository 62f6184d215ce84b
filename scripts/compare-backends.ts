// Checks that two compute backends give the same node-wise statistics within float tolerance.
// usage: npm run compare:backends -- [--backends wasm,tensorflow] [--archs 8] [--proxies …]
// (`tensorflow` needs @tensorflow/tfjs-node: `npm install @tensorflow/tfjs-node`, or on a machine without
// internet ../shared/tools/tfjs-node-from-wheel.sh).
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../src/backend/select.ts';
import { runScript } from '../src/errors.ts';
import { createCellMeasurer } from '../src/harvest/measure-cell.ts';
import { makePlan } from '../src/harvest/plan.ts';
import type { CellRecord } from '../src/harvest/record.ts';
import type { HarvestSettings } from '../src/harvest/settings.ts';
import { getSpace } from '../src/spaces/index.ts';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,tensorflow' },
    archs: { type: 'string', default: '8' },
    proxies: { type: 'string', default: 'grad_norm,snip,synflow,fisher,plain,l2_norm,nwot,jacov,zen' },
  },
});

await runScript('compare-backends', async () => {
  const settings: HarvestSettings = {
    space: 'nb201', dataset: 'cifar10', archs: args.archs!, proxies: args.proxies!.split(','), batchSize: 16,
    microBatch: 16, seed: 0, shard: null,
  };
  const archs = makePlan(getSpace(settings.space), settings.archs, settings.seed);
  const results = new Map<string, CellRecord[]>();
  for (const b of args.backends!.split(',')) {
    const active = await selectBackend(b as BackendName);
    const m = createCellMeasurer(settings);
    const t = performance.now();
    results.set(active, archs.map((arch, position) => m.measure({ position, arch, index: -1 })));
    process.stderr.write(`${active}: ${((performance.now() - t) / archs.length / 1000).toFixed(2)} s per cell\n`);
    m.dispose();
  }
  const [[nameA, a], [nameB, b]] = [...results];
  const names = createCellMeasurer(settings).proxies;
  // Per node, relative to the value and relative to the cell's largest |value| of that proxy (signed sums
  // such as `plain` cancel to near zero, where a plain relative difference says nothing).
  console.log(`| proxy | max relative difference per node | max difference / cell's max \\|value\\| |\n| --- | --- | --- |`);
  names.node.forEach((p, j) => {
    const P = names.node.length;
    let worst = 0, worstScaled = 0;
    a.forEach((ra, c) => {
      let scale = 1e-30;
      for (let k = 0; k < ra.slots.length; k++) if (!Number.isNaN(ra.values[k * P + j])) scale = Math.max(scale, Math.abs(ra.values[k * P + j]));
      for (let k = 0; k < ra.slots.length; k++) {
        const x = ra.values[k * P + j], y = b[c].values[k * P + j];
        if (Number.isNaN(x) && Number.isNaN(y)) continue;
        worst = Math.max(worst, Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-12));
        worstScaled = Math.max(worstScaled, Math.abs(x - y) / scale);
      }
    });
    console.log(`| ${p.name} | ${worst.toExponential(2)} | ${worstScaled.toExponential(2)} |`);
  });
  names.network.forEach((p, j) => {
    const worst = Math.max(...a.map((ra, c) => {
      const x = ra.network[j] ?? NaN, y = b[c].network[j] ?? NaN;
      return Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-12);
    }));
    console.log(`| ${p.name} (network) | ${worst.toExponential(2)} | |`);
  });
});
