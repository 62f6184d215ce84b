// SynFlow with rescaling at graph cuts (LayerOps.cut) and ln(1 + score) storage against a direct
// computation without rescaling, and its range on the heaviest NB201 cell.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerWasmGradients } from '../../src/backend/wasm-gradients.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import type { ForwardMode, Network, Tensors } from '../../src/nn/network.ts';
import { measureNetwork, type ImageBatch } from '../../src/proxies/measure.ts';
import { resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import { parseNb201 } from '../../src/spaces/nb201/cell.ts';
import { buildNb201Network } from '../../src/spaces/nb201/network.ts';

// Light cells (few convs): the unscaled score stays far inside float32 range. The reference runs on the
// cpu backend (plain reference kernels) for the cheapest one; cpu conv backprop takes 10-30 s per pass for
// the others, so theirs runs unscaled on wasm (the wasm kernels are checked against cpu in
// test/backend/wasm-gradients.test.ts; what is under test here is the rescaling and the log storage).
const LIGHT: { arch: string; refBackend: 'cpu' | 'wasm' }[] = [
  { arch: '|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|', refBackend: 'cpu' }, // a conv1x1 per cell
  { arch: '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|', refBackend: 'wasm' }, // index 0
  { arch: '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|', refBackend: 'wasm' }, // a conv3x3 per cell
];
const ALL_CONV3 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';

registerWasmGradients();

/** Unscaled synflow per node, as the reference code computes it (|θ|, no BN, ones input, R = Σ logits,
 * biases left out), with the per-node sums Σ|θ|·∂R/∂θ done in float64 in JS. */
function referenceScores(net: Network, seed: number): { scores: number[]; R: number } {
  const init = initParams(net, randomSource(seed));
  const abs = net.nodes.map((n) => tf.abs(init.weights[n.name]));
  const ones = tf.ones([1, ...net.inputShape]) as tf.Tensor4D;
  const R = tf.tidy(() => {
    const w: Tensors = {};
    net.nodes.forEach((n, i) => { w[n.name] = abs[i]; });
    return tf.sum(net.forward(ones, { weights: w, biases: {}, batchNorm: false })).dataSync()[0];
  });
  const grads = tf.grads((...vars: tf.Tensor[]) => {
    const w: Tensors = {};
    net.nodes.forEach((n, i) => { w[n.name] = vars[i]; });
    return tf.sum(net.forward(ones, { weights: w, biases: {}, batchNorm: false }));
  })(abs);
  const scores = grads.map((g, i) => {
    const gv = g.dataSync(), wv = abs[i].dataSync();
    let s = 0;
    for (let k = 0; k < gv.length; k++) s += wv[k] * gv[k];
    return s;
  });
  tf.dispose([...abs, ...grads, ones]);
  disposeParams(init);
  return { scores, R };
}

function measureSynflow(net: Network, seed: number) {
  const init = initParams(net, randomSource(seed));
  const batch: ImageBatch = { images: tf.zeros([1, 32, 32, 3]), labels: tf.tensor1d([0], 'int32') };
  const before = tf.memory().numTensors;
  const m = measureNetwork(net, init, batch, resolveProxies(['synflow']), { microBatch: 1, rng: randomSource(seed + 1) });
  assert.is(tf.memory().numTensors, before, 'synflow pass leaks no tensors');
  tf.dispose([batch.images, batch.labels]);
  disposeParams(init);
  return m;
}

test('the synflow pass rescales at every graph cut (stem, 2 reductions, 15 cells)', async () => {
  registerWasmGradients();
  await tf.setBackend('wasm');
  const net = buildNb201Network(parseNb201(LIGHT[1].arch));
  const init = initParams(net, randomSource(3));
  const logScales: number[] = [];
  const mode: ForwardMode = {
    weights: init.weights, biases: {}, batchNorm: false,
    onCut: (s) => { logScales.push(s.dataSync()[0]); },
  };
  tf.tidy(() => { net.forward(tf.ones([1, 32, 32, 3]) as tf.Tensor4D, mode); });
  assert.is(logScales.length, 18);
  assert.ok(logScales.every(Number.isFinite));
  disposeParams(init);
});

test('expm1 of the stored synflow equals the unscaled reference (float64 sums) on light cells, rel ≤ 1e-4', async () => {
  for (const [k, { arch, refBackend }] of LIGHT.entries()) {
    const net = buildNb201Network(parseNb201(arch));
    const seed = 11 + k;
    await tf.setBackend(refBackend);
    const ref = referenceScores(net, seed);
    await tf.setBackend('wasm');
    const m = measureSynflow(net, seed);
    assert.is(m.nonFinite.length, 0);
    const values = m.node.get('synflow')!;
    assert.is(values.length, net.nodes.length);
    assert.ok(ref.R > 1 && ref.R < 1e30, `${arch}: R = ${ref.R} is well inside float32 range`);
    let worst = 0;
    net.nodes.forEach((n, i) => {
      const want = ref.scores[i];
      assert.ok(Number.isFinite(want) && want > 0, `${n.name}: reference score ${want}`);
      const got = Math.expm1(values[i]!);
      const rel = Math.abs(got - want) / want;
      worst = Math.max(worst, rel);
      assert.ok(rel <= 1e-4, `${arch} ${n.name}: expm1(v) = ${got}, reference ${want}, rel ${rel}`);
    });
    // Σ logits is linear in the classifier weights and biases are left out: its score is R itself.
    assert.ok(Math.abs(ref.scores[net.nodes.length - 1] - ref.R) <= 1e-4 * ref.R, 'classifier score = R');
    console.log(`  synflow ${arch}: R = ${ref.R.toExponential(3)}, worst relative error ${worst.toExponential(2)} (reference on ${refBackend})`);
  }
});

test('all-conv3x3 cell: every synflow value finite and the scores beyond float32 intermediate range (> 1e30)', async () => {
  await tf.setBackend('wasm');
  const net = buildNb201Network(parseNb201(ALL_CONV3));
  const m = measureSynflow(net, 5);
  assert.equal(m.nonFinite, []);
  const values = m.node.get('synflow')!;
  assert.is(values.length, 98);
  let min = Infinity, max = -Infinity;
  values.forEach((v, i) => {
    assert.ok(v !== null && Number.isFinite(v), `${net.nodes[i].name}: ${v}`);
    assert.ok(v! > Math.log(1e30), `${net.nodes[i].name}: ln(1+score) = ${v} ≤ ln 1e30`);
    min = Math.min(min, v!);
    max = Math.max(max, v!);
  });
  // ln(1+score) < ln(FLT_MAX) ≈ 88.7 would mean no overflow was possible; the heaviest cell goes past it.
  assert.ok(max > 88.8, `max ln(1+score) ${max} exceeds float32 range`);
  console.log(`  synflow all-conv3x3: ln(1+score) in [${min.toFixed(2)}, ${max.toFixed(2)}] (score ${Math.exp(min).toExponential(2)} .. ${Math.exp(max).toExponential(2)})`);
});

test.run();
