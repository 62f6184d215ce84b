// AutoFormer-Tiny subnets (Chen et al. 2021) as ViT-Bench-101 trained them (Auto-Prox's AutoFormerSub):
// embed dim 192/216/240 for the whole net, depth 12-14, per block an MLP ratio 3.5/4 and 3/4 heads.
//
// Arch strings: `embed=192;mlp=3.5,4,…;heads=4,3,…` (one mlp ratio and one head count per block, so the
// lists' common length is the depth). The space is the 200 benchmark subnets (no enumeration otherwise).
//
// Network for 32×32 inputs: a 4×4 stride-4 patch conv (with bias) gives 8×8 = 64 patch tokens; a class
// token is prepended and a position embedding [65, D] added; `depth` pre-norm blocks (blocks.ts); a final
// LayerNorm; the head (with bias) reads the mean of the 64 patch tokens (AutoFormerSub averages x[:, 1:];
// the class token only takes part in attention). The benchmark trained on CIFAR upsampled to 224×224 with
// 16×16 patches (14×14 tokens); patch 4 keeps the per-image work of a cell within a few seconds on a CPU
// (patch 2 would mean 257 tokens and about 4× the time) while every layer keeps its shape except the
// position embedding's length.
//
// Slots (58): 0 embed; 1 + 4b + {0 qkv, 1 proj, 2 fc1, 3 fc2} for blocks b = 0..13; 57 head. A depth-12
// subnet leaves blocks 12 and 13 empty.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../errors.ts';
import { LayerOps } from '../../nn/layers.ts';
import type { ForwardMode, Network } from '../../nn/network.ts';
import type { SearchSpace, SlotInfo } from '../space.ts';
import { ArchText, oneHot } from './arch.ts';
import { vitBenchMembers } from './truth.ts';
import { embedding, imageToTokens, prependClassToken, runBlock, VIT_LN_EPS, VitParts } from './blocks.ts';

export const AUTOFORMER_EMBED = [192, 216, 240] as const;
export const AUTOFORMER_MLP = [3.5, 4] as const;
export const AUTOFORMER_HEADS = [3, 4] as const;
export const AUTOFORMER_DEPTH = [12, 13, 14] as const;
const MAX_DEPTH = 14;
export const AUTOFORMER_PATCH = 4;
const GRID = 32 / AUTOFORMER_PATCH;
const TOKENS = GRID * GRID + 1;

export interface AutoformerArch {
  embed: number;
  mlp: number[];
  heads: number[];
}

export function parseAutoformer(str: string): AutoformerArch {
  const t = new ArchText('AutoFormer', str, ['embed', 'mlp', 'heads']);
  const embed = t.one('embed', 'embed dim', AUTOFORMER_EMBED);
  const mlp = t.list('mlp', 'mlp ratio', AUTOFORMER_MLP);
  const heads = t.list('heads', 'head count', AUTOFORMER_HEADS);
  if (mlp.length !== heads.length) throw t.bad(`${mlp.length} mlp ratios but ${heads.length} head counts; expected one of each per block`);
  if (!(AUTOFORMER_DEPTH as readonly number[]).includes(mlp.length)) throw t.bad(`depth ${mlp.length} is not one of ${AUTOFORMER_DEPTH.join(', ')}`);
  return { embed, mlp, heads };
}

export const formatAutoformer = (a: AutoformerArch) => `embed=${a.embed};mlp=${a.mlp.join(',')};heads=${a.heads.join(',')}`;

/** The canonical string of a ViT-Bench-101 record's `arch` ({hidden_dim, depth, mlp_ratio[], num_heads[]}). */
function fromRecord(r: Record<string, unknown>): string {
  const list = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
  const a = parseAutoformer(`embed=${r.hidden_dim};mlp=${list(r.mlp_ratio)};heads=${list(r.num_heads)}`);
  if (r.depth !== a.mlp.length) throw new UserError(`depth ${r.depth} but ${a.mlp.length} blocks`);
  return formatAutoformer(a);
}

function buildSlots(): SlotInfo[] {
  const slots: SlotInfo[] = [];
  const add = (name: string, meta: SlotInfo['meta']) => slots.push({ slot: slots.length, name, meta });
  add('embed', { role: 'embed', block: -1, in: 3, out: 'D', tokens: GRID * GRID, kernel: AUTOFORMER_PATCH });
  for (let b = 0; b < MAX_DEPTH; b++) {
    add(`block${b}.qkv`, { role: 'qkv', block: b, in: 'D', out: '3D', tokens: TOKENS });
    add(`block${b}.proj`, { role: 'proj', block: b, in: 'D', out: 'D', tokens: TOKENS });
    add(`block${b}.fc1`, { role: 'fc1', block: b, in: 'D', out: 'int(D·mlp)', tokens: TOKENS });
    add(`block${b}.fc2`, { role: 'fc2', block: b, in: 'int(D·mlp)', out: 'D', tokens: TOKENS });
  }
  add('head', { role: 'head', block: -1, in: 'D', out: 'classes', tokens: 1 });
  return slots;
}

/** All 58 slots; D is the subnet's embed dim (192, 216 or 240). */
export const AUTOFORMER_SLOTS: readonly SlotInfo[] = buildSlots();
const slotOf = new Map(AUTOFORMER_SLOTS.map((s) => [s.name, s.slot]));

export function buildAutoformerNetwork(a: AutoformerArch, numClasses: number): Network {
  const D = a.embed;
  const parts = new VitParts(slotOf);
  const embed = parts.conv('embed', 'patch_embed', AUTOFORMER_PATCH, 3, D, GRID, false);
  parts.embedding('cls_token', [1, 1, D]);
  parts.embedding('pos_embed', [1, TOKENS, D]);
  const blocks = a.mlp.map((r, b) => parts.block(`block${b}`, D, a.heads[b], r, TOKENS));
  parts.layerNorm('norm', D);
  const head = parts.linear('head', 'linear', D, numClasses, 0);

  function forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    const L = new LayerOps(mode);
    let h = prependClassToken(embedding(mode, 'cls_token', [1, 1, D]), imageToTokens(L.conv(embed, x, AUTOFORMER_PATCH, 0)));
    h = tf.add(h, embedding(mode, 'pos_embed', [1, TOKENS, D])) as tf.Tensor3D;
    for (const b of blocks) h = runBlock(L, b, h);
    const patches = tf.slice(L.layerNorm(h, VIT_LN_EPS), [0, 1, 0], [-1, -1, -1]);
    L.preGap(tf.reshape(patches, [-1, GRID, GRID, D]) as tf.Tensor4D);
    return L.linear(head, tf.mean(patches, 1) as tf.Tensor2D);
  }

  return { nodes: parts.nodes, aux: parts.aux, inputShape: [32, 32, 3], numClasses, forward };
}

/** Length of autoformerEncoding: embed one-hot, then per block slot an mlp and a heads one-hot (zero when absent). */
export const AUTOFORMER_ENCODING_LENGTH = AUTOFORMER_EMBED.length + MAX_DEPTH * (AUTOFORMER_MLP.length + AUTOFORMER_HEADS.length);

export function autoformerEncoding(a: AutoformerArch): Float32Array {
  const enc = new Float32Array(AUTOFORMER_ENCODING_LENGTH);
  enc.set(oneHot(a.embed, AUTOFORMER_EMBED));
  const per = AUTOFORMER_MLP.length + AUTOFORMER_HEADS.length;
  a.mlp.forEach((r, b) => enc.set([...oneHot(r, AUTOFORMER_MLP), ...oneHot(a.heads[b], AUTOFORMER_HEADS)], AUTOFORMER_EMBED.length + b * per));
  return enc;
}

const parse = (arch: string) => formatAutoformer(parseAutoformer(arch));

/** The 200 AutoFormer-Tiny subnets of ViT-Bench-101 (files 1 and 2, in file order). */
export const autoformer: SearchSpace = {
  name: 'autoformer',
  description: `AutoFormer-Tiny subnets of ViT-Bench-101 at 32×32 (patch ${AUTOFORMER_PATCH}, ${TOKENS} tokens)`,
  slots: AUTOFORMER_SLOTS,
  parse,
  ...vitBenchMembers('AutoFormer', ['vit/autoprox_vitbench_autoformer_1.json', 'vit/autoprox_vitbench_autoformer_2.json'], fromRecord, parse),
  isomorphismKey: parse,
  encode: (arch) => autoformerEncoding(parseAutoformer(arch)),
  build: (arch, numClasses) => buildAutoformerNetwork(parseAutoformer(arch), numClasses),
};
