// Trainer tests on tiny GENERATED fixtures. Everything here is SYNTHETIC: the harvest table is
// written with the harvest table writer from made-up node values, and the "ground truth" is a known
// function of those values. No real benchmark data is involved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { tableFromIPC } from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { UserError } from '../../src/errors.ts';
import type { CellRecord } from '../../src/harvest/record.ts';
import { writeTables, type HarvestMetadata } from '../../src/harvest/table.ts';
import { randomSource } from '../../src/random.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { fitForest, fitRidge, predictForest, predictRidge } from '../../src/train/baselines.ts';
import { buildDataset, loadHarvest, readHarvest, restrictCells, selectProxies, splitDataset, type Truth } from '../../src/train/dataset.ts';
import { applyFeatures, fitFeatures, nodeAggregates, selectCells, signedLog, summedProxies, typedSummedProxies, type FeatureConfig } from '../../src/train/features.ts';
import { Mabn, type MabnConfig } from '../../src/train/mabn.ts';
import { createRunDir } from '../../src/train/run-dir.ts';
import { evaluateRun } from '../../src/eval/evaluate-run.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { blendScores, predict } from '../../src/train/predict.ts';
import { train } from '../../src/train/trainer.ts';
import { kendallTauB } from '../../src/eval/metrics.ts';

await tf.setBackend('cpu');
const tmp = mkdtempSync(join(tmpdir(), 'parzc-train-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const space = getSpace('nb201');
const S = space.slots.length;
const N = 60;
/** SYNTHETIC latent quality of cell i; node proxy "a" grows with it, "b" is noise. */
const latent = Array.from({ length: N }, (_, i) => Math.sin(i * 1.7) * 0.5 + (i % 7) / 7);
const archs = space.enumerate().slice(0, N);
const truth = new Map<string, Truth>(archs.map((a, i) => [a, { val: 50 + 10 * latent[i], test: 50.5 + 10 * latent[i] }]));

/** A SYNTHETIC harvest of the first N cells of `spaceName`: node proxy "a" sums to latent + 1 over a
 * cell's nodes, every other node proxy is noise; network proxy params grows with the latent. Node types
 * alternate pool, conv, …; the last node of the last cell is the only "rare" one. */
const syntheticType = (cell: number, k: number, nodes: number) => (cell === N - 1 && k === nodes - 1 ? 'rare' : k % 2 ? 'conv' : 'pool');
async function writeSynthetic(path: string, archMode = 'synthetic', spaceName = 'nb201', nodeProxies = ['a', 'b']): Promise<string[]> {
  const sp = getSpace(spaceName);
  const cells = sp.enumerate().slice(0, N);
  const P = nodeProxies.length;
  const rng = randomSource(7);
  const records: CellRecord[] = cells.map((arch, i) => {
    const nodes = 3 + (i % 4); // varying node counts: the rest of the slots are padding
    const slots = Array.from({ length: nodes }, (_, k) => k * 7);
    const values = new Float32Array(nodes * P);
    slots.forEach((_, k) => nodeProxies.forEach((name, p) => {
      values[k * P + p] = name === 'a' ? ((latent[i] + 1) * (k + 1)) / ((nodes * (nodes + 1)) / 2) : rng.normal();
    }));
    return { position: i, arch, index: i, slots, names: slots.map((s) => sp.slots[s].name), types: slots.map((_, k) => syntheticType(i, k, nodes)),
      values, network: [1000 + 100 * latent[i]], seconds: 0 };
  });
  await writeTables(path, records, {
    nodeProxies, networkProxies: ['params'], archs: cells,
    slotNames: sp.slots.map((s) => s.name), nodeTypes: ['conv', 'pool', 'rare'],
    metadata: { space: spaceName, archs: archMode, slots: sp.slots },
  });
  return cells;
}

const harvestPath = join(tmp, 'synthetic.arrow');
await writeSynthetic(harvestPath);

const baseConfig = (extra: Record<string, unknown> = {}) => resolveConfig({
  harvest: { path: harvestPath }, split: { train: 24, seed: 1, test: 'rest' },
  model: { dim: 8, depth: 1, tokenHidden: 8, channelHidden: 8, mcSamples: 3, rho0: -3 },
  optim: { epochs: 4, batchSize: 12, lr: 0.01 }, eval: { every: 2, monitor: 10, rf: { trees: 10, maxDepth: 4, minLeaf: 2, maxFeatures: 0.5 } },
  runs: join(tmp, 'runs'), ...extra,
});
const quiet = { truth, progress: false };

test('dataset: padding to the slot count with a mask (synthetic)', () => {
  const h = readHarvest(harvestPath);
  assert.is(h.slotCount, S);
  const ds = buildDataset(h, truth);
  assert.is(ds.archs.length, N);
  const cell = 1; // 4 nodes at slots 0, 7, 14, 21
  const r = ds.source[cell];
  assert.equal([...h.mask.subarray(r * S, r * S + 22)].map((v, s) => (v ? s : -1)).filter((s) => s >= 0), [0, 7, 14, 21]);
  assert.ok(Number.isNaN(h.values[(r * S + 1) * 2]));
  const f = applyFeatures(ds, [cell], fitFeatures(ds, [0, 1, 2], { transform: 'zscore', opEncoding: true, summed: true, network: true }));
  assert.is(f.tokens[1 * 2], 0, 'padding token is zero');
  assert.is(f.extraWidth, 30 + 2 + 1);
});

test('dataset: unique tables expand to every isomorphic member with the representative statistics', async () => {
  const p = join(tmp, 'unique.arrow');
  await writeSynthetic(p, 'unique');
  const ds = buildDataset(readHarvest(p), null);
  assert.ok(ds.archs.length > N);
  for (let i = 0; i < ds.archs.length; i++) {
    assert.is(space.isomorphismKey(ds.archs[i]), space.isomorphismKey(archs[ds.source[i]]));
  }
});

/** SYNTHETIC table of one more node proxy "c" (= 100·i + slot) and network "nwot" (= i) for cells
 * `cells` of archs, written in reverse order; `opts` renames the proxies, adds metadata or moves the nodes. */
async function writeExtra(path: string, cells: number[], opts: { node?: string; network?: string; meta?: Partial<HarvestMetadata>; slotStep?: number } = {}): Promise<void> {
  const { node = 'c', network = 'nwot', meta = {}, slotStep = 7 } = opts;
  const order = cells.slice().reverse();
  const records: CellRecord[] = order.map((i, position) => {
    const slots = Array.from({ length: 3 + (i % 4) }, (_, k) => k * slotStep);
    return { position, arch: archs[i], index: i, slots, names: slots.map((s) => space.slots[s].name), types: slots.map(() => 'synthetic'),
      values: Float32Array.from(slots, (s) => 100 * i + s), network: [i], seconds: 0 };
  });
  await writeTables(path, records, {
    nodeProxies: [node], networkProxies: [network], archs: order.map((i) => archs[i]),
    slotNames: space.slots.map((s) => s.name), nodeTypes: ['synthetic'],
    metadata: { space: 'nb201', archs: 'synthetic', slots: space.slots, ...meta },
  });
}

test('dataset: tables of further proxies join by arch; missing cells and repeated proxies are UserErrors', async () => {
  const extraPath = join(tmp, 'extra.arrow');
  await writeExtra(extraPath, archs.map((_, i) => i));
  const main = readHarvest(harvestPath);
  const h = loadHarvest(harvestPath, [extraPath]);
  assert.equal(h.nodeProxies, ['a', 'b', 'c']);
  assert.equal(h.networkProxies, ['params', 'nwot']);
  for (const i of [0, 5, N - 1]) {
    for (const s of [0, 7, 14]) {
      assert.is(h.values[(i * S + s) * 3], main.values[(i * S + s) * 2]);
      assert.is(h.values[(i * S + s) * 3 + 1], main.values[(i * S + s) * 2 + 1]);
      assert.is(h.values[(i * S + s) * 3 + 2], 100 * i + s);
    }
    assert.equal([h.network[i * 2], h.network[i * 2 + 1]], [main.network[i], i]);
  }
  const partial = join(tmp, 'extra-partial.arrow');
  await writeExtra(partial, [0, 1, 2]);
  const err = (f: () => unknown) => { try { f(); } catch (e) { assert.ok(e instanceof UserError); return (e as Error).message; } return null; };
  assert.match(err(() => loadHarvest(harvestPath, [partial]))!, /lacks 57 of the 60 cells/);
  assert.match(err(() => loadHarvest(harvestPath, [harvestPath]))!, /repeats proxies.*a, b, params/);
  // Statistics of another batch or initialisation, or of other nodes, do not describe the same network.
  const seed0 = join(tmp, 'extra-seed0.arrow'), seed1 = join(tmp, 'extra-seed1.arrow'), moved = join(tmp, 'extra-moved.arrow');
  await writeExtra(seed0, archs.map((_, i) => i), { meta: { seed: 0, batchSize: 16 } });
  await writeExtra(seed1, archs.map((_, i) => i), { node: 'd', network: 'zen', meta: { seed: 1, batchSize: 16 } });
  await writeExtra(moved, archs.map((_, i) => i), { node: 'd', network: 'zen', slotStep: 6 });
  assert.match(err(() => loadHarvest(harvestPath, [seed0, seed1]))!, /extra-seed1\.arrow was measured with seed 1, .* with seed 0/);
  assert.match(err(() => loadHarvest(harvestPath, [moved]))!, /extra-moved\.arrow has other nodes than .* \(slot 6\)/);
});

test('split: seeded, disjoint, rest or all', () => {
  const a = splitDataset(50, 10, 3, 'rest'), b = splitDataset(50, 10, 3, 'rest');
  assert.equal(a, b);
  assert.is(a.test.length, 40);
  assert.ok(a.train.every((i) => !a.test.includes(i)));
  assert.is(splitDataset(50, 10, 3, 'all').test.length, 50);
  assert.throws(() => splitDataset(10, 10, 0, 'rest'), (e: unknown) => e instanceof UserError);
  // testCells: the same held-out cells for every training size of a seed, disjoint from training.
  const held = splitDataset(50, 5, 3, 'rest', 20), held2 = splitDataset(50, 25, 3, 'rest', 20);
  assert.is(held.test.length, 20);
  assert.equal(held.test, held2.test);
  assert.ok(held2.train.every((i) => !held2.test.includes(i)));
  assert.ok(held.train.every((i) => held2.train.includes(i)), 'training sets are nested');
  assert.throws(() => splitDataset(50, 31, 3, 'rest', 20), (e: unknown) => e instanceof UserError);
  assert.throws(() => splitDataset(50, 10, 3, 'all', 20), (e: unknown) => e instanceof UserError);
});

test('features: fitted on training cells only', () => {
  const ds = buildDataset(readHarvest(harvestPath), truth);
  const train = [0, 1, 2, 3, 4, 5];
  for (const transform of ['log', 'zscore', 'rank'] as const) {
    const cfg: FeatureConfig = { transform, opEncoding: false, summed: true, network: true };
    const before = JSON.stringify(fitFeatures(ds, train, cfg));
    const saved = Float32Array.from(ds.harvest.values);
    for (let i = 10 * S * 2; i < ds.harvest.values.length; i++) ds.harvest.values[i] *= 1000; // perturb non-training cells
    const after = JSON.stringify(fitFeatures(ds, train, cfg));
    ds.harvest.values.set(saved);
    assert.is(after, before, transform);
  }
  // ParZC min-max: per cell and proxy, the real nodes span [0, 1].
  const f = applyFeatures(ds, [3], fitFeatures(ds, train, { transform: 'minmax', opEncoding: false, summed: false, network: false }));
  const a = Array.from({ length: S }, (_, s) => f.tokens[s * 2]).filter((_, s) => f.mask[s]);
  assert.is(Math.min(...a), 0);
  assert.is(Math.max(...a), 1);
});

test('features: a node-type one-hot on each token; a type unseen in training gets none (synthetic)', () => {
  const ds = buildDataset(readHarvest(harvestPath), truth);
  const st = fitFeatures(ds, [0, 1, 2, 3, 4, 5], { transform: 'zscore', opEncoding: false, summed: false, network: false, tokenType: true });
  assert.equal(st.nodeTypes, ['conv', 'pool']);
  const cells = [N - 1, 2];
  const f = applyFeatures(ds, cells, st);
  const plain = applyFeatures(ds, cells, fitFeatures(ds, [0, 1, 2, 3, 4, 5], { transform: 'zscore', opEncoding: false, summed: false, network: false }));
  assert.is(plain.width, 2);
  assert.is(f.width, 4);
  cells.forEach((c, i) => {
    const nodes = 3 + (c % 4);
    for (let s = 0; s < S; s++) {
      const token = Array.from(f.tokens.subarray((i * S + s) * 4, (i * S + s + 1) * 4));
      assert.equal(token.slice(0, 2), Array.from(plain.tokens.subarray((i * S + s) * 2, (i * S + s + 1) * 2)), 'the proxies are unchanged');
      if (!f.mask[i * S + s]) {
        assert.equal(token.slice(2), [0, 0], `padding slot ${s} stays 0`);
        continue;
      }
      const type = syntheticType(c, s / 7, nodes);
      assert.equal(token.slice(2), type === 'rare' ? [0, 0] : [type === 'conv' ? 1 : 0, type === 'pool' ? 1 : 0], `cell ${c} slot ${s} (${type})`);
    }
  });
});

const mabnConfig = (variant: 'mabn' | 'official'): MabnConfig => ({
  variant, dim: 8, depth: 2, tokenHidden: 8, channelHidden: 8, tokenMixing: variant === 'mabn', rho0: -3, priorStd: 0.1, mcSamples: 4,
});

test('MABN: output shapes and token mixing across nodes (only when enabled)', () => {
  const shape = { slots: 6, width: 3, extraWidth: 2 };
  const rng = randomSource(1);
  const x = Float32Array.from({ length: 2 * 6 * 3 }, () => rng.normal());
  const mask = Float32Array.from([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
  for (const variant of ['mabn', 'official'] as const) {
    const m = new Mabn(mabnConfig(variant), shape, 0);
    tf.tidy(() => {
      const tokens = tf.tensor3d(x, [2, 6, 3]), mk = tf.tensor2d(mask, [2, 6]), extra = tf.zeros([2, 2]) as tf.Tensor2D;
      assert.equal(m.forward(tokens, mk, extra, null).shape, [2]);
      assert.equal(m.tokenStates(tokens, mk, null).shape, [2, 6, 8]);
      const x2 = Float32Array.from(x);
      for (let p = 0; p < 3; p++) x2[1 * 3 + p] += 3; // change node 1 of cell 0
      const t2 = tf.tensor3d(x2, [2, 6, 3]);
      const node0 = (t: tf.Tensor3D) => m.tokenStates(t, mk, null).slice([0, 0, 0], [1, 1, 8]);
      const diff0 = tf.max(tf.abs(tf.sub(node0(tokens), node0(t2)))).dataSync()[0];
      const pooledDiff = tf.max(tf.abs(tf.sub(m.pooled(tokens, mk, null), m.pooled(t2, mk, null)))).dataSync()[0];
      assert.ok(pooledDiff > 1e-4, `${variant}: pooling sees every node`);
      if (variant === 'mabn') assert.ok(diff0 > 1e-4, 'token mixing moves node 0 when node 1 changes');
      else assert.is(diff0, 0, 'no token mixing in the official variant');
      // Padded nodes do not matter.
      const x3 = Float32Array.from(x);
      x3[4 * 3] += 5;
      const d = tf.max(tf.abs(tf.sub(m.forward(tokens, mk, extra, null), m.forward(tf.tensor3d(x3, [2, 6, 3]), mk, extra, null)))).dataSync()[0];
      assert.is(d, 0, `${variant}: masked padding`);
    });
    m.dispose();
  }
});

test('MABN: Bayesian std > 0 with mcSamples > 1; KL is finite', () => {
  const ds = buildDataset(readHarvest(harvestPath), truth);
  const f = applyFeatures(ds, [0, 1, 2, 3], fitFeatures(ds, [0, 1, 2, 3], { transform: 'minmax', opEncoding: false, summed: false, network: false }));
  const m = new Mabn(mabnConfig('mabn'), { slots: S, width: 2, extraWidth: 0 }, 0);
  const { std } = predict(m, f, 4, 0);
  assert.ok(std.every((s) => s > 0));
  assert.ok(predict(m, f, 0, 0).std.every((s) => s === 0));
  const kl = m.kl();
  assert.ok(Number.isFinite(kl.dataSync()[0]) && kl.dataSync()[0] > 0);
  kl.dispose();
  m.dispose();
});

test('predict: scoring once per token row equals a per-cell forward pass (unique harvest, op encoding)', async () => {
  const p = join(tmp, 'unique-rows.arrow');
  await writeSynthetic(p, 'unique');
  const ds = buildDataset(readHarvest(p), null);
  const cells = Array.from({ length: 150 }, (_, i) => i);
  const f = applyFeatures(ds, cells, fitFeatures(ds, cells, { transform: 'log', opEncoding: true, summed: false, network: false }));
  assert.ok(f.rows < f.n, 'isomorphic cells share a token row');
  const sub = selectCells(f, [149, 3, 4, 3]);
  assert.is(sub.n, 4);
  assert.ok(sub.rows <= 3);
  const m = new Mabn(mabnConfig('mabn'), { slots: S, width: 2, extraWidth: f.extraWidth }, 0);
  const fast = predict(m, f, 0, 0).mean;
  const slow = tf.tidy(() => {
    const rows = tf.tensor1d(f.row, 'int32');
    const tokens = tf.gather(tf.tensor3d(f.tokens, [f.rows, S, 2]), rows) as tf.Tensor3D;
    const mask = tf.gather(tf.tensor2d(f.mask, [f.rows, S]), rows) as tf.Tensor2D;
    return Array.from(m.forward(tokens, mask, tf.tensor2d(f.extra, [f.n, f.extraWidth]), null).dataSync());
  });
  slow.forEach((v, i) => assert.ok(Math.abs(v - fast[i]) < 1e-5, `cell ${i}: ${v} vs ${fast[i]}`));
  assert.equal(predict(m, f, 3, 5), predict(m, f, 3, 5), 'MC samples are seeded');
  m.dispose();
});

test('baselines: ridge and random forest learn a simple synthetic function', () => {
  const rng = randomSource(3);
  const X = Array.from({ length: 200 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
  const y = X.map((r) => 3 * r[0] - 2 * r[1] + 0.01 * rng.normal());
  const Xt = X.slice(150), yt = y.slice(150);
  const ridge = fitRidge(X.slice(0, 150), y.slice(0, 150), 1e-3);
  assert.ok(Math.abs(ridge.weights[0] / ridge.std[0] - 3) < 0.1);
  assert.ok(kendallTauB(predictRidge(ridge, Xt), yt) > 0.95);
  const step = X.map((r) => (r[0] > 0.5 ? 1 : 0) + (r[2] > 0.3 ? 2 : 0));
  const forest = fitForest(X.slice(0, 150), step.slice(0, 150), { trees: 30, maxDepth: 4, minLeaf: 2, maxFeatures: 0.67, seed: 1 });
  const pf = predictForest(forest, Xt);
  assert.ok(pf.every((v, i) => Math.abs(v - step[150 + i]) < 0.5), 'forest recovers the step function');
  assert.equal(predictForest(fitForest(X.slice(0, 150), step.slice(0, 150), { trees: 30, maxDepth: 4, minLeaf: 2, maxFeatures: 0.67, seed: 1 }), Xt), pf);
});

test('run dirs are never overwritten', () => {
  const root = join(tmp, 'rd');
  const a = createRunDir(root, 'x'), b = createRunDir(root, 'x'), c = createRunDir(root, 'x');
  assert.equal([basename(a), basename(b), basename(c)], ['x', 'x-2', 'x-3']);
});

test('config: unknown keys, wrong types and a missing harvest are UserErrors', () => {
  const err = (raw: object) => {
    try {
      resolveConfig(raw);
    } catch (e) {
      assert.instance(e, UserError);
      return (e as Error).message;
    }
    assert.unreachable('expected a UserError');
  };
  assert.match(err({ harvest: { path: harvestPath }, bogus: 1 })!, /unknown key "bogus"/);
  assert.match(err({ harvest: { path: harvestPath }, model: { dim: '8' } })!, /model\.dim/);
  assert.match(err({ harvest: { path: join(tmp, 'nope.arrow') } })!, /does not exist/);
  assert.match(err({ harvest: { path: harvestPath }, model: { variant: 'x' } })!, /model\.variant/);
  assert.match(err({ harvest: { path: harvestPath }, eval: { monitor: -1 } })!, /eval\.monitor/);
  assert.match(err({ harvest: { path: harvestPath, extra: 'x.arrow' } })!, /harvest\.extra/);
  assert.match(err({ harvest: { path: harvestPath }, pretrain: { target: 'labels' } })!, /pretrain\.target/);
  assert.match(err({ harvest: { path: harvestPath, extra: [join(tmp, 'nope.arrow')] } })!, /nope\.arrow does not exist/);
  const off = resolveConfig({ harvest: { path: harvestPath }, model: { variant: 'official', tokenMixing: true, mcSamples: 8 } });
  assert.is(off.model.tokenMixing, false);
  assert.is(off.model.mcSamples, 1);
});

test('train: outputs, seeded determinism, eval reproduces predictions (synthetic)', async () => {
  const cfg = baseConfig({ name: 'det' });
  const r1 = await train(cfg, quiet);
  const r2 = await train(cfg, quiet);
  assert.is(basename(r1.dir), 'det');
  assert.is(basename(r2.dir), 'det-2');
  const strip = (m: object) => JSON.stringify({ ...m, seconds: 0, trainSeconds: 0 });
  assert.is(strip(r2.metrics), strip(r1.metrics));
  for (const f of ['config.json', 'metrics.json', 'predictions.arrow', 'checkpoint.json']) assert.ok(existsSync(join(r1.dir, f)), f);
  const metrics = JSON.parse(readFileSync(join(r1.dir, 'metrics.json'), 'utf8'));
  assert.is(metrics.test.n, N - 24);
  assert.type(metrics.test.kendall, 'number');
  assert.ok(metrics.baselines.proxies.a && metrics.baselines.ridge && metrics.baselines.randomForest);
  assert.ok(metrics.baselines.proxies.a.kendall > 0.9, 'synthetic proxy a ranks the synthetic truth');
  assert.is(metrics.blend.n, metrics.test.n, 'the MABN + forest blend is scored on the same test cells');
  const preds = tableFromIPC(readFileSync(join(r1.dir, 'predictions.arrow')));
  assert.equal(preds.schema.fields.map((f) => f.name).slice(0, 4), ['arch', 'mean', 'std', 'target']);
  const ev = evaluateRun(r1.dir, { truth });
  assert.equal(Array.from(ev.mean), Array.from(preds.getChild('mean')!.toArray() as Float64Array));
  assert.equal(ev.archs, preds.getChild('arch')!.toArray().map(String));
  assert.is(ev.trained.size, 24, 'the run\'s training cells, read back from its predictions');
  assert.is(ev.report!.n, metrics.test.n, 'eval scores the cells the run did not train on');
  assert.ok(Math.abs(ev.report!.kendall - metrics.test.kendall) < 1e-12, 'eval reproduces the run\'s test τ');
});

test('train: an ensemble of MABN members and the forest; eval reloads all of it (synthetic)', async () => {
  const cfg = (members: number, forest: boolean) => baseConfig({ name: `ens-${members}-${forest}`, ensemble: { members, forest },
    model: { dim: 8, depth: 1, tokenHidden: 8, channelHidden: 8, mcSamples: 0 } });
  const single = await train(cfg(1, false), quiet);
  const ens = await train(cfg(2, true), quiet);
  const m = ens.metrics as { test: { kendall: number }; mabn: { kendall: number }; members: number[] };
  assert.is(m.members.length, 2);
  assert.is(m.mabn.kendall, single.metrics.test.kendall, 'member 0 is the single-model run');
  assert.is(m.members[0], m.mabn.kendall);
  assert.is.not(m.members[1], m.members[0], 'member 1 is seeded apart');
  const preds = tableFromIPC(readFileSync(join(ens.dir, 'predictions.arrow')));
  const ev = evaluateRun(ens.dir, { truth });
  const want = preds.getChild('mean')!.toArray() as Float64Array, wantStd = preds.getChild('std')!.toArray() as Float64Array;
  ev.mean.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-9, `cell ${i}: ${v} vs ${want[i]}`));
  ev.std.forEach((v, i) => assert.ok(Math.abs(v - wantStd[i]) < 1e-9));
  assert.ok(ev.std.some((v) => v > 0), 'the members\' spread is the uncertainty');
  assert.ok(Math.abs(ev.report!.kendall - m.test.kendall) < 1e-12);
  assert.throws(() => cfg(0, false), /ensemble\.members/);
});

test('selectProxies: a subset of node and network proxies, in the order asked (synthetic)', () => {
  const h = readHarvest(harvestPath);
  const sub = selectProxies(h, ['b'], []);
  assert.equal([sub.nodeProxies, sub.networkProxies], [['b'], []]);
  for (let rs = 0; rs < h.archs.length * S; rs++) assert.ok(Object.is(sub.values[rs], h.values[rs * 2 + 1]));
  assert.throws(() => selectProxies(h, ['zz'], []), (e: unknown) => e instanceof UserError && /no node proxy "zz"/.test((e as Error).message));
});

test('eval --refit-features: a run trained on one space scores the cells of another (synthetic)', async () => {
  // SYNTHETIC NB101 cells with the same latent → truth construction, proxies in another order plus one more.
  const p101 = join(tmp, 'synthetic-nb101.arrow');
  const archs101 = await writeSynthetic(p101, 'synthetic', 'nb101', ['c', 'b', 'a']);
  const truth101 = new Map<string, Truth>(archs101.map((a, i) => [a, { val: 50 + 10 * latent[i], test: 50.5 + 10 * latent[i] }]));
  const cfg = (opEncoding: boolean) => baseConfig({ name: `xspace-${opEncoding}`, harvest: { path: harvestPath, proxies: ['a', 'b', 'params'] },
    features: { transform: 'zscore', opEncoding, summed: true, network: true }, optim: { epochs: 20, batchSize: 12, lr: 0.01 } });
  const run = await train(cfg(false), quiet);
  const ev = evaluateRun(run.dir, { harvest: [p101], truth: truth101, refit: true });
  assert.is(ev.report!.n, N);
  assert.ok(ev.report!.kendall > 0.5, `transferred τ ${ev.report!.kendall}`);
  const message = (f: () => unknown) => { try { f(); } catch (e) { assert.instance(e, UserError); return (e as Error).message; } return ''; };
  assert.match(message(() => evaluateRun(run.dir, { harvest: [p101], truth: truth101 })), /--refit-features/);
  const withOps = await train(cfg(true), quiet);
  assert.match(message(() => evaluateRun(withOps.dir, { harvest: [p101], truth: truth101, refit: true })), /opEncoding=false/);
  const withTypes = await train(baseConfig({ name: 'xspace-types', harvest: { path: harvestPath, proxies: ['a', 'b', 'params'] },
    features: { transform: 'zscore', opEncoding: false, summed: true, network: true, typedSums: true }, optim: { epochs: 1, batchSize: 12 } }), quiet);
  assert.match(message(() => evaluateRun(withTypes.dir, { harvest: [p101], truth: truth101, refit: true })), /node types/);
  assert.match(message(() => resolveConfig({ harvest: { path: harvestPath, proxies: 'a' } })), /harvest\.proxies/);
  const bad = await train(baseConfig({ name: 'xspace-bad', harvest: { path: harvestPath, proxies: ['zz'] } }), quiet).then(() => '', (e: Error) => e.message);
  assert.match(bad, /harvest\.proxies names zz/);
});

test('train: init.run starts from a finished run\'s weights, also across spaces (synthetic)', async () => {
  const p101 = join(tmp, 'synthetic-nb101-init.arrow');
  const archs101 = await writeSynthetic(p101, 'synthetic', 'nb101', ['c', 'b', 'a']);
  const truth101 = new Map<string, Truth>(archs101.map((a, i) => [a, { val: 50 + 10 * latent[i], test: 50.5 + 10 * latent[i] }]));
  const shared = (name: string, path: string, extra: Record<string, unknown> = {}) => baseConfig({ name, harvest: { path, proxies: ['a', 'b', 'params'] },
    features: { transform: 'zscore', opEncoding: false, summed: true, network: true },
    model: { dim: 8, depth: 1, tokenHidden: 8, channelHidden: 8, mcSamples: 0 }, optim: { epochs: 20, batchSize: 12, lr: 0.01 }, ...extra });
  const source = await train(shared('init-source', harvestPath), quiet);
  const noEpochs = { optim: { epochs: 0, batchSize: 12, lr: 0.01 } };
  // Same cells, same split, no training: the copy scores exactly as the source.
  const copy = await train(shared('init-copy', harvestPath, { init: { run: source.dir }, ...noEpochs }), quiet);
  assert.is((copy.metrics.test as { kendall: number }).kendall, (source.metrics.test as { kendall: number }).kendall);
  // Another space, no training: the NB201 weights already rank the NB101 cells; random ones do not.
  const tau101 = async (name: string, init: string) => ((await train(shared(name, p101, { space: 'nb101', init: { run: init }, ...noEpochs }), { truth: truth101, progress: false })).metrics.test as { kendall: number }).kendall;
  const transferred = await tau101('init-101', source.dir), random = await tau101('init-101-random', '');
  assert.ok(transferred > 0.5 && transferred > random + 0.2, `transferred τ ${transferred}, random init ${random}`);
  const fails = (cfg: ReturnType<typeof baseConfig>) => train(cfg, quiet).then(() => '', (e: Error) => (e instanceof UserError ? e.message : `not a UserError: ${e.message}`));
  const runsBefore = readdirSync(join(tmp, 'runs')).length;
  assert.match(await fails(shared('init-dim', harvestPath, { init: { run: source.dir }, model: { dim: 16, depth: 1, tokenHidden: 8, channelHidden: 8, mcSamples: 0 } })), /another model \(dim 8 vs 16\)/);
  assert.match(await fails(shared('init-proxies', harvestPath, { init: { run: source.dir }, harvest: { path: harvestPath, proxies: ['b', 'a', 'params'] } })), /set harvest\.proxies to the same/);
  assert.match(await fails(shared('init-missing', harvestPath, { init: { run: join(tmp, 'no-such-run') } })), /not a run directory/);
  assert.is(readdirSync(join(tmp, 'runs')).length, runsBefore, 'a refused init leaves no run directory behind');
});

test('train: a warm-up alone teaches the ranking of its target; seeded (synthetic)', async () => {
  // No labelled epochs: whatever the model ranks comes from the warm-up on all 60 cells.
  const warm = (target: string, epochs: number) => baseConfig({ name: `warm-${target}-${epochs}`, eval: { baselines: false, every: 2, monitor: 10 },
    model: { dim: 8, depth: 1, tokenHidden: 8, channelHidden: 8, mcSamples: 0 }, pretrain: { epochs, target, cells: 0 }, optim: { epochs: 0, batchSize: 12, lr: 0.01 } });
  const tau = async (target: string, epochs: number) => ((await train(warm(target, epochs), quiet)).metrics.test as { kendall: number }).kendall;
  const untrained = await tau('forest', 0);
  const forest = await tau('forest', 10);
  assert.ok(forest > 0.5 && forest > untrained + 0.2, `forest warm-up τ ${forest}, untrained ${untrained}`);
  assert.is(await tau('forest', 10), forest, 'seeded');
  const proxies = await tau('proxies', 10);
  assert.ok(proxies > 0.3 && proxies > untrained + 0.1, `proxy-rank warm-up τ ${proxies}, untrained ${untrained}`);
});

test('blendScores: the mean of scores standardised over all cells', () => {
  const blended = blendScores([Float64Array.from([1, 2, 3]), Float64Array.from([30, 10, 20])]);
  const z = Math.sqrt(1.5); // 1, 2, 3 → −z, 0, z; 30, 10, 20 → z, −z, 0
  [0, -z / 2, z / 2].forEach((want, i) => assert.ok(Math.abs(blended[i] - want) < 1e-12, String(blended)));
});

test('train: official variant and extra inputs run (synthetic)', async () => {
  const r = await train(baseConfig({ name: 'off', model: { variant: 'official', dim: 8, depth: 1, tokenHidden: 8, channelHidden: 8 },
    features: { transform: 'rank', opEncoding: true, summed: true, network: true }, loss: { kl: 0, mse: 0.5, pairwiseLogistic: 0.5 } }), quiet);
  const m = r.metrics.test as { kendall: number; meanStd: number };
  assert.ok(Number.isFinite(m.kendall));
  assert.is(m.meanStd, 0, 'one noisy sample → std 0');
});

test('train: node-type tokens and per-type sums, with the forest in the score; eval reproduces it (synthetic)', async () => {
  const features = { transform: 'zscore', opEncoding: false, summed: true, network: true };
  const plain = await train(baseConfig({ name: 'types-off', features, ensemble: { members: 1, forest: true } }), quiet);
  const r = await train(baseConfig({ name: 'types-on', features: { ...features, tokenType: true, typedSums: true }, ensemble: { members: 1, forest: true } }), quiet);
  const ckpt = JSON.parse(readFileSync(join(r.dir, 'checkpoint.json'), 'utf8'));
  const rareTrained = splitDataset(N, 24, 1, 'rest').train.includes(N - 1);
  const types: string[] = ckpt.features.nodeTypes;
  assert.equal(types, rareTrained ? ['conv', 'pool', 'rare'] : ['conv', 'pool'], 'the types of the training cells');
  assert.is(ckpt.shape.width, 2 + types.length, 'proxies, then the type one-hot');
  const plainShape = JSON.parse(readFileSync(join(plain.dir, 'checkpoint.json'), 'utf8')).shape;
  assert.is(ckpt.shape.extraWidth, plainShape.extraWidth + 2 * types.length, 'a sum per (type, proxy)');
  const base = r.metrics.baselines!;
  assert.is(base.randomForest.kendall, plain.metrics.baselines!.randomForest.kendall, 'the forest on summed proxies + op encoding is unchanged');
  assert.type(base.randomForestRun!.kendall, 'number');
  const ev = evaluateRun(r.dir, { truth });
  assert.ok(Math.abs(ev.report!.kendall - (r.metrics.test as { kendall: number }).kendall) < 1e-12, 'eval rebuilds the typed forest inputs');
});

test('features: per-type sums add each proxy over the nodes of each type (synthetic)', () => {
  const ds = buildDataset(readHarvest(harvestPath), truth);
  const c = N - 1, nodes = 3 + (c % 4), h = ds.harvest;
  const sums = typedSummedProxies(ds, c, ['pool', 'conv']);
  const want = [0, 0, 0, 0];
  for (let k = 0; k < nodes; k++) {
    const type = syntheticType(c, k, nodes);
    if (type === 'rare') continue;
    for (let p = 0; p < 2; p++) want[(type === 'pool' ? 0 : 1) * 2 + p] += h.values[(ds.source[c] * S + k * 7) * 2 + p];
  }
  sums.forEach((v, j) => assert.ok(Math.abs(v - signedLog(want[j])) < 1e-6, `sum ${j}: ${v} vs ${signedLog(want[j])}`));
});

test('features: node aggregates follow the stored form; the baselines report synflow as published and its sum of logs (synthetic)', async () => {
  const path = join(tmp, 'synflow.arrow');
  await writeSynthetic(path, 'synthetic', 'nb201', ['a', 'synflow']);
  const ds = buildDataset(readHarvest(path), truth);
  const c = 5, nodes = 3 + (c % 4), h = ds.harvest;
  const stored = Array.from({ length: nodes }, (_, k) => h.values[(ds.source[c] * S + k * 7) * 2 + 1]);
  const [a, synflow] = nodeAggregates(ds, c);
  assert.ok(Math.abs(synflow - Math.log1p(stored.reduce((t, v) => t + Math.expm1(v), 0))) < 1e-9, 'ln(1 + Σ score)');
  const aStored = Array.from({ length: nodes }, (_, k) => h.values[(ds.source[c] * S + k * 7) * 2]);
  assert.ok(Math.abs(a - aStored.reduce((t, v) => t + v, 0)) < 1e-9, 'a linear proxy is summed');
  assert.ok(Math.abs(summedProxies(ds, c)[1] - signedLog(stored.reduce((t, v) => t + v, 0))) < 1e-6, 'the model input keeps Σ ln(1 + score)');
  const r = await train(baseConfig({ name: 'synflow-baselines', harvest: { path } }), quiet);
  assert.equal(Object.keys(r.metrics.baselines!.proxies), ['a', 'synflow', 'synflow_log1p_sum', 'params']);
});

test('split.cells: the valid or unique cells only, for training and test; features.graph adds the cell graph (synthetic)', async () => {
  const ds = buildDataset(readHarvest(harvestPath), truth);
  const valid = restrictCells(ds, 'valid');
  assert.ok(valid.archs.length > 0 && valid.archs.length < ds.archs.length);
  assert.ok(valid.archs.every(space.subsets!.valid));
  const unique = restrictCells(ds, 'unique');
  assert.is(new Set(unique.archs.map(space.isomorphismKey)).size, unique.archs.length);
  assert.throws(() => restrictCells(ds, 'bogus'), (e: Error) => e instanceof UserError && /names no such cell set/.test(e.message));
  assert.throws(() => resolveConfig({ harvest: { path: harvestPath }, split: { cells: 'bogus' } }), /split\.cells/);
  const r = await train(baseConfig({ name: 'valid-graph', split: { train: 12, seed: 1, test: 'rest', cells: 'valid' }, features: { graph: true } }), quiet);
  assert.is(r.metrics.cells, valid.archs.length);
  assert.is(r.metrics.test.n, valid.archs.length - 12);
  assert.type(r.metrics.baselines!.randomForestRun!.kendall, 'number');
  assert.equal(Object.keys(r.metrics.targets!), ['val', 'test']);
  assert.is(r.metrics.targets!.test!.kendall, r.metrics.test.kendall, 'the eval target is one of the targets');
  assert.type(r.metrics.targets!.test!.forest, 'number');
  const tune = await train(baseConfig({ name: 'tune', split: { train: 24, seed: 1, test: 'rest', tune: 0.25 } }), quiet);
  assert.is(tune.metrics.cells, 24, 'a tuning run sees only the training cells of its split');
  assert.is(tune.metrics.test.n, 6);
  assert.throws(() => resolveConfig({ harvest: { path: harvestPath }, split: { tune: 1 } }), /split\.tune/);
  const ev = evaluateRun(r.dir, { truth });
  assert.is(ev.archs.length, valid.archs.length, 'eval scores the run\'s cell set');
  assert.ok(Math.abs(ev.report!.kendall - r.metrics.test.kendall) < 1e-12);
});

test('model.graph "gin": a graph encoder reads the cell graphs; eval reproduces the run; unknown encoders are refused (synthetic)', async () => {
  const r = await train(baseConfig({ name: 'gin', model: { dim: 8, depth: 1, tokenHidden: 8, channelHidden: 8, mcSamples: 0, rho0: -3, graph: 'gin' } }), quiet);
  const ckpt = JSON.parse(readFileSync(join(r.dir, 'checkpoint.json'), 'utf8'));
  assert.is(ckpt.shape.graphNodes, 8);
  assert.ok(Object.keys(ckpt.weights).some((k) => k.startsWith('graph.round0.')));
  const want = tableFromIPC(readFileSync(join(r.dir, 'predictions.arrow'))).getChild('mean')!.toArray() as Float64Array;
  const ev = evaluateRun(r.dir, { truth });
  ev.mean.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-9, `cell ${i}`));
  assert.throws(() => resolveConfig({ harvest: { path: harvestPath }, model: { graph: 'gcn' } }), /model\.graph/);
});

test('parzc search and eval CLIs on a run: held-out pool, one-line errors (synthetic statistics, real NB201 accuracies)', async () => {
  // The synthetic harvest holds real NB201 arch strings, so the CLI's own NB201 ground truth applies.
  const run = await train(baseConfig({ name: 'cli-search' }), quiet);
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--backend', 'cpu'], { encoding: 'utf8' });
  const ok = cli('search', '--run', run.dir, '--candidates', '10', '--repeats', '5', '--top', '3');
  assert.is(ok.status, 0, ok.stderr);
  const out = JSON.parse(readFileSync(ok.stdout.trim(), 'utf8'));
  assert.is(out.summary.pool, N - 24, 'the 24 training cells are not searched');
  assert.is(out.repeats.length, 5);
  assert.is(out.top.length, 3);
  assert.ok(out.summary.pickAcc.mean <= out.summary.oracleAcc && out.summary.oracleAcc <= out.summary.poolBest);
  for (const [args, fragment] of [[['--candidates', '100'], 'only 36 scored cells'], [['--repeats', '0'], '--repeats must be a positive integer']] as const) {
    const bad = cli('search', '--run', run.dir, ...args);
    assert.is(bad.status, 2);
    assert.match(bad.stderr, fragment);
    assert.is(bad.stderr.trim().split('\n').filter((l) => l.startsWith('parzc: error')).length, 1);
    assert.not.match(bad.stderr, /\n\s+at /, 'no stack trace');
  }
  const ev = cli('eval', '--run', run.dir, '--harvest', join(tmp, 'nope.arrow'));
  assert.is(ev.status, 2);
  assert.match(ev.stderr, 'parzc: error:');
});

test.run();
