// Cross-check of the harvested proxies against NAS-Bench-Suite-Zero (NASLib): harvest the reference's
// cells (resumable), aggregate our node values per cell, and compare ranks with NASLib's scores and with
// accuracy. Spaces (--space):
//   nb201 (default)  the 491 NB201 cells of zc-reference/, accuracy GENIUS val_acc_200 and the file's own;
//                    exits non-zero below the bar (synflow ρ ≥ 0.9, snip and grad_norm ρ ≥ 0.8)
//   nb101            the 292 cells of the 500 rows of nb101/nb101_500_naslib_subset_decoded_fixed.json (`zc`),
//                    accuracy test_acc_108_run0 and the file's val_accuracy_naslib; reported only
//   darts            the 500 NB301 cells of nb301/, read from the main NB301 harvest
//                    (data/harvest/nb301-cifar10.arrow), accuracy val_accuracy; reported only
// Each space writes its own section of the document and leaves the rest of it alone. A complete table
// with the same settings (any backend) is only read.
// Usage: npm run check:zc-reference [-- --space nb201|nb101|darts --proxies a,b
//        --backend auto|tensorflow|wasm|cpu --workers N --out <table.arrow> --doc docs/zc-reference.md]
// e.g.   npm run check:zc-reference -- --space nb101 --backend tensorflow --workers 1
// (hidden: --limit N harvests only the first N cells, not with darts; --doc none writes no document)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/backend/select.ts';
import { readBenchmarkFile } from '../src/data/benchmark-file.ts';
import { loadImageBatch } from '../src/data/cifar.ts';
import { projectRoot, resolveDataFile } from '../src/data/paths.ts';
import { runScript, UserError } from '../src/errors.ts';
import { kendallTauB, spearman } from '../src/eval/metrics.ts';
import { harvest, journalPath } from '../src/harvest/run.ts';
import { settingsKey, type HarvestSettings } from '../src/harvest/settings.ts';
import { COLUMNS, readHarvestTables, type HarvestTables } from '../src/harvest/table.ts';
import { formatDuration } from '../src/harvest/progress.ts';
import { NETWORK_PROXIES, NODE_PROXIES } from '../src/proxies/registry.ts';
import { storedForm, sumDecoded } from '../src/proxies/stored-form.ts';
import { darts } from '../src/spaces/darts/index.ts';
import { getSpace } from '../src/spaces/index.ts';
import { nb101 } from '../src/spaces/nb101/index.ts';
import { NB101_FAILED_TEST } from '../src/spaces/nb101/truth.ts';
import { nb201FromNaslibTuple } from '../src/spaces/nb201/cell.ts';
import { loadNb201Truth } from '../src/spaces/nb201/truth.ts';

const DEFAULT_DOC = 'docs/zc-reference.md';
/** Proxies that come from the cells table (one value per network) rather than summed node values. */
const NETWORK_LEVEL = new Set(['jacov', 'nwot', 'zen', 'params', 'flops']);
/** NASLib's score fields (all three files have them), in the NB201 file's order; val_accuracy is the target, not a proxy. */
const NASLIB_PROXIES = ['snip', 'jacov', 'grad_norm', 'plain', 'epe_nas', 'fisher', 'grasp', 'l2_norm', 'synflow', 'flops', 'params'];

/** An accuracy column, aligned with Reference.archs (NaN: unknown or failed run). */
interface Accuracy {
  /** Column label, e.g. "GENIUS val". */
  label: string;
  /** Field name for the notes, e.g. "GENIUS val_acc_200". */
  field: string;
  values: Float64Array;
}

interface Reference {
  /** Canonical arch strings (the space's parse), one per cell, in file order. */
  archs: string[];
  /** NASLib scores per proxy name, aligned with archs. */
  scores: Map<string, Float64Array>;
  acc: Accuracy[];
  /** How the file's entries became these cells. */
  note: string;
}

/** What differs between the checked spaces. */
interface SpaceCheck {
  title: string;
  file: string;
  out: string;
  proxies: string[];
  /** 'all': the space's own plan is the reference's cells (its main table); 'file': an arch file beside the output. */
  archs: 'all' | 'file';
  /** The command that harvests `out` as the space's main table: while its journal exists the check refuses. */
  owner?: string;
  /** The bar a space must pass: Spearman ρ of our aggregate with NASLib's score across cells. */
  bar: Record<string, number>;
  accNote: string;
  load(path: string): Reference;
}

/** A NASLib score: a number, or an object such as {score, time}; anything else is NaN. */
function scoreOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as { score?: unknown }).score === 'number') return (v as { score: number }).score;
  return Number.NaN;
}

const readJson = (path: string): any => readBenchmarkFile(path, 'NASLib reference file', 'json', (raw) => raw);

/** NASLib's benchmark file layout {bench: {cifar10: {key: {field: score}}}}: one cell per key. */
function naslibObject(path: string, bench: string, parse: (key: string) => string): Reference {
  const entries = readJson(path)?.[bench]?.cifar10;
  if (!entries || typeof entries !== 'object') throw new UserError(`${path}: no "${bench}" → "cifar10" object`);
  const keys = Object.keys(entries);
  const archs = keys.map((k) => parse(k));
  const field = (f: string) => Float64Array.from(keys, (k) => scoreOf(entries[k]?.[f]));
  return {
    archs, scores: new Map(NASLIB_PROXIES.map((p) => [p, field(p)])),
    acc: [{ label: 'NASLib val', field: 'NASLib val_accuracy', values: field('val_accuracy') }],
    note: `its ${bench} cifar10 entries; NASLib keys converted to arch strings`,
  };
}

/** The NB101 subset: one row per NASLib evaluation, several rows per cell (each with its own seed). Rows
 * are grouped by spec hash (checked against the file's), the cell keeps its first row's spelling, and its
 * scores and val accuracy are the mean over its rows: less seed noise than any single row. */
function nb101Rows(path: string): Reference {
  const rows = readJson(path);
  if (!Array.isArray(rows)) throw new UserError(`${path}: expected a JSON list of rows`);
  const fields: [string, (r: any) => unknown][] = [
    ...NASLIB_PROXIES.filter((p) => p !== 'params' && p !== 'flops').map((p): [string, (r: any) => unknown] => [p, (r) => r.zc?.[p]]),
    ['params', (r) => r.params_M], ['flops', (r) => r.flops_M],
    ['val_accuracy_naslib', (r) => r.val_accuracy_naslib], ['test_acc_108_run0', (r) => r.test_acc_108_run0],
  ];
  const cells = new Map<string, { arch: string; rows: number; sums: number[] }>();
  rows.forEach((r: any, i: number) => {
    const bad = (why: string) => new UserError(`${path}: row ${i}: ${why}`);
    if (!Array.isArray(r?.matrix) || !Array.isArray(r?.ops) || typeof r?.hash !== 'string') throw bad('needs "matrix", "ops" and "hash"');
    let arch: string;
    try {
      arch = nb101.parse(`adj=${r.matrix.map((row: unknown) => (Array.isArray(row) ? row.join('') : String(row))).join('|')};ops=${r.ops.join('|')}`);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (nb101.isomorphismKey(arch) !== r.hash) throw bad(`its cell hashes to ${nb101.isomorphismKey(arch)}, the file says ${r.hash}`);
    const cell = cells.get(r.hash) ?? { arch, rows: 0, sums: fields.map(() => 0) };
    cells.set(r.hash, cell);
    cell.rows++;
    fields.forEach(([, get], j) => { cell.sums[j] += scoreOf(get(r)); });
  });
  const list = [...cells.values()];
  const mean = (name: string) => {
    const j = fields.findIndex(([f]) => f === name);
    return Float64Array.from(list, (c) => c.sums[j] / c.rows);
  };
  // Percent in this file; a failed run (chance level) would say nothing about the cell.
  const test = mean('test_acc_108_run0').map((v) => (v < 100 * NB101_FAILED_TEST ? Number.NaN : v));
  const multi = list.filter((c) => c.rows > 1);
  return {
    archs: list.map((c) => c.arch),
    scores: new Map(NASLIB_PROXIES.map((p) => [p, mean(p)])),
    acc: [
      { label: 'test', field: 'test_acc_108_run0', values: test },
      { label: 'NASLib val', field: 'val_accuracy_naslib', values: mean('val_accuracy_naslib') },
    ],
    note: `${rows.length} rows grouped by spec hash; ${multi.length} cells have several rows (up to ` +
      `${Math.max(...list.map((c) => c.rows))}), whose NASLib scores and val_accuracy_naslib are averaged; the first row's spelling is harvested; NASLib's params and flops are the file's params_M and flops_M`,
  };
}

const SPACES: Record<string, SpaceCheck> = {
  nb201: {
    title: 'NB201, CIFAR-10',
    file: 'zc-reference/naslib_benchmarks_branch_zc_nasbench201_491.json',
    out: 'data/harvest/zc-reference-491.arrow',
    proxies: ['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm', 'grasp', 'jacov', 'nwot', 'zen', 'params', 'flops'],
    archs: 'file',
    bar: { synflow: 0.9, snip: 0.8, grad_norm: 0.8 },
    accNote: 'CIFAR-10 validation accuracy at 200 epochs from GENIUS (`val_acc_200`) or the file\'s own `val_accuracy`.',
    load: (path) => {
      const ref = naslibObject(path, 'nasbench201', nb201FromNaslibTuple);
      const genius = loadNb201Truth('cifar10');
      const values = Float64Array.from(ref.archs, (a) => genius.get(a)?.val ?? Number.NaN);
      return { ...ref, acc: [{ label: 'GENIUS val', field: 'GENIUS val_acc_200', values }, ...ref.acc] };
    },
  },
  nb101: {
    title: 'NB101, CIFAR-10',
    file: 'nb101/nb101_500_naslib_subset_decoded_fixed.json',
    out: 'data/harvest/zc-reference-nb101.arrow',
    // The nb201 list less the slow proxies (grasp, nwot, zen): NB101 cells take ~5–10 s each as it is.
    proxies: ['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm', 'jacov', 'params', 'flops'],
    archs: 'file',
    bar: {},
    accNote: `test: \`test_acc_108_run0\` (one training run at 108 epochs; runs below ${100 * NB101_FAILED_TEST}% count as failed and are left out), ` +
      'NASLib val: the file\'s `val_accuracy_naslib` (mean over the cell\'s rows).',
    load: nb101Rows,
  },
  darts: {
    title: 'NB301, CIFAR-10',
    file: 'nb301/naslib_benchmarks_branch_zc_nasbench301_500.json',
    out: 'data/harvest/nb301-cifar10.arrow',
    proxies: ['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm', 'params', 'flops'],
    archs: 'all',
    owner: 'npx parzc harvest --space darts --dataset cifar10 --archs all --batch-size 16 --seed 0 ' +
      '--proxies grad_norm,snip,synflow,fisher,plain,l2_norm,params,flops --backend tensorflow --out data/harvest/nb301-cifar10.arrow',
    bar: {},
    accNote: 'NB301\'s `val_accuracy` (the file\'s only accuracy, after 100 epochs).',
    load: (path) => naslibObject(path, 'nasbench301', darts.parse),
  },
};

const positiveInt = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  return n;
};

const withoutBackend = (key: string) => {
  const { backend: _, ...rest } = JSON.parse(key);
  return JSON.stringify(rest);
};

/** True when `out` is a finished harvest of `settings` on any backend: the check then only reads it
 * (re-harvesting on another backend would only change float round-off). */
function finishedTable(out: string, settings: HarvestSettings): boolean {
  if (!existsSync(out) || existsSync(journalPath(out))) return false;
  const { meta } = readHarvestTables(out);
  return meta.complete && withoutBackend(meta.settingsKey ?? '{}') === withoutBackend(settingsKey(settings, ''));
}

/** Replaces this space's section of the document (between its markers), or appends it. */
function writeSection(doc: string, space: string, md: string): void {
  const begin = `<!-- check-zc-reference:${space} -->`;
  const end = `<!-- /check-zc-reference:${space} -->`;
  const old = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Cross-check against NAS-Bench-Suite-Zero\n';
  const block = `${begin}\n${md}${end}\n`;
  const i = old.indexOf(begin);
  const j = old.indexOf(end);
  const text = i >= 0 && j > i ? old.slice(0, i) + block + old.slice(j + end.length).replace(/^\n/, '') : `${old.trimEnd()}\n\n${block}`;
  mkdirSync(dirname(doc), { recursive: true });
  writeFileSync(doc, text);
}
/** Per-cell aggregate of a node-wise proxy in linear space, in float64: the stored values decoded and
 * summed over the nodes that have one (sumDecoded); NaN when no node has a value. Keyed by arch. */
function nodeAggregates(tables: HarvestTables, proxy: string): Map<string, number> {
  const arch = tables.nodeColumn(COLUMNS.arch);
  const col = tables.nodeColumn(proxy);
  const perCell = new Map<string, (number | null)[]>();
  for (let i = 0; i < tables.nodes.numRows; i++) {
    const a = arch.get(i) as string;
    const values = perCell.get(a) ?? [];
    values.push(col.get(i) as number | null);
    perCell.set(a, values);
  }
  return new Map([...perCell].map(([a, values]) => [a, sumDecoded(proxy, values) ?? Number.NaN]));
}

function networkValues(tables: HarvestTables, proxy: string): Map<string, number> {
  const arch = tables.cellColumn(COLUMNS.arch);
  const col = tables.cellColumn(proxy);
  const out = new Map<string, number>();
  for (let i = 0; i < tables.cells.numRows; i++) out.set(arch.get(i) as string, (col.get(i) as number | null) ?? Number.NaN);
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


/** "≥ 0.9 for synflow, ≥ 0.8 for snip and grad_norm" */
function describeBar(bar: Record<string, number>): string {
  const byValue = new Map<number, string[]>();
  for (const [p, v] of Object.entries(bar)) byValue.set(v, [...(byValue.get(v) ?? []), p]);
  return [...byValue].map(([v, ps]) => `≥ ${v} for ${ps.length > 1 ? `${ps.slice(0, -1).join(', ')} and ${ps.at(-1)}` : ps[0]}`).join(', ');
}

async function main(): Promise<number> {
  const { values: opts } = parseArgs({
    options: {
      space: { type: 'string', default: 'nb201' }, proxies: { type: 'string' }, backend: { type: 'string', default: 'auto' },
      workers: { type: 'string' }, out: { type: 'string' }, doc: { type: 'string' }, limit: { type: 'string' },
    },
    strict: true,
  });
  const cwd = process.cwd();
  const spaceName = opts.space!;
  if (!Object.hasOwn(SPACES, spaceName)) throw new UserError(`--space ${spaceName}: expected ${Object.keys(SPACES).join(', ')}`);
  const check = SPACES[spaceName];
  const label = check.title.split(',')[0];
  const backend = opts.backend as BackendName;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UserError(`--backend ${backend}: expected auto, tensorflow, wasm or cpu`);
  const workers = opts.workers ? positiveInt('workers', opts.workers) : cpus().length;
  const limit = opts.limit ? positiveInt('limit', opts.limit) : null;
  if (limit && check.archs === 'all') throw new UserError(`--limit does not apply to --space ${spaceName}: it reads the space's harvest of all its cells`);
  const proxies = (opts.proxies ? opts.proxies.split(',') : check.proxies).map((p) => p.trim()).filter(Boolean);
  for (const p of proxies) {
    if (!NODE_PROXIES.has(p) && !NETWORK_PROXIES.has(p)) {
      throw new UserError(`unknown proxy "${p}" (known: ${[...new Set([...NODE_PROXIES.keys(), ...NETWORK_PROXIES.keys()])].join(', ')})`);
    }
  }
  const out = resolve(cwd, opts.out ?? (limit ? check.out.replace(/\.arrow$/, `-first${limit}.arrow`) : check.out));
  const docOpt = opts.doc ?? (limit ? 'none' : DEFAULT_DOC);
  const doc = docOpt === 'none' ? null : resolve(cwd, docOpt);
  const shown = (p: string) => (relative(projectRoot, p).startsWith('..') ? p : relative(projectRoot, p));
  // The harvest would resume another command's journal under its feet.
  if (check.owner && existsSync(journalPath(out))) {
    throw new UserError(`${shown(out)} is being harvested or was interrupted (${shown(journalPath(out))} exists): ` +
      `let that harvest finish, or resume it with \`${check.owner}\`; this check only reads the finished table`);
  }

  // Everything the harvest needs is checked before any work starts.
  const ref = check.load(resolveDataFile(check.file));
  if (!ref.archs.length) throw new UserError(`${check.file} holds no cells`);
  getSpace(spaceName).indexOf(ref.archs[0]); // loads the index data the harvest plan reads
  loadImageBatch({ dataset: 'cifar10', batchSize: 16, seed: 0 });
  const n = limit ? Math.min(limit, ref.archs.length) : ref.archs.length;
  const archs = ref.archs.slice(0, n);

  process.chdir(projectRoot);
  let archSpec = 'all';
  if (check.archs === 'file') {
    // The arch file sits beside the output; its path (relative to the project root when inside it) is part
    // of the harvest settings, so the same command resumes the same table from any working directory.
    const archFileAbs = out.replace(/\.arrow$/, '') + '.archs.txt';
    const rel = relative(projectRoot, archFileAbs);
    archSpec = rel.startsWith('..') || isAbsolute(rel) ? archFileAbs : rel;
    const archText = `# ${n} ${label} cells of NAS-Bench-Suite-Zero (${check.file}), file order\n${archs.join('\n')}\n`;
    mkdirSync(dirname(archFileAbs), { recursive: true });
    if (!existsSync(archFileAbs) || readFileSync(archFileAbs, 'utf8') !== archText) writeFileSync(archFileAbs, archText);
  }

  const settings: HarvestSettings = {
    space: spaceName, dataset: 'cifar10', archs: archSpec, proxies, batchSize: 16, microBatch: 16, seed: 0, shard: null,
  };
  const t0 = performance.now();
  if (!finishedTable(out, settings)) {
    const result = await harvest(settings, { backend, workers, out });
    if (!result.complete) throw new UserError(`harvest of ${out} is incomplete (${result.done}/${result.planned}); rerun to resume`);
  }
  const harvestSeconds = (performance.now() - t0) / 1000;

  const tables = readHarvestTables(out);
  const { cells } = tables;
  const secondsCol = tables.cellColumn(COLUMNS.seconds);
  let cellSeconds = 0;
  for (let i = 0; i < cells.numRows; i++) cellSeconds += secondsCol.get(i) as number;

  const accs = ref.acc.map((a) => a.values.subarray(0, n));
  const accCols = ref.acc.flatMap((a) => [`τ ours~acc (${a.label})`, `τ NASLib~acc (${a.label})`]);
  const rows = [
    `| proxy | level | n | ρ ours~NASLib | τ ours~NASLib | ${accCols.join(' | ')} |`,
    `| --- | --- | ---: | ---: | ---: | ${accCols.map(() => '---:').join(' | ')} |`,
  ];
  const rho = new Map<string, number>();
  for (const p of new Set([...proxies, ...ref.scores.keys()])) {
    const harvested = proxies.includes(p);
    const theirs = ref.scores.get(p)?.subarray(0, n) ?? null;
    const level = !harvested ? '—' : NETWORK_LEVEL.has(p) || !NODE_PROXIES.has(p) ? 'network' : 'node';
    let ours: Float64Array | null = null;
    if (harvested) {
      const byArch = level === 'network' ? networkValues(tables, p) : nodeAggregates(tables, p);
      ours = Float64Array.from(archs, (a) => byArch.get(a) ?? Number.NaN);
    }
    // Each row is computed over the cells where our value (if any) is defined, so columns compare alike.
    const mask = ours ?? theirs!;
    const sel = (s: ArrayLike<number> | null) => (s ? Float64Array.from(s, (v, i) => (Number.isFinite(mask[i]) ? v : Number.NaN)) : null);
    const [o, t] = [ours, sel(theirs)];
    const stat = (a: ArrayLike<number> | null, b: ArrayLike<number> | null, fn: (x: number[], y: number[]) => number) =>
      a && b ? over([a, b], fn) : null;
    const cellsUsed = over([mask], () => 0).n;
    const r = stat(o, t, spearman);
    if (r) rho.set(p, r.value);
    const cols = [r, stat(o, t, kendallTauB), ...accs.flatMap((acc) => [stat(o, sel(acc), kendallTauB), stat(t, sel(acc), kendallTauB)])];
    rows.push(`| ${p}${harvested ? '' : ' (NASLib only)'} | ${level} | ${cellsUsed} | ${cols.map((c) => (c ? fmt(c.value) : '—')).join(' | ')} |`);
  }
  const accTau = accs.length > 1 ? over([accs[0], accs[1]], kendallTauB) : null;

  const verdicts: string[] = [];
  let failed = false;
  for (const [p, bar] of Object.entries(check.bar)) {
    if (!proxies.includes(p)) { verdicts.push(`- ${p}: not harvested, not checked (bar ρ ≥ ${bar})`); continue; }
    const r = rho.get(p) ?? Number.NaN;
    const ok = r >= bar;
    if (!ok) failed = true;
    verdicts.push(`- ${p}: ρ = ${fmt(r)} ${ok ? '≥' : '<'} ${bar}: ${ok ? 'PASS' : 'FAIL'}`);
  }

  const argv = process.argv.slice(2);
  const command = `npm run check:zc-reference${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const date = new Date().toISOString().slice(0, 10);
  const logStored = [...NODE_PROXIES.keys()].filter((p) => storedForm(p) === 'log1p');
  const md = [
    `## ${check.title}`,
    '',
    `Generated by \`${command}\` on ${date} (backend ${tables.meta.backend}).`,
    '',
    `Cells: ${n}${limit ? ` (first ${n} of ${ref.archs.length}, --limit)` : ''} ${label} cells of \`${check.file}\` (${ref.note}).`,
    `Ours: \`${shown(out)}\`, CIFAR-10 batch of ${settings.batchSize}, seed ${settings.seed}, ` +
      `${cells.numRows} cells, ${(cellSeconds / Math.max(cells.numRows, 1)).toFixed(2)} s/cell (cells table \`seconds\`).`,
    `Node-wise proxies are summed over the nodes that have a value (${logStored.join(', ')}: Σ expm1(v) in float64, as the table stores ln(1 + score) per node); ` +
      'jacov, nwot, zen, params and flops are network-level values from the `.cells.arrow` table. NASLib\'s values come from one other ' +
      'initialisation and batch, so only rank agreement is meaningful.',
    `ρ: Spearman, τ: Kendall τ-b, across cells; n: cells where our value is defined (each row uses the same cells in every column). acc: ${check.accNote}`,
    '',
    ...rows,
    '',
    ...(accTau ? [`τ between the two accuracy columns (${ref.acc[0].field} vs ${ref.acc[1].field}): ${fmt(accTau.value)} (n = ${accTau.n}).`, ''] : []),
    ...(verdicts.length
      ? [`Bar: Spearman ρ of ours vs NASLib ${describeBar(check.bar)}.`, '', ...verdicts]
      : ['No bar is set for this space; reported for comparison.']),
    '',
  ].join('\n');

  process.stdout.write(md);
  process.stdout.write(`\n(harvest step: ${formatDuration(harvestSeconds)} wall; ${formatDuration(cellSeconds)} of cell compute in the table` +
    ` → about ${formatDuration(cellSeconds / Math.max(cells.numRows, 1) * ref.archs.length / workers)} for all ${ref.archs.length} cells on ${workers} worker(s))\n`);
  if (doc) {
    writeSection(doc, spaceName, md);
    process.stdout.write(`wrote ${shown(doc)}\n`);
  }
  if (failed) process.stderr.write('check-zc-reference: below the bar (see FAIL above)\n');
  return failed ? 1 : 0;
}

await runScript('check-zc-reference', main);
