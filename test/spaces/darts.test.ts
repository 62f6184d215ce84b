// The DARTS space (NAS-Bench-301): both genotype forms, one-line errors, the 500 ground-truth cells,
// isomorphism key and encoding, parameter counts equal to the benchmark file, stable slots, strided ops
// with PyTorch padding, the forward pass and synflow's joint cuts against an unscaled reference (wasm).
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../src/backend/select.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import { LayerOps } from '../../src/nn/layers.ts';
import { paramCount, type ForwardMode, type Tensors } from '../../src/nn/network.ts';
import { measureNetwork, type ImageBatch } from '../../src/proxies/measure.ts';
import { resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import { darts, parseDarts } from '../../src/spaces/darts/index.ts';
import { formatGenotype } from '../../src/spaces/darts/genotype.ts';
import { NB301_SLOTS } from '../../src/spaces/darts/network.ts';
import { opPlan, runOp, subLayerNode } from '../../src/spaces/darts/ops.ts';
import { loadNb301Table } from '../../src/spaces/darts/truth.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { throwsUserError } from '../user-error.ts';

/** DARTS-V2 as published (genotypes.py), with range() concats and a node reading state 0 twice. */
const DARTS_V2 = `Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1),
  ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6),
  reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2),
  ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))`;
/** The first cell of the NB301 file in NASLib's compact form, and its canonical text. */
const COMPACT0 = '[[(0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], [(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]';
const CANONICAL0 = "Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 2), " +
  "('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_3x3', 0), " +
  "('sep_conv_3x3', 1), ('avg_pool_3x3', 1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_5x5', 4), " +
  "('avg_pool_3x3', 3)], reduce_concat=[2, 3, 4, 5])";
/** Every op once per cell, strided skips (FactorizedReduce) and pools in the reduction cell; few convs,
 * so the unscaled synflow score stays inside float32. */
const LIGHT = "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('avg_pool_3x3', 1), " +
  "('skip_connect', 3), ('dil_conv_3x3', 4), ('skip_connect', 0)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), " +
  "('max_pool_3x3', 1), ('avg_pool_3x3', 0), ('skip_connect', 2), ('dil_conv_5x5', 1), ('skip_connect', 3), ('sep_conv_5x5', 4), " +
  "('max_pool_3x3', 2)], reduce_concat=[2, 3, 4, 5])";

test('both text forms parse to one canonical string; it round-trips', () => {
  assert.is(darts.parse(COMPACT0), CANONICAL0);
  assert.is(darts.parse(CANONICAL0), CANONICAL0);
  assert.is(darts.parse(COMPACT0.replace(/\[/g, '(').replace(/\]/g, ')')), CANONICAL0, 'tuples instead of lists');
  assert.is(darts.parse(CANONICAL0.replace(/'/g, '"').replace(/, /g, ',')), CANONICAL0, 'double quotes, no spaces');
  const v2 = darts.parse(DARTS_V2);
  assert.ok(v2.startsWith("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)"), v2);
  assert.ok(v2.includes('normal_concat=[2, 3, 4, 5]') && v2.endsWith('reduce_concat=[2, 3, 4, 5])'), v2);
  const g = parseDarts(DARTS_V2);
  const positional = `Genotype([${g.normal.map(([o, i]) => `('${o}', ${i})`)}], [2, 3, 4, 5], [${g.reduce.map(([o, i]) => `('${o}', ${i})`)}], [2, 3, 4, 5])`;
  assert.is(darts.parse(positional), v2, 'namedtuple positional fields');
  for (const a of darts.enumerate().slice(0, 50)) assert.is(darts.parse(a), a);
});

test('invalid genotypes throw one-line UserErrors naming the bad token', () => {
  throwsUserError(() => darts.parse('hello'), '"hello"');
  throwsUserError(() => darts.parse(CANONICAL0.replace("'sep_conv_5x5', 0", "'conv_9x9', 0")), '"conv_9x9"', 'normal edge 0', 'sep_conv_3x3');
  throwsUserError(() => darts.parse(CANONICAL0.replace("('dil_conv_3x3', 3)", "('dil_conv_3x3', 5)")), 'normal edge 7', 'input must be 0..4');
  throwsUserError(() => darts.parse(CANONICAL0.replace("('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_5x5', 4)", "('sep_conv_3x3', 4), ('skip_connect', 0), ('sep_conv_5x5', 4)")),
    'reduce edge 4 (sep_conv_3x3, 4) feeds state 4', 'input must be 0..3');
  throwsUserError(() => darts.parse(CANONICAL0.replace(", ('dil_conv_3x3', 3)]", ']')), 'normal has 7 edge(s)', 'expected 8');
  throwsUserError(() => darts.parse(CANONICAL0.replace('reduce_concat=[2, 3, 4, 5]', 'reduce_concat=[4, 5]')), 'reduce_concat is [4, 5]', '[2, 3, 4, 5]');
  throwsUserError(() => darts.parse(COMPACT0.replace('(3, 5)]', '(3, 9)]')), 'unknown op id 9', 'dil_conv_5x5');
  throwsUserError(() => darts.parse(COMPACT0.replace('(0, 4)', '(0 4)')), 'expected "," or ")"', '"4"');
  throwsUserError(() => darts.parse(CANONICAL0.replace('normal_concat', 'normal_cat')), 'unknown Genotype field "normal_cat"');
  throwsUserError(() => darts.parse(`${CANONICAL0} x`), 'unexpected token "x"');
  throwsUserError(() => darts.parse('Genotype(normal=[(1, 2)])'), 'normal entry [1,2] is not an (op, input) pair');
});

test('enumerate: the 500 NB301 cells in file order; indexOf; registered; ground truth is val_accuracy', () => {
  const archs = darts.enumerate();
  assert.is(archs.length, 500);
  assert.is(new Set(archs).size, 500);
  assert.is(getSpace('darts'), darts);
  assert.is(archs[0], CANONICAL0);
  assert.is(darts.indexOf(COMPACT0), 0);
  assert.is(darts.indexOf(archs[321]), 321);
  assert.is(darts.indexOf(DARTS_V2), -1);
  const truth = darts.truth('cifar10');
  assert.is(truth.size, 500);
  const t0 = truth.get(CANONICAL0)!;
  assert.ok(Math.abs(t0.val - 93.90106806339374) < 1e-9 && t0.test === t0.val, JSON.stringify(t0));
  throwsUserError(() => darts.truth('cifar100'), '"cifar100"', 'only cifar10');
});

test('isomorphism key and encoding ignore the order of a node\'s two edges', () => {
  const g = parseDarts(CANONICAL0);
  const swapped = formatGenotype({ ...g, normal: [g.normal[1], g.normal[0], ...g.normal.slice(2)] });
  assert.is.not(darts.parse(swapped), CANONICAL0);
  assert.is(darts.isomorphismKey(swapped), darts.isomorphismKey(CANONICAL0));
  assert.equal([...darts.encode(swapped)], [...darts.encode(CANONICAL0)]);
  const changed = CANONICAL0.replace("('sep_conv_5x5', 0)", "('sep_conv_3x3', 0)");
  assert.is.not(darts.isomorphismKey(changed), darts.isomorphismKey(CANONICAL0));
  assert.is.not(darts.encode(changed).join(), darts.encode(CANONICAL0).join());
  // Per cell: 14 (node, input) pairs × 7 ops + 6 concat flags; each cell has 8 edges and 4 concat states.
  const e = darts.encode(CANONICAL0);
  assert.is(e.length, 2 * (14 * 7 + 6));
  assert.is(e.reduce((a, b) => a + b, 0), 2 * (8 + 4));
});

test('parameter counts equal the NB301 file for all 500 cells', () => {
  // The file's `params` were counted on NASLib's NB301 network: C = 32, 8 cells, BN affine in the stem and
  // the cell preprocessing only, no auxiliary head (an auxiliary head would add ~0.4 M to every cell).
  const { records } = loadNb301Table(darts.parse);
  for (const r of records) assert.is(paramCount(darts.build(r.arch, 10)), Math.round(r.params * 1e6), r.key);
  // A 100-class head adds 512·90 weights and 90 biases.
  assert.is(paramCount(darts.build(CANONICAL0, 100)), 1204906 + 512 * 90 + 90);
});

test('276 slots; nodes sit in their slots in slot order; a slot holds the same layer position everywhere', () => {
  assert.is(NB301_SLOTS.length, 276);
  assert.is(new Set(NB301_SLOTS.map((s) => s.name)).size, 276);
  NB301_SLOTS.forEach((s, i) => assert.is(s.slot, i));
  assert.equal(
    ['stem', 'stage0.cell0.pre0', 'stage0.cell0.pre1', 'stage0.cell0.edge0.conv0', 'reduce1.pre0', 'stage1.cell0.pre0.fr1', 'classifier'].map((n) => NB301_SLOTS.findIndex((s) => s.name === n)),
    [0, 1, 2, 3, 69, 103, 275],
  );
  const used = new Set<number>();
  for (const arch of darts.enumerate().slice(0, 60)) {
    const g = parseDarts(arch);
    const net = darts.build(arch, 10);
    for (let k = 1; k < net.nodes.length; k++) assert.ok(net.nodes[k].slot > net.nodes[k - 1].slot, 'slot order');
    for (const n of net.nodes) {
      used.add(n.slot);
      const s = NB301_SLOTS[n.slot];
      assert.is(n.name, s.name);
      if (s.meta.role === 'edge') {
        const edges = s.meta.reduction ? g.reduce : g.normal;
        assert.ok(n.type.startsWith(`${edges[s.meta.edge as number][0]}.`), `${n.name} holds ${n.type}`);
      }
    }
  }
  assert.ok(used.size > 250, `${used.size} slots used by 60 cells`);
});

const randomBatch = (b: number, seed: number) => {
  const rng = randomSource(seed);
  return tf.tensor4d(Float32Array.from({ length: b * 32 * 32 * 3 }, () => rng.normal()), [b, 32, 32, 3]);
};

test('strided ops pad symmetrically as PyTorch does (pools, depthwise and dilated convs, FactorizedReduce)', async () => {
  assert.is(await selectBackend('wasm'), 'wasm');
  const x = tf.tidy(() => tf.slice(randomBatch(1, 5), [0, 0, 0, 0], [1, 8, 8, 3]) as tf.Tensor4D);
  const L = new LayerOps({ weights: {}, biases: {}, batchNorm: false });
  const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
    assert.equal(a.shape, b.shape, what);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    assert.ok(d < 1e-5, `${what}: max |diff| ${d}`);
  };
  tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], -1e9);
    close(runOp(L, opPlan('max_pool_3x3', 3, 2)!, [], x), tf.maxPool(padded, 3, 2, 'valid'), 'max pool');
    // count_include_pad=False: sum over the window / in-bounds pixels.
    const sum = tf.mul(tf.avgPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid'), 9);
    const count = tf.mul(tf.avgPool(tf.pad(tf.onesLike(x), [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid'), 9);
    close(runOp(L, opPlan('avg_pool_3x3', 3, 2)!, [], x), tf.div(sum, count), 'avg pool');
  });
  for (const [op, pad] of [['sep_conv_5x5', 2], ['dil_conv_3x3', 2]] as const) {
    const plan = opPlan(op, 3, 2)!;
    assert.is(plan.kind, 'layers');
    if (plan.kind !== 'layers') continue;
    const nodes = plan.layers.map((l, j) => subLayerNode(l, j, `n${j}`, op, [8, 8]));
    const rng = randomSource(9);
    const weights: Tensors = Object.fromEntries(nodes.map((n) => [n.name, tf.tensor(Float32Array.from({ length: n.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), n.shape)]));
    const seen: tf.Tensor[] = [];
    const mode: ForwardMode = { weights, biases: {}, batchNorm: false, onNodeOutput: (n, y) => { if (n === nodes[0]) seen.push(tf.keep(tf.clone(y))); } };
    tf.tidy(() => {
      runOp(new LayerOps(mode), plan, nodes, x);
      // Reference: the plain depthwise kernel on the symmetrically padded input, the dilation written
      // into the filter as zeros.
      const { kernel: [k], dilation: d } = plan.layers[0];
      const w = (weights.n0.reshape([k, k, 3]).arraySync()) as number[][][];
      const size = (k - 1) * d + 1;
      const wd = tf.tensor4d(Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) =>
        (i % d || j % d ? [0, 0, 0] : w[i / d][j / d]).map((v) => [v]))));
      const want = tf.depthwiseConv2d(tf.pad(tf.relu(x), [[0, 0], [pad, pad], [pad, pad], [0, 0]]), wd, 2, 'valid');
      close(seen[0], want, `${op} stride-2 depthwise conv`);
      assert.equal(nodes[0].outShape, [4, 4, 3]);
    });
    tf.dispose([...seen, ...Object.values(weights)]);
  }
  x.dispose();
});

test('forward on wasm: finite [2, 10] logits, a cut after the stem and after each of the 8 cells, no leaks', async () => {
  assert.is(await selectBackend('wasm'), 'wasm');
  const net = darts.build(CANONICAL0, 10);
  const init = initParams(net, randomSource(7));
  const x = randomBatch(2, 8);
  const before = tf.memory().numTensors;
  let cuts = 0;
  const mode: ForwardMode = { weights: init.weights, biases: init.biases, batchNorm: true, onCut: (s) => { cuts++; s.dispose(); } };
  const logits = tf.tidy(() => net.forward(x, mode));
  assert.equal(logits.shape, [2, 10]);
  const v = logits.dataSync();
  assert.ok(v.every(Number.isFinite) && v.some((y) => y !== 0), 'finite, non-zero logits');
  assert.is(cuts, 9);
  logits.dispose();
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  tf.dispose(x);
  disposeParams(init);
});

test('synflow with joint cuts equals the unscaled score; grad_norm finite on every node (wasm)', async () => {
  assert.is(await selectBackend('wasm'), 'wasm');
  const net = darts.build(LIGHT, 10);
  const init = initParams(net, randomSource(11));
  // Reference: |θ|, no BN, ones input, R = Σ logits, no rescaling; per-node sums in float64.
  const abs = net.nodes.map((n) => tf.abs(init.weights[n.name]));
  const ones = tf.ones([1, 32, 32, 3]) as tf.Tensor4D;
  const grads = tf.grads((...vars: tf.Tensor[]) => {
    const w: Tensors = Object.fromEntries(net.nodes.map((n, i) => [n.name, vars[i]]));
    return tf.sum(net.forward(ones, { weights: w, biases: {}, batchNorm: false }));
  })(abs);
  const ref = grads.map((g, i) => {
    const gv = g.dataSync(), wv = abs[i].dataSync();
    let s = 0;
    for (let k = 0; k < gv.length; k++) s += wv[k] * gv[k];
    return Math.log1p(s);
  });
  tf.dispose([...abs, ...grads, ones]);
  assert.ok(ref.every(Number.isFinite), 'the light cell stays inside float32 unscaled');

  const batch: ImageBatch = { images: randomBatch(2, 12), labels: tf.tensor1d([3, 7], 'int32') };
  const m = measureNetwork(net, init, batch, resolveProxies(['grad_norm', 'synflow']), { microBatch: 2, rng: randomSource(13) });
  assert.equal(m.nonFinite, []);
  const syn = m.node.get('synflow')!;
  syn.forEach((v, k) => assert.ok(v !== null && Math.abs(v - ref[k]) < 1e-3 * Math.max(1, ref[k]), `${net.nodes[k].name}: ${v} vs ${ref[k]}`));
  m.node.get('grad_norm')!.forEach((v, k) => assert.ok(v !== null && Number.isFinite(v) && v > 0, `grad_norm@${net.nodes[k].name} = ${v}`));
  tf.dispose([batch.images, batch.labels]);
  disposeParams(init);
});

test.run();
