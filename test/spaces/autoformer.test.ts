// The AutoFormer space: arch strings, the 200 ViT-Bench-101 cells and their ground truth, the network's
// slots and parameters, and every node-wise proxy finite on a real batch (wasm).
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerWasmGradients } from '../../src/backend/wasm-gradients.ts';
import { loadImageBatch } from '../../src/data/cifar.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import { macCount, paramCount } from '../../src/nn/network.ts';
import { measureNetwork } from '../../src/proxies/measure.ts';
import { resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import {
  AUTOFORMER_ENCODING_LENGTH, AUTOFORMER_SLOTS, autoformer, buildAutoformerNetwork, parseAutoformer,
} from '../../src/spaces/vit/autoformer.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { throwsUserError } from '../user-error.ts';

// The first record of autoprox_vitbench_autoformer_1.json (c100_kd_acc 76.06, flower_kd_acc 66.5962…).
const FIRST = 'embed=192;mlp=3.5,4,3.5,4,3.5,3.5,4,3.5,4,4,4,3.5;heads=4,4,3,4,3,3,4,4,3,3,3,4';
// The first record of file 2, whose *_base_acc are null.
const FILE2_FIRST = 'embed=240;mlp=3.5,3.5,3.5,3.5,3.5,4,4,3.5,3.5,3.5,4,4,3.5;heads=3,3,4,4,3,4,4,4,4,3,4,4,3';

test.before(async () => {
  registerWasmGradients();
  assert.ok(await tf.setBackend('wasm'), 'wasm backend');
});

test('registered; the 200 ViT-Bench-101 subnets in file order, canonical and distinct', () => {
  assert.is(getSpace('autoformer'), autoformer);
  const archs = autoformer.enumerate();
  assert.is(archs.length, 200);
  assert.is(new Set(archs).size, 200);
  assert.is(archs[0], FIRST);
  assert.is(archs[100], FILE2_FIRST);
  archs.forEach((a, i) => {
    assert.is(autoformer.parse(a), a);
    assert.is(autoformer.indexOf(a), i);
    assert.is(autoformer.isomorphismKey(a), a);
  });
  const depths = new Set(archs.map((a) => parseAutoformer(a).mlp.length));
  assert.equal([...depths].sort(), [12, 13, 14]);
  assert.is(autoformer.indexOf(FIRST.replace('embed=192', 'embed=216')), -1, 'a subnet outside the benchmark has no index');
});

test('ground truth: the KD accuracy (val = test) for cifar100, flowers and chaoyang, all 200 cells', () => {
  for (const d of ['cifar100', 'flowers', 'chaoyang']) assert.is(autoformer.truth(d).size, 200, d);
  assert.equal(autoformer.truth('cifar100').get(FIRST), { val: 76.06, test: 76.06 });
  assert.is(autoformer.truth('flowers').get(FIRST)!.val, 66.59620000000001);
  assert.is(autoformer.truth('chaoyang').get(FILE2_FIRST)!.test, 84.75919999999999);
  assert.is(autoformer.truth('c100'), autoformer.truth('cifar100'));
  throwsUserError(() => autoformer.truth('cifar10'), 'unknown AutoFormer dataset "cifar10"', 'cifar100, flowers, chaoyang');
});

test('parse: canonical form, spacing and 4.0 accepted; one-line errors naming the bad token', () => {
  assert.is(autoformer.parse(` embed = 192 ; mlp = ${'4.0,'.repeat(11)}3.5 ; heads = ${'3,'.repeat(11)}4 `),
    `embed=192;mlp=${'4,'.repeat(11)}3.5;heads=${'3,'.repeat(11)}4`);
  const mlp12 = '3.5,'.repeat(11) + '4';
  const heads12 = '3,'.repeat(11) + '4';
  throwsUserError(() => autoformer.parse(`embed=200;mlp=${mlp12};heads=${heads12}`), 'embed dim "200"', '192, 216, 240');
  throwsUserError(() => autoformer.parse(`embed=192;mlp=${mlp12.replace(/4$/, '3.7')};heads=${heads12}`), 'mlp ratio "3.7" at position 12');
  throwsUserError(() => autoformer.parse(`embed=192;mlp=${mlp12};heads=5,${heads12.slice(2)}`), 'head count "5" at position 1', '3, 4');
  throwsUserError(() => autoformer.parse(`embed=192;mlp=${mlp12},4;heads=${heads12}`), '13 mlp ratios but 12 head counts');
  throwsUserError(() => autoformer.parse(`embed=192;mlp=3.5,4;heads=3,4`), 'depth 2', '12, 13, 14');
  throwsUserError(() => autoformer.parse(`embed=192;mlp=${mlp12}`), 'missing field "heads"');
  throwsUserError(() => autoformer.parse(`embed=192;mlp=${mlp12};heads=${heads12};depth=12`), 'unknown field "depth"');
  throwsUserError(() => autoformer.parse(`embed=192;embed=192;mlp=${mlp12};heads=${heads12}`), 'field "embed" repeats');
  throwsUserError(() => autoformer.parse('hello'), '"hello" is not key=value');
});

test('encoding: fixed length, embed one-hot then per block slot mlp and heads one-hots, zero past the depth', () => {
  const enc = autoformer.encode(FIRST);
  assert.is(enc.length, AUTOFORMER_ENCODING_LENGTH);
  assert.is(autoformer.encode(FILE2_FIRST).length, AUTOFORMER_ENCODING_LENGTH);
  assert.equal([...enc.slice(0, 3)], [1, 0, 0]);
  assert.equal([...enc.slice(3, 7)], [1, 0, 0, 1], 'block 0: mlp 3.5, 4 heads');
  assert.equal([...enc.slice(7, 11)], [0, 1, 0, 1], 'block 1: mlp 4, 4 heads');
  assert.is(enc.slice(3 + 12 * 4).reduce((a, b) => a + b, 0), 0, 'blocks 12 and 13 absent');
});

/** PyTorch's parameter count of AutoFormerSub at 32×32 with 4×4 patches, summed module by module. */
function referenceParams(arch: string, classes: number): number {
  const { embed: D, mlp } = parseAutoformer(arch);
  let n = 3 * 16 * D + D + D + 65 * D + 2 * D + D * classes + classes; // patch conv, cls, pos, final LN, head
  for (const r of mlp) {
    const h = Math.floor(D * r);
    n += 2 * D + 3 * D * D + 3 * D + D * D + D + 2 * D + D * h + h + h * D + D;
  }
  return n;
}

test('network: 58 slots, nodes in slot order with stable names, PyTorch parameter count, MACs', () => {
  assert.is(AUTOFORMER_SLOTS.length, 58);
  assert.is(new Set(AUTOFORMER_SLOTS.map((s) => s.name)).size, 58);
  for (const arch of [FIRST, FILE2_FIRST, autoformer.enumerate()[1]]) {
    const net = autoformer.build(arch, 100);
    const depth = parseAutoformer(arch).mlp.length;
    assert.is(net.nodes.length, 2 + 4 * depth);
    net.nodes.forEach((n, i) => {
      assert.is(AUTOFORMER_SLOTS[n.slot].name, n.name);
      if (i > 0) assert.ok(n.slot > net.nodes[i - 1].slot, 'slot order');
    });
    assert.is(net.nodes.at(-1)!.slot, 57);
    assert.is(paramCount(net), referenceParams(arch, 100), arch);
  }
  const net = buildAutoformerNetwork(parseAutoformer(FIRST), 100);
  const fc1 = net.nodes.find((n) => n.name === 'block0.fc1')!;
  assert.equal([fc1.kind, fc1.type, fc1.shape, fc1.outShape], ['linear', 'fc1.r3.5', [192, 672], [65, 672]]);
  assert.equal(net.nodes[0].outShape, [8, 8, 192]);
  assert.is(macCount(net), net.nodes.reduce((a, n) => a + n.macs, 0));
  assert.is(net.nodes.find((n) => n.name === 'block0.qkv')!.macs, 65 * 192 * 576);
});

test('every node-wise proxy is finite at every node (wasm, real CIFAR-10 batch under a 100-class head)', () => {
  const data = loadImageBatch({ dataset: 'cifar100', batchSize: 4, seed: 0 });
  assert.is(data.numClasses, 100);
  const batch = { images: tf.tensor4d(data.images, [4, 32, 32, 3]), labels: tf.tensor1d(data.labels, 'int32') };
  const net = autoformer.build(FIRST, data.numClasses);
  const rng = randomSource(5);
  const init = initParams(net, rng);
  assert.ok(init.biases.cls_token && init.biases.pos_embed, 'class token and position embedding drawn');
  const before = tf.memory().numTensors;
  const m = measureNetwork(net, init, batch, resolveProxies(['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm', 'grasp', 'nwot']), {
    microBatch: 4, rng,
  });
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  assert.equal(m.nonFinite, []);
  for (const [name, values] of m.node) {
    values.forEach((v, i) => {
      if (name === 'nwot' && !net.nodes[i].name.endsWith('.fc2')) assert.is(v, null, `${name}@${net.nodes[i].name}: no GELU in front`);
      else assert.ok(v !== null && Number.isFinite(v), `${name}@${net.nodes[i].name} = ${v}`);
    });
  }
  assert.ok(m.node.get('synflow')!.every((v) => v! >= 0), 'synflow ln(1 + Σ|θ·g|) ≥ 0');
  disposeParams(init);
  tf.dispose([batch.images, batch.labels]);
});

test.run();
