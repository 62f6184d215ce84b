// A grid of training runs (configs × split.train × split seeds × model variants) and a markdown table
// of mean ± std Kendall τ and Spearman ρ on split.test = rest, for MABN, the official variant and the
// ridge / random-forest baselines and the blend of that run's model with the forest (computed once per
// split, in the first variant's run).
// Every finished run is appended to a JSON-lines file, and a rerun skips what is already there, so an
// interrupted sweep continues where it stopped.
// Usage: npm run bench:train-sweep [-- --configs configs/nb201-cifar10.json --train 78,156,469,781,1563
//   --seeds 0-4 --variants mabn,official --backend tensorflow --results runs/sweep/results.jsonl
//   --out runs/sweep/table.md --set optim.epochs=100 … --transfer cifar100,ImageNet16-120 --search 100,1000]
// --transfer scores each MABN run against other datasets of its space (cells it did not train on);
// --search runs `parzc search` (100 seeded searches of N held-out cells) on the run's own and transfer
// datasets; both add a second table.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../src/backend/select.ts';
import { runScript, UserError } from '../src/errors.ts';
import { zeroShotSearch, type SearchSummary } from '../src/eval/search.ts';
import { evaluateRun } from '../src/eval/evaluate-run.ts';
import { loadTrainConfig } from '../src/train/config.ts';
import type { TrainMetrics } from '../src/train/report.ts';
import { train } from '../src/train/trainer.ts';

interface Row {
  config: string;
  dataset: string;
  train: number;
  seed: number;
  variant: string;
  kendall: number;
  spearman: number;
  trainSeconds: number;
  seconds: number;
  baselines?: { ridge: { kendall: number; spearman: number }; randomForest: { kendall: number; spearman: number } };
  /** With `ensemble`: its first member alone (trainer metrics `mabn`); `kendall` is the ensemble's. */
  single?: { kendall: number; spearman: number };
  /** The run's MABN + forest blend (trainer metrics `blend`), in runs with baselines. */
  blend?: { kendall: number; spearman: number };
  /** τ against each accuracy of the benchmark (trainer metrics `targets`), and the run's cell set. */
  targets?: TrainMetrics['targets'];
  cells?: string;
  /** Per dataset (the run's own and --transfer ones): τ on cells not trained on, search results per N. */
  transfer?: Record<string, { kendall: number; spearman: number; search: Record<string, SearchSummary> }>;
}

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: 'configs/nb201-cifar10.json' },
    train: { type: 'string', default: '78,156,469,781,1563' },
    seeds: { type: 'string', default: '0-4' },
    variants: { type: 'string', default: 'mabn,official' },
    backend: { type: 'string', default: 'auto' },
    results: { type: 'string', default: 'runs/sweep/results.jsonl' },
    out: { type: 'string', default: 'runs/sweep/table.md' },
    set: { type: 'string', multiple: true, default: [] },
    transfer: { type: 'string', default: '' },
    search: { type: 'string', default: '' },
  },
});

await runScript('train-sweep', async () => {
  function intList(name: string, text: string): number[] {
    const out = text.split(',').flatMap((part) => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!m) throw new UserError(`--${name}: expected integers or ranges like 0-4, got ${JSON.stringify(part)}`);
      const a = Number(m[1]), b = Number(m[2] ?? m[1]);
      return Array.from({ length: Math.max(0, b - a + 1) }, (_, k) => a + k);
    });
    if (!out.length) throw new UserError(`--${name} is empty`);
    return out;
  }

  const configs = args.configs.split(',').filter(Boolean);
  const sizes = intList('train', args.train);
  const seeds = intList('seeds', args.seeds);
  const variants = args.variants.split(',').filter(Boolean);
  const transferTo = args.transfer.split(',').filter(Boolean);
  const searchSizes = args.search ? intList('search', args.search) : [];
  for (const v of variants) if (v !== 'mabn' && v !== 'official') throw new UserError(`--variants: unknown variant ${JSON.stringify(v)}`);

  const done: Row[] = existsSync(args.results)
    ? readFileSync(args.results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
  const key = (r: Pick<Row, 'config' | 'train' | 'seed' | 'variant'>) => `${r.config}|${r.train}|${r.seed}|${r.variant}`;
  const have = new Set(done.map(key));
  mkdirSync(dirname(args.results), { recursive: true });

  await selectBackend(args.backend as BackendName);
  for (const config of configs) {
    for (const n of sizes) {
      for (const seed of seeds) {
        for (const [k, variant] of variants.entries()) {
          if (have.has(key({ config, train: n, seed, variant }))) continue;
          const cfg = loadTrainConfig(config, [...args.set, `split.train=${n}`, `split.seed=${seed}`, `model.variant="${variant}"`,
            `eval.baselines=${k === 0}`, 'runs="runs/sweep"']);
          const { dir, metrics } = await train(cfg, { progress: false });
          const { test } = metrics;
          const row: Row = { config, dataset: cfg.dataset, train: n, seed, variant, kendall: test.kendall, spearman: test.spearman,
            trainSeconds: metrics.trainSeconds, seconds: metrics.seconds };
          if (metrics.baselines) row.baselines = metrics.baselines;
          if (metrics.blend) row.blend = metrics.blend;
          if (metrics.mabn) row.single = metrics.mabn;
          row.targets = metrics.targets;
          row.cells = cfg.split.cells;
          if (variant === 'mabn' && (transferTo.length || searchSizes.length)) row.transfer = transferAndSearch(dir, cfg.dataset);
          appendFileSync(args.results, JSON.stringify(row) + '\n');
          done.push(row);
          process.stderr.write(`${cfg.dataset} n=${n} seed ${seed} ${variant}: τ ${test.kendall.toFixed(4)} ρ ${test.spearman.toFixed(4)} (${row.seconds.toFixed(0)} s)\n`);
        }
      }
    }
  }

  function transferAndSearch(dir: string, own: string): NonNullable<Row['transfer']> {
    const out: NonNullable<Row['transfer']> = {};
    for (const dataset of [own, ...transferTo]) {
      const r = evaluateRun(dir, { dataset });
      const search: Record<string, SearchSummary> = {};
      for (const n of searchSizes) search[n] = zeroShotSearch(r.mean, r.target, r.heldOut, { candidates: n, repeats: 100, seed: 0 }).summary;
      out[dataset] = { kendall: r.report!.kendall, spearman: r.report!.spearman, search };
    }
    return out;
  }

  const fmt = (xs: number[]) => {
    if (!xs.length) return '—';
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
    return `${m.toFixed(3)} ± ${s.toFixed(3)}`;
  };
  const lines = [
    '| dataset | train cells | seeds | MABN τ | MABN ρ | official τ | official ρ | RF τ | RF ρ | ridge τ | ridge ρ | blend τ | blend ρ | ensemble member 0 τ | MABN train s |',
    '| --- | ---: | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | ---: |',
  ];
  for (const config of configs) {
    for (const n of sizes) {
      const rows = done.filter((r) => r.config === config && r.train === n && seeds.includes(r.seed));
      if (!rows.length) continue;
      const of = (v: string) => rows.filter((r) => r.variant === v);
      const base = rows.flatMap((r) => (r.baselines ? [r.baselines] : []));
      const blend = rows.flatMap((r) => (r.blend ? [r.blend] : []));
      const mabn = of('mabn');
      const usedSeeds = [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b).join(',');
      lines.push(`| ${rows[0].dataset} | ${n} | ${usedSeeds} | ${fmt(mabn.map((r) => r.kendall))} | ${fmt(mabn.map((r) => r.spearman))} | ` +
        `${fmt(of('official').map((r) => r.kendall))} | ${fmt(of('official').map((r) => r.spearman))} | ` +
        `${fmt(base.map((b) => b.randomForest.kendall))} | ${fmt(base.map((b) => b.randomForest.spearman))} | ` +
        `${fmt(base.map((b) => b.ridge.kendall))} | ${fmt(base.map((b) => b.ridge.spearman))} | ` +
        `${fmt(blend.map((b) => b.kendall))} | ${fmt(blend.map((b) => b.spearman))} | ${fmt(mabn.flatMap((r) => (r.single ? [r.single.kendall] : [])))} | ` +
        `${mabn.length ? (mabn.reduce((a, r) => a + r.trainSeconds, 0) / mabn.length).toFixed(0) : '—'} |`);
    }
  }
  // Both targets (validation accuracy, as the peers report, and test accuracy): one line per (config, size).
  const withTargets = done.filter((r) => r.targets && r.variant === 'mabn' && configs.includes(r.config) && sizes.includes(r.train) && seeds.includes(r.seed));
  if (withTargets.length) {
    lines.push('', '| dataset | cells | train cells | seeds | val: score τ | val: run\'s forest τ | val: blend τ | test: score τ | test: run\'s forest τ | test: blend τ |',
      '| --- | --- | ---: | --- | --- | --- | --- | --- | --- | --- |');
    for (const config of configs) {
      for (const n of sizes) {
        const rows = withTargets.filter((r) => r.config === config && r.train === n);
        if (!rows.length) continue;
        const col = (t: 'val' | 'test', k: 'kendall' | 'forest' | 'blend') => fmt(rows.flatMap((r) => (r.targets![t]?.[k] !== undefined ? [r.targets![t]![k]!] : [])));
        lines.push(`| ${rows[0].dataset} | ${rows[0].cells ?? 'all'} | ${n} | ${rows.map((r) => r.seed).join(',')} | ${col('val', 'kendall')} | ${col('val', 'forest')} | ${col('val', 'blend')} | ` +
          `${col('test', 'kendall')} | ${col('test', 'forest')} | ${col('test', 'blend')} |`);
      }
    }
  }
  // Transfer and search: one line per (config, size, dataset scored).
  const withTransfer = done.filter((r) => r.transfer && configs.includes(r.config) && sizes.includes(r.train) && seeds.includes(r.seed));
  if (withTransfer.length) {
    lines.push('', `| trained on | train cells | scored on | seeds | MABN τ | MABN ρ | ${searchSizes.map((n) => `search pick of ${n} (random / best candidate)`).join(' | ')} |`,
      `| --- | ---: | --- | --- | --- | --- |${searchSizes.map(() => ' --- |').join('')}`);
    for (const config of configs) {
      for (const n of sizes) {
        const rows = withTransfer.filter((r) => r.config === config && r.train === n);
        for (const dataset of [...new Set(rows.flatMap((r) => Object.keys(r.transfer!)))]) {
          const t = rows.flatMap((r) => (r.transfer![dataset] ? [r.transfer![dataset]] : []));
          const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);
          const cells = searchSizes.map((k) => {
            const ss = t.flatMap((x) => (x.search[k] ? [x.search[k]] : []));
            return ss.length ? `${mean(ss.map((x) => x.pickAcc.mean))} (${mean(ss.map((x) => x.randomAcc))} / ${mean(ss.map((x) => x.oracleAcc))})` : '—';
          });
          lines.push(`| ${rows[0].dataset} | ${n} | ${dataset} | ${rows.map((r) => r.seed).join(',')} | ${fmt(t.map((x) => x.kendall))} | ${fmt(t.map((x) => x.spearman))} |${cells.map((c) => ` ${c} |`).join('')}`);
        }
      }
    }
  }
  const table = lines.join('\n') + '\n';
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, table);
  process.stdout.write(table);
});
