// PiT subnets (Heo et al. 2021, pooling-based ViT) as ViT-Bench-101 trained them (Auto-Prox's PiT): three
// stages of pre-norm blocks whose width is base_dim·heads[s]; between stages a pooling layer halves the token
// grid with a depthwise 3×3 stride-2 conv (groups = input channels, padding 1, with bias) and maps the class
// token with a linear layer; the head reads the final-LayerNorm'd class token. One MLP ratio for the net.
//
// Arch strings: `base=16;mlp=6;depth=2,8,4;heads=2,4,4` (base dim 16/24/32/40, mlp ratio 2/4/6/8, stage
// depths from {1,2,3}, {4,6,8}, {2,4,6}, heads from {2,4,8} per stage and never fewer than the stage before:
// the pooling conv needs output channels divisible by its groups). The space is the 100 benchmark subnets.
//
// Network for 32×32 inputs: a 4×4 stride-2 patch conv (with bias; PiT's patch is twice its stride, as the
// benchmark's 16/8 at 224×224) gives a 15×15 grid plus a position embedding [15, 15, D0]; pooling gives
// 8×8 and 4×4 (the benchmark's grids were 27, 14, 7).
//
// Slots (74): 0 embed; stage 0 blocks 0..2, pool0.conv, pool0.fc, stage 1 blocks 0..7, pool1.conv,
// pool1.fc, stage 2 blocks 0..5 (4 slots per block: qkv, proj, fc1, fc2); 73 head.
import * as tf from '@tensorflow/tfjs';
import { LayerOps } from '../../nn/layers.ts';
import type { ForwardMode, Network, NodeSpec } from '../../nn/network.ts';
import type { SearchSpace, SlotInfo } from '../space.ts';
import { ArchText, oneHot } from './arch.ts';
import { vitBenchMembers } from './truth.ts';
import { embedding, imageToTokens, prependClassToken, runBlock, VIT_LN_EPS, VitParts, type VitBlock } from './blocks.ts';

export const PIT_BASE = [16, 24, 32, 40] as const;
export const PIT_MLP = [2, 4, 6, 8] as const;
export const PIT_DEPTH = [[1, 2, 3], [4, 6, 8], [2, 4, 6]] as const;
export const PIT_HEADS = [2, 4, 8] as const;
const STAGES = PIT_DEPTH.length;
export const PIT_PATCH = 4;
export const PIT_STRIDE = 2;
/** Token grid side per stage: (32 − 4)/2 + 1 = 15, then ⌊(s + 2 − 3)/2⌋ + 1 per pooling. */
const SIDES = [15, 8, 4];

export interface PitArch {
  base: number;
  mlp: number;
  depth: number[];
  heads: number[];
}

export function parsePit(str: string): PitArch {
  const t = new ArchText('PiT', str, ['base', 'mlp', 'depth', 'heads']);
  const base = t.one('base', 'base dim', PIT_BASE);
  const mlp = t.one('mlp', 'mlp ratio', PIT_MLP);
  const depthTokens = t.list('depth', 'stage depth', [...new Set(PIT_DEPTH.flat())]);
  const heads = t.list('heads', 'head count', PIT_HEADS);
  for (const [key, n] of [['depth', depthTokens.length], ['heads', heads.length]] as const) {
    if (n !== STAGES) throw t.bad(`${key} has ${n} value(s); expected one per stage (${STAGES})`);
  }
  depthTokens.forEach((d, s) => {
    if (!(PIT_DEPTH[s] as readonly number[]).includes(d)) throw t.bad(`stage depth "${d}" at position ${s + 1} is not one of ${PIT_DEPTH[s].join(', ')}`);
  });
  for (let s = 1; s < STAGES; s++) {
    if (heads[s] < heads[s - 1]) throw t.bad(`head count "${heads[s]}" at position ${s + 1} is below the previous stage's ${heads[s - 1]}`);
  }
  return { base, mlp, depth: depthTokens, heads };
}

export const formatPit = (a: PitArch) => `base=${a.base};mlp=${a.mlp};depth=${a.depth.join(',')};heads=${a.heads.join(',')}`;

/** The canonical string of a ViT-Bench-101 record's `arch` ({base_dim, mlp_ratio, depth[], num_heads[]}). */
function fromRecord(r: Record<string, unknown>): string {
  const list = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
  return formatPit(parsePit(`base=${r.base_dim};mlp=${r.mlp_ratio};depth=${list(r.depth)};heads=${list(r.num_heads)}`));
}

const blockPrefix = (s: number, b: number) => `stage${s}.block${b}`;

function buildSlots(): SlotInfo[] {
  const slots: SlotInfo[] = [];
  const add = (name: string, meta: SlotInfo['meta']) => slots.push({ slot: slots.length, name, meta });
  add('embed', { role: 'embed', stage: 0, block: -1, in: 3, out: 'D0', tokens: SIDES[0] ** 2, kernel: PIT_PATCH, stride: PIT_STRIDE });
  for (let s = 0; s < STAGES; s++) {
    const D = `D${s}`;
    const tokens = SIDES[s] ** 2 + 1;
    for (let b = 0; b < Math.max(...PIT_DEPTH[s]); b++) {
      const p = blockPrefix(s, b);
      add(`${p}.qkv`, { role: 'qkv', stage: s, block: b, in: D, out: `3${D}`, tokens });
      add(`${p}.proj`, { role: 'proj', stage: s, block: b, in: D, out: D, tokens });
      add(`${p}.fc1`, { role: 'fc1', stage: s, block: b, in: D, out: `${D}·mlp`, tokens });
      add(`${p}.fc2`, { role: 'fc2', stage: s, block: b, in: `${D}·mlp`, out: D, tokens });
    }
    if (s < STAGES - 1) {
      add(`pool${s}.conv`, { role: 'pool_conv', stage: s, block: -1, in: D, out: `D${s + 1}`, tokens: SIDES[s + 1] ** 2, kernel: 3, stride: 2 });
      add(`pool${s}.fc`, { role: 'pool_fc', stage: s, block: -1, in: D, out: `D${s + 1}`, tokens: 1 });
    }
  }
  add('head', { role: 'head', stage: STAGES - 1, block: -1, in: `D${STAGES - 1}`, out: 'classes', tokens: 1 });
  return slots;
}

/** All 74 slots; Ds = base·heads[s] is stage s's width. */
export const PIT_SLOTS: readonly SlotInfo[] = buildSlots();
const slotOf = new Map(PIT_SLOTS.map((s) => [s.name, s.slot]));

interface Stage {
  blocks: VitBlock[];
  /** Pooling into the next stage. */
  pool: { conv: NodeSpec; fc: NodeSpec } | null;
}

export function buildPitNetwork(a: PitArch, numClasses: number): Network {
  const dims = a.heads.map((h) => a.base * h);
  const parts = new VitParts(slotOf);
  const embed = parts.conv('embed', 'patch_embed', PIT_PATCH, 3, dims[0], SIDES[0], false);
  parts.embedding('pos_embed', [1, SIDES[0], SIDES[0], dims[0]]);
  parts.embedding('cls_token', [1, 1, dims[0]]);
  const stages: Stage[] = dims.map((D, s) => {
    const tokens = SIDES[s] ** 2 + 1;
    const blocks = Array.from({ length: a.depth[s] }, (_, b) => parts.block(blockPrefix(s, b), D, a.heads[s], a.mlp, tokens));
    const pool = s < STAGES - 1 ? {
      conv: parts.conv(`pool${s}.conv`, 'pool_dwconv', 3, D, dims[s + 1], SIDES[s + 1], true),
      fc: parts.linear(`pool${s}.fc`, 'pool_fc', D, dims[s + 1], 1),
    } : null;
    return { blocks, pool };
  });
  const last = dims[STAGES - 1];
  parts.layerNorm('norm', last);
  const head = parts.linear('head', 'linear', last, numClasses, 0);

  function forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    const L = new LayerOps(mode);
    let img = tf.add(L.conv(embed, x, PIT_STRIDE, 0), embedding(mode, 'pos_embed', [1, SIDES[0], SIDES[0], dims[0]])) as tf.Tensor4D;
    let cls: tf.Tensor = embedding(mode, 'cls_token', [1, 1, dims[0]]);
    stages.forEach((st, s) => {
      let h = prependClassToken(cls, imageToTokens(img));
      for (const b of st.blocks) h = runBlock(L, b, h);
      cls = tf.slice(h, [0, 0, 0], [-1, 1, -1]);
      img = tf.reshape(tf.slice(h, [0, 1, 0], [-1, -1, -1]), [-1, SIDES[s], SIDES[s], dims[s]]) as tf.Tensor4D;
      if (st.pool) {
        img = L.convGeneral(st.pool.conv, img, { stride: [2, 2], pad: [1, 1], groups: dims[s] });
        cls = L.linear(st.pool.fc, cls as tf.Tensor3D);
      }
    });
    L.preGap(img);
    return L.linear(head, tf.reshape(L.layerNorm(cls, VIT_LN_EPS), [-1, last]) as tf.Tensor2D);
  }

  return { nodes: parts.nodes, aux: parts.aux, inputShape: [32, 32, 3], numClasses, forward };
}

/** Length of pitEncoding: one-hots of base dim and mlp ratio, then per stage of its depth and head count. */
export const PIT_ENCODING_LENGTH = PIT_BASE.length + PIT_MLP.length + PIT_DEPTH.reduce((n, d) => n + d.length + PIT_HEADS.length, 0);

export function pitEncoding(a: PitArch): Float32Array {
  return Float32Array.from([
    ...oneHot(a.base, PIT_BASE), ...oneHot(a.mlp, PIT_MLP),
    ...a.depth.flatMap((d, s) => [...oneHot(d, PIT_DEPTH[s]), ...oneHot(a.heads[s], PIT_HEADS)]),
  ]);
}

const parse = (arch: string) => formatPit(parsePit(arch));

/** The 100 PiT subnets of ViT-Bench-101, in file order. */
export const pit: SearchSpace = {
  name: 'pit',
  description: `PiT subnets of ViT-Bench-101 at 32×32 (patch ${PIT_PATCH}, stride ${PIT_STRIDE}, grids ${SIDES.join('/')})`,
  slots: PIT_SLOTS,
  parse,
  ...vitBenchMembers('PiT', ['vit/autoprox_vitbench_pit.json'], fromRecord, parse),
  isomorphismKey: parse,
  encode: (arch) => pitEncoding(parsePit(arch)),
  build: (arch, numClasses) => buildPitNetwork(parsePit(arch), numClasses),
};
