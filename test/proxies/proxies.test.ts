// Node-wise proxies from measureNetwork's shared passes against independent computations:
// gradient proxies by hand with tf.grads, micro-batching, weight norms, network-level proxies, the
// finite-difference GraSP Hessian-gradient product against an exact double backward, and tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerWasmGradients } from '../../src/backend/wasm-gradients.ts';
import { loadImageBatch } from '../../src/data/cifar.ts';
import { LayerOps } from '../../src/nn/layers.ts';
import { disposeParams, initParams, type InitialParams } from '../../src/nn/init.ts';
import { macCount, paramCount, type ForwardMode, type Network, type NodeSpec, type Tensors } from '../../src/nn/network.ts';
import { measureNetwork, type ImageBatch, type Measurement } from '../../src/proxies/measure.ts';
import { NETWORK_PROXIES, NODE_PROXIES, resolveProxies } from '../../src/proxies/registry.ts';
import { randomSource } from '../../src/random.ts';
import { parseNb201 } from '../../src/spaces/nb201/cell.ts';
import { buildNb201Network } from '../../src/spaces/nb201/network.ts';

/** NB201 index 0: two conv1x1 edges per cell, every conv reaches the output (light). */
const LIGHT = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';
const B = 4;

registerWasmGradients();

let batch: ImageBatch;
let net: Network;
let init: InitialParams;

test.before(async () => {
  registerWasmGradients();
  assert.ok(await tf.setBackend('wasm'));
  const data = loadImageBatch({ dataset: 'cifar10', batchSize: B, seed: 0 });
  batch = { images: tf.tensor4d(data.images, data.shape), labels: tf.tensor1d(data.labels, 'int32') };
  net = buildNb201Network(parseNb201(LIGHT));
  init = initParams(net, randomSource(42));
});

test.after(() => {
  tf.dispose([batch.images, batch.labels]);
  disposeParams(init);
});

const f64 = (t: tf.Tensor) => Float64Array.from(t.dataSync());

function relErr(got: number, want: number, scale = Math.abs(want)): number {
  return Math.abs(got - want) / Math.max(scale, 1e-30);
}

/** Runs measureNetwork and checks that it leaves no tensor (nor backend buffer) behind. */
function measure(n: Network, p: InitialParams, b: ImageBatch, names: string[], microBatch: number, hessianStep?: number): Measurement {
  const before = tf.memory().numTensors;
  const ids = tf.backend().numDataIds();
  const m = measureNetwork(n, p, b, resolveProxies(names), { microBatch, rng: randomSource(9), hessianStep });
  assert.is(tf.memory().numTensors, before, `${names.join(',')}: tensors leaked`);
  assert.is(tf.backend().numDataIds(), ids, `${names.join(',')}: backend buffers leaked`);
  return m;
}

/** Full-batch mean cross-entropy gradients of the node weights and of zero probes on the node outputs
 * (∂L/∂output), with every node output, in one plain tf.grads call (no micro-batches, no measure.ts). */
function handGradients(n: Network, p: InitialParams, b: ImageBatch) {
  const acts = new Map<string, tf.Tensor>();
  const probes = n.nodes.map((node) => tf.zeros([b.images.shape[0], ...node.outShape]));
  const ys = tf.oneHot(b.labels, n.numClasses);
  const weights = n.nodes.map((node) => p.weights[node.name]);
  let logits: tf.Tensor | null = null;
  const grads = tf.grads((...vars: tf.Tensor[]) => {
    const w: Tensors = {}, pr: Tensors = {};
    n.nodes.forEach((node, i) => { w[node.name] = vars[i]; pr[node.name] = vars[n.nodes.length + i]; });
    const z = n.forward(b.images, {
      weights: w, biases: p.biases, batchNorm: true, probes: pr,
      onNodeOutput: (node, y) => acts.set(node.name, tf.keep(tf.clone(y))),
    });
    logits = tf.keep(tf.clone(z));
    return tf.losses.softmaxCrossEntropy(ys, z);
  })([...weights, ...probes]);
  const out = {
    g: grads.slice(0, n.nodes.length).map(f64),
    actGrad: grads.slice(n.nodes.length).map(f64),
    act: n.nodes.map((node) => f64(acts.get(node.name)!)),
    logits: f64(logits!),
  };
  tf.dispose([...grads, ...probes, ys, logits!, ...acts.values()]);
  return out;
}

/** Channel-wise Fisher ½/B Σ_b Σ_c (Σ_spatial a·∂L/∂a)² from flat NHWC (or [B, C]) arrays. */
function fisherOf(act: Float64Array, grad: Float64Array, batchSize: number, channels: number): number {
  const spatial = act.length / (batchSize * channels);
  let total = 0;
  for (let bi = 0; bi < batchSize; bi++) {
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let k = 0; k < spatial; k++) {
        const i = (bi * spatial + k) * channels + c;
        s += act[i] * grad[i];
      }
      total += s * s;
    }
  }
  return (0.5 * total) / batchSize;
}

/** 1e-5, or twice the typical rounding error of a float32 sequential sum of n terms (√n·2⁻²⁴) where that is
 * larger. The proxies reduce in float32 on wasm; the biggest NB201 node has 36,864 weights, and its float32
 * ‖g‖ has been seen 1.0e-5 (relative) off the float64 norm of the bit-identical gradient. */
const sumTolerance = (n: number) => Math.max(1e-5, 2 * Math.sqrt(n) * 2 ** -24);

test('grad_norm, snip, plain and fisher from one shared pass equal a hand tf.grads computation (rel ≤ 1e-5, float32 sum rounding on the largest nodes)', () => {
  const m = measure(net, init, batch, ['grad_norm', 'snip', 'plain', 'fisher'], B);
  const hand = handGradients(net, init, batch);
  const worst: Record<string, number> = { grad_norm: 0, snip: 0, plain: 0, fisher: 0 };
  net.nodes.forEach((node, i) => {
    const w = f64(init.weights[node.name]);
    const g = hand.g[i];
    let sq = 0, snip = 0, plain = 0;
    for (let k = 0; k < g.length; k++) {
      sq += g[k] * g[k];
      snip += Math.abs(w[k] * g[k]);
      plain += w[k] * g[k];
    }
    const fisher = fisherOf(hand.act[i], hand.actGrad[i], B, node.outShape[node.outShape.length - 1]);
    const want: Record<string, [number, number]> = {
      grad_norm: [Math.sqrt(sq), Math.sqrt(sq)],
      snip: [snip, snip],
      plain: [plain, snip], // signed sum: relative to Σ|θ·g| (its terms' scale), as cancellation may make it ~0
      fisher: [fisher, fisher],
    };
    for (const [name, [value, scale]] of Object.entries(want)) {
      const got = m.node.get(name)![i];
      assert.ok(got !== null, `${name}@${node.name} is null`);
      assert.ok(scale > 0, `${name}@${node.name}: non-trivial reference`);
      const e = relErr(got!, value, scale);
      worst[name] = Math.max(worst[name], e);
      assert.ok(e <= sumTolerance(g.length), `${name}@${node.name}: ${got} vs hand ${value} (rel ${e})`);
    }
  });
  console.log(`  worst relative errors vs hand: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);

  // The classifier's Fisher term once more from the closed form ∂L/∂z = (softmax(z) − y)/B.
  const K = net.numClasses;
  const labels = batch.labels.dataSync();
  const dz = new Float64Array(B * K);
  for (let bi = 0; bi < B; bi++) {
    const row = hand.logits.subarray(bi * K, (bi + 1) * K);
    const mx = Math.max(...row);
    const e = row.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, v) => a + v, 0);
    for (let c = 0; c < K; c++) dz[bi * K + c] = (e[c] / s - (labels[bi] === c ? 1 : 0)) / B;
  }
  const head = net.nodes.length - 1;
  const closed = fisherOf(hand.logits, dz, B, K);
  const got = m.node.get('fisher')![head]!;
  assert.ok(relErr(got, closed) <= 1e-5, `fisher@classifier ${got} vs closed form ${closed}`);
});

test('micro-batching: BN couples examples, so NB201 values are equal whenever microBatch ≥ batch', () => {
  // BN uses each micro-batch's own statistics (like a smaller batch would), so microBatch 2 < B = 4 gives
  // other values on NB201 by design; equality across micro-batch sizes is checked on a BN-free network below.
  const names = ['grad_norm', 'snip'];
  const full = measure(net, init, batch, names, B);
  const over = measure(net, init, batch, names, 2 * B);
  const split = measure(net, init, batch, names, 2);
  for (const name of names) {
    assert.equal(over.node.get(name), full.node.get(name), `${name}: microBatch ${2 * B} = ${B}`);
    const a = full.node.get(name)!, b = split.node.get(name)!;
    const maxRel = Math.max(...a.map((v, i) => relErr(b[i]!, v!)));
    console.log(`  NB201 ${name}: microBatch 2 vs 4 differ by up to ${(100 * maxRel).toFixed(1)}% (per-micro-batch BN statistics)`);
  }
});

// ---------------------------------------------------------------------------------------------------
// A tiny BN-free dense network (flatten → linear → tanh → linear) as a custom Network: micro-batches
// must not change its values, and its exact Hessian-gradient product can be written out in float64.

const TINY_IN: [number, number, number] = [4, 4, 2];
const HIDDEN = 16;
const CLASSES = 10;

/** A 2-layer dense net; tanh is smooth, ReLU goes through LayerOps.relu (gates, native kernels). */
function tinyNetwork(activation: 'tanh' | 'relu' = 'tanh'): Network {
  const D = TINY_IN[0] * TINY_IN[1] * TINY_IN[2];
  const fc1: NodeSpec = { slot: 0, name: 'fc1', type: 'linear', kind: 'linear', shape: [D, HIDDEN], outShape: [HIDDEN], macs: D * HIDDEN };
  const fc2: NodeSpec = { slot: 1, name: 'fc2', type: 'linear', kind: 'linear', shape: [HIDDEN, CLASSES], outShape: [CLASSES], macs: HIDDEN * CLASSES };
  return {
    nodes: [fc1, fc2],
    aux: [
      { name: 'fc1.bias', shape: [HIDDEN], init: { uniform: 1 / Math.sqrt(D) } },
      { name: 'fc2.bias', shape: [CLASSES], init: { uniform: 1 / Math.sqrt(HIDDEN) } },
    ],
    inputShape: TINY_IN,
    numClasses: CLASSES,
    forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
      const L = new LayerOps(mode);
      const a = L.linear(fc1, tf.reshape(x, [x.shape[0], D]) as tf.Tensor2D);
      const h = (activation === 'tanh' ? tf.tanh(a) : L.relu(a as unknown as tf.Tensor4D, fc2)) as unknown as tf.Tensor2D;
      return L.linear(fc2, h);
    },
  };
}

function tinyBatch(n: number, seed: number): ImageBatch {
  const rng = randomSource(seed);
  const size = n * TINY_IN[0] * TINY_IN[1] * TINY_IN[2];
  return {
    images: tf.tensor4d(Float32Array.from({ length: size }, () => rng.normal()), [n, ...TINY_IN]),
    labels: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(CLASSES)), 'int32'),
  };
}

test('micro-batching without BN: microBatch 1 and 2 equal 4 for grad_norm, snip, plain, fisher (rel ≤ 1e-4)', () => {
  const tiny = tinyNetwork();
  const p = initParams(tiny, randomSource(5));
  const b = tinyBatch(B, 6);
  const names = ['grad_norm', 'snip', 'plain', 'fisher'];
  const full = measure(tiny, p, b, names, B);
  for (const mb of [1, 2, 3]) {
    const split = measure(tiny, p, b, names, mb);
    for (const name of names) {
      full.node.get(name)!.forEach((v, i) => {
        const got = split.node.get(name)![i]!;
        const scale = name === 'plain' ? full.node.get('snip')![i]! : Math.abs(v!);
        assert.ok(relErr(got, v!, scale) <= 1e-4, `${name}@${tiny.nodes[i].name}: microBatch ${mb} ${got} vs ${v}`);
      });
    }
  }
  tf.dispose([b.images, b.labels]);
  disposeParams(p);
});

test('tfjs cannot differentiate a gradient through a nonlinearity (why grasp uses a finite difference)', () => {
  // tfjs saves a kernel's inputs/outputs for the backward pass as clones made while the tape is paused,
  // so a second tf.grads does not see how ∇f depends on x: here it finds no path at all.
  const x = tf.tensor1d([0.3, -0.2]);
  const f = (v: tf.Tensor) => tf.sum(tf.tanh(v));
  assert.throws(() => tf.grad((v: tf.Tensor) => tf.sum(tf.grad(f)(v)))(x), /Cannot compute gradient/);
  x.dispose();
});

interface TinyF64 { activation: 'tanh' | 'relu'; x: Float64Array; labels: Int32Array; w1: Float64Array; b1: Float64Array; w2: Float64Array; b2: Float64Array }

/** The tiny net in float64, independent of tfjs: mean cross-entropy gradient [∂L/∂W1, ∂L/∂W2] and, for
 * a direction v = [V1, V2], the exact Hessian-vector product H·v by Pearlmutter's R-operator (for ReLU,
 * autograd's: the activation pattern is held fixed, its second derivative is 0). */
function tinyF64(t: TinyF64, w1: Float64Array, w2: Float64Array, v?: Float64Array[]): { grad: Float64Array[]; hv?: Float64Array[] } {
  const { x, labels, b1, b2 } = t;
  const act = t.activation === 'tanh' ? Math.tanh : (u: number) => Math.max(u, 0);
  // σ' and σ'' as functions of h = σ(a): tanh' = 1 − h², tanh'' = −2h(1 − h²); ReLU' = [h > 0], ReLU'' = 0.
  const slope = (h: number) => (t.activation === 'tanh' ? 1 - h * h : h > 0 ? 1 : 0);
  const curve = (h: number) => (t.activation === 'tanh' ? -2 * h * (1 - h * h) : 0);
  const n = labels.length, D = x.length / n, H = b1.length, K = b2.length;
  const g1 = new Float64Array(D * H), g2 = new Float64Array(H * K);
  const r1 = new Float64Array(D * H), r2 = new Float64Array(H * K);
  for (let s = 0; s < n; s++) {
    const h = new Float64Array(H), Rh = new Float64Array(H), Ra = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let a = b1[j];
      for (let d = 0; d < D; d++) {
        a += x[s * D + d] * w1[d * H + j];
        if (v) Ra[j] += x[s * D + d] * v[0][d * H + j];
      }
      h[j] = act(a);
      Rh[j] = slope(h[j]) * Ra[j];
    }
    const z = new Float64Array(K), Rz = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let zz = b2[k], rz = 0;
      for (let j = 0; j < H; j++) {
        zz += h[j] * w2[j * K + k];
        if (v) rz += Rh[j] * w2[j * K + k] + h[j] * v[1][j * K + k];
      }
      z[k] = zz;
      Rz[k] = rz;
    }
    const mx = Math.max(...z);
    const e = z.map((u) => Math.exp(u - mx));
    const sum = e.reduce((a, u) => a + u, 0);
    const p = e.map((u) => u / sum);
    const pRz = p.reduce((a, u, k) => a + u * Rz[k], 0);
    const dz = p.map((u, k) => (u - (k === labels[s] ? 1 : 0)) / n);
    const Rdz = p.map((u, k) => (u * (Rz[k] - pRz)) / n);
    const da = new Float64Array(H), Rda = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let dh = 0, Rdh = 0;
      for (let k = 0; k < K; k++) {
        g2[j * K + k] += h[j] * dz[k];
        r2[j * K + k] += Rh[j] * dz[k] + h[j] * Rdz[k];
        dh += dz[k] * w2[j * K + k];
        if (v) Rdh += Rdz[k] * w2[j * K + k] + dz[k] * v[1][j * K + k];
      }
      da[j] = dh * slope(h[j]);
      Rda[j] = Rdh * slope(h[j]) + dh * curve(h[j]) * Ra[j];
    }
    for (let d = 0; d < D; d++) {
      for (let j = 0; j < H; j++) {
        g1[d * H + j] += x[s * D + d] * da[j];
        r1[d * H + j] += x[s * D + d] * Rda[j];
      }
    }
  }
  return { grad: [g1, g2], hv: v ? [r1, r2] : undefined };
}

/** grasp's central-difference H·g against the exact one on the tiny net. With ReLU the exact product
 * holds the activation pattern fixed; the passes replay the ReLU gates, so a step that flips units must
 * not matter. */
function checkGrasp(activation: 'tanh' | 'relu') {
  const tiny = tinyNetwork(activation);
  const p = initParams(tiny, randomSource(15));
  const b = tinyBatch(8, 16);
  const t: TinyF64 = {
    activation, x: f64(b.images), labels: b.labels.dataSync() as Int32Array,
    w1: f64(p.weights.fc1), b1: f64(p.biases.fc1), w2: f64(p.weights.fc2), b2: f64(p.biases.fc2),
  };
  const w = [t.w1, t.w2];
  const g = tinyF64(t, t.w1, t.w2).grad;
  // The float64 gradient is tfjs's gradient (what grad_norm reads), up to float32 rounding.
  const m0 = measure(tiny, p, b, ['grad_norm'], 8);
  g.forEach((gi, i) => {
    const norm = Math.sqrt(gi.reduce((a, u) => a + u * u, 0));
    assert.ok(relErr(m0.node.get('grad_norm')![i]!, norm) <= 1e-5, `float64 gradient of ${tiny.nodes[i].name}`);
  });
  // Exact H·g (R-operator), cross-checked against a float64 central difference of the gradient.
  const hg = tinyF64(t, t.w1, t.w2, g).hv!;
  const eps = 1e-6;
  const at = (sign: number) => tinyF64(t, ...w.map((wi, i) => wi.map((u, k) => u + sign * eps * g[i][k])) as [Float64Array, Float64Array]).grad;
  const gp = at(1), gm = at(-1);
  hg.forEach((h, i) => {
    const scale = Math.max(...h.map(Math.abs));
    const diff = Math.max(...h.map((u, k) => Math.abs(u - (gp[i][k] - gm[i][k]) / (2 * eps))));
    assert.ok(scale > 0 && diff <= 1e-6 * scale, `${tiny.nodes[i].name}: R-operator vs central difference ${diff} (scale ${scale})`);
  });
  const exact = tiny.nodes.map((_, i) => -w[i].reduce((a, u, k) => a + u * hg[i][k], 0));

  const report: string[] = [];
  let stepErr = 0;
  for (const step of [1e-2, 1e-3, 1e-4]) {
    const m = measure(tiny, p, b, ['grasp'], 8, step);
    const errs = m.node.get('grasp')!.map((u, i) => relErr(u!, exact[i]));
    report.push(`step ${step}: ${errs.map((e, i) => `${tiny.nodes[i].name} ${(100 * e).toFixed(3)}%`).join(', ')}`);
    if (step === 1e-4) stepErr = Math.max(...errs);
  }
  // The default step (hessianStep unset, as in the harvest), with micro-batches (no BN here: same H·g).
  const dflt = measure(tiny, p, b, ['grasp'], 3);
  const defaultErr = Math.max(...dflt.node.get('grasp')!.map((u, i) => relErr(u!, exact[i])));
  console.log(`  grasp (${activation}) exact ${exact.map((u) => u.toExponential(4)).join(', ')}; FD relative error ${report.join('; ')}; default step, micro-batch 3: ${(100 * defaultErr).toFixed(3)}%`);
  assert.ok(Math.abs(defaultErr - stepErr) <= 1e-3, 'the default hessianStep behaves like 1e-4');
  assert.ok(defaultErr <= 0.003, `grasp central-difference error at the default step ${(100 * defaultErr).toFixed(3)}% > 0.3%`);
  tf.dispose([b.images, b.labels]);
  disposeParams(p);
}

test('grasp: finite-difference Hessian-gradient product vs the exact one (tiny dense net, tanh)', () => checkGrasp('tanh'));
test('grasp: the same with ReLU (gates replayed: exact = activation pattern held fixed)', () => checkGrasp('relu'));

/** A conv followed by batch norm (batch statistics) leaves the loss invariant to scaling its weights θ_l,
 * so H·θ_l = −g on that node and 0 elsewhere, hence exactly −θ_l·(H·g)_l = ‖g_l‖²: grasp of such a node must
 * equal grad_norm². This checks the finite-difference H·g on a real NB201 network with its BN, which the
 * tiny net above does not have (at the old step, 1e-3 of ‖θ‖, nodes of this cell were off by up to 100×). */
test('grasp on an NB201 network: convs followed by BN give grasp = grad_norm² (scale invariance)', () => {
  const arch = '|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|';
  const net = buildNb201Network(parseNb201(arch), 10);
  const p = initParams(net, randomSource(31));
  const data = loadImageBatch({ dataset: 'cifar10', batchSize: 8, seed: 0 });
  const b: ImageBatch = { images: tf.tensor4d(data.images, [8, 32, 32, 3]), labels: tf.tensor1d(data.labels, 'int32') };
  const m = measure(net, p, b, ['grad_norm', 'grasp'], 8);
  const gn = m.node.get('grad_norm')!, gr = m.node.get('grasp')!;
  // The shortcut 1×1 convs of the reduction blocks have no BN after them, the classifier is linear.
  const bnFollowed = net.nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.type !== 'linear' && !n.name.endsWith('shortcut'));
  const errs = bnFollowed.map(({ i }) => relErr(gr[i]!, gn[i]! ** 2)).sort((x, y) => x - y);
  const median = errs[errs.length >> 1], worst = errs.at(-1)!;
  console.log(`  grasp vs grad_norm² on ${bnFollowed.length} BN-followed convs: median ${(100 * median).toFixed(3)}%, worst ${(100 * worst).toFixed(2)}%`);
  assert.ok(median <= 0.01, `median relative error ${median}`);
  assert.ok(worst <= 0.1, `worst relative error ${worst}`);
  tf.dispose([b.images, b.labels]);
  disposeParams(p);
});

test('zico: ln Σ mean|g| / std(g) of the two half-batch gradients, against float64 (tiny ReLU net)', () => {
  const tiny = tinyNetwork('relu');
  const p = initParams(tiny, randomSource(21));
  const b = tinyBatch(8, 22);
  const t: TinyF64 = {
    activation: 'relu', x: f64(b.images), labels: b.labels.dataSync() as Int32Array,
    w1: f64(p.weights.fc1), b1: f64(p.biases.fc1), w2: f64(p.weights.fc2), b2: f64(p.biases.fc2),
  };
  const D = t.x.length / 8;
  const half = (h: number) => tinyF64({ ...t, x: t.x.slice(4 * h * D, 4 * (h + 1) * D), labels: t.labels.slice(4 * h, 4 * (h + 1)) }, t.w1, t.w2).grad;
  const [g0, g1] = [half(0), half(1)];
  const expected = g0.map((a, i) => {
    let sum = 0;
    a.forEach((u, k) => {
      const v = g1[i][k];
      const std = Math.abs(u - v) / 2;
      if (std > 0) sum += (Math.abs(u) + Math.abs(v)) / 2 / std;
    });
    return sum > 0 ? Math.log(sum) : 0;
  });
  // Micro-batches of 2 inside each half: the halves are what ZiCo sees, not the memory setting.
  for (const micro of [8, 2]) {
    const got = measure(tiny, p, b, ['zico'], micro).node.get('zico')!;
    got.forEach((u, i) => assert.ok(Math.abs(u! - expected[i]) <= 1e-3 * Math.abs(expected[i]), `${tiny.nodes[i].name}: zico ${u} vs ${expected[i]}`));
  }
  tf.dispose([b.images, b.labels]);
  disposeParams(p);
});

test('l2_norm = ‖θ‖; nwot, jacov, zen, params, flops finite; no proxy leaks tensors', () => {
  const all = [...NODE_PROXIES.keys(), ...NETWORK_PROXIES.keys()];
  // One measurement with every proxy (micro-batches of 2), then each proxy on its own: all leak-checked.
  const m = measure(net, init, batch, all, 2);
  for (const name of new Set(all)) measure(net, init, batch, [name], 2);

  net.nodes.forEach((node, i) => {
    const w = f64(init.weights[node.name]);
    const norm = Math.sqrt(w.reduce((s, v) => s + v * v, 0));
    assert.ok(relErr(m.node.get('l2_norm')![i]!, norm) <= 1e-5, `l2_norm@${node.name}`);
  });
  for (const name of ['nwot', 'jacov', 'zen', 'params', 'flops']) {
    const v = m.network.get(name);
    assert.type(v, 'number', `${name} = ${v}`);
    assert.ok(Number.isFinite(v), `${name} = ${v}`);
  }
  assert.ok(Math.abs(m.network.get('params')! - paramCount(net) / 1e6) < 1e-12);
  assert.ok(Math.abs(m.network.get('params')! - 0.129306) < 1e-12, 'NB201 index 0 has 0.129306 M parameters');
  assert.ok(Math.abs(m.network.get('flops')! - macCount(net) / 1e6) < 1e-12);
  // Node-wise nwot: defined for every node whose op starts with a ReLU (all but the stem and shortcuts).
  net.nodes.forEach((node, i) => {
    const v = m.node.get('nwot')![i];
    if (node.name === 'stem' || node.name.endsWith('.shortcut')) assert.is(v, null, `nwot@${node.name}`);
    else assert.ok(v !== null && Number.isFinite(v), `nwot@${node.name} = ${v}`);
  });
  for (const [name, values] of m.node) {
    if (name === 'nwot') continue;
    values.forEach((v, i) => assert.ok(v !== null && Number.isFinite(v), `${name}@${net.nodes[i].name} = ${v}`));
  }
  assert.equal(m.nonFinite, []);
});

test('nwot from a forward-only pass equals nwot from the loss pass', () => {
  const alone = measure(net, init, batch, ['nwot'], 2);
  const shared = measure(net, init, batch, ['nwot', 'grad_norm', 'fisher'], 2);
  assert.equal(alone.node.get('nwot'), shared.node.get('nwot'));
  assert.is(alone.network.get('nwot'), shared.network.get('nwot'));
  assert.ok(alone.node.get('nwot')!.some((v) => v !== null));
});

test.run();
