// NAS-Bench-101: arch strings, the benchmark's pruning and spec hash, enumeration and indices, the
// encoding, parameter counts against the benchmark, stable node slots, the forward pass on wasm and a
// measureNetwork run, and the ground truth.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../src/backend/select.ts';
import { resolveDataFile } from '../../src/data/paths.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import { paramCount, type ForwardMode, type NodeSpec } from '../../src/nn/network.ts';
import { measureNetwork, type ImageBatch } from '../../src/proxies/measure.ts';
import { resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import { getSpace } from '../../src/spaces/index.ts';
import {
  computeVertexChannels, formatNb101, NB101_ENCODING_LENGTH, nb101Encoding, NB101_PATH_ENCODING_LENGTH, nb101PathEncoding, nb101Hash,
  parseNb101, parseNb101Unpruned, pruneNb101,
} from '../../src/spaces/nb101/cell.ts';
import { nb101 } from '../../src/spaces/nb101/index.ts';
import { buildNb101Network, NB101_SLOTS } from '../../src/spaces/nb101/network.ts';
import { enumerateNb101, loadNb101Table, loadNb101Truth, NB101_20K_SIZE, nb101IndexOfHash, streamNb101All } from '../../src/spaces/nb101/truth.ts';
import { throwsUserError } from '../user-error.ts';

/** The README's Inception-like cell (5×5 conv replaced by two 3×3), as the CSV's two fields. */
const INCEPTION = '0111010|0000001|0000001|0000100|0000001|0000001|0000000,' +
  'input|conv1x1-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|maxpool3x3|output';
const INCEPTION_HASH = '28cfc7874f6d200472e1a9dcd8650aa0';

/** A 5-vertex cell with every cell feature: input projections, a conv, a max-pool, the output split
 * 43/43/42 so that vertex 1 (43 channels) is truncated into vertex 3 (42), concat, and an output
 * projection added because the input feeds the output. */
const MIXED = 'adj=01101|00011|00001|00001|00000;ops=input|conv1x1-bn-relu|maxpool3x3|conv3x3-bn-relu|output';
/** A light benchmark cell (index 11283, 293,130 params): four max-pools and a conv1x1. */
const LIGHT = 'adj=0100000|0010001|0001001|0000100|0000011|0000001|0000000;ops=input|maxpool3x3|maxpool3x3|maxpool3x3|maxpool3x3|conv1x1-bn-relu|output';

const archsAt = (i: number) => nb101.enumerate()[i];

test('the README Inception cell hashes to 28cfc787…, index 67,206; isomorphic spellings agree', () => {
  const spec = parseNb101(INCEPTION);
  assert.is(nb101Hash(spec), INCEPTION_HASH);
  assert.is(nb101.isomorphismKey(INCEPTION), INCEPTION_HASH);
  assert.is(nb101.indexOf(INCEPTION), 67206);
  assert.is(nb101IndexOfHash(INCEPTION_HASH), 67206);
  // Vertices 1 and 2 have the same edges: swapping their ops gives another spelling of the same graph...
  const swapped = INCEPTION.replace('conv1x1-bn-relu|conv3x3-bn-relu|conv3x3', 'conv3x3-bn-relu|conv1x1-bn-relu|conv3x3');
  assert.is.not(nb101.parse(swapped), nb101.parse(INCEPTION));
  assert.is(nb101.isomorphismKey(swapped), INCEPTION_HASH);
  assert.is(nb101.indexOf(swapped), 67206);
  // ...while a real change of op does not.
  const changed = INCEPTION.replace('maxpool3x3', 'conv1x1-bn-relu');
  assert.is.not(nb101.isomorphismKey(changed), INCEPTION_HASH);
});

test('the first 200 CSV rows recompute their hash from adjacency/ops', () => {
  const lines = readFileSync(resolveDataFile('nb101/nb101_20k_val_test.csv'), 'utf8').split('\n');
  for (let i = 1; i <= 200; i++) {
    const f = lines[i].split(',');
    assert.is(nb101Hash(parseNb101(`${f[3]},${f[4]}`)), f[1], `row ${i - 1}`);
  }
});

test('accepted forms: canonical, the CSV fields, the compact fields; round trip', () => {
  const canonical = 'adj=0100110|0010000|0001001|0000010|0000010|0000001|0000000;ops=input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output';
  const csv = '0100110|0010000|0001001|0000010|0000010|0000001|0000000,input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output';
  assert.is(nb101.parse(canonical), canonical);
  assert.is(nb101.parse(csv), canonical);
  assert.is(nb101.parse('100110100001001010101,3m331'), canonical, 'compact row 0 of the .gz');
  assert.is(nb101.parse(` ${canonical.replace(';', ' ; ')} `), canonical, 'whitespace around the separators');
  assert.is(nb101.parse('1,'), 'adj=01|00;ops=input|output', 'compact 2-vertex cell');
  for (const a of enumerateNb101().slice(0, 2000)) assert.is(nb101.parse(a), a);
});

test('pruning: the benchmark deletes vertices off every input→output path', () => {
  // Vertex 2 has no path to the output, vertex 3 is not reachable from the input.
  const raw = parseNb101Unpruned('adj=01100|00001|00000|00001|00000;ops=input|conv3x3-bn-relu|conv1x1-bn-relu|maxpool3x3|output');
  const pruned = pruneNb101(raw)!;
  assert.is(formatNb101(pruned), 'adj=010|001|000;ops=input|conv3x3-bn-relu|output');
  // Only input → output survives: the 2-vertex cell (index 6992 of the benchmark).
  const only = nb101.parse('adj=0100001|0000000|0000000|0000000|0000000|0000000|0000000;ops=input|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|output');
  assert.is(only, 'adj=01|00;ops=input|output');
  assert.is(nb101.indexOf(only), 6992);
  assert.is(pruneNb101(parseNb101Unpruned('adj=010|000|000;ops=input|maxpool3x3|output')), null, 'no path');
  throwsUserError(() => nb101.parse('adj=010|000|000;ops=input|maxpool3x3|output'), 'no path from the input to the output');
  // 11 edges before pruning, 5 after: valid, as in the benchmark's API (the limit is on the pruned spec).
  // Vertex 3 has no out-edge; vertices 4 and 5 are not reachable from the input.
  const elevenEdges = 'adj=0111000|0011001|0001001|0000000|0000011|0000001|0000000;ops=input|conv3x3-bn-relu|conv1x1-bn-relu|maxpool3x3|maxpool3x3|maxpool3x3|output';
  assert.is(parseNb101Unpruned(elevenEdges).matrix.flat().reduce((a, b) => a + b, 0), 11);
  assert.is(nb101.parse(elevenEdges), 'adj=0110|0011|0001|0000;ops=input|conv3x3-bn-relu|conv1x1-bn-relu|output');
});

test('pruning and hash agree with NASLib-decoded benchmark rows (unpruned and pruned forms, 500 rows)', () => {
  const rows = JSON.parse(readFileSync(resolveDataFile('nb101/nb101_500_naslib_subset_decoded_fixed.json'), 'utf8')) as {
    matrix_unpruned: number[][]; ops_unpruned: string[]; matrix: number[][]; ops: string[]; hash: string; index: number; params_M: number;
  }[];
  let shrunk = 0;
  for (const r of rows) {
    const unpruned = `adj=${r.matrix_unpruned.map((row) => row.join('')).join('|')};ops=${r.ops_unpruned.join('|')}`;
    const want = `adj=${r.matrix.map((row) => row.join('')).join('|')};ops=${r.ops.join('|')}`;
    const got = nb101.parse(unpruned);
    assert.is(got, want, unpruned);
    if (r.matrix.length < r.matrix_unpruned.length) shrunk++;
    assert.is(nb101.isomorphismKey(unpruned), r.hash, unpruned);
    assert.is(nb101.indexOf(got), r.index, unpruned);
    assert.is(paramCount(nb101.build(got, 10)), Math.round(r.params_M * 1e6), `${got} params`);
  }
  assert.ok(shrunk > 50, `${shrunk} rows lose vertices to pruning`);
});

test('invalid specs throw one-line UserErrors naming the problem', () => {
  const ops7 = 'input|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|output';
  throwsUserError(() => nb101.parse('hello'), '"hello"', 'adj=<rows>;ops=<ops>');
  throwsUserError(() => nb101.parse(''), 'adj=<rows>;ops=<ops>');
  throwsUserError(() => nb101.parse('adj=011|001;ops=input|conv3x3-bn-relu|output'), '2 row(s)', '3 op(s)');
  throwsUserError(() => nb101.parse('adj=011|0010|000;ops=input|conv3x3-bn-relu|output'), 'row 1', '"0010"', '3 digits');
  throwsUserError(() => nb101.parse('adj=012|001|000;ops=input|conv3x3-bn-relu|output'), 'row 0', '0/1');
  throwsUserError(() => nb101.parse('adj=011|101|000;ops=input|conv3x3-bn-relu|output'), 'edge 1→0', 'upper-triangular');
  throwsUserError(() => nb101.parse('adj=111|001|000;ops=input|conv3x3-bn-relu|output'), 'edge 0→0', 'upper-triangular');
  throwsUserError(() => nb101.parse('adj=011|001|000;ops=conv3x3-bn-relu|conv3x3-bn-relu|output'), 'vertex 0', 'first op must be "input"');
  throwsUserError(() => nb101.parse('adj=011|001|000;ops=input|conv3x3-bn-relu|maxpool3x3'), 'vertex 2', 'last op must be "output"');
  throwsUserError(() => nb101.parse('adj=011|001|000;ops=input|conv5x5|output'), '"conv5x5"', 'vertex 1', 'conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3');
  throwsUserError(() => nb101.parse('adj=011|001|000;ops=input|output|output'), '"output"', 'vertex 1');
  throwsUserError(() => nb101.parse('adj=1;ops=input'), '1 vertices', '2..7');
  const eight = Array.from({ length: 8 }, (_, r) => '0'.repeat(r + 1) + (r < 7 ? '1' : '') + '0'.repeat(Math.max(0, 6 - r))).join('|');
  throwsUserError(() => nb101.parse(`adj=${eight};ops=input|${'maxpool3x3|'.repeat(6)}output`), '8 vertices', '2..7');
  // 0→{1..5} and {1..5}→6: 10 edges, all on input→output paths.
  const ten = 'adj=0111110|0000001|0000001|0000001|0000001|0000001|0000000';
  throwsUserError(() => nb101.parse(`${ten};ops=${ops7}`), '10 edges after pruning', 'at most 9');
  throwsUserError(() => nb101.parse('101101,3x'), 'unknown op code "x"');
  throwsUserError(() => nb101.parse('1011,3m'), '4 bit(s)', '4 vertices', 'need 6');
  throwsUserError(() => nb101.build('adj=011|001|000;ops=input|conv5x5|output', 10), '"conv5x5"');
});

test('enumerate: the 20,001 CSV cells in index order; indexOf and isomorphismKey from the CSV', () => {
  const archs = nb101.enumerate();
  assert.is(archs.length, NB101_20K_SIZE);
  assert.is(getSpace('nb101'), nb101, 'registered');
  const { rows } = loadNb101Table();
  rows.forEach((r, i) => assert.is(r.index, i));
  for (let i = 0; i < archs.length; i += 613) {
    assert.is(nb101.indexOf(archs[i]), i);
    assert.is(nb101.isomorphismKey(archs[i]), rows[i].hash);
  }
  assert.is(new Set(archs).size, archs.length);
  assert.is(archs[0], 'adj=0100110|0010000|0001001|0000010|0000010|0000001|0000000;ops=input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output');
});

test('the compact .gz streams in index order; its first 20,001 cells are enumerate()', async () => {
  const archs = nb101.enumerate();
  const { rows } = loadNb101Table();
  let n = 0;
  for await (const r of streamNb101All()) {
    assert.is(r.index, n);
    assert.is(r.arch, archs[n]);
    assert.is(r.hash, rows[n].hash);
    if (++n === NB101_20K_SIZE) break; // the full pass (423,624 rows) takes seconds
  }
  assert.is(n, NB101_20K_SIZE);
});

test('encode: 21 padded-adjacency entries + 5 one-hot op slots, output moved to vertex 6', () => {
  assert.is(NB101_ENCODING_LENGTH, 36);
  const e = nb101Encoding(parseNb101('adj=011|001|000;ops=input|conv1x1-bn-relu|output'));
  assert.is(e.length, 36);
  const on = [...e.keys()].filter((k) => e[k] === 1);
  // Edges 0→1 (index 0), 0→6 (index 5), 1→6 (index 6 + 4 = 10); op slot 1 = conv1x1 (21 + 1).
  assert.equal(on, [0, 5, 10, 22]);
  const full = nb101Encoding(parseNb101(INCEPTION));
  assert.is(full.slice(0, 21).reduce((a, b) => a + b, 0), 9, '9 edges');
  assert.equal([...full.slice(21)], [0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1]);
  assert.is.not(nb101.encode(archsAt(0)).join(), nb101.encode(archsAt(1)).join());
});

test('path encoding: input→output paths counted by op sequence (364 = 3^0 + … + 3^5 sequences)', () => {
  assert.is(NB101_PATH_ENCODING_LENGTH, 364);
  const nonZero = (e: Float32Array) => Object.fromEntries([...e.keys()].filter((k) => e[k]).map((k) => [k, e[k]]));
  // Ops index conv3x3 0, conv1x1 1, maxpool 2; sequences of length L start at (3^L − 1) / 2.
  // Inception: [conv1x1], [conv3x3], [conv3x3 conv3x3], [maxpool], one path each.
  assert.equal(nonZero(nb101PathEncoding(parseNb101(INCEPTION))), { 1: 1, 2: 1, 3: 1, 4: 1 });
  // Input→output directly (length 0), and two parallel conv3x3→conv1x1 chains: 4 + 0·3 + 1 = 5, twice.
  const twoChains = parseNb101('adj=011001|000100|000010|000001|000001|000000;ops=input|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|conv1x1-bn-relu|output');
  assert.equal(nonZero(nb101PathEncoding(twoChains)), { 0: 1, 5: 2 });
  assert.is(nb101.encode(INCEPTION).length, NB101_ENCODING_LENGTH + NB101_PATH_ENCODING_LENGTH, 'the space encodes both');
});

test('vertex channels: output split over its feeders (extra channel first), others take their successors\' max', () => {
  assert.equal(computeVertexChannels(128, 128, parseNb101(INCEPTION).matrix), [128, 32, 32, 32, 32, 32, 128]);
  assert.equal(computeVertexChannels(128, 256, parseNb101(MIXED).matrix), [128, 86, 85, 85, 256]);
  assert.equal(computeVertexChannels(128, 128, parseNb101(MIXED).matrix), [128, 43, 43, 42, 128]);
  assert.equal(computeVertexChannels(64, 128, [[0, 1], [0, 0]]), [64, 128]);
});

test('parameter counts equal the CSV params column (small, large and sampled cells)', () => {
  const { rows } = loadNb101Table();
  const byParams = [...rows].sort((a, b) => a.params - b.params);
  const picks = new Set([6992, 16569, 167, ...byParams.slice(0, 4).map((r) => r.index), ...byParams.slice(-4).map((r) => r.index)]);
  for (let i = 0; i < rows.length; i += 1999) picks.add(i);
  assert.ok(picks.size >= 20);
  for (const i of picks) {
    const r = rows[i];
    assert.is(paramCount(nb101.build(r.arch, 10)), r.params, `index ${i} ${r.arch}`);
  }
  assert.is(byParams[0].params, 227274);
  assert.is(byParams[byParams.length - 1].params, 49979274);
  // A 100-class head adds 512·90 weights and 90 biases.
  assert.is(paramCount(nb101.build(rows[0].arch, 100)), rows[0].params + 512 * 90 + 90);
});

test('101 slots with unique names; nodes sit in their slots, in slot order; same layer ⇒ same slot', () => {
  assert.is(NB101_SLOTS.length, 101);
  assert.is(nb101.slots.length, 101);
  assert.is(new Set(NB101_SLOTS.map((s) => s.name)).size, 101);
  NB101_SLOTS.forEach((s, i) => assert.is(s.slot, i));
  assert.is(NB101_SLOTS[0].name, 'stem');
  assert.is(NB101_SLOTS[1].name, 'stack0.cell0.v1.proj');
  assert.is(NB101_SLOTS[2].name, 'stack0.cell0.v1.op');
  assert.is(NB101_SLOTS[11].name, 'stack0.cell0.out.proj');
  assert.is(NB101_SLOTS[12].name, 'stack0.cell1.v1.proj');
  assert.is(NB101_SLOTS[1 + 11 * 8 + 10].name, 'stack2.cell2.out.proj');
  assert.is(NB101_SLOTS[100].name, 'classifier');

  const archs = nb101.enumerate();
  const used = new Set<number>();
  /** (vertex, role, type, channels) of every node, keyed by name, for pairwise comparison. */
  const seen = new Map<string, { slot: number; shape: number[] }[]>();
  for (let i = 0; i < archs.length; i += 7) {
    const spec = parseNb101(archs[i]);
    const net = buildNb101Network(spec);
    for (let k = 1; k < net.nodes.length; k++) assert.ok(net.nodes[k].slot > net.nodes[k - 1].slot, `${archs[i]}: slot order`);
    for (const n of net.nodes) {
      used.add(n.slot);
      const s = NB101_SLOTS[n.slot];
      assert.is(n.name, s.name);
      if (s.role === 'op') assert.is(n.type, spec.ops[s.vertex], `${n.name} holds vertex ${s.vertex}'s op`);
      if (s.role === 'proj') assert.is(spec.matrix[0][s.vertex], 1, `${n.name}: the input feeds vertex ${s.vertex}`);
      if (s.role === 'out_proj') assert.is(spec.matrix[0][spec.ops.length - 1], 1);
      if (s.role === 'proj' || s.role === 'out_proj') assert.is(n.shape[2], s.cellIn);
      if (s.role === 'out_proj') assert.is(n.shape[3], s.cellOut);
      if (n.kind === 'conv') assert.is(n.outShape[0], s.resolution);
      const list = seen.get(n.name) ?? [];
      list.push({ slot: n.slot, shape: n.shape });
      seen.set(n.name, list);
    }
    // Every conv of the spec has its node: stem + per cell (projections + conv vertices + out proj) + head.
    const V = spec.ops.length;
    let perCell = spec.matrix[0][V - 1];
    for (let t = 1; t < V - 1; t++) perCell += spec.matrix[0][t] + (spec.ops[t].startsWith('conv') ? 1 : 0);
    assert.is(net.nodes.length, 2 + 9 * perCell, archs[i]);
  }
  for (const list of seen.values()) assert.ok(list.every((x) => x.slot === list[0].slot), 'a name always has one slot');
  assert.is(used.size, 101, 'the sampled cells fill every slot');
  // The stem and head are identical everywhere.
  assert.equal(seen.get('stem')![0].shape, [3, 3, 3, 128]);
  assert.equal(seen.get('classifier')![0].shape, [512, 10]);
});

test('forward on wasm: [2, 10] finite logits, cuts after stem and the 9 cells, no leaks', async () => {
  assert.is(await selectBackend('wasm'), 'wasm');
  const net = nb101.build(MIXED, 10);
  const init = initParams(net, randomSource(7));
  const before = tf.memory().numTensors;
  const rng = randomSource(8);
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 * 3 }, () => rng.normal()), [2, 32, 32, 3]);
  let cuts = 0;
  const reluNodes = new Set<NodeSpec | null>();
  const mode: ForwardMode = {
    weights: init.weights, biases: init.biases, batchNorm: true,
    onCut: () => { cuts++; },
    onReluInput: (node) => { reluNodes.add(node); },
  };
  const logits = tf.tidy(() => net.forward(x, mode));
  assert.equal(logits.shape, [2, 10]);
  const v = logits.dataSync();
  assert.ok(v.every(Number.isFinite), 'finite logits');
  assert.ok(v.some((y) => y !== 0), 'non-zero logits');
  assert.is(cuts, 10);
  assert.ok(!reluNodes.has(null), 'every ReLU is attributed to the conv it follows');
  assert.is(reluNodes.size, net.nodes.length - 1, 'each conv node has its ReLU');
  tf.dispose([x, logits]);
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  disposeParams(init);
});

test('measureNetwork runs grad_norm and synflow on a light NB101 cell (batch 2), all values finite', async () => {
  assert.is(await selectBackend('wasm'), 'wasm');
  const net = nb101.build(LIGHT, 10);
  assert.is(paramCount(net), 293130);
  const init = initParams(net, randomSource(11));
  const rng = randomSource(12);
  const batch: ImageBatch = {
    images: tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 * 3 }, () => rng.normal()), [2, 32, 32, 3]),
    labels: tf.tensor1d([3, 7], 'int32'),
  };
  const before = tf.memory().numTensors;
  const m = measureNetwork(net, init, batch, resolveProxies(['grad_norm', 'synflow']), { microBatch: 2, rng });
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  assert.equal(m.nonFinite, []);
  for (const name of ['grad_norm', 'synflow']) {
    const values = m.node.get(name)!;
    assert.is(values.length, net.nodes.length);
    values.forEach((val, k) => assert.ok(val !== null && Number.isFinite(val), `${name}@${net.nodes[k].name} = ${val}`));
    assert.ok(values.some((val) => val !== 0), `${name} not all zero`);
  }
  tf.dispose([batch.images, batch.labels]);
  disposeParams(init);
});

test('ground truth: percent, failed runs (test < 20%) dropped by default, kept on request', () => {
  const all = loadNb101Truth('cifar10', { dropFailed: false });
  const ok = loadNb101Truth();
  assert.is(all.size, NB101_20K_SIZE);
  const failed = [...all.values()].filter((t) => t.test < 20).length;
  assert.ok(failed > 50 && failed < 250, `${failed} failed runs (~0.6%)`);
  assert.is(ok.size, NB101_20K_SIZE - failed);
  for (const t of ok.values()) assert.ok(t.val >= 0 && t.val <= 100 && t.test >= 20 && t.test <= 100);
  const first = all.get(archsAt(0))!;
  assert.ok(Math.abs(first.val - 93.04887652) < 1e-6 && Math.abs(first.test - 92.11738706) < 1e-6, JSON.stringify(first));
  assert.is(loadNb101Truth(), ok, 'cached');
  throwsUserError(() => loadNb101Truth('cifar100'), '"cifar100"', 'only cifar10');
});

test.run();
