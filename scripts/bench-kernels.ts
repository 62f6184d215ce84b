// GFLOP/s of the wasm conv kernels and their gradients, with the stock kernels ("before") and after
// registerWasmGradients ("after"), on NB201-like shapes (batch 16).
// Usage: node --import tsx scripts/bench-kernels.ts
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { dilatedDepthwiseConv2d } from '../src/backend/dilated-conv.ts';
import { registerWasmGradients } from '../src/backend/wasm-gradients.ts';

const B = 16;

/** Milliseconds per call: warm up, then repeat for at least ~0.4 s. */
function time(fn: () => tf.Tensor | tf.Tensor[]): number {
  for (let i = 0; i < 2; i++) tf.dispose(fn());
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 400 || n < 3) {
    tf.dispose(fn());
    n++;
  }
  return (performance.now() - t0) / n;
}

function row(label: string, flops: number, ms: number | null): string {
  if (ms == null) return `${label.padEnd(44)} ${'n/a'.padStart(9)}`;
  return `${label.padEnd(44)} ${ms.toFixed(2).padStart(7)} ms ${(flops / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`;
}

interface Case { label: string; h: number; c: number; co: number; k: number; s: number }
const CASES: Case[] = [];
for (const [h, c] of [[32, 16], [16, 32], [8, 64]]) {
  for (const k of [3, 1]) CASES.push({ label: `${h}x${h}x${c} ${k}x${k} s1`, h, c, co: c, k, s: 1 });
}
CASES.push({ label: '32x32x16 -> 32 3x3 s2 pad 1', h: 32, c: 16, co: 32, k: 3, s: 2 });

type Kernel = 'Conv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';

function convKernel(kernel: Kernel, c: Case, t: { x: tf.Tensor4D; f: tf.Tensor4D; dy: tf.Tensor4D }): () => tf.Tensor {
  const pad = c.k === 3 ? 1 : 0;
  const attrs = { strides: c.s, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined,
    filterShape: t.f.shape, inputShape: t.x.shape } as unknown as tf.NamedAttrMap;
  const inputs: tf.NamedTensorMap = kernel === 'Conv2D' ? { x: t.x, filter: t.f }
    : kernel === 'Conv2DBackpropFilter' ? { x: t.x, dy: t.dy } : { dy: t.dy, filter: t.f };
  return () => tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
}

function convTensors(c: Case) {
  const oh = Math.ceil(c.h / c.s);
  return {
    x: tf.randomNormal([B, c.h, c.h, c.c]) as tf.Tensor4D,
    f: tf.randomNormal([c.k, c.k, c.c, c.co]) as tf.Tensor4D,
    dy: tf.randomNormal([B, oh, oh, c.co]) as tf.Tensor4D,
    flops: 2 * B * oh * oh * c.k * c.k * c.c * c.co,
  };
}

/** Three conv3x3-relu layers (32x32x16, then stride 2 to 16x16x32), mean, softmax cross-entropy. */
function netStep(): () => tf.Tensor[] {
  const x = tf.randomNormal([B, 32, 32, 16]) as tf.Tensor4D;
  const ws = [[3, 3, 16, 16], [3, 3, 16, 32], [3, 3, 32, 32]].map((s) => tf.randomNormal(s, 0, 0.1));
  const head = tf.randomNormal([32, 10], 0, 0.1);
  const labels = tf.oneHot(tf.tensor1d([...Array(B).keys()].map((i) => i % 10), 'int32'), 10);
  const loss = (w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor, wh: tf.Tensor) => {
    let h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
    h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 2, 1));
    h = tf.relu(tf.conv2d(h, w3 as tf.Tensor4D, 1, 'same'));
    return tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.mean(h, [1, 2]), wh));
  };
  return () => tf.grads(loss)([...ws, head]);
}
const NET_FLOPS = 3 * 2 * B * (32 * 32 * 9 * 16 * 16 + 16 * 16 * 9 * 16 * 32 + 16 * 16 * 9 * 32 * 32);

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  const out: string[] = [];
  const tensors = CASES.map(convTensors);

  // Before: stock kernels (Conv2DBackpropFilter does not exist on stock wasm).
  const before = new Map<string, number | null>();
  CASES.forEach((c, i) => {
    before.set(`${c.label} fwd`, time(convKernel('Conv2D', c, tensors[i])));
    before.set(`${c.label} input`, time(convKernel('Conv2DBackpropInput', c, tensors[i])));
  });
  // y = a w with a [1040, 192] (16 images x 65 tokens), w [192, 576]: dw = a^T dy, da = dy w^T.
  const mm = { a: tf.randomNormal([1040, 192]), w: tf.randomNormal([192, 576]), dy: tf.randomNormal([1040, 576]) };
  const mmFlops = 2 * 1040 * 192 * 576;
  const mmTA = () => tf.matMul(mm.a, mm.dy, true, false);
  const mmTB = () => tf.matMul(mm.dy, mm.w, false, true);
  before.set('matmul tA', time(mmTA));
  before.set('matmul tB', time(mmTB));

  registerWasmGradients();
  out.push(`wasm backend, batch ${B}; before = stock tfjs-backend-wasm 4.22, after = registerWasmGradients()`);
  out.push('');
  CASES.forEach((c, i) => {
    const t = tensors[i];
    out.push(`conv ${c.label}`);
    out.push(row('  forward (Conv2D)', t.flops, before.get(`${c.label} fwd`)!));
    out.push(row('  Conv2DBackpropFilter before (missing)', t.flops, null));
    out.push(row('  Conv2DBackpropFilter after', t.flops, time(convKernel('Conv2DBackpropFilter', c, t))));
    out.push(row('  Conv2DBackpropInput before', t.flops, before.get(`${c.label} input`)!));
    out.push(row('  Conv2DBackpropInput after', t.flops, time(convKernel('Conv2DBackpropInput', c, t))));
  });

  out.push('');
  out.push('depthwise 32x32x36 (DARTS-like), fwd+bwd of sum(y*y) w.r.t. x and filter (stock: missing)');
  const xd = tf.randomNormal([B, 32, 32, 36]) as tf.Tensor4D;
  for (const [k, d] of [[3, 1], [5, 1], [3, 2], [5, 2]]) {
    const f = tf.randomNormal([k, k, 36, 1]) as tf.Tensor4D;
    const flops = 3 * 2 * B * 32 * 32 * k * k * 36;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.square(dilatedDepthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', d)).sum());
    out.push(row(`  ${k}x${k} dilation ${d}`, flops, time(() => g([xd, f]))));
  }

  out.push('');
  out.push('matmul gradients of [1040,192] x [192,576]');
  out.push(row('  a^T dy (transposeA) before', mmFlops, before.get('matmul tA')!));
  out.push(row('  a^T dy (transposeA) after', mmFlops, time(mmTA)));
  out.push(row('  dy w^T (transposeB) before', mmFlops, before.get('matmul tB')!));
  out.push(row('  dy w^T (transposeB) after', mmFlops, time(mmTB)));

  out.push('');
  out.push('3-layer conv net (16x32x32x16 -> 32ch, stride 2), fwd+bwd, all weight grads');
  out.push(row('  before (Conv2DBackpropFilter missing)', NET_FLOPS, null));
  out.push(row('  after', NET_FLOPS, time(netStep())));
  console.log(out.join('\n'));
}

await main();
