import * as tf from '@tensorflow/tfjs';
import { nativeBackend, nativeBatchNormTrain, nativeRelu } from '../backend/native-ops.ts';
import { dilatedConv2d, dilatedDepthwiseConv2d } from '../backend/dilated-conv.ts';
import type { ForwardMode, NodeSpec } from './network.ts';

const BN_EPS = 1e-5;

/** Batch norm with batch statistics and the init affine (γ = 1, β = 0), as a custom gradient that keeps
 * only x̂ and 1/σ: tfjs's own gradient tiles every statistic to activation size, which dominates on wasm. */
function batchNormTrain(x: tf.Tensor4D, onVariance?: (v: tf.Tensor) => void): tf.Tensor4D {
  const mean = tf.mean(x, [0, 1, 2]);
  // Centred once: reused by the variance and by x̂ (tf.moments would subtract the mean a second time).
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), [0, 1, 2]);
  onVariance?.(variance);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const invStd = tf.rsqrt(tf.add(variance, BN_EPS));
    const xhat = tf.mul(centred, invStd);
    save([xhat, invStd]);
    return {
      value: xhat,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, inv] = saved;
        const dyMean = tf.mean(dy, [0, 1, 2]);
        const dyXhMean = tf.mean(tf.mul(dy, xh), [0, 1, 2]);
        return [tf.mul(tf.sub(tf.sub(dy, dyMean), tf.mul(xh, dyXhMean)), inv)];
      },
    };
  });
  return f(x) as tf.Tensor4D;
}

/** ReLU whose gradient is dy · sign(y): two kernels on every backend, where tfjs's own (dy · step(x))
 * expands into five full-size kernels on tfjs-node (isNaN, greater, ones, fill, select). */
const reluSignGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const y = tf.relu(x);
  save([y]);
  return { value: y, gradFunc: (dy: tf.Tensor, [out]: tf.Tensor[]) => [tf.mul(dy, tf.sign(out))] };
});

/** y = x / max(x) with max treated as a constant, reporting ln(max): a legal rescale at a graph cut of
 * synflow's positively homogeneous network (the scores scale by the same factor, undone in log space). */
function rescaleByMax(x: tf.Tensor, onCut: (logScale: tf.Scalar) => void): tf.Tensor {
  const m = tf.max(x);
  const safe = tf.where(tf.greater(m, 0), m, tf.onesLike(m));
  onCut(tf.log(safe) as tf.Scalar);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([safe]);
    return { value: tf.div(input, safe), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => [tf.div(dy, s)] };
  });
  return f(x);
}

/** Number of in-bounds pixels of each 3×3 window at stride 1 with one pixel of padding, [H, W, 1]. */
function windowCounts(h: number, w: number): tf.Tensor3D {
  const span = (i: number, n: number) => Math.min(i + 1, n - 1) - Math.max(i - 1, 0) + 1;
  const c = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) c[i * w + j] = span(i, h) * span(j, w);
  return tf.tensor3d(c, [h, w, 1]);
}

/** 3×3 stride-1 average pool that ignores the padding (PyTorch count_include_pad=False), with a correct
 * gradient: the stock cpu and wasm gradients divide by the full window at the borders (e.g. 3.56 instead of
 * 5.28 at a corner), tfjs-node's is right. Backward: dx = count · avgPool(dy / count). */
export function avgPool3x3(x: tf.Tensor4D): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    return {
      value: tf.avgPool(input, 3, 1, 'same'),
      gradFunc: (dy: tf.Tensor) => {
        const count = windowCounts(input.shape[1], input.shape[2]);
        return [tf.mul(tf.avgPool(tf.div(dy, count) as tf.Tensor4D, 3, 1, 'same'), count)];
      },
    };
  });
  return f(x) as tf.Tensor4D;
}

/** The layer operations a network's forward function is written with, bound to one forward mode. */
export class LayerOps {
  /** ReLU calls so far in this forward pass (the index of the next replayed gate). */
  private reluCalls = 0;

  constructor(readonly mode: ForwardMode) {}

  private nodeOutput(node: NodeSpec, y: tf.Tensor): tf.Tensor {
    const probe = this.mode.probes?.[node.name];
    const out = probe ? tf.add(y, probe) : y;
    this.mode.onNodeOutput?.(node, out);
    return out;
  }

  /** Convolution of a node; `pad` is symmetric zero padding in pixels (PyTorch semantics). */
  conv(node: NodeSpec, x: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
    const w = this.mode.weights[node.name] as tf.Tensor4D;
    // PyTorch pads symmetrically; tfjs 'same' pads bottom/right only at stride 2, and the native backend
    // has no explicit padding, so stride > 1 pads the input first.
    const k = w.shape[0];
    const y = pad === 0 ? tf.conv2d(x, w, stride, 'valid')
      : stride === 1 && 2 * pad === k - 1 ? tf.conv2d(x, w, 1, 'same')
      : tf.conv2d(tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]), w, stride, 'valid');
    return this.nodeOutput(node, this.addBias(node, y)) as tf.Tensor4D;
  }

  /** Convolution of a node with per-axis stride and padding [h, w], dilation and groups (weights
   * [kh, kw, cin/groups, cout]; groups = cin is depthwise, stored [kh, kw, 1, cout] as PyTorch's grouped
   * layout, so the default init sees fan_in = kh·kw; output channel c·m + j reads input channel c).
   * Covers what `conv` does not: DARTS' dilated depthwise convs (also at stride 2), NASNet's 1×7/7×1
   * pairs, ResNeXt's grouped convs. Zero padding is symmetric (PyTorch semantics). */
  convGeneral(node: NodeSpec, x: tf.Tensor4D, o: { stride: [number, number]; pad: [number, number]; dilation?: number; groups?: number }): tf.Tensor4D {
    const w = this.mode.weights[node.name] as tf.Tensor4D;
    const [kh, kw] = node.shape;
    const [ph, pw] = o.pad;
    const d = o.dilation ?? 1;
    const groups = o.groups ?? 1;
    const cin = x.shape[3];
    // Stride 1 with 'same'-sized padding needs no padded copy (tfjs pads symmetrically then).
    const same = o.stride[0] === 1 && o.stride[1] === 1 && 2 * ph === d * (kh - 1) && 2 * pw === d * (kw - 1);
    const input = same || (ph === 0 && pw === 0) ? x : tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
    const pad = same ? 'same' : 'valid';
    let y: tf.Tensor4D;
    if (groups > 1 && groups === cin) {
      y = dilatedDepthwiseConv2d(input, tf.reshape(w, [kh, kw, cin, node.outShape[2] / cin]) as tf.Tensor4D, o.stride, pad, d);
    } else if (groups > 1) {
      const ws = tf.split(w, groups, 3);
      y = tf.concat(tf.split(input, groups, 3).map((xi, i) => dilatedConv2d(xi as tf.Tensor4D, ws[i] as tf.Tensor4D, o.stride, pad, d)), 3);
    } else {
      y = dilatedConv2d(input, w, o.stride, pad, d);
    }
    return this.nodeOutput(node, this.addBias(node, y)) as tf.Tensor4D;
  }

  /** Several tensors that together form a cut (every path crosses one of them, e.g. the two previous cell
   * outputs a DARTS cell reads): synflow rescales them by one common factor, which keeps the network's
   * positive homogeneity, so the scores scale uniformly as at a single-tensor `cut`. */
  cutJoint<T extends tf.Tensor>(xs: T[]): T[] {
    if (!this.mode.onCut) return xs;
    const flat = this.cut(tf.concat(xs.map((x) => tf.reshape(x, [-1]))));
    return tf.split(flat, xs.map((x) => x.size)).map((part, i) => tf.reshape(part, xs[i].shape) as T);
  }

  /** Adds the node's bias when the network has one for it (PyTorch convs and linears with bias=True). */
  private addBias(node: NodeSpec, y: tf.Tensor): tf.Tensor {
    const b = this.mode.biases[node.name];
    return b ? tf.add(y, b) : y;
  }

  /** Linear layer on [batch, in] or on tokens [batch, tokens, in]: tokens go through one 2-D matmul over
   * batch·tokens (wasm's fast matmul path takes 2-D products only). */
  linear<T extends tf.Tensor2D | tf.Tensor3D>(node: NodeSpec, x: T): T {
    const w = this.mode.weights[node.name] as tf.Tensor2D;
    const flat = (x.rank === 3 ? tf.reshape(x, [-1, x.shape[2]!]) : x) as tf.Tensor2D;
    const y = this.addBias(node, tf.matMul(flat, w));
    return this.nodeOutput(node, x.rank === 3 ? tf.reshape(y, [x.shape[0], x.shape[1]!, -1]) : y) as T;
  }

  /** Layer norm over the last axis with the init affine (γ = 1, β = 0), as tf ops: their gradients are
   * correct on every backend, and a ViT's token activations are small next to its matmuls. */
  layerNorm<T extends tf.Tensor>(x: T, eps: number): T {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as T;
  }

  /** Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's nn.GELU default). `feeds` is the node it feeds:
   * its input is reported like a ReLU's, so NASWOT codes (x > 0) cover transformer MLPs too. */
  gelu<T extends tf.Tensor>(x: T, feeds: NodeSpec | null): T {
    this.mode.onReluInput?.(feeds, x);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T;
  }

  batchNorm(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.mode.batchNorm) return x;
    const native = nativeBackend();
    // The fused op does not expose the biased batch variance that zen reads, so zen's pass stays composite.
    return native && !this.mode.onBatchNormVariance ? nativeBatchNormTrain(native, x, BN_EPS) : batchNormTrain(x, this.mode.onBatchNormVariance);
  }

  /** ReLU; `feeds` is the node whose op starts with this ReLU (ReLU-Conv-BN), for per-node statistics. */
  relu(x: tf.Tensor4D, feeds: NodeSpec | null): tf.Tensor4D {
    this.mode.onReluInput?.(feeds, x);
    const gates = this.mode.reluGates;
    if (gates?.mode === 'replay') return tf.mul(x, gates.gates[this.reluCalls++]);
    if (gates) gates.gates.push(tf.keep(tf.cast(tf.greater(x, 0), 'float32')));
    const native = nativeBackend();
    return (native ? nativeRelu(native, x) : reluSignGrad(x)) as tf.Tensor4D;
  }

  /** A point every path of the network crosses: where synflow may rescale. */
  cut<T extends tf.Tensor>(x: T): T {
    return (this.mode.onCut ? rescaleByMax(x, this.mode.onCut) : x) as T;
  }

  preGap(x: tf.Tensor4D): tf.Tensor4D {
    this.mode.onPreGap?.(x);
    return x;
  }

  /** Global average pool, then the linear head; the features before the pool are reported as preGap. */
  globalPoolLinear(head: NodeSpec, x: tf.Tensor4D): tf.Tensor2D {
    return this.linear(head, tf.mean(this.preGap(x), [1, 2]) as tf.Tensor2D);
  }
}
