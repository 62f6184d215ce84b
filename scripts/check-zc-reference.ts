// Cross-check of the harvested proxies against NAS-Bench-Suite-Zero (NASLib) on its 491 NB201 cells:
// harvest the cells (resumable), aggregate our node values per cell, and compare ranks with NASLib's
// scores and with CIFAR-10 accuracy. Exits non-zero below the issue's bar (synflow ρ ≥ 0.9, snip and
// grad_norm ρ ≥ 0.8).
// Usage: npm run check:zc-reference [-- --proxies a,b --backend auto|tensorflow|wasm|cpu --workers N
//        --out data/harvest/zc-reference-491.arrow --doc docs/zc-reference.md]
// (hidden: --limit N harvests only the first N cells; --doc none writes no document)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Table } from 'apache-arrow';
import type { BackendName } from '../src/backend/select.ts';
import { loadImageBatch } from '../src/data/cifar.ts';
import { projectRoot, resolveDataFile } from '../src/data/paths.ts';
import { UserError } from '../src/errors.ts';
import { kendallTauB, spearman } from '../src/eval/metrics.ts';
import { harvest } from '../src/harvest/run.ts';
import type { HarvestSettings } from '../src/harvest/settings.ts';
import { cellsTablePath, readTable } from '../src/harvest/table.ts';
import { formatDuration } from '../src/harvest/progress.ts';
import { NETWORK_PROXIES, NODE_PROXIES } from '../src/proxies/registry.ts';
import { enumerateNb201, nb201FromNaslibTuple } from '../src/spaces/nb201-cell.ts';
import { loadNb201Truth } from '../src/spaces/nb201-truth.ts';

const REFERENCE = 'zc-reference/naslib_benchmarks_branch_zc_nasbench201_491.json';
const DEFAULT_OUT = 'data/harvest/zc-reference-491.arrow';
const DEFAULT_DOC = 'docs/zc-reference.md';
const DEFAULT_PROXIES = ['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm', 'grasp', 'jacov', 'nwot', 'zen', 'params', 'flops'];
/** Proxies that come from the cells table (one value per network) rather than summed node values. */
const NETWORK_LEVEL = new Set(['jacov', 'nwot', 'zen', 'params', 'flops']);
/** NASLib's score fields, in the file's order (val_accuracy is the target, not a proxy). */
const NASLIB_PROXIES = ['snip', 'jacov', 'grad_norm', 'plain', 'epe_nas', 'fisher', 'grasp', 'l2_norm', 'synflow', 'flops', 'params'];
/** The issue's bar: Spearman ρ of our aggregate with NASLib's score across cells. */
const BAR: Record<string, number> = { synflow: 0.9, snip: 0.8, grad_norm: 0.8 };

const positiveInt = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  return n;
};

/** A NASLib score: a number, or an object such as {score, time}; anything else is NaN. */
function scoreOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as { score?: unknown }).score === 'number') return (v as { score: number }).score;
  return Number.NaN;
}

interface Reference {
  /** Arch strings in file order. */
  archs: string[];
  /** NASLib scores per proxy name (and val_accuracy), aligned with archs. */
  scores: Map<string, Float64Array>;
}

function loadReference(): Reference {
  const path = resolveDataFile(REFERENCE);
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot parse ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const entries = raw?.nasbench201?.cifar10;
  if (!entries || typeof entries !== 'object') throw new UserError(`${path}: no "nasbench201" → "cifar10" object`);
  const keys = Object.keys(entries);
  const archs = keys.map((k) => nb201FromNaslibTuple(k));
  const scores = new Map<string, Float64Array>();
  for (const field of [...NASLIB_PROXIES, 'val_accuracy']) {
    scores.set(field, Float64Array.from(keys, (k) => scoreOf(entries[k]?.[field])));
  }
  return { archs, scores };
}

/** Per-cell aggregate of a node-wise proxy: Σ over nodes with a value (synflow: Σ expm1(v), the table
 * holding ln(1 + score)); NaN when no node has a value. Keyed by arch. */
function nodeAggregates(nodes: Table, proxy: string): Map<string, number> {
  const arch = nodes.getChild('arch')!;
  const col = nodes.getChild(proxy);
  if (!col) throw new UserError(`node table has no column "${proxy}"`);
  const f = proxy === 'synflow' ? Math.expm1 : (v: number) => v;
  const sums = new Map<string, number>();
  for (let i = 0; i < nodes.numRows; i++) {
    const a = arch.get(i) as string;
    if (!sums.has(a)) sums.set(a, Number.NaN);
    const v = col.get(i) as number | null;
    if (v === null || Number.isNaN(v)) continue;
    const s = sums.get(a)!;
    sums.set(a, (Number.isNaN(s) ? 0 : s) + f(v));
  }
  return sums;
}

function networkValues(cells: Table, proxy: string): Map<string, number> {
  const arch = cells.getChild('arch')!;
  const col = cells.getChild(proxy);
  if (!col) throw new UserError(`cells table has no column "${proxy}"`);
  const out = new Map<string, number>();
  for (let i = 0; i < cells.numRows; i++) out.set(arch.get(i) as string, (col.get(i) as number | null) ?? Number.NaN);
  return out;
}

const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));

/** Statistics over the cells where every given series is finite. */
function over(series: ArrayLike<number>[], fn: (...xs: number[][]) => number): { value: number; n: number } {
  const keep: number[] = [];
  for (let i = 0; i < series[0].length; i++) if (series.every((s) => Number.isFinite(s[i]))) keep.push(i);
  const cols = series.map((s) => keep.map((i) => s[i]));
  return { value: fn(...cols), n: keep.length };
}

async function main(): Promise<number> {
  const { values: opts } = parseArgs({
    options: {
      proxies: { type: 'string' }, backend: { type: 'string', default: 'auto' }, workers: { type: 'string' },
      out: { type: 'string' }, doc: { type: 'string' }, limit: { type: 'string' },
    },
    strict: true,
  });
  const cwd = process.cwd();
  const backend = opts.backend as BackendName;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UserError(`--backend ${backend}: expected auto, tensorflow, wasm or cpu`);
  const workers = opts.workers ? positiveInt('workers', opts.workers) : cpus().length;
  const limit = opts.limit ? positiveInt('limit', opts.limit) : null;
  const proxies = (opts.proxies ? opts.proxies.split(',') : DEFAULT_PROXIES).map((p) => p.trim()).filter(Boolean);
  for (const p of proxies) {
    if (!NODE_PROXIES.has(p) && !NETWORK_PROXIES.has(p)) {
      throw new UserError(`unknown proxy "${p}" (known: ${[...new Set([...NODE_PROXIES.keys(), ...NETWORK_PROXIES.keys()])].join(', ')})`);
    }
  }
  const out = resolve(cwd, opts.out ?? (limit ? DEFAULT_OUT.replace(/\.arrow$/, `-first${limit}.arrow`) : DEFAULT_OUT));
  const docOpt = opts.doc ?? (limit ? 'none' : DEFAULT_DOC);
  const doc = docOpt === 'none' ? null : resolve(cwd, docOpt);

  // Everything the harvest needs is checked before any work starts.
  const ref = loadReference();
  const truth = loadNb201Truth('cifar10');
  enumerateNb201();
  loadImageBatch({ dataset: 'cifar10', batchSize: 16, seed: 0 });
  const n = limit ? Math.min(limit, ref.archs.length) : ref.archs.length;
  const archs = ref.archs.slice(0, n);

  // The arch file sits beside the output; its path (relative to the project root when inside it) is part
  // of the harvest settings, so the same command resumes the same table from any working directory.
  process.chdir(projectRoot);
  const archFileAbs = out.replace(/\.arrow$/, '') + '.archs.txt';
  const rel = relative(projectRoot, archFileAbs);
  const archFile = rel.startsWith('..') || isAbsolute(rel) ? archFileAbs : rel;
  const archText = `# ${n} NB201 cells of NAS-Bench-Suite-Zero (${REFERENCE}), file order\n${archs.join('\n')}\n`;
  mkdirSync(dirname(archFileAbs), { recursive: true });
  if (!existsSync(archFileAbs) || readFileSync(archFileAbs, 'utf8') !== archText) writeFileSync(archFileAbs, archText);

  const settings: HarvestSettings = {
    space: 'nb201', dataset: 'cifar10', archs: archFile, proxies, batchSize: 16, microBatch: 16, seed: 0, shard: null,
  };
  const t0 = performance.now();
  const result = await harvest(settings, { backend, workers, out });
  const harvestSeconds = (performance.now() - t0) / 1000;
  if (!result.complete) throw new UserError(`harvest of ${out} is incomplete (${result.done}/${result.planned}); rerun to resume`);

  const nodes = readTable(out);
  const cells = readTable(cellsTablePath(out));
  const secondsCol = cells.getChild('seconds')!;
  let cellSeconds = 0;
  for (let i = 0; i < cells.numRows; i++) cellSeconds += secondsCol.get(i) as number;

  const genius = Float64Array.from(archs, (a) => truth.get(a)?.val ?? Number.NaN);
  const naslibAcc = ref.scores.get('val_accuracy')!.subarray(0, n);

  const header = '| proxy | level | n | ρ ours~NASLib | τ ours~NASLib | τ ours~acc (GENIUS val) | τ NASLib~acc (GENIUS val) | τ ours~acc (NASLib val) | τ NASLib~acc (NASLib val) |';
  const rows = [header, '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  const rho = new Map<string, number>();
  const shown = [...new Set([...proxies, ...NASLIB_PROXIES])];
  for (const p of shown) {
    const harvested = proxies.includes(p);
    const theirs = ref.scores.has(p) ? ref.scores.get(p)!.subarray(0, n) : null;
    const level = !harvested ? '—' : NETWORK_LEVEL.has(p) || !NODE_PROXIES.has(p) ? 'network' : 'node';
    let ours: Float64Array | null = null;
    if (harvested) {
      const byArch = level === 'network' ? networkValues(cells, p) : nodeAggregates(nodes, p);
      ours = Float64Array.from(archs, (a) => byArch.get(a) ?? Number.NaN);
    }
    // Each row is computed over the cells where our value (if any) is defined, so columns compare alike.
    const mask = ours ?? theirs!;
    const sel = (s: ArrayLike<number> | null) => (s ? Float64Array.from(s, (v, i) => (Number.isFinite(mask[i]) ? v : Number.NaN)) : null);
    const [o, t, g, v] = [ours, sel(theirs), sel(genius), sel(naslibAcc)];
    const stat = (a: ArrayLike<number> | null, b: ArrayLike<number> | null, fn: (x: number[], y: number[]) => number) =>
      a && b ? over([a, b], fn) : null;
    const cellsUsed = over([mask], () => 0).n;
    const r = stat(o, t, spearman);
    if (r) rho.set(p, r.value);
    const cols = [r, stat(o, t, kendallTauB), stat(o, g, kendallTauB), stat(t, g, kendallTauB), stat(o, v, kendallTauB), stat(t, v, kendallTauB)];
    rows.push(`| ${p}${harvested ? '' : ' (NASLib only)'} | ${level} | ${cellsUsed} | ${cols.map((c) => (c ? fmt(c.value) : '—')).join(' | ')} |`);
  }
  const accTau = over([genius, naslibAcc], kendallTauB);

  const verdicts: string[] = [];
  let failed = false;
  for (const [p, bar] of Object.entries(BAR)) {
    if (!proxies.includes(p)) { verdicts.push(`- ${p}: not harvested, not checked (bar ρ ≥ ${bar})`); continue; }
    const r = rho.get(p) ?? Number.NaN;
    const ok = r >= bar;
    if (!ok) failed = true;
    verdicts.push(`- ${p}: ρ = ${fmt(r)} ${ok ? '≥' : '<'} ${bar}: ${ok ? 'PASS' : 'FAIL'}`);
  }

  const argv = process.argv.slice(2);
  const command = `npm run check:zc-reference${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const date = new Date().toISOString().slice(0, 10);
  const md = [
    '# Cross-check against NAS-Bench-Suite-Zero (NB201, CIFAR-10)',
    '',
    `Generated by \`${command}\` on ${date} (backend ${result.backend}).`,
    '',
    `Cells: ${n}${limit ? ` (first ${n} of ${ref.archs.length}, --limit)` : ''} NB201 cells of \`${REFERENCE}\` (its cifar10 entries; NASLib tuple keys converted to arch strings).`,
    `Ours: \`${relative(projectRoot, out).startsWith('..') ? out : relative(projectRoot, out)}\`, CIFAR-10 batch of ${settings.batchSize}, seed ${settings.seed}, ` +
      `${cells.numRows} cells, ${(cellSeconds / Math.max(cells.numRows, 1)).toFixed(2)} s/cell (cells table \`seconds\`).`,
    'Node-wise proxies are summed over the nodes that have a value (synflow: Σ expm1(v) in float64, as the table stores ln(1 + score) per node); ' +
      'jacov, nwot, zen, params and flops are network-level values from the `.cells.arrow` table. NASLib\'s values come from one other ' +
      'initialisation and batch, so only rank agreement is meaningful.',
    'ρ: Spearman, τ: Kendall τ-b, across cells; n: cells where our value is defined (each row uses the same cells in every column). ' +
      'acc: CIFAR-10 validation accuracy at 200 epochs from GENIUS (`val_acc_200`) or the file\'s own `val_accuracy`.',
    '',
    ...rows,
    '',
    `τ between the two accuracy columns (GENIUS val_acc_200 vs NASLib val_accuracy): ${fmt(accTau.value)} (n = ${accTau.n}).`,
    '',
    'Bar (issue): Spearman ρ of ours vs NASLib ≥ 0.9 for synflow, ≥ 0.8 for snip and grad_norm.',
    '',
    ...verdicts,
    '',
  ].join('\n');

  process.stdout.write(md);
  process.stdout.write(`\n(harvest step: ${formatDuration(harvestSeconds)} wall; ${formatDuration(cellSeconds)} of cell compute in the table` +
    ` → about ${formatDuration(cellSeconds / Math.max(cells.numRows, 1) * ref.archs.length / workers)} for all ${ref.archs.length} cells on ${workers} worker(s))\n`);
  if (doc) {
    mkdirSync(dirname(doc), { recursive: true });
    writeFileSync(doc, md);
    process.stdout.write(`wrote ${relative(projectRoot, doc).startsWith('..') ? doc : relative(projectRoot, doc)}\n`);
  }
  if (failed) process.stderr.write('check-zc-reference: below the bar (see FAIL above)\n');
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof UserError) {
    process.stderr.write(`check-zc-reference: error: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`check-zc-reference: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
