// The PiT space: arch strings, the 100 ViT-Bench-101 cells and their ground truth, the network's slots,
// grids and parameters, and every node-wise proxy finite on a real batch (wasm).
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerWasmGradients } from '../../src/backend/wasm-gradients.ts';
import { loadImageBatch } from '../../src/data/cifar.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import { paramCount } from '../../src/nn/network.ts';
import { measureNetwork } from '../../src/proxies/measure.ts';
import { resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { parsePit, pit, PIT_ENCODING_LENGTH, PIT_SLOTS } from '../../src/spaces/vit/pit.ts';
import { throwsUserError } from '../user-error.ts';

// The first two records of autoprox_vitbench_pit.json.
const FIRST = 'base=16;mlp=6;depth=2,8,4;heads=2,4,4';
const SECOND = 'base=32;mlp=4;depth=1,6,6;heads=2,8,8';

test.before(async () => {
  registerWasmGradients();
  assert.ok(await tf.setBackend('wasm'), 'wasm backend');
});

test('registered; the 100 ViT-Bench-101 subnets in file order; KD ground truth for three datasets', () => {
  assert.is(getSpace('pit'), pit);
  const archs = pit.enumerate();
  assert.is(archs.length, 100);
  assert.is(new Set(archs).size, 100);
  assert.equal(archs.slice(0, 2), [FIRST, SECOND]);
  archs.forEach((a, i) => {
    assert.is(pit.parse(a), a);
    assert.is(pit.indexOf(a), i);
  });
  assert.equal(pit.truth('cifar100').get(FIRST), { val: 72.5, test: 72.5 });
  assert.is(pit.truth('flowers').get(SECOND)!.val, 69.7349);
  assert.is(pit.truth('chaoyang').size, 100);
  throwsUserError(() => pit.truth('imagenet'), 'unknown PiT dataset "imagenet"');
});

test('parse: one-line errors naming the bad token; heads may not shrink between stages', () => {
  assert.is(pit.parse('base = 16; mlp = 6.0; depth = 2, 8, 4; heads = 2, 4, 4'), FIRST);
  throwsUserError(() => pit.parse('base=20;mlp=6;depth=2,8,4;heads=2,4,4'), 'base dim "20"', '16, 24, 32, 40');
  throwsUserError(() => pit.parse('base=16;mlp=3;depth=2,8,4;heads=2,4,4'), 'mlp ratio "3"');
  throwsUserError(() => pit.parse('base=16;mlp=6;depth=2,5,4;heads=2,4,4'), 'stage depth "5" at position 2');
  throwsUserError(() => pit.parse('base=16;mlp=6;depth=4,8,4;heads=2,4,4'), 'stage depth "4" at position 1 is not one of 1, 2, 3');
  throwsUserError(() => pit.parse('base=16;mlp=6;depth=2,8;heads=2,4,4'), 'depth has 2 value(s)');
  throwsUserError(() => pit.parse('base=16;mlp=6;depth=2,8,4;heads=2,4,3'), 'head count "3" at position 3');
  throwsUserError(() => pit.parse('base=16;mlp=6;depth=2,8,4;heads=4,2,8'), 'head count "2" at position 2 is below');
  throwsUserError(() => pit.parse('base=16;mlp=6,4;depth=2,8,4;heads=2,4,4'), 'mlp must be one value');
});

test('encoding: fixed length one-hots', () => {
  const enc = pit.encode(FIRST);
  assert.is(enc.length, PIT_ENCODING_LENGTH);
  assert.is(PIT_ENCODING_LENGTH, 26);
  assert.equal([...enc.slice(0, 8)], [1, 0, 0, 0, 0, 0, 1, 0]);
  assert.equal([...enc.slice(8, 14)], [0, 1, 0, 1, 0, 0], 'stage 0: depth 2, 2 heads');
  assert.is(enc.reduce((a, b) => a + b, 0), 8);
});

/** PyTorch's parameter count of Auto-Prox's PiT at 32×32 (patch 4, stride 2: grids 15, 8, 4). */
function referenceParams(arch: string, classes: number): number {
  const { base, mlp, depth, heads } = parsePit(arch);
  const D = heads.map((h) => base * h);
  let n = 3 * 16 * D[0] + D[0] + 15 * 15 * D[0] + D[0] + 2 * D[2] + D[2] * classes + classes; // patch, pos, cls, norm, head
  depth.forEach((d, s) => {
    const h = D[s] * mlp;
    n += d * (4 * D[s] + 3 * D[s] * D[s] + 3 * D[s] + D[s] * D[s] + D[s] + D[s] * h + h + h * D[s] + D[s]);
    if (s < 2) n += 9 * D[s + 1] + D[s + 1] + D[s] * D[s + 1] + D[s + 1]; // depthwise pool conv, cls fc
  });
  return n;
}

test('network: 74 slots, nodes in slot order, pooling conv depthwise (fan-in 9), parameter count', () => {
  assert.is(PIT_SLOTS.length, 74);
  assert.is(new Set(PIT_SLOTS.map((s) => s.name)).size, 74);
  for (const arch of pit.enumerate().slice(0, 5)) {
    const net = pit.build(arch, 100);
    const { depth } = parsePit(arch);
    assert.is(net.nodes.length, 2 + 4 * (depth[0] + depth[1] + depth[2]) + 4);
    net.nodes.forEach((n, i) => {
      assert.is(PIT_SLOTS[n.slot].name, n.name);
      if (i > 0) assert.ok(n.slot > net.nodes[i - 1].slot, 'slot order');
    });
    assert.is(paramCount(net), referenceParams(arch, 100), arch);
  }
  const net = pit.build(SECOND, 100);
  const conv = net.nodes.find((n) => n.name === 'pool0.conv')!;
  assert.equal([conv.shape, conv.outShape, conv.macs], [[3, 3, 1, 256], [8, 8, 256], 9 * 256 * 64]);
  assert.equal(net.nodes.find((n) => n.name === 'pool1.fc')!.outShape, [1, 256]);
  assert.equal(net.nodes.find((n) => n.name === 'stage2.block0.qkv')!.outShape, [17, 768]);
  assert.equal(net.nodes[0].outShape, [15, 15, 64]);
});

test('every node-wise proxy is finite at every node (wasm, real batch, 100-class head)', () => {
  const data = loadImageBatch({ dataset: 'cifar100', batchSize: 4, seed: 0 });
  const batch = { images: tf.tensor4d(data.images, [4, 32, 32, 3]), labels: tf.tensor1d(data.labels, 'int32') };
  const net = pit.build(FIRST, data.numClasses);
  const rng = randomSource(9);
  const init = initParams(net, rng);
  const m = measureNetwork(net, init, batch, resolveProxies(['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm', 'grasp']), {
    microBatch: 2, rng,
  });
  assert.equal(m.nonFinite, []);
  for (const [name, values] of m.node) {
    values.forEach((v, i) => assert.ok(v !== null && Number.isFinite(v), `${name}@${net.nodes[i].name} = ${v}`));
  }
  disposeParams(init);
  tf.dispose([batch.images, batch.labels]);
});

test.run();
