// End to end through the harvest code path: harvest() from src/harvest/run.ts in this process (it
// forks the real worker processes) and `node bin/parzc.js harvest` as a child process where a
// process must be killed or its exit code and stderr checked. Light cells (at most one conv per cell)
// and batch 2 keep it quick.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../src/backend/select.ts';
import { projectRoot } from '../../src/data/paths.ts';
import { createCellMeasurer, explainHeapOverflow } from '../../src/harvest/measure-cell.ts';
import { UserError } from '../../src/errors.ts';
import { harvest, harvestBackend, journalPath, lockPath, type HarvestResult } from '../../src/harvest/run.ts';
import { describeSettingsDifference, settingsKey, type HarvestSettings } from '../../src/harvest/settings.ts';
import { cellsTablePath } from '../../src/harvest/table.ts';
import { paramCount } from '../../src/nn/network.ts';
import { enumerateNb201, nb201ArchToIndex, parseNb201, NB201_EDGES } from '../../src/spaces/nb201/cell.ts';
import { buildNb201Network, NB201_SLOTS } from '../../src/spaces/nb201/network.ts';

const PROXIES = 'grad_norm,synflow,params';
const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version as string;

/** Six light cells in plan order. The first has a conv on edge 0→1 whose node feeds only 'none' edges:
 * it never reaches the logits, so its gradient and synflow score are exactly zero. */
const ARCHS = [
  '|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|',
  '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|', // index 0
  '|skip_connect~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|skip_connect~2|',
  '|none~0|+|skip_connect~0|none~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|',
  '|nor_conv_1x1~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|',
  '|avg_pool_3x3~0|+|none~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|',
];

let dir: string;
let archsFile: string;
let settings: HarvestSettings;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parzc-harvest-test-'));
  archsFile = join(dir, 'archs.txt');
  writeFileSync(archsFile, `# six light NB201 cells\n${ARCHS.join('\n')}\n`);
  settings = {
    space: 'nb201', dataset: 'cifar10', archs: archsFile, proxies: PROXIES.split(','), batchSize: 2, microBatch: 2,
    seed: 0, shard: null,
  };
});

test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The same harvest as `parzc harvest` with these flags (the CLI's defaults: micro-batch = min(batch, 32)). */
const cliArgs = (out: string, workers: number) => [
  'bin/parzc.js', 'harvest', '--archs', archsFile, '--batch-size', '2', '--proxies', PROXIES, '--seed', '0',
  '--backend', 'wasm', '--workers', String(workers), '--out', out,
];

/** harvest() in this process, with its stderr captured (and still shown). */
async function runHarvest(out: string, workers: number): Promise<{ result: HarvestResult; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
    stderr += String(chunk);
    return (write as any)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const result = await harvest(settings, { backend: 'wasm', workers, out });
    return { result, stderr };
  } finally {
    process.stderr.write = write;
  }
}

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string }

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const readTable = (path: string): Table => tableFromIPC(readFileSync(path));

/** Column values as plain JS (Float32 columns as their bit patterns, so NaN and -0 compare exactly). */
function columnValues(t: Table, name: string): unknown[] {
  const col = t.getChild(name);
  assert.ok(col, `column ${name}`);
  if (String(col!.type) === 'Float32') {
    const out: number[] = [];
    const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
    for (let i = 0; i < col!.length; i++) {
      const v = col!.get(i);
      if (v === null) { out.push(-1); continue; }
      f[0] = v;
      out.push(bits[0]);
    }
    return out;
  }
  return Array.from(col!);
}

function assertTablesEqual(a: string, b: string, what: string): void {
  for (const [pa, pb] of [[a, b], [cellsTablePath(a), cellsTablePath(b)]]) {
    const ta = readTable(pa), tb = readTable(pb);
    assert.equal(ta.schema.fields.map((f) => `${f.name}:${f.type}`), tb.schema.fields.map((f) => `${f.name}:${f.type}`), `${what}: schema`);
    assert.equal([...ta.schema.metadata], [...tb.schema.metadata], `${what}: metadata`);
    assert.is(ta.numRows, tb.numRows, `${what}: rows`);
    for (const f of ta.schema.fields) {
      if (f.name === 'seconds') continue; // wall time
      assert.equal(columnValues(ta, f.name), columnValues(tb, f.name), `${what}: column ${f.name} of ${pa}`);
    }
  }
}

let reference: string;

test('(a) harvest writes node and cells tables with the documented columns and metadata', async () => {
  reference = join(dir, 'a.arrow');
  const { result, stderr } = await runHarvest(reference, 1);
  assert.equal({ done: result.done, planned: result.planned, complete: result.complete, backend: result.backend },
    { done: 6, planned: 6, complete: true, backend: 'wasm' });
  assert.match(stderr, '6 cells planned, 0 already done, 6 to go');
  assert.ok(!existsSync(journalPath(reference)), 'journal removed once complete');
  // The workers' tensor counts stay flat from cell to cell.
  assert.is(result.tensorCounts.length, 6);
  assert.ok(result.tensorCounts.every((n) => n === result.tensorCounts[0]), `worker tensors ${result.tensorCounts}`);

  const nodes = readTable(reference);
  const cells = readTable(cellsTablePath(reference));
  assert.equal(nodes.schema.fields.map((f) => f.name), ['arch', 'arch_index', 'node', 'node_name', 'node_type', 'grad_norm', 'synflow']);
  assert.equal(cells.schema.fields.map((f) => f.name), ['arch', 'arch_index', 'params', 'seconds']);
  const type = (t: Table, name: string) => t.schema.fields.find((f) => f.name === name)!.type;
  // Dictionary indices are as narrow as the dictionary allows: a handful of archs, 98 slots, 3 types.
  for (const name of ['arch', 'node_name', 'node_type']) assert.is(String(type(nodes, name)), 'Dictionary<Int8, Utf8>', name);
  for (const name of ['arch_index', 'node']) assert.is(String(type(nodes, name)), 'Int32', name);
  for (const name of ['grad_norm', 'synflow']) assert.is(String(type(nodes, name)), 'Float32', name);
  assert.is(String(type(cells, 'arch')), 'Dictionary<Int8, Utf8>');
  assert.is(String(type(cells, 'arch_index')), 'Int32');
  assert.is(String(type(cells, 'params')), 'Float64');
  assert.is(String(type(cells, 'seconds')), 'Float32');

  for (const t of [nodes, cells]) {
    const meta = t.schema.metadata;
    const expected: Record<string, string> = {
      space: 'nb201', dataset: 'cifar10', batch_size: '2', micro_batch: '2', seed: '0', proxies: PROXIES,
      node_proxies: 'grad_norm,synflow', network_proxies: 'params', backend: 'wasm', parzc_version: version,
      cells: '6', planned_cells: '6', complete: 'true', archs: archsFile,
    };
    for (const [k, v] of Object.entries(expected)) assert.is(meta.get(k), v, `metadata ${k}`);
    assert.is(JSON.parse(meta.get('slots')!).length, 98);
  }

  // Rows: every node of every arch, in plan order and slot order, with the arch's ops as node types.
  const rows = nodes.toArray().map((r) => r.toJSON());
  let row = 0;
  ARCHS.forEach((arch, a) => {
    const net = buildNb201Network(parseNb201(arch));
    const cell = parseNb201(arch);
    assert.is(cells.get(a)!.arch, arch);
    assert.is(cells.get(a)!.arch_index, nb201ArchToIndex(arch));
    assert.ok(Math.abs(cells.get(a)!.params - paramCount(net) / 1e6) < 1e-12, `params of ${arch}`);
    for (const node of net.nodes) {
      const r = rows[row++];
      assert.equal({ arch: r.arch, arch_index: r.arch_index, node: r.node, node_name: r.node_name, node_type: r.node_type },
        { arch, arch_index: nb201ArchToIndex(arch), node: node.slot, node_name: NB201_SLOTS[node.slot].name, node_type: node.type });
      const m = /edge_(\d)_(\d)$/.exec(node.name);
      if (m) assert.is(r.node_type, cell[NB201_EDGES.findIndex(([f, t]) => f === Number(m[1]) && t === Number(m[2]))]);
      assert.ok(Number.isFinite(r.grad_norm) && r.grad_norm >= 0, `grad_norm ${r.grad_norm}`);
      assert.ok(Number.isFinite(r.synflow) && r.synflow >= 0, `synflow ${r.synflow}`);
      // First arch: the conv on edge 0→1 feeds nothing that reaches the output.
      const deadEnd = a === 0 && node.name.endsWith('edge_0_1');
      if (deadEnd) assert.equal([r.grad_norm, r.synflow], [0, 0], `${node.name} is cut off from the logits`);
      else assert.ok(r.grad_norm > 0 && r.synflow > 0, `${arch} ${node.name}: ${r.grad_norm}, ${r.synflow}`);
    }
  });
  assert.is(row, nodes.numRows);

  // Optional cross-check with another Arrow implementation.
  if (spawnSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore' }).status !== 0) {
    console.log('  (pyarrow check skipped: `python3 -c "import pyarrow"` failed)');
    return;
  }
  const py = spawnSync('python3', ['-c', `
import json, sys, pyarrow.ipc as ipc
out = []
for p in sys.argv[1:]:
    t = ipc.open_file(p).read_all()
    out.append({"rows": t.num_rows, "columns": t.column_names, "meta": sorted(k.decode() for k in t.schema.metadata),
                "first": {c: t.column(c)[0].as_py() for c in t.column_names if c != "seconds"}})
print(json.dumps(out))
`, reference, cellsTablePath(reference)], { encoding: 'utf8' });
  assert.is(py.status, 0, py.stderr);
  const [pn, pc] = JSON.parse(py.stdout);
  assert.is(pn.rows, nodes.numRows);
  assert.equal(pn.columns, nodes.schema.fields.map((f) => f.name));
  assert.equal(pc.columns, cells.schema.fields.map((f) => f.name));
  assert.is(pc.rows, 6);
  assert.equal(pn.meta, [...nodes.schema.metadata.keys()].sort());
  const first = rows[0];
  assert.equal(pn.first, { arch: first.arch, arch_index: first.arch_index, node: first.node, node_name: first.node_name,
    node_type: first.node_type, grad_norm: first.grad_norm, synflow: first.synflow });
});

test('(b) the same harvest into another file (2 workers) gives bit-identical columns', async () => {
  const again = join(dir, 'b.arrow');
  const { result } = await runHarvest(again, 2);
  assert.is(result.done, 6);
  assertTablesEqual(reference, again, 'rerun');
});

test('(c) a harvest whose worker is SIGKILLed resumes and ends equal to an uninterrupted run', async () => {
  const out = join(dir, 'c.arrow');
  const child = spawn(process.execPath, cliArgs(out, 1), { cwd: projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let killed = 0;
  try {
    const deadline = Date.now() + 180_000;
    let exitedEarly = false;
    void exited.then(() => { exitedEarly = true; });
    // Wait for ≥ 1 journalled cell (header + one record line), then kill the worker process.
    while (!killed) {
      assert.ok(!exitedEarly, `harvest exited before a cell was journalled: ${stderr}`);
      assert.ok(Date.now() < deadline, 'timed out waiting for a journalled cell');
      const jp = journalPath(out);
      const lines = existsSync(jp) ? readFileSync(jp, 'utf8').split('\n').filter(Boolean).length : 0;
      if (lines >= 2) {
        const ps = spawnSync('ps', ['--ppid', String(child.pid), '-o', 'pid=,args='], { encoding: 'utf8' });
        const worker = ps.stdout.split('\n').find((l) => l.includes('worker.ts'));
        assert.ok(worker, `no worker among the children of ${child.pid}:\n${ps.stdout}`);
        killed = Number(worker!.trim().split(/\s+/)[0]);
        process.kill(killed, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const { code } = await exited;
    assert.ok(code !== 0 && code !== null, `interrupted harvest exits non-zero (got ${code})`);
    assert.match(stderr, /harvest worker 0 died \(SIGKILL\); rerun the same command to resume/);
    assert.not.match(stderr, /\n\s+at /, 'no stack trace');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const journalled = readFileSync(journalPath(out), 'utf8').split('\n').filter(Boolean).length - 1;
  assert.ok(journalled >= 1 && journalled < 6, `${journalled} cells journalled before the kill`);
  assert.ok(!existsSync(out), 'no table written by the interrupted run');

  // The same command again: it continues after the journalled cells.
  const { result, stderr: resumed } = await runHarvest(out, 1);
  const m = /(\d+) already done, (\d+) to go/.exec(resumed);
  assert.ok(m, resumed);
  assert.ok(Number(m![1]) > 0 && Number(m![1]) === journalled, `resumed after ${m![1]} cells (journal had ${journalled})`);
  assert.is(result.tensorCounts.length, 6 - journalled, 'only the remaining cells were computed');
  assert.is(result.done, 6);
  assertTablesEqual(reference, out, 'resumed');
});

test('(d) a bad arch in the --archs file, or an unknown proxy: one-line error, non-zero exit, no stack', async () => {
  const bad = join(dir, 'bad-archs.txt');
  writeFileSync(bad, `${ARCHS[0]}\n|nor_conv_3x3~0|+|skip_connect~0|conv_5x5~1|+|none~0|none~1|none~2|\n`);
  const [archRun, proxyRun] = await Promise.all([
    runCli(['bin/parzc.js', 'harvest', '--archs', bad, '--batch-size', '2', '--backend', 'wasm', '--out', join(dir, 'd1.arrow')]),
    runCli(['bin/parzc.js', 'harvest', '--archs', archsFile, '--proxies', 'grad_norm,bogus_proxy', '--backend', 'wasm', '--out', join(dir, 'd2.arrow')]),
  ]);
  for (const [run, fragments] of [
    [archRun, [`${bad}:2:`, '"conv_5x5~1"', 'unknown op "conv_5x5"']],
    [proxyRun, ['unknown proxy "bogus_proxy"', 'grad_norm']],
  ] as [Run, string[]][]) {
    assert.ok(run.code !== 0 && run.code !== null, `exit code ${run.code}`);
    const lines = run.stderr.trim().split('\n');
    assert.is(lines.length, 1, `one line of stderr, got:\n${run.stderr}`);
    assert.ok(lines[0].startsWith('parzc: error: '), lines[0]);
    for (const f of fragments) assert.ok(lines[0].includes(f), `"${f}" in: ${lines[0]}`);
  }
  assert.ok(!existsSync(join(dir, 'd1.arrow')) && !existsSync(journalPath(join(dir, 'd1.arrow'))), 'nothing written');
});

test('a second harvest into the same output is refused while the first runs; a stale lock is taken over', async () => {
  const out = join(dir, 'locked.arrow');
  writeFileSync(lockPath(out), String(process.ppid)); // a live process holds it
  const err = await harvest(settings, { backend: 'wasm', workers: 1, out, finalizeOnly: true }).catch((e) => e);
  assert.ok(err instanceof UserError);
  assert.match(err.message, new RegExp(`another harvest \\(pid ${process.ppid}\\) is writing`));
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its lock is stale
  writeFileSync(lockPath(out), String(dead));
  const r = await harvest(settings, { backend: 'wasm', workers: 1, out, finalizeOnly: true });
  assert.is(r.done, 0);
  assert.not.ok(existsSync(lockPath(out)), 'the lock is released');
});

test('a revised proxy is part of the settings key, so old journals and tables are refused with the reason', () => {
  const base: HarvestSettings = { space: 'nb201', dataset: 'cifar10', archs: '4', proxies: ['grad_norm'], batchSize: 16, microBatch: 16, seed: 0, shard: null };
  const plain = settingsKey(base, 'cpu');
  assert.not.ok(plain.includes('revisions'), 'revision-1 proxies keep the original key');
  const revised = settingsKey({ ...base, proxies: ['grad_norm', 'grasp'] }, 'cpu');
  assert.ok(revised.includes('"revisions":{"grasp":2}'), revised);
  const old = revised.replace(',"revisions":{"grasp":2}', '');
  assert.is(describeSettingsDifference(revised, old), 'revisions ({"grasp":2} here, none there)');
  assert.is(describeSettingsDifference(plain, settingsKey({ ...base, seed: 1 }, 'wasm')), 'seed (0 here, 1 there), backend ("cpu" here, "wasm" there)');
});

test('the TensorFlow intra-op thread count is part of the recorded backend unless it is the default 1', () => {
  const saved = process.env.TF_NUM_INTRAOP_THREADS;
  try {
    delete process.env.TF_NUM_INTRAOP_THREADS;
    assert.is(harvestBackend('tensorflow+onednn'), 'tensorflow+onednn');
    process.env.TF_NUM_INTRAOP_THREADS = '2';
    assert.is(harvestBackend('tensorflow+onednn'), 'tensorflow+onednn/2-threads');
    assert.is(harvestBackend('wasm'), 'wasm', 'only TensorFlow reads the variable');
  } finally {
    if (saved === undefined) delete process.env.TF_NUM_INTRAOP_THREADS;
    else process.env.TF_NUM_INTRAOP_THREADS = saved;
  }
});

test('a wasm heap overflow becomes a one-line error naming a smaller --micro-batch; other errors pass through', () => {
  const e = explainHeapOverflow(new WebAssembly.RuntimeError('memory access out of bounds'), 'adj=…', 16);
  assert.ok(e instanceof UserError);
  assert.match((e as Error).message, /--micro-batch 16; rerun with --micro-batch 4/);
  assert.not.match((e as Error).message, /\n/);
  const other = new Error('boom');
  assert.is(explainHeapOverflow(other, 'a', 16), other);
});

test('(e) 100 cells measured in one process keep tf.memory().numTensors flat', async () => {
  await selectBackend('wasm');
  // The lightest archs, to stay well under a minute: cells without convs (729 of them; 100 spread over the
  // official order). They still run every layer function (stem, ReLU-conv-BN reductions, shortcut convs,
  // skip/avg-pool/none edges, head) and every pass of these proxies; ≤ 1 conv per cell costs ~1.7× more.
  const convs = (arch: string) => parseNb201(arch).filter((op) => op.startsWith('nor_conv')).length;
  const light = enumerateNb201().filter((a) => convs(a) === 0);
  assert.is(light.length, 729);
  const archs = Array.from({ length: 100 }, (_, i) => light[Math.floor((i * light.length) / 100)]);
  assert.is(new Set(archs).size, 100);
  const measurer = createCellMeasurer({ ...settings, archs: 'irrelevant', proxies: ['grad_norm', 'synflow', 'l2_norm'] });
  const counts: number[] = [], ids: number[] = [];
  const start = performance.now();
  try {
    archs.forEach((arch, position) => {
      const r = measurer.measure({ position, arch, index: nb201ArchToIndex(arch) });
      assert.is(r.values.length, r.slots.length * 3);
      counts.push(tf.memory().numTensors);
      ids.push(tf.backend().numDataIds());
    });
  } finally {
    measurer.dispose();
  }
  console.log(`  100 light cells in ${((performance.now() - start) / 1000).toFixed(1)} s; numTensors ${counts[0]}, data ids ${ids[0]}`);
  assert.ok(counts.every((n) => n === counts[0]), `numTensors after each cell: ${counts}`);
  assert.ok(ids.every((n) => n === ids[0]), `backend data ids after each cell: ${ids}`);
});

test.run();
