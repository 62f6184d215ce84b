import * as tf from '@tensorflow/tfjs';
import { nativeBackend, nativeBatchNormTrain, nativeRelu } from '../backend/native-ops.ts';
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
    return this.nodeOutput(node, y) as tf.Tensor4D;
  }

  linear(node: NodeSpec, x: tf.Tensor2D): tf.Tensor2D {
    const w = this.mode.weights[node.name] as tf.Tensor2D;
    const b = this.mode.biases[node.name];
    const y = b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w);
    return this.nodeOutput(node, y) as tf.Tensor2D;
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
}
