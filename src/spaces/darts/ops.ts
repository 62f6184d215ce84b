// The edge ops of DARTS-style cells (DARTS model_eval / pycls NAS operations): which conv layers an op
// has, and its forward pass. Covers the DARTS/NB301 ops and those of the NDS cell spaces (ENAS, PNAS,
// NASNet, Amoeba). Every conv is a node; its BN (if any) follows it.
//   sep_conv_k       ReLU, dw k×k (stride s), pw 1×1, BN, ReLU, dw k×k, pw 1×1, BN
//   dil_sep_conv_3x3 the same with dilation 2
//   dil_conv_k       ReLU, dw k×k dilation 2 (stride s), pw 1×1, BN
//   conv_1x1/3x3     ReLU, conv, BN
//   conv_kx1_1xk     ReLU, conv 1×k (stride 1×s), conv k×1 (stride s×1), BN
//   skip_connect     identity; at stride 2 FactorizedReduce: ReLU, two 1×1 stride-2 convs (C→C/2) on x
//                    and on x shifted by one pixel, concatenated, BN
//   max_pool_k, avg_pool_3x3 (PyTorch padding (k−1)/2; average excludes the padding), none (zeros)
import * as tf from '@tensorflow/tfjs';
import { avgPool3x3, type LayerOps } from '../../nn/layers.ts';
import type { NodeSpec } from '../../nn/network.ts';
import { convNode } from '../../nn/parts.ts';

/** One conv layer of an op, with the ReLU before and the BN after it when the op has them. */
export interface SubLayer {
  part: string;
  kernel: [number, number];
  cin: number;
  cout: number;
  groups: number;
  stride: [number, number];
  pad: [number, number];
  dilation: number;
  relu: boolean;
  bn: boolean;
}

export type OpPlan =
  | { kind: 'layers'; layers: SubLayer[] }
  | { kind: 'factorized'; layers: SubLayer[] }
  | { kind: 'identity' }
  | { kind: 'zero'; stride: number }
  | { kind: 'pool'; max: boolean; k: number; stride: number };

/** Most conv layers one op has (sep_conv: dw, pw, dw, pw): the sub-layer slots of an edge. */
export const MAX_SUBLAYERS = 4;

const layer = (part: string, k: [number, number], cin: number, cout: number, o: Partial<SubLayer> = {}): SubLayer => ({
  part, kernel: k, cin, cout, groups: 1, stride: [1, 1], pad: [0, 0], dilation: 1, relu: false, bn: false, ...o,
});

/** FactorizedReduce(cin → cout): two 1×1 stride-2 convs to cout/2 channels each. */
export function factorizedReduce(cin: number, cout: number): OpPlan {
  const half = (part: string, relu: boolean) => layer(part, [1, 1], cin, cout / 2, { stride: [2, 2], relu });
  return { kind: 'factorized', layers: [half('fr1', true), half('fr2', false)] };
}

/** ReLU-conv1×1-BN (cin → cout): the preprocessing of a cell input. */
export function reluConvBn(cin: number, cout: number): OpPlan {
  return { kind: 'layers', layers: [layer('conv', [1, 1], cin, cout, { relu: true, bn: true })] };
}

/** The plan of op `op` on C channels at stride 1 or 2; null for an unknown op name. */
export function opPlan(op: string, C: number, stride: number): OpPlan | null {
  const s: [number, number] = [stride, stride];
  let m: RegExpExecArray | null;
  if (op === 'skip_connect') return stride === 1 ? { kind: 'identity' } : factorizedReduce(C, C);
  if (op === 'none') return { kind: 'zero', stride };
  if (op === 'avg_pool_3x3') return { kind: 'pool', max: false, k: 3, stride };
  if ((m = /^max_pool_([357])x\1$/.exec(op))) return { kind: 'pool', max: true, k: Number(m[1]), stride };
  if ((m = /^(dil_)?sep_conv_([357])x\2$/.exec(op))) {
    const k = Number(m[2]);
    const d = m[1] ? 2 : 1;
    if (d === 2 && k !== 3) return null;
    const p = (d * (k - 1)) / 2;
    const dw = (part: string, st: [number, number]) =>
      layer(part, [k, k], C, C, { groups: C, stride: st, pad: [p, p], dilation: d, relu: true });
    return {
      kind: 'layers',
      layers: [dw('dw1', s), layer('pw1', [1, 1], C, C, { bn: true }), dw('dw2', [1, 1]), layer('pw2', [1, 1], C, C, { bn: true })],
    };
  }
  if ((m = /^dil_conv_([35])x\1$/.exec(op))) {
    const k = Number(m[1]);
    return {
      kind: 'layers',
      layers: [layer('dw', [k, k], C, C, { groups: C, stride: s, pad: [k - 1, k - 1], dilation: 2, relu: true }), layer('pw', [1, 1], C, C, { bn: true })],
    };
  }
  if ((m = /^conv_([13])x\1$/.exec(op))) {
    const k = Number(m[1]);
    const p = (k - 1) / 2;
    return { kind: 'layers', layers: [layer('conv', [k, k], C, C, { stride: s, pad: [p, p], relu: true, bn: true })] };
  }
  if ((m = /^conv_([37])x1_1x\1$/.exec(op))) {
    const k = Number(m[1]);
    const p = (k - 1) / 2;
    return {
      kind: 'layers',
      layers: [
        layer(`conv_1x${k}`, [1, k], C, C, { stride: [1, stride], pad: [0, p], relu: true }),
        layer(`conv_${k}x1`, [k, 1], C, C, { stride: [stride, 1], pad: [p, 0], bn: true }),
      ],
    };
  }
  return null;
}

/** Output side length of a layer on a `size`×`size` input (PyTorch's formula), per axis. */
export function outSize(l: SubLayer, size: [number, number]): [number, number] {
  return [0, 1].map((a) => Math.floor((size[a] + 2 * l.pad[a] - l.dilation * (l.kernel[a] - 1) - 1) / l.stride[a]) + 1) as [number, number];
}

/** The node of a sub-layer: weights [kh, kw, cin/groups, cout], MACs per example. */
export function subLayerNode(l: SubLayer, slot: number, name: string, type: string, inSize: [number, number]): NodeSpec {
  return convNode(slot, name, type, [l.kernel[0], l.kernel[1], l.cin / l.groups, l.cout], outSize(l, inSize));
}

/** Every second row and column, starting at 0 (even sizes): a stride-2 pool from the stride-1 'same'
 * one, which pads symmetrically as PyTorch does (tfjs's stride-2 'same' pads bottom/right only). */
function subsample(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h % 2 || w % 2) throw new Error(`stride-2 pool on an odd ${h}×${w} input`);
  const pairs = tf.reshape(x, [b, h / 2, 2, w / 2, 2 * c]);
  return tf.reshape(tf.slice(pairs, [0, 0, 0, 0, 0], [-1, -1, 1, -1, c]), [b, h / 2, w / 2, c]);
}

/** Runs an op; `nodes` are the nodes of its conv layers in plan order. */
export function runOp(L: LayerOps, plan: OpPlan, nodes: readonly NodeSpec[], x: tf.Tensor4D): tf.Tensor4D {
  switch (plan.kind) {
    case 'identity':
      return x;
    case 'zero':
      return tf.zerosLike(plan.stride === 1 ? x : subsample(x));
    case 'pool': {
      const y = plan.max ? tf.maxPool(x, plan.k, 1, 'same') : avgPool3x3(x);
      return plan.stride === 1 ? y : subsample(y);
    }
    case 'factorized': {
      // The one ReLU feeds both convs; its statistics are reported with the first.
      const r = L.relu(x, nodes[0]);
      const [a, b] = plan.layers;
      const shifted = tf.slice(r, [0, 1, 1, 0], [-1, -1, -1, -1]);
      const y = tf.concat([L.convGeneral(nodes[0], r, a), L.convGeneral(nodes[1], shifted, b)], 3);
      return L.batchNorm(y);
    }
    case 'layers':
      return plan.layers.reduce((h, l, j) => {
        const y = L.convGeneral(nodes[j], l.relu ? L.relu(h, nodes[j]) : h, l);
        return l.bn ? L.batchNorm(y) : y;
      }, x);
  }
}
