import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../backend/select.ts';
import { projectRoot } from '../data/paths.ts';
import { UserError } from '../errors.ts';
import { NETWORK_PROXIES, NODE_PROXIES, resolveProxies } from '../proxies/registry.ts';
import { getSpace } from '../spaces/index.ts';
import { Journal } from './journal.ts';
import { makePlan, shardPlan, type PlannedArch } from './plan.ts';
import { Progress } from './progress.ts';
import { decodeRecord, type CellRecord } from './record.ts';
import { describeSettingsDifference, settingsKey, type HarvestSettings, type RunOptions } from './settings.ts';
import { cellsTablePath, readHarvestTables, tablesToRecords, writeTables, type HarvestMetadata, type TableMeta } from './table.ts';
import type { FromWorker, ToWorker } from './worker.ts';

const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version as string;
const workerPath = join(dirname(fileURLToPath(import.meta.url)), 'worker.ts');

export const journalPath = (out: string) => `${out}.journal`;
export const lockPath = (out: string) => `${out}.lock`;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** One harvest per output: two would append the same cells to one journal. A lock whose process is
 * gone (killed) is stale and taken over. Returns the release function. */
function lockOutput(out: string): () => void {
  const path = lockPath(out);
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      // Also on process.exit (the SIGINT/SIGTERM handler exits without unwinding).
      const release = () => rmSync(path, { force: true });
      process.once('exit', release);
      return () => {
        process.off('exit', release);
        release();
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8'));
      if (pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new UserError(`another harvest (pid ${pid}) is writing ${out}: wait for it or stop it (lock file ${path})`);
      }
      rmSync(path, { force: true });
    }
  }
}

/** TensorFlow's and oneDNN's intra-op threads per worker (unless the user set them). oneDNN splits its
 * reductions by thread count, so values computed with 1 and 2 threads differ (up to 1% of a cell's largest
 * value on NB101): a fixed count keeps a cell's values independent of --workers, and the workers (one per
 * core by default) use the cores. */
function workerThreads(): string {
  return process.env.TF_NUM_INTRAOP_THREADS ?? '1';
}

function workerEnv(): NodeJS.ProcessEnv {
  const threads = workerThreads();
  return { ...process.env, TF_NUM_INTRAOP_THREADS: threads, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? threads };
}

/** The backend as recorded in the settings: a thread count other than the default one is part of it, so
 * a resume with another count is refused instead of mixing round-offs. */
export function harvestBackend(backend: string): string {
  const threads = workerThreads();
  return backend.startsWith('tensorflow') && threads !== '1' ? `${backend}/${threads}-threads` : backend;
}

/** Schema metadata and dictionaries of a harvest's tables. */
function tableMeta(settings: HarvestSettings, backend: string, archs: string[], done: number, planned: number): TableMeta {
  const space = getSpace(settings.space);
  const proxies = resolveProxies(settings.proxies);
  const nodeProxies = proxies.node.map((p) => p.name);
  const networkProxies = proxies.network.map((p) => p.name);
  const describe = (names: string[], reg: ReadonlyMap<string, { description: string }>) =>
    Object.fromEntries(names.map((n) => [n, reg.get(n)!.description]));
  const metadata: HarvestMetadata = {
    space: settings.space, dataset: settings.dataset, batchSize: settings.batchSize, microBatch: settings.microBatch,
    seed: settings.seed, archs: settings.archs, shard: settings.shard, proxies: settings.proxies, backend, parzcVersion: version,
    cells: done, plannedCells: planned, settings: settingsKey(settings, backend),
    proxyDescriptions: { ...describe(nodeProxies, NODE_PROXIES), ...describe(networkProxies, NETWORK_PROXIES) },
    slots: space.slots,
  };
  return {
    nodeProxies, networkProxies, archs, metadata,
    slotNames: space.slots.map((s) => s.name),
    nodeTypes: [...new Set(archs.flatMap((a) => space.build(a, 10).nodes.map((n) => n.type)))].sort(),
  };
}

/** Seeds a fresh journal from a previous (possibly partial) output table with the same settings, so a
 * committed partial table resumes like a journal. */
function journalFromTable(out: string, key: string, plan: PlannedArch[]): Journal | null {
  if (!existsSync(out)) return null;
  const tables = readHarvestTables(out);
  const written = tables.meta.settingsKey;
  if (written !== key) {
    throw new UserError(`${out} exists with other settings: ${describeSettingsDifference(key, written ?? '')}; choose another --out or delete it`);
  }
  const records = tablesToRecords(tables);
  records.forEach((r, i) => {
    if (plan[i]?.arch !== r.arch) throw new UserError(`${out}: row for ${r.arch} is not in plan order; delete it to start over`);
    r.position = plan[i].position;
  });
  const journal = Journal.open(journalPath(out), key);
  for (const r of records.slice(journal.done)) journal.append(r);
  journal.close();
  return Journal.open(journalPath(out), key);
}

/** Joins the tables of shards `i/n` of one harvest (same settings otherwise) into one table in plan order. */
export async function mergeShards(paths: string[], out: string): Promise<number> {
  if (!paths.length) throw new UserError('merge needs at least one shard table');
  let base: { settings: HarvestSettings; backend: string } | null = null;
  const byArch = new Map<string, CellRecord>();
  for (const p of paths) {
    const tables = readHarvestTables(p);
    const { settingsKey: written, settings: stored } = tables.meta;
    if (!stored?.space) throw new UserError(`${p} has no parzc harvest settings in its metadata`);
    const { backend, ...settings } = stored;
    const current = settingsKey(settings, backend);
    if (current !== written) {
      throw new UserError(`${p} was harvested with settings this parzc would not produce: ${describeSettingsDifference(current, written!)}`);
    }
    const unsharded = JSON.stringify({ ...settings, shard: null });
    if (base && (JSON.stringify({ ...base.settings, shard: null }) !== unsharded || base.backend !== backend)) {
      throw new UserError(`${p} was harvested with other settings than ${paths[0]}`);
    }
    base ??= { settings, backend };
    for (const r of tablesToRecords(tables)) byArch.set(r.arch, r);
  }
  const settings = { ...base!.settings, shard: null };
  const archs = makePlan(getSpace(settings.space), settings.archs, settings.seed);
  const present = archs.filter((a) => byArch.has(a));
  await writeTables(out, present.map((a, i) => ({ ...byArch.get(a)!, position: i })),
    tableMeta(settings, base!.backend, present, present.length, archs.length));
  process.stderr.write(`parzc: merged ${paths.length} shard tables into ${out} (${present.length}/${archs.length} cells)\n`);
  return present.length;
}

export interface HarvestResult {
  done: number;
  planned: number;
  complete: boolean;
  backend: string;
  /** tf.memory().numTensors reported by the workers after each cell (leak check). */
  tensorCounts: number[];
}

/** Harvests the planned architectures with `workers` processes into `out` (nodes) and its cells table.
 * Resumable: finished cells are journalled in plan order; a rerun continues after the last one. */
export async function harvest(settings: HarvestSettings, run: RunOptions): Promise<HarvestResult> {
  const space = getSpace(settings.space);
  resolveProxies(settings.proxies); // fail fast on an unknown name
  const archs = makePlan(space, settings.archs, settings.seed);
  const plan = shardPlan(space, archs, settings.shard);
  const backend = harvestBackend(await selectBackend(run.backend));
  const key = settingsKey(settings, backend);
  const jpath = journalPath(run.out);
  const unlock = lockOutput(run.out);
  try {
    return await harvestLocked(settings, run, plan, backend, key, jpath);
  } finally {
    unlock();
  }
}

async function harvestLocked(
  settings: HarvestSettings, run: RunOptions, plan: PlannedArch[], backend: string, key: string, jpath: string,
): Promise<HarvestResult> {
  const journal = existsSync(jpath) ? Journal.open(jpath, key) : journalFromTable(run.out, key, plan) ?? Journal.open(jpath, key);
  const todo = plan.slice(journal.done);
  process.stderr.write(`parzc: harvest ${settings.space}: ${plan.length} cells planned, ${journal.done} already done, ${todo.length} to go\n`);

  const tensorCounts: number[] = [];
  let done = journal.done;
  if (todo.length && !run.finalizeOnly) {
    const progress = new Progress(plan.length, done);
    try {
      await runWorkers(settings, run, todo, (r, numTensors) => {
        journal.append(r);
        tensorCounts.push(numTensors);
        progress.update(++done);
      });
    } finally {
      journal.close();
      progress.end(done);
    }
  } else journal.close();

  const complete = done === plan.length;
  const planned = plan.slice(0, done);
  await writeTables(run.out, Journal.records(jpath), tableMeta(settings, backend, planned.map((p) => p.arch), done, plan.length));
  if (complete) unlinkSync(jpath);
  process.stderr.write(`parzc: wrote ${run.out} and ${cellsTablePath(run.out)} (${done}/${plan.length} cells)\n`);
  return { done, planned: plan.length, complete, backend, tensorCounts };
}

/** Sends jobs to long-lived worker processes and hands back results in plan order (a reorder buffer),
 * so the journal is always a prefix of the plan. */
async function runWorkers(settings: HarvestSettings, run: RunOptions, todo: PlannedArch[],
  onRecord: (r: CellRecord, numTensors: number) => void): Promise<void> {
  const nWorkers = Math.max(1, Math.min(run.workers, todo.length));
  const env = workerEnv();
  const buffer = new Map<number, { r: CellRecord; t: number }>();
  const todoIndex = new Map(todo.map((p, i) => [p.position, i]));
  let nextToWrite = 0; // index into todo
  let nextToSend = 0;
  const children: ChildProcess[] = [];
  const stopAll = () => children.forEach((c) => c.connected && c.kill());
  const onSignal = () => {
    stopAll();
    process.stderr.write('\nparzc: interrupted; rerun the same command to resume\n');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const fail = (e: Error) => { stopAll(); reject(e); };
      for (let w = 0; w < nWorkers; w++) {
        const child = fork(workerPath, [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        const sendNext = () => {
          if (nextToSend < todo.length) child.send({ type: 'job', job: todo[nextToSend++] } satisfies ToWorker);
          else { child.disconnect(); if (++finished === nWorkers && nextToWrite === todo.length) resolve(); }
        };
        child.on('message', (m: FromWorker) => {
          if (m.type === 'ready') sendNext();
          else if (m.type === 'error') fail(m.user ? new UserError(m.message) : new Error(`worker failed: ${m.message}`));
          else {
            const r = decodeRecord(m.record);
            buffer.set(todoIndex.get(r.position)!, { r, t: m.numTensors });
            while (buffer.has(nextToWrite)) {
              const { r: rec, t } = buffer.get(nextToWrite)!;
              buffer.delete(nextToWrite++);
              onRecord(rec, t);
            }
            sendNext();
          }
        });
        child.on('exit', (code, signal) => {
          if (nextToWrite < todo.length && (code !== 0 || signal)) fail(new UserError(`harvest worker ${w} died (${signal ?? `exit ${code}`}); rerun the same command to resume`));
        });
        child.send({ type: 'init', settings, backend: run.backend } satisfies ToWorker);
      }
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
