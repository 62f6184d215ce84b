// Gradients on wasm (with registerWasmGradients) against the cpu backend's reference kernels.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dilatedConv2d, dilatedDepthwiseConv2d } from '../../src/backend/dilated-conv.ts';
import { NATIVE_PACKAGES, selectBackend } from '../../src/backend/select.ts';
import { registerWasmGradients } from '../../src/backend/wasm-gradients.ts';
import { UserError } from '../../src/errors.ts';
import { LayerOps } from '../../src/nn/layers.ts';
import { runBlock, VitParts } from '../../src/spaces/vit/blocks.ts';

registerWasmGradients();
registerWasmGradients(); // idempotent

const TOL = 1e-4;

interface Data { shape: number[]; values: Float32Array }

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const next = lcg(7);
function rand(shape: number[]): Data {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = next();
  return { shape, values };
}

/** Fixed weights for the scalar loss sum(y * w), the same on every backend. */
function weights(n: number): Float32Array {
  const r = lcg(n), w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = r();
  return w;
}

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

async function gradsOn(backend: string, fn: Fn, inputs: Data[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const xs = inputs.map((d) => tf.tensor(d.values, d.shape));
  const gs = tf.grads((...a: tf.Tensor[]) => {
    const y = fn(...a);
    return tf.sum(tf.mul(y, tf.tensor(weights(y.size), y.shape)));
  })(xs);
  const out = gs.map((g) => g.dataSync() as Float32Array);
  tf.dispose([...xs, ...gs]);
  assert.is(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  assert.is(tf.backend().numDataIds(), dataIds, `${backend}: backend buffers leaked`);
  return out;
}

function relErr(got: Float32Array, want: Float32Array): number {
  assert.is(got.length, want.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < got.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

const worst: Record<string, number> = {};

/** Gradients of fn on `backends` against those of ref (default: fn) on cpu. */
async function check(kernel: string, label: string, fn: Fn, inputs: Data[],
  opts: { ref?: Fn; backends?: string[] } = {}): Promise<void> {
  const want = await gradsOn('cpu', opts.ref ?? fn, inputs);
  for (const backend of opts.backends ?? ['wasm']) {
    const got = await gradsOn(backend, fn, inputs);
    got.forEach((g, i) => {
      const e = relErr(g, want[i]);
      worst[kernel] = Math.max(worst[kernel] ?? 0, e);
      assert.ok(e <= TOL, `${kernel} ${label} on ${backend}, gradient ${i}: relative error ${e}`);
    });
  }
}

type Pad = 'same' | 'valid' | number;
const PADS: Pad[] = ['same', 'valid', 1, 2];
const X_SHAPES = [[2, 7, 7, 3], [2, 8, 8, 4]];

test('Conv2DBackpropFilter / Conv2DBackpropInput: strides 1-2, 1x1/3x3/5x5, same/valid/numeric', async () => {
  for (const xs of X_SHAPES) for (const k of [1, 3, 5]) for (const s of [1, 2]) for (const pad of PADS) {
    const inputs = [rand(xs), rand([k, k, xs[3], 5])];
    await check('Conv2D grads', `x${xs} k${k} s${s} pad ${pad}`,
      (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad), inputs);
  }
  const explicit: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [0, 1], [0, 0]];
  for (const s of [1, 2]) {
    await check('Conv2D grads', `explicit pad s${s}`,
      (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, explicit), [rand([2, 8, 7, 3]), rand([3, 3, 3, 4])]);
  }
});

test('Depthwise backprop kernels: strides 1-2, 3x3/5x5, multiplier 1-2', async () => {
  for (const xs of X_SHAPES) for (const k of [3, 5]) for (const s of [1, 2]) for (const pad of PADS) {
    for (const m of [1, 2]) {
      await check('DepthwiseConv2dNative grads', `x${xs} k${k} s${s} pad ${pad} m${m}`,
        (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad),
        [rand(xs), rand([k, k, xs[3], m])]);
    }
  }
});

/** The dilated filter written out with zeros: the undilated conv with it is the reference. */
function zeroDilate(f: tf.Tensor, d: number): tf.Tensor4D {
  const [kh, kw, ci, co] = f.shape;
  const spread = tf.pad(f.reshape([kh, 1, kw, 1, ci * co]), [[0, 0], [0, d - 1], [0, 0], [0, d - 1], [0, 0]]);
  return spread.reshape([kh * d, kw * d, ci, co])
    .slice([0, 0, 0, 0], [(kh - 1) * d + 1, (kw - 1) * d + 1, ci, co]) as tf.Tensor4D;
}

test('dilated conv2d / depthwise (dilation 2) on wasm and cpu against zero-dilated filters', async () => {
  for (const xs of [[2, 9, 9, 3], [2, 10, 10, 4]]) for (const k of [3, 5]) for (const s of [1, 2]) {
    for (const pad of ['same', 'valid', 2] as Pad[]) {
      const label = `x${xs} k${k} s${s} pad ${pad}`;
      await check('dilatedConv2d', label,
        (x, f) => dilatedConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad, 2),
        [rand(xs), rand([k, k, xs[3], 4])],
        { ref: (x, f) => tf.conv2d(x as tf.Tensor4D, zeroDilate(f, 2), s, pad), backends: ['wasm', 'cpu'] });
      for (const m of [1, 2]) {
        await check('dilatedDepthwiseConv2d', `${label} m${m}`,
          (x, f) => dilatedDepthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad, 2),
          [rand(xs), rand([k, k, xs[3], m])],
          { ref: (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, zeroDilate(f, 2), s, pad), backends: ['wasm', 'cpu'] });
      }
    }
  }
});

test('MaxPoolGrad: windows 2-3, strides 1-2, same/valid/numeric', async () => {
  for (const xs of [[2, 7, 7, 3], [2, 8, 8, 3]]) for (const k of [2, 3]) for (const s of [1, 2]) {
    for (const pad of ['same', 'valid', 1] as Pad[]) {
      await check('MaxPoolGrad', `x${xs} k${k} s${s} pad ${pad}`,
        (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad), [rand(xs)]);
    }
  }
});

test('UnsortedSegmentSum through gather, axis 0 and 1', async () => {
  const idx = [3, 0, 3, 9, 1, 3, 0];
  await check('UnsortedSegmentSum', 'axis 0', (p) => tf.gather(p, tf.tensor1d(idx, 'int32'), 0), [rand([10, 6])]);
  await check('UnsortedSegmentSum', 'axis 1',
    (p) => tf.gather(p, tf.tensor1d(idx.map((i) => i % 5), 'int32'), 1), [rand([4, 5, 3])]);
});

test('BatchMatMul gradients: 2-D and batched, all transposes', async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    const a2 = ta ? [7, 5] : [5, 7], b2 = tb ? [3, 7] : [7, 3];
    await check('BatchMatMul', `2-D ${ta} ${tb}`, (a, b) => tf.matMul(a, b, ta, tb), [rand(a2), rand(b2)]);
    await check('BatchMatMul', `batched ${ta} ${tb}`, (a, b) => tf.matMul(a, b, ta, tb),
      [rand([3, ...a2]), rand([3, ...b2])]);
    await check('BatchMatMul', `batch-1 rank 3 ${ta} ${tb}`, (a, b) => tf.matMul(a, b, ta, tb),
      [rand([1, ...a2]), rand([1, ...b2])]);
  }
});

test('NB201-style and ViT-style networks end to end', async () => {
  const labels = [1, 0, 3];
  await check('conv net', 'conv/relu/avgpool/concat/mean/xent',
    (x, w1, w2, w3) => {
      const h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
      const a = tf.avgPool(h, 3, 1, 'same');
      const b = tf.conv2d(h, w2 as tf.Tensor4D, 2, 1);
      const c = tf.maxPool(h, 3, 2, 'same');
      const z = tf.concat([b, c], 3).add(tf.avgPool(tf.concat([a, h], 3), 2, 2, 'valid'));
      const logits = tf.matMul(tf.mean(z, [1, 2]), w3);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), logits);
    },
    [rand([3, 8, 8, 3]), rand([3, 3, 3, 4]), rand([3, 3, 4, 4]), rand([8, 4])]);
  await check('vit', 'embed/layernorm/attention/gelu',
    (emb, wqkv, wo) => {
      const [t, d, heads] = [5, 8, 2];
      const x = tf.gather(emb, tf.tensor1d([0, 2, 4, 1, 2, 3, 0, 5, 5, 1], 'int32')).reshape([2 * t, d]);
      const { mean, variance } = tf.moments(x, -1, true);
      const xn = x.sub(mean).div(variance.add(1e-5).sqrt());
      const qkv = tf.matMul(xn, wqkv).reshape([2, t, 3, heads, d / heads]).transpose([2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(qkv).map((u) => u.reshape([2 * heads, t, d / heads]));
      const att = tf.softmax(tf.matMul(q, k, false, true).div(Math.sqrt(d / heads)));
      const o = tf.matMul(att, v).reshape([2, heads, t, d / heads]).transpose([0, 2, 1, 3]).reshape([2 * t, d]);
      const y = tf.matMul(o, wo);
      return y.mul(0.5).mul(tf.erf(y.div(Math.SQRT2)).add(1));
    },
    [rand([6, 8]), rand([8, 24]), rand([8, 8])]);
});

test('ViT layers (LayerOps, vit/blocks): layer norm, exact GELU, softmax, attention block, token linear, PiT pooling conv', async () => {
  const ops = (weights: Record<string, tf.Tensor>, biases: Record<string, tf.Tensor> = {}) =>
    new LayerOps({ weights, biases, batchNorm: false });
  const big = (d: Data) => ({ shape: d.shape, values: d.values.map((v) => 4 * v) }); // GELU/erf tails
  await check('LayerNorm', 'eps 1e-6, [2, 5, 8]', (x) => ops({}).layerNorm(x, 1e-6), [rand([2, 5, 8])]);
  await check('GELU', 'erf form, |x| up to 4', (x) => ops({}).gelu(x, null), [big(rand([3, 7, 6]))]);
  await check('Softmax', 'last axis of [2, 3, 5, 5]', (x) => tf.softmax(x), [big(rand([2, 3, 5, 5]))]);

  const parts = new VitParts(new Map(['b.qkv', 'b.proj', 'b.fc1', 'b.fc2', 'lin', 'pool'].map((n, i) => [n, i])));
  const block = parts.block('b', 8, 2, 2, 5);
  const lin = parts.linear('lin', 'linear', 6, 4, 5);
  const pool = parts.conv('pool', 'pool_dwconv', 3, 4, 8, 3, true);
  await check('ViT block', 'dim 8, 2 heads, 5 tokens, mlp 2',
    (x, qkv, proj, fc1, fc2) => runBlock(ops({ 'b.qkv': qkv, 'b.proj': proj, 'b.fc1': fc1, 'b.fc2': fc2 }), block, x as tf.Tensor3D),
    [rand([2, 5, 8]), ...[block.qkv, block.proj, block.fc1, block.fc2].map((n) => rand(n.shape))]);
  await check('token linear', 'with bias, [2, 5, 6] -> [2, 5, 4]',
    (x, w, b) => ops({ lin: w }, { lin: b }).linear(lin, x as tf.Tensor3D), [rand([2, 5, 6]), rand(lin.shape), rand([4])]);
  await check('PiT pooling conv', 'depthwise 3x3 stride 2 pad 1, multiplier 2, with bias',
    (x, w, b) => ops({ pool: w }, { pool: b }).convGeneral(pool, x as tf.Tensor4D, { stride: [2, 2], pad: [1, 1], groups: 4 }),
    [rand([2, 5, 5, 4]), rand(pool.shape), rand([8])]);
});

test('selectBackend: auto falls through to wasm; tensorflow without a binding is a UserError', async () => {
  const prev = tf.getBackend();
  const absent = ['@tensorflow/parzc-test-absent-binding'];
  assert.is(await selectBackend('auto', absent), 'wasm');
  try {
    await selectBackend('tensorflow', absent);
    assert.unreachable('expected a UserError');
  } catch (err) {
    assert.instance(err, UserError);
    assert.match((err as Error).message, /npm install @tensorflow\/tfjs-node/);
  }
  // With the real package list too, unless a binding is installed here (importing one would change
  // the default backend for every later test file in this process).
  const resolvable = (pkg: string) => { try { createRequire(import.meta.url).resolve(pkg); return true; } catch { return false; } };
  if (!NATIVE_PACKAGES.some(resolvable)) {
    assert.is(await selectBackend('auto'), 'wasm');
    try {
      await selectBackend('tensorflow');
      assert.unreachable('expected a UserError');
    } catch (err) {
      assert.instance(err, UserError);
    }
  }
  assert.is(await selectBackend('cpu'), 'cpu');
  await tf.setBackend(prev);
  console.log('max relative errors:', Object.entries(worst).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', '));
});

test.run();
