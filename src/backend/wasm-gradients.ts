// Gradient kernels for the wasm backend. Stock tfjs-backend-wasm 4.22 lacks Conv2DBackpropFilter,
// the depthwise backprop kernels and UnsortedSegmentSum, computes MaxPoolGrad wrongly with padding,
// and runs Conv2DBackpropInput and transposed matmuls on slow scalar loops. The conv gradients here
// are rewritten as forward convolutions so that they run on XNNPACK.
//
// The conv helpers are plain tensor ops (forward Conv2D / DepthwiseConv2dNative kernels plus
// reshapes), so they are correct on every backend; dilated-conv.ts uses them for its gradients.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Pair = [number, number];
export type Shape4 = [number, number, number, number];
/** Zero padding on each side of the spatial axes, as tfjs resolves it (incl. asymmetric 'same'). */
export interface Pads { top: number; bottom: number; left: number; right: number }
export type ConvPad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export function pair(v: number | number[] | undefined | null): Pair {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function convPads(inShape: Shape4, filterShape: Shape4, strides: Pair, dilations: Pair,
  pad: ConvPad, dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined, depthwise: boolean): Pads {
  return tf.backend_util.computeConv2DInfo(inShape, filterShape, strides, dilations, pad,
    dimRoundingMode, depthwise).padInfo;
}

const allOne = (p: Pair) => p[0] === 1 && p[1] === 1;

/** Writes the dilation into the filter as zeros: [kh, kw, ..] -> [(kh-1)d+1, (kw-1)d+1, ..]. */
function zeroDilate(filter: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  return tf.pad(filter.reshape([kh, 1, kw, 1, ci * co]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0]])
    .reshape([kh * dh, kw * dw, ci, co])
    .slice([0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co]) as tf.Tensor4D;
}

/** Forward conv2d / depthwiseConv2d with resolved pads; negative pads crop the input. Any stride
 * and dilation: XNNPACK runs every combination, other backends get the dilation written into the
 * filter where their kernels refuse it (tfjs-core's cpu kernels: stride > 1 with dilation > 1;
 * TensorFlow's depthwise kernel: any dilation). */
export function convForward(x: tf.Tensor4D, filter: tf.Tensor4D, strides: Pair, dilations: Pair, p: Pads,
  depthwise: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    if (!allOne(dilations) && (depthwise || !allOne(strides)) && tf.getBackend() !== 'wasm') {
      filter = zeroDilate(filter, dilations);
      dilations = [1, 1];
    }
    const [, h, w] = x.shape;
    const ct = Math.max(0, -p.top), cb = Math.max(0, -p.bottom);
    const cl = Math.max(0, -p.left), cr = Math.max(0, -p.right);
    if (ct + cb + cl + cr > 0) x = tf.slice(x, [0, ct, cl, 0], [-1, h - ct - cb, w - cl - cr, -1]);
    const pad = [[0, 0], [Math.max(0, p.top), Math.max(0, p.bottom)],
      [Math.max(0, p.left), Math.max(0, p.right)], [0, 0]];
    // runKernel, not tf.conv2d: the ops refuse strides > 1 together with dilations > 1.
    return tf.engine().runKernel(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x, filter },
      { strides, pad, dilations, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
  });
}

/** Puts s-1 zero rows (columns) after every row (column): [B,H,W,C] -> [B,H*sh,W*sw,C]. The
 * trailing zeros stay; callers account for them in their bottom/right pads. */
function spread(t: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  if (sh === 1 && sw === 1) return t;
  const [b, h, w, c] = t.shape;
  return tf.pad(t.reshape([b * h, 1, w, 1, c]), [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]])
    .reshape([b, h * sh, w * sw, c]);
}

/** Gradient of conv2d / depthwiseConv2d (any stride, dilation, padding) with respect to its input:
 * a stride-1 conv of the zero-spread dy with the flipped filter. */
export function convBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: Shape4,
  strides: Pair, dilations: Pair, p: Pads, depthwise: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, , m] = filter.shape;
    const [, oh, ow] = dy.shape;
    const ekh = (kh - 1) * dilations[0] + 1, ekw = (kw - 1) * dilations[1] + 1;
    const pads: Pads = {
      top: ekh - 1 - p.top, left: ekw - 1 - p.left,
      bottom: inShape[1] - oh * strides[0] + p.top, right: inShape[2] - ow * strides[1] + p.left,
    };
    const dyz = spread(dy, strides);
    const flipped = tf.reverse(filter, [0, 1]);
    if (!depthwise) return convForward(dyz, flipped.transpose([0, 1, 3, 2]), [1, 1], dilations, pads, false);
    if (m === 1) return convForward(dyz, flipped, [1, 1], dilations, pads, true);
    // Channel multiplier > 1: one depthwise conv per multiplier index, summed.
    const [b, zh, zw] = dyz.shape;
    const c = inShape[3];
    const dy5 = dyz.reshape([b, zh, zw, c, m]);
    const parts = [];
    for (let i = 0; i < m; i++) {
      const dyi = dy5.slice([0, 0, 0, 0, i], [-1, -1, -1, -1, 1]).reshape([b, zh, zw, c]) as tf.Tensor4D;
      const fi = flipped.slice([0, 0, 0, i], [-1, -1, -1, 1]);
      parts.push(convForward(dyi, fi, [1, 1], dilations, pads, true));
    }
    return tf.addN(parts);
  });
}

/** Gradient of conv2d / depthwiseConv2d with respect to its filter, as a forward conv whose input
 * is x with batch and channel axes swapped and whose filter is dy (the "conv trick"): the original
 * stride becomes the dilation and the original dilation becomes the stride. */
export function convBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4,
  strides: Pair, dilations: Pair, p: Pads, depthwise: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape;
    const [b, h, w] = x.shape;
    const [, oh, ow] = dy.shape;
    if (!depthwise && kh === 1 && kw === 1 && p.top === 0 && p.left === 0) {
      // 1x1: one matmul over batch and space, with x transposed up front so that XNNPACK runs it.
      const xs = allOne(strides) ? x : tf.stridedSlice(x, [0, 0, 0, 0],
        [b, (oh - 1) * strides[0] + 1, (ow - 1) * strides[1] + 1, ci], [1, strides[0], strides[1], 1]);
      return tf.matMul(xs.reshape([-1, ci]).transpose(), dy.reshape([-1, co])).reshape(filterShape);
    }
    // Conv kernels take a stride > 1 or a dilation > 1, not both: spread dy instead of dilating.
    const both = !allOne(strides) && !allOne(dilations);
    const g = both ? spread(dy, strides) : dy;
    const rate: Pair = both ? [1, 1] : strides;
    const [, gh, gw] = g.shape;
    const pads: Pads = {
      top: p.top, left: p.left,
      bottom: (kh - 1) * dilations[0] + (gh - 1) * rate[0] + 1 - h - p.top,
      right: (kw - 1) * dilations[1] + (gw - 1) * rate[1] + 1 - w - p.left,
    };
    if (!depthwise) {
      const out = convForward(x.transpose([3, 1, 2, 0]), g.transpose([1, 2, 0, 3]), dilations, rate, pads, false);
      return out.transpose([1, 2, 0, 3]);
    }
    // Depthwise: batch and channel merge into one channel axis, dy becomes a depthwise filter per
    // (batch, channel); summing over the batch afterwards gives the filter gradient.
    const c = x.shape[3];
    const m = filterShape[3];
    const xin = x.transpose([1, 2, 0, 3]).reshape([1, h, w, b * c]) as tf.Tensor4D;
    const f = g.transpose([1, 2, 0, 3]).reshape([gh, gw, b * c, m]) as tf.Tensor4D;
    const out = convForward(xin, f, dilations, rate, pads, true);
    return out.reshape([kh, kw, b, c * m]).sum(2).reshape(filterShape);
  });
}

// ---- kernels -------------------------------------------------------------------------------

type Attrs = Record<string, any>;
type TensorImpl = (inputs: Record<string, tf.Tensor>, attrs: Attrs) => tf.Tensor;

function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`kernel input '${name}' is missing`);
  return t;
}

/** A wasm kernel written with tensor ops. Inputs arrive as TensorInfos; wrapping one in a Tensor
 * needs its own reference so that disposing the wrapper leaves the caller's data alone. */
function tensorKernel(kernelName: string, impl: TensorImpl): tf.KernelConfig {
  return {
    kernelName, backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => tf.tidy(() => {
      const engine = tf.engine();
      const ts: Record<string, tf.Tensor> = {};
      for (const [k, info] of Object.entries(inputs)) {
        if (info == null) continue;
        if (info instanceof tf.Tensor) { ts[k] = info; continue; }
        (backend as BackendWasm).incRef(info.dataId);
        ts[k] = engine.makeTensorFromTensorInfo(info, backend as BackendWasm);
      }
      return impl(ts, attrs as Attrs);
    }),
  };
}

function requireNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got '${String(dataFormat)}'`);
  }
}

const conv2DBackpropFilter = tensorKernel('Conv2DBackpropFilter', ({ x, dy }, a) => {
  requireNHWC('Conv2DBackpropFilter', a.dataFormat);
  const x4 = x as tf.Tensor4D, strides = pair(a.strides), fs = a.filterShape as Shape4;
  const p = convPads(x4.shape, fs, strides, [1, 1], a.pad, a.dimRoundingMode, false);
  return convBackpropFilter(x4, dy as tf.Tensor4D, fs, strides, [1, 1], p, false);
});

const conv2DBackpropInput = tensorKernel('Conv2DBackpropInput', ({ dy, filter }, a) => {
  requireNHWC('Conv2DBackpropInput', a.dataFormat);
  const f = filter as tf.Tensor4D, strides = pair(a.strides), inShape = a.inputShape as Shape4;
  const p = convPads(inShape, f.shape, strides, [1, 1], a.pad, a.dimRoundingMode, false);
  return convBackpropInput(dy as tf.Tensor4D, f, inShape, strides, [1, 1], p, false);
});

const depthwiseBackpropInput = tensorKernel('DepthwiseConv2dNativeBackpropInput', ({ dy, filter }, a) => {
  const f = filter as tf.Tensor4D, strides = pair(a.strides), dil = pair(a.dilations);
  const inShape = a.inputShape as Shape4;
  const p = convPads(inShape, f.shape, strides, dil, a.pad, a.dimRoundingMode, true);
  return convBackpropInput(dy as tf.Tensor4D, f, inShape, strides, dil, p, true);
});

const depthwiseBackpropFilter = tensorKernel('DepthwiseConv2dNativeBackpropFilter', ({ x, dy }, a) => {
  const x4 = x as tf.Tensor4D, strides = pair(a.strides), dil = pair(a.dilations);
  const fs = a.filterShape as Shape4;
  const p = convPads(x4.shape, fs, strides, dil, a.pad, a.dimRoundingMode, true);
  return convBackpropFilter(x4, dy as tf.Tensor4D, fs, strides, dil, p, true);
});

/** Max-pool gradient: dy goes to the first maximum of each window (as on the cpu backend);
 * padded positions never win. */
const maxPoolGrad: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad', backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const wasm = backend as BackendWasm;
    const dy = input(inputs, 'dy'), x = input(inputs, 'input');
    const a = attrs as Attrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1,
      a.pad, a.dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth,
      filterHeight, filterWidth } = info;
    const out = wasm.makeOutput(x.shape, 'float32');
    // Views after makeOutput: allocating may grow the wasm heap and detach older views.
    const xv = wasm.typedArrayFromHeap(x) as Float32Array;
    const dyv = wasm.typedArrayFromHeap(dy) as Float32Array;
    const dx = wasm.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    const best = new Float32Array(c);
    const arg = new Int32Array(c);
    let o = 0;
    for (let b = 0; b < batchSize; b++) {
      const xb = b * inHeight * inWidth * c;
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - info.padInfo.top;
        for (let ox = 0; ox < outWidth; ox++, o += c) {
          const x0 = ox * strideWidth - info.padInfo.left;
          best.fill(-Infinity);
          arg.fill(-1);
          for (let ky = Math.max(0, -y0); ky < filterHeight && y0 + ky < inHeight; ky++) {
            for (let kx = Math.max(0, -x0); kx < filterWidth && x0 + kx < inWidth; kx++) {
              const base = xb + ((y0 + ky) * inWidth + x0 + kx) * c;
              for (let ch = 0; ch < c; ch++) {
                const v = xv[base + ch];
                if (v > best[ch]) { best[ch] = v; arg[ch] = base + ch; }
              }
            }
          }
          for (let ch = 0; ch < c; ch++) if (arg[ch] >= 0) dx[arg[ch]] += dyv[o + ch];
        }
      }
    }
    return out;
  },
};

/** out[ids[i]] += x[i]; ids outside [0, numSegments) are dropped, as in TensorFlow. */
const unsortedSegmentSum: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum', backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const wasm = backend as BackendWasm;
    const x = input(inputs, 'x'), segmentIds = input(inputs, 'segmentIds');
    const n = (attrs as Attrs).numSegments as number;
    const idCount = tf.util.sizeFromShape(segmentIds.shape);
    const inner = idCount === 0 ? 0 : tf.util.sizeFromShape(x.shape) / idCount;
    const out = wasm.makeOutput([n, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
    const xv = wasm.typedArrayFromHeap(x);
    const ids = wasm.typedArrayFromHeap(segmentIds);
    const ov = wasm.typedArrayFromHeap(out);
    ov.fill(0);
    for (let i = 0; i < idCount; i++) {
      const s = ids[i];
      if (s < 0 || s >= n) continue;
      const src = i * inner, dst = s * inner;
      for (let j = 0; j < inner; j++) ov[dst + j] += xv[src + j];
    }
    return out;
  },
};

/** BatchMatMul runs on XNNPACK only without transposes and with batch 1; every matmul in a
 * gradient is transposed (~1.2 GFLOP/s). Transposing explicitly first gives ~15 GFLOP/s. Batched
 * products (batch > 1) take the stock path either way. */
function fastBatchMatMul(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const backend = args.backend as BackendWasm;
      const a = input(args.inputs, 'a'), b = input(args.inputs, 'b');
      const { transposeA, transposeB } = args.attrs as Attrs;
      const batch = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2));
      if ((!transposeA && !transposeB) || batch(a) !== 1 || batch(b) !== 1) return stock.kernelFunc(args);
      const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
      const swapLast = (t: tf.TensorInfo) => {
        const r = t.shape.length;
        const perm = [...Array(r - 2).keys(), r - 1, r - 2];
        return transpose({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const a2 = transposeA ? swapLast(a) : a;
      const b2 = transposeB ? swapLast(b) : b;
      const out = stock.kernelFunc({
        inputs: { a: a2, b: b2 }, backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
      return out;
    },
  };
}

/** Registers a wasm kernel. A stock kernel it replaces keeps its setupFunc: other stock kernels
 * call into the module state that setupFunc initialises ("wasmBatchMatMul is not a function"). */
function install(config: tf.KernelConfig): void {
  const stock = tf.getKernel(config.kernelName, 'wasm');
  if (stock != null) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({ ...config, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
}

let registered = false;

/** Registers correct and fast gradient kernels for the wasm backend. Safe to call repeatedly. */
export function registerWasmGradients(): void {
  if (registered) return;
  registered = true;
  const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
  if (stockMatMul == null) throw new Error('wasm backend has no BatchMatMul kernel');
  for (const k of [conv2DBackpropFilter, conv2DBackpropInput, depthwiseBackpropInput,
    depthwiseBackpropFilter, maxPoolGrad, unsortedSegmentSum, fastBatchMatMul(stockMatMul)]) install(k);
}
