// Harvest throughput on a fixed sample of NB201 cells (--archs 50, seed 0; grad_norm, snip, synflow;
// batch 16) with 1 and 2 worker processes, into a temporary directory. Reports cells/s with and without
// start-up, per-cell seconds from the cells table, and the peak RSS of the worker processes, next to the
// peer bar (PyTorch 1.13 research code: 1.9 cells/s on one thread, 2.6 on two). Prints a markdown table
// and appends it to docs/benchmarks.md.
// Usage: npm run bench:harvest [-- --backend auto|tensorflow|wasm|cpu --workers 1,2 --cells 50 --doc docs/benchmarks.md]
// (--doc none appends nothing)
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/backend/select.ts';
import { loadImageBatch } from '../src/data/cifar.ts';
import { projectRoot } from '../src/data/paths.ts';
import { runScript, UserError } from '../src/errors.ts';
import { harvest, journalPath } from '../src/harvest/run.ts';
import type { HarvestSettings } from '../src/harvest/settings.ts';
import { enumerateNb201 } from '../src/spaces/nb201/cell.ts';
import { COLUMNS, readHarvestTables } from '../src/harvest/table.ts';

const PROXIES = ['grad_norm', 'snip', 'synflow'];
const DEFAULT_DOC = 'docs/benchmarks.md';
/** The peer to beat: PyTorch 1.13 research code, cells/s by thread count. */
const PEER: Record<number, number> = { 1: 1.9, 2: 2.6 };

const positiveInt = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  return n;
};

/** Direct children of this process. */
function childPids(): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const text = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
      if (text) pids.push(...text.split(/\s+/).map(Number));
    }
    return pids;
  } catch {
    // No CONFIG_PROC_CHILDREN: scan every process for its parent id (field 4 of /proc/<pid>/stat).
  }
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) pids.push(Number(d));
      } catch { /* exited meanwhile */ }
    }
  } catch { /* no /proc: no RSS figures */ }
  return pids;
}

/** A harvest worker (not, say, tsx's esbuild service, which is also a child of this process). */
function isWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.ts');
  } catch {
    return false;
  }
}

/** VmHWM (peak resident set) of a process in KiB, null if unknown. */
function peakRssKiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

interface RunResult {
  workers: number;
  backend: string;
  cells: number;
  wall: number;
  startup: number;
  cellSeconds: number[];
  /** Peak RSS of each worker process, KiB. */
  workerPeaks: number[];
}

/** One harvest of `cells` cells with `workers` processes, timed, its workers' memory sampled. */
async function benchRun(dir: string, cells: number, workers: number, backend: BackendName): Promise<RunResult> {
  const out = join(dir, `bench-w${workers}.arrow`);
  const settings: HarvestSettings = {
    space: 'nb201', dataset: 'cifar10', archs: String(cells), proxies: PROXIES, batchSize: 16, microBatch: 16, seed: 0, shard: null,
  };
  const peaks = new Map<number, number>();
  const journal = journalPath(out);
  // Time at which the k-th record reached the journal (the harvest appends one line per cell, in plan order).
  const arrivals: number[] = [];
  let seenBytes = 0;
  const poll = () => {
    for (const pid of childPids()) {
      if (!isWorker(pid)) continue;
      const kib = peakRssKiB(pid);
      if (kib !== null) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kib));
    }
    try {
      const buf = readFileSync(journal);
      if (buf.length > seenBytes) {
        const now = performance.now();
        let lines = 0;
        for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lines++;
        while (arrivals.length < lines - 1) arrivals.push(now); // first line is the settings header
        seenBytes = buf.length;
      }
    } catch { /* not yet created, or already removed */ }
  };
  const t0 = performance.now();
  const timer = setInterval(poll, 50);
  let result;
  try {
    result = await harvest(settings, { backend, workers, out });
  } finally {
    clearInterval(timer);
  }
  const wall = (performance.now() - t0) / 1000;
  const tables = readHarvestTables(out);
  const table = tables.cells;
  const secCol = tables.cellColumn(COLUMNS.seconds);
  const cellSeconds = Array.from({ length: table.numRows }, (_, i) => secCol.get(i) as number);
  // Start-up (harvest set-up, worker spawn, tsx, TensorFlow.js and backend init) = arrival of the first
  // record minus its own compute time. Falls back to 0 if the journal was never seen.
  const startup = arrivals.length ? Math.max(0, (arrivals[0] - t0) / 1000 - cellSeconds[0]) : 0;
  return { workers, backend: result.backend, cells: table.numRows, wall, startup, cellSeconds, workerPeaks: [...peaks.values()] };
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' }, workers: { type: 'string', default: '1,2' },
      cells: { type: 'string', default: '50' }, doc: { type: 'string' }, keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const backend = opts.backend as BackendName;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UserError(`--backend ${backend}: expected auto, tensorflow, wasm or cpu`);
  const workerCounts = opts.workers.split(',').map((w) => positiveInt('workers', w.trim()));
  const cells = positiveInt('cells', opts.cells);
  const doc = (opts.doc ?? DEFAULT_DOC) === 'none' ? null : resolve(process.cwd(), opts.doc ?? join(projectRoot, DEFAULT_DOC));

  // Fail on a missing data file with one line before any worker starts.
  enumerateNb201();
  loadImageBatch({ dataset: 'cifar10', batchSize: 16, seed: 0 });

  const load = loadavg()[0];
  const dir = mkdtempSync(join(tmpdir(), 'parzc-bench-'));
  const results: RunResult[] = [];
  try {
    for (const w of workerCounts) {
      process.stderr.write(`bench-harvest: ${cells} cells, ${w} worker(s)\n`);
      results.push(await benchRun(dir, cells, w, backend));
    }
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }

  const argv = process.argv.slice(2);
  const command = `npm run bench:harvest${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const rows = [
    '| workers | backend | cells | wall s | cells/s (incl. start-up) | start-up s (est.) | cells/s (excl. start-up) | s/cell mean | s/cell p50 | s/cell p90 | peak RSS/worker MiB | peer cells/s (PyTorch 1.13) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const sorted = [...r.cellSeconds].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(sorted.length, 1);
    const peak = r.workerPeaks.length ? Math.max(...r.workerPeaks) / 1024 : Number.NaN;
    rows.push(`| ${r.workers} | ${r.backend} | ${r.cells} | ${f(r.wall, 1)} | ${f(r.cells / r.wall)} | ${f(r.startup, 1)} | ` +
      `${f(r.cells / Math.max(r.wall - r.startup, 1e-9))} | ${f(mean)} | ${f(quantile(sorted, 0.5))} | ${f(quantile(sorted, 0.9))} | ` +
      `${f(peak, 0)}${r.workerPeaks.length > 1 ? ` (Σ ${f(r.workerPeaks.reduce((a, b) => a + b, 0) / 1024, 0)})` : ''} | ${PEER[r.workers] ?? '—'} |`);
  }
  const md = [
    `## Harvest throughput, ${when}`,
    '',
    `\`${command}\`: NB201, ${cells} cells (\`--archs ${cells}\`, seed 0), proxies ${PROXIES.join(', ')}, CIFAR-10 batch 16; ` +
      `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, load average ${load.toFixed(2)} at the start.`,
    '',
    ...rows,
    '',
    'Wall: the harvest call (plan, worker spawn and initialisation, cells, table writing). Start-up (estimate): arrival of the first ' +
      'record minus its own compute time, i.e. worker spawn, tsx, TensorFlow.js and backend initialisation; the first cell\'s ' +
      'warm-up counts as compute. s/cell: the cells table\'s `seconds` column (per worker, so with 2 workers the rate is about 2/mean). ' +
      'Peak RSS: VmHWM of each worker process (max; Σ over workers). Threads: one TensorFlow intra-op thread per worker unless ' +
      'the backend names another count (`TF_NUM_INTRAOP_THREADS`). Peer bar: PyTorch 1.13 research code, 1.9 cells/s on one thread, 2.6 on two.',
    '',
  ].join('\n');
  process.stdout.write(md);
  if (doc) {
    mkdirSync(dirname(doc), { recursive: true });
    if (!existsSync(doc)) appendFileSync(doc, '# Benchmarks\n\n');
    appendFileSync(doc, md + '\n');
    process.stdout.write(`appended to ${relative(projectRoot, doc).startsWith('..') ? doc : relative(projectRoot, doc)}\n`);
  }
}

await runScript('bench-harvest', main);
