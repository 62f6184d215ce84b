// The transformer parts AutoFormer and PiT share, as in Auto-Prox's TransformerLayer (the code that trained
// ViT-Bench-101): pre-norm blocks x + proj(MHSA(LN(x))) then x + fc2(GELU(fc1(LN(x)))), qkv with bias,
// attention scale head_dim^-½, LayerNorm eps 1e-6 with the init affine, MLP width int(dim·ratio); a class
// token and a learnt position embedding drawn N(0, 0.02²). Every weight is a node: patch embedding, each
// block's qkv/proj/fc1/fc2, PiT's pooling conv and class-token fc, the head.
import * as tf from '@tensorflow/tfjs';
import type { LayerOps } from '../../nn/layers.ts';
import type { AuxParamSpec, ForwardMode, NodeSpec } from '../../nn/network.ts';

export const VIT_LN_EPS = 1e-6;
/** timm's trunc_normal_(std=.02) cuts at ±2 in absolute units (±100σ): a plain normal. */
const EMBED_STD = 0.02;

export interface VitBlock {
  qkv: NodeSpec;
  proj: NodeSpec;
  fc1: NodeSpec;
  fc2: NodeSpec;
  heads: number;
}

const bound = (fanIn: number) => ({ uniform: 1 / Math.sqrt(fanIn) });

/** Collects a ViT's nodes (declare them in slot order) and its other parameters. */
export class VitParts {
  readonly nodes: NodeSpec[] = [];
  readonly aux: AuxParamSpec[] = [];

  constructor(private readonly slotOf: ReadonlyMap<string, number>) {}

  private node(spec: Omit<NodeSpec, 'slot'>, fanIn: number): NodeSpec {
    const slot = this.slotOf.get(spec.name);
    if (slot === undefined) throw new Error(`ViT node ${spec.name} has no slot`);
    const n: NodeSpec = { slot, ...spec };
    this.nodes.push(n);
    this.aux.push({ name: `${n.name}.bias`, shape: [n.shape[n.shape.length - 1]], init: bound(fanIn) });
    return n;
  }

  /** Linear layer with bias on [batch, in] (tokens = 0) or on [batch, tokens, in]. */
  linear(name: string, type: string, cin: number, cout: number, tokens: number): NodeSpec {
    const outShape = tokens ? [tokens, cout] : [cout];
    return this.node({ name, type, kind: 'linear', shape: [cin, cout], outShape, macs: Math.max(tokens, 1) * cin * cout }, cin);
  }

  /** k×k conv with bias producing side×side outputs; depthwise ones (groups = cin) are stored [k, k, 1, cout]. */
  conv(name: string, type: string, k: number, cin: number, cout: number, side: number, depthwise: boolean): NodeSpec {
    const perOut = k * k * (depthwise ? 1 : cin);
    const shape = [k, k, depthwise ? 1 : cin, cout];
    return this.node({ name, type, kind: 'conv', shape, outShape: [side, side, cout], macs: perOut * cout * side * side }, perOut);
  }

  layerNorm(name: string, dim: number): void {
    this.aux.push({ name: `${name}.gamma`, shape: [dim], init: 'ones' }, { name: `${name}.beta`, shape: [dim], init: 'zeros' });
  }

  /** A learnt additive tensor (class token, position embedding), read back with `embedding`. */
  embedding(name: string, shape: number[]): void {
    this.aux.push({ name, shape, init: { normal: EMBED_STD } });
  }

  /** One transformer block at `prefix` (slots prefix.qkv, .proj, .fc1, .fc2) on `tokens` tokens. */
  block(prefix: string, dim: number, heads: number, mlpRatio: number, tokens: number): VitBlock {
    const hidden = Math.floor(dim * mlpRatio);
    this.layerNorm(`${prefix}.norm1`, dim);
    const qkv = this.linear(`${prefix}.qkv`, `qkv.h${heads}`, dim, 3 * dim, tokens);
    const proj = this.linear(`${prefix}.proj`, `proj.h${heads}`, dim, dim, tokens);
    this.layerNorm(`${prefix}.norm2`, dim);
    const fc1 = this.linear(`${prefix}.fc1`, `fc1.r${mlpRatio}`, dim, hidden, tokens);
    const fc2 = this.linear(`${prefix}.fc2`, `fc2.r${mlpRatio}`, hidden, dim, tokens);
    return { qkv, proj, fc1, fc2, heads };
  }
}

/** An embedding's value in this pass; zero when the pass leaves additive constants out (synflow, zen). */
export function embedding(mode: ForwardMode, name: string, shape: number[]): tf.Tensor {
  return mode.biases[name] ?? tf.zeros(shape);
}

/** Multi-head self-attention on the qkv projection [B, T, 3D] (q, k, v, then heads, along the last axis as
 * PyTorch's view(B, T, 3, H, hd)); returns the heads' outputs concatenated, [B, T, D]. 4-D transposes only:
 * a 5-D one cost a quarter of a wasm pass. */
function attention(qkv: tf.Tensor3D, heads: number): tf.Tensor3D {
  const [B, T, D3] = qkv.shape;
  const D = D3 / 3;
  const hd = D / heads;
  const part = (i: number) => {
    const t = tf.reshape(tf.slice(qkv, [0, 0, i * D], [-1, -1, D]), [B, T, heads, hd]);
    return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * heads, T, hd]) as tf.Tensor3D;
  };
  const weights = tf.softmax(tf.mul(tf.matMul(part(0), part(1), false, true), hd ** -0.5));
  const out = tf.reshape(tf.matMul(weights, part(2)), [B, heads, T, hd]);
  return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B, T, D]) as tf.Tensor3D;
}

/** A pre-norm transformer block. */
export function runBlock(L: LayerOps, b: VitBlock, x: tf.Tensor3D): tf.Tensor3D {
  const h = tf.add(x, L.linear(b.proj, attention(L.linear(b.qkv, L.layerNorm(x, VIT_LN_EPS)), b.heads))) as tf.Tensor3D;
  return tf.add(h, L.linear(b.fc2, L.gelu(L.linear(b.fc1, L.layerNorm(h, VIT_LN_EPS)), b.fc2))) as tf.Tensor3D;
}

/** Patch-embedding output [B, h, w, D] as tokens [B, h·w, D] (row-major, as PyTorch's flatten(2)). */
export const imageToTokens = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1, x.shape[3]]) as tf.Tensor3D;

/** Class token(s) [1 or B, 1, D] prepended to tokens [B, T, D]. */
export function prependClassToken(cls: tf.Tensor, x: tf.Tensor3D): tf.Tensor3D {
  const B = x.shape[0];
  return tf.concat([cls.shape[0] === B ? cls : tf.tile(cls, [B, 1, 1]), x], 1) as tf.Tensor3D;
}
