// The NDS ResNet, ResNeXt and Vanilla networks (pycls AnyNet as NDS trained them), and their slots.
//
// Net config (an NDS record's `net`): `stem_type` res_stem_cifar (conv3×3 s1, BN, ReLU), simple_stem_in
// (conv3×3 s2, BN, ReLU) or res_stem_in (conv7×7 s2, BN, ReLU, max-pool 3×3 s2); `stem_w`; per stage
// `ds` (blocks), `ws` (widths), `ss` (strides) and for bottleneck blocks `bot_muls` and `num_gs` (number
// of groups of the 3×3 conv); `block_type`:
//   res_basic_block       x + [conv3×3 (stride), BN, ReLU, conv3×3, BN], ReLU
//   res_bottleneck_block  x + [conv1×1 → round(w·bot_mul), BN, ReLU, grouped conv3×3 (stride), BN, ReLU,
//                              conv1×1 → w, BN], ReLU
//   double_plain_block    conv3×3 (stride), BN, ReLU, conv3×3, BN, ReLU (no shortcut)
// where x is projected by conv1×1 (stride) + BN when the width or resolution changes. Global average pool
// and a linear head with bias. Slots: stem, then per stage s and block b `stage{s}.block{b}.{proj,a,b,c}`,
// then classifier (union over the depths of a file). ReLUs are reported with the conv they feed (the
// next block's first conv, or the classifier). Graph cuts: the stem and every block output.
import * as tf from '@tensorflow/tfjs';
import { LayerOps } from '../../nn/layers.ts';
import type { AuxParamSpec, ForwardMode, Network, NodeSpec } from '../../nn/network.ts';
import { bnParams, convNode, linearClassifier } from '../../nn/parts.ts';
import type { SlotInfo } from '../space.ts';

export const ANYNET_BLOCKS = ['res_basic_block', 'res_bottleneck_block', 'double_plain_block'] as const;
export const ANYNET_STEMS = ['res_stem_cifar', 'simple_stem_in', 'res_stem_in'] as const;

export interface AnyNetConfig {
  block_type: (typeof ANYNET_BLOCKS)[number];
  stem_type: (typeof ANYNET_STEMS)[number];
  stem_w: number;
  ds: number[];
  ws: number[];
  ss: number[];
  bot_muls: number[] | null;
  num_gs: number[] | null;
}

const PARTS = ['proj', 'a', 'b', 'c'] as const;

/** Slots for networks with up to ds[s] blocks in stage s (the element-wise max over a file). */
export function anyNetSlots(maxDs: readonly number[]): SlotInfo[] {
  const slots: SlotInfo[] = [];
  const add = (name: string, meta: Record<string, string | number>) => slots.push({ slot: slots.length, name, meta });
  add('stem', { role: 'stem' });
  maxDs.forEach((d, stage) => {
    for (let block = 0; block < d; block++) for (const part of PARTS) add(`stage${stage}.block${block}.${part}`, { role: part, stage, block });
  });
  add('classifier', { role: 'classifier' });
  return slots;
}

interface Conv { node: NodeSpec; stride: number; pad: number; groups: number }
interface Block { proj: Conv | null; convs: Conv[]; residual: boolean }

/** Builds the network of a validated config; `slots` must hold every slot it fills. */
export function buildAnyNet(cfg: AnyNetConfig, slots: readonly SlotInfo[], numClasses = 10): Network {
  const slotOf = new Map(slots.map((s) => [s.name, s.slot]));
  const nodes: NodeSpec[] = [];
  const aux: AuxParamSpec[] = [];
  let side = 32;
  const conv = (name: string, k: number, cin: number, cout: number, stride: number, groups = 1): Conv => {
    const slot = slotOf.get(name);
    if (slot === undefined) throw new Error(`no slot ${name} in this space`);
    const pad = (k - 1) / 2;
    const out = Math.floor((side + 2 * pad - k) / stride) + 1;
    const node = convNode(slot, name, `conv${k}x${k}${groups > 1 ? `_g${groups}` : ''}`, [k, k, cin / groups, cout], [out, out]);
    nodes.push(node);
    aux.push(...bnParams(name, cout));
    return { node, stride, pad, groups };
  };

  const stemK = cfg.stem_type === 'res_stem_in' ? 7 : 3;
  const stem = conv('stem', stemK, 3, cfg.stem_w, cfg.stem_type === 'res_stem_cifar' ? 1 : 2);
  side = stem.node.outShape[0];
  if (cfg.stem_type === 'res_stem_in') side = Math.floor((side + 2 - 3) / 2) + 1;

  const blocks: Block[] = [];
  let w = cfg.stem_w;
  cfg.ds.forEach((d, s) => {
    for (let b = 0; b < d; b++) {
      const name = `stage${s}.block${b}`;
      const [win, wout, stride] = [b === 0 ? w : cfg.ws[s], cfg.ws[s], b === 0 ? cfg.ss[s] : 1];
      const residual = cfg.block_type !== 'double_plain_block';
      const proj = residual && (win !== wout || stride !== 1) ? conv(`${name}.proj`, 1, win, wout, stride) : null;
      let convs: Conv[];
      if (cfg.block_type === 'res_bottleneck_block') {
        const wb = Math.round(wout * cfg.bot_muls![s]);
        const a = conv(`${name}.a`, 1, win, wb, 1);
        const bb = conv(`${name}.b`, 3, wb, wb, stride, cfg.num_gs![s]);
        side = bb.node.outShape[0];
        convs = [a, bb, conv(`${name}.c`, 1, wb, wout, 1)];
      } else {
        const a = conv(`${name}.a`, 3, win, wout, stride);
        side = a.node.outShape[0];
        convs = [a, conv(`${name}.b`, 3, wout, wout, 1)];
      }
      blocks.push({ proj, convs, residual });
    }
    w = cfg.ws[s];
  });
  const { node: head, bias } = linearClassifier(slotOf.get('classifier')!, w, numClasses);
  nodes.push(head);
  aux.push(bias);
  nodes.sort((a, b) => a.slot - b.slot);

  function forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    const L = new LayerOps(mode);
    const run = (c: Conv, h: tf.Tensor4D) => L.batchNorm(L.convGeneral(c.node, h, { stride: [c.stride, c.stride], pad: [c.pad, c.pad], groups: c.groups }));
    const feedsAfter = (i: number) => (i + 1 < blocks.length ? blocks[i + 1].convs[0].node : head);
    let h = L.relu(run(stem, x), blocks.length ? blocks[0].convs[0].node : head);
    if (cfg.stem_type === 'res_stem_in') h = tf.maxPool(tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]], -1e30), 3, 2, 'valid');
    h = L.cut(h);
    blocks.forEach((blk, i) => {
      let f = h;
      blk.convs.forEach((c, j) => {
        f = run(c, f);
        if (j < blk.convs.length - 1) f = L.relu(f, blk.convs[j + 1].node);
      });
      const sum = !blk.residual ? f : (tf.add(f, blk.proj ? run(blk.proj, h) : h) as tf.Tensor4D);
      h = L.cut(L.relu(sum, feedsAfter(i)));
    });
    return L.globalPoolLinear(head, h);
  }

  return { nodes, aux, inputShape: [32, 32, 3], numClasses, forward };
}
