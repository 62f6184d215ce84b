// The NDS importer and builders on the SYNTHETIC fixtures of test/fixtures/nds/ (see its README: made-up
// networks and accuracies in the NDS file format): file forms, arch strings, one-line errors, reruns
// averaged, slots over the file's depths, hand-counted parameters, and the forward pass and proxies of
// every op of every family on wasm.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../src/backend/select.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import { paramCount, type ForwardMode } from '../../src/nn/network.ts';
import { measureNetwork, type ImageBatch } from '../../src/proxies/measure.ts';
import { resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { parseNdsNet } from '../../src/spaces/nds/arch.ts';
import { readNdsFile } from '../../src/spaces/nds/truth.ts';
import { throwsUserError } from '../user-error.ts';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
const SWEEPS = ['DARTS', 'ENAS', 'PNAS', 'NASNet', 'Amoeba', 'ResNet', 'ResNeXt-A', 'ResNeXt-B', 'Vanilla'];
let savedDataDir: string | undefined;

test.before(() => {
  savedDataDir = process.env.PARZC_DATA_DIR;
  process.env.PARZC_DATA_DIR = FIXTURES;
});
test.after(() => {
  if (savedDataDir === undefined) delete process.env.PARZC_DATA_DIR;
  else process.env.PARZC_DATA_DIR = savedDataDir;
});

test('nds:<sweep> reads nds/<sweep>.json from the data directory; list and {top, mid} files; reruns averaged', () => {
  const dartsSpace = getSpace('nds:DARTS');
  assert.is(dartsSpace.name, 'nds:DARTS');
  assert.is(getSpace('nds:DARTS'), dartsSpace, 'read once');
  // Three records, the third a rerun of the first: two archs, the first with the mean of 50 and 60.
  assert.is(dartsSpace.enumerate().length, 2);
  const truth = dartsSpace.truth('cifar10');
  assert.equal(truth.get(dartsSpace.enumerate()[0]), { val: 55, test: 55 });
  assert.equal(truth.get(dartsSpace.enumerate()[1]), { val: 60, test: 60 });
  const enas = getSpace('nds:ENAS');
  assert.is(enas.enumerate().length, 2, 'top and mid');
  assert.equal(enas.enumerate().map((a) => enas.truth('cifar10').get(a)!.test), [55, 45]);
  throwsUserError(() => dartsSpace.truth('cifar100'), '"cifar100"', 'only cifar10');
  throwsUserError(() => getSpace('nds:DARTS_in'), 'ImageNet sweep');
  throwsUserError(() => getSpace('nds:Foo'), 'unknown NDS sweep "Foo"', 'ResNeXt-A');
  throwsUserError(() => getSpace('nds:ResNet-B'), 'missing data file nds/ResNet-B.json');
});

test('arch strings: the record\'s net in any key order parses to one canonical JSON; iso key ignores aux and edge order', () => {
  const space = getSpace('nds:DARTS');
  const arch = space.enumerate()[1];
  const net = JSON.parse(arch);
  const shuffled = JSON.stringify({ drop_prob: net.drop_prob, aux: net.aux, depth: net.depth, width: net.width, genotype: net.genotype }, null, 2);
  assert.is(space.parse(shuffled), arch);
  assert.is(space.indexOf(shuffled), 1);
  const noAux = JSON.stringify({ ...net, aux: !net.aux });
  assert.is(space.indexOf(noAux), -1);
  assert.is(space.isomorphismKey(noAux), space.isomorphismKey(arch));
  const g = net.genotype;
  const swapped = JSON.stringify({ ...net, genotype: { ...g, normal: [g.normal[1], g.normal[0], ...g.normal.slice(2)] } });
  assert.is(space.isomorphismKey(swapped), space.isomorphismKey(arch));
  assert.equal([...space.encode(swapped)], [...space.encode(arch)]);
  const resnet = getSpace('nds:ResNet');
  assert.is(resnet.parse(resnet.enumerate()[0]), resnet.enumerate()[0]);
  assert.is(resnet.encode(resnet.enumerate()[0]).length, 26);
});

test('bad nets and files give one-line UserErrors naming the problem', () => {
  const darts = JSON.parse(getSpace('nds:DARTS').enumerate()[0]);
  const withOp = (op: string) => JSON.stringify({ ...darts, genotype: { ...darts.genotype, normal: [[op, 0], ...darts.genotype.normal.slice(1)] } });
  throwsUserError(() => parseNdsNet(withOp('sep_conv_7x7'), 'DARTS'), '"sep_conv_7x7"', 'normal edge 0');
  throwsUserError(() => parseNdsNet(withOp('sep_conv_7x7'), 'PNAS'), 'normal has 8 edge(s)', 'expected 10 (5 nodes');
  throwsUserError(() => parseNdsNet(JSON.stringify({ ...darts, width: 0 }), 'DARTS'), 'width is 0');
  throwsUserError(() => parseNdsNet(JSON.stringify({ ...darts, stem: 'x' }), 'DARTS'), 'unsupported net field "stem"');
  throwsUserError(() => parseNdsNet('{"genotype"', 'DARTS'), 'not JSON');
  const resnext = JSON.parse(getSpace('nds:ResNeXt-A').enumerate()[0]);
  throwsUserError(() => parseNdsNet(JSON.stringify({ ...resnext, num_gs: [3, 4, 4] }), 'ResNeXt-A'), 'bottleneck width 16', 'num_gs 3');
  throwsUserError(() => parseNdsNet(JSON.stringify({ ...resnext, ws: [16, 32] }), 'ResNeXt-A'), 'ds, ws and ss have 3, 2 and 3 stages');
  throwsUserError(() => parseNdsNet(JSON.stringify(resnext), 'ResNet'), 'block_type is "res_bottleneck_block"', 'res_basic_block');
  const dir = mkdtempSync(join(tmpdir(), 'parzc-nds-'));
  try {
    const file = join(dir, 'DARTS.json');
    writeFileSync(file, JSON.stringify({ records: [] }));
    throwsUserError(() => readNdsFile(file, 'DARTS'), 'expected a list of records');
    writeFileSync(file, JSON.stringify([{ net: darts, test_ep_top1: [] }]));
    throwsUserError(() => readNdsFile(file, 'DARTS'), 'record 0', 'test_ep_top1');
    writeFileSync(file, JSON.stringify([{ net: { ...darts, depth: 2 }, test_ep_top1: [10] }]));
    throwsUserError(() => readNdsFile(file, 'DARTS'), 'record 0', 'depth is 2');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('slots cover every depth of the file; nodes sit in their slots; parameters match hand counts', () => {
  const darts = getSpace('nds:DARTS');
  // Depths 5 (reductions at cells 1, 3) and 4 (at 1, 2: reduce2 follows reduce1, so its pre0 is factorized).
  const names = darts.slots.map((s) => s.name);
  for (const n of ['stage0.cell0.pre0', 'reduce1.pre0', 'stage1.cell0.pre0.fr1', 'reduce2.pre0', 'reduce2.pre0.fr1', 'stage2.cell0.pre0.fr2', 'stage2.cell0.edge7.conv3']) {
    assert.ok(names.includes(n), n);
  }
  assert.not.ok(names.includes('stage0.cell1.pre0'), 'no depth has two normal cells in stage 0');
  for (const sweep of SWEEPS) {
    const space = getSpace(`nds:${sweep}`);
    assert.is(new Set(space.slots.map((s) => s.name)).size, space.slots.length);
    for (const arch of space.enumerate()) {
      const net = space.build(arch, 10);
      for (const n of net.nodes) assert.is(space.slots[n.slot].name, n.name, `${sweep}: ${n.name}`);
      for (let k = 1; k < net.nodes.length; k++) assert.ok(net.nodes[k].slot > net.nodes[k - 1].slot, `${sweep}: slot order`);
    }
  }
  // ResNet record 0 (stem 8; stages 8×1, 16×2 at stride 2, 32×1 at stride 2), by hand: stem 216 + 16 BN;
  // stage0: two 3×3 8→8 (576 + 16 each); stage1 block0: proj 128 + 32, 3×3 8→16 1152 + 32, 3×3 16→16
  // 2304 + 32; block1: 2 × (2304 + 32); stage2: proj 512 + 64, 3×3 16→32 4608 + 64, 3×3 32→32 9216 + 64;
  // head 320 + 10.
  const resnet = getSpace('nds:ResNet');
  assert.is(paramCount(resnet.build(resnet.enumerate()[0], 10)), 232 + 1184 + 3680 + 4672 + 14528 + 330);
  // ResNeXt-A (stem 8; 16 ×1 (b 1, g 2); 32 ×1 s2 (b 0.5, g 4); 64 ×2 s2 (b 0.25, g 4)): grouped 3×3 convs
  // hold (w_b / g) · w_b · 9 weights.
  const stage = (win: number, w: number, wb: number, g: number, proj: boolean) =>
    (proj ? win * w + 2 * w : 0) + win * wb + 2 * wb + 9 * (wb / g) * wb + 2 * wb + wb * w + 2 * w;
  const resnext = getSpace('nds:ResNeXt-A');
  assert.is(paramCount(resnext.build(resnext.enumerate()[0], 10)),
    216 + 16 + stage(8, 16, 16, 2, true) + stage(16, 32, 16, 4, true) + stage(32, 64, 16, 4, true) + stage(64, 64, 16, 4, false) + 640 + 10);
});

test('every fixture network runs on wasm: finite logits, a cut per cell or block; grad_norm and synflow finite', async () => {
  assert.is(await selectBackend('wasm'), 'wasm');
  const rng = randomSource(3);
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 * 3 }, () => rng.normal()), [2, 32, 32, 3]);
  const batch: ImageBatch = { images: x, labels: tf.tensor1d([1, 2], 'int32') };
  for (const sweep of SWEEPS) {
    const space = getSpace(`nds:${sweep}`);
    for (const arch of space.enumerate()) {
      const net = space.build(arch, 10);
      const init = initParams(net, randomSource(4));
      let cuts = 0;
      const mode: ForwardMode = { weights: init.weights, biases: init.biases, batchNorm: true, onCut: (s) => { cuts++; s.dispose(); } };
      const logits = tf.tidy(() => net.forward(x, mode));
      assert.equal(logits.shape, [2, 10]);
      assert.ok(logits.dataSync().every(Number.isFinite), `${sweep}: finite logits`);
      logits.dispose();
      const cfg = JSON.parse(arch);
      assert.is(cuts, 1 + (cfg.depth ?? cfg.ds.reduce((a: number, b: number) => a + b, 0)), `${sweep}: cuts`);
      const m = measureNetwork(net, init, batch, resolveProxies(['grad_norm', 'synflow']), { microBatch: 2, rng: randomSource(5) });
      assert.equal(m.nonFinite, [], sweep);
      for (const p of ['grad_norm', 'synflow']) m.node.get(p)!.forEach((v, k) => assert.ok(v !== null && Number.isFinite(v), `${sweep} ${p}@${net.nodes[k].name}`));
      disposeParams(init);
    }
  }
  tf.dispose([x, batch.labels]);
});

test.run();
