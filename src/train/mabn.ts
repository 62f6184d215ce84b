// MABN (Mixer Architecture with Bayesian Network, ParZC): each node's statistics become a token;
// mixer blocks (pre-LayerNorm, residual, GELU) mix across nodes (token-mixing MLP) and across
// features (channel-mixing MLP); a masked mean pools the real nodes and a head gives one score.
// Every linear layer is Bayesian (bayes.ts). Written with plain tfjs ops and variables.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, randomSource, type Rng } from '../random.ts';
import { BayesLinear, type Param } from './bayes.ts';
import { GraphEncoder } from './graph-encoder.ts';
import { gelu, LayerNorm } from './layer-norm.ts';

export interface MabnConfig {
  /** "mabn": the paper's model; "official": the PicoNAS variant (no token mixing, ρ₀ = −5, no KL, one noisy sample). */
  variant: 'mabn' | 'official';
  dim: number;
  depth: number;
  tokenHidden: number;
  channelHidden: number;
  tokenMixing: boolean;
  /** Initial ρ of every Bayesian layer (σ = softplus(ρ)). */
  rho0: number;
  /** Standard deviation of the Gaussian prior in the KL term. */
  priorStd: number;
  /** Noisy forward passes at evaluation (mean and std per cell). */
  mcSamples: number;
  /** "gin": a message-passing encoder of the cell graph (graph-encoder.ts, `depth` rounds) whose readout
   * joins the pooled tokens in the head; "none": tokens and cell-level inputs only. */
  graph?: 'none' | 'gin';
}

/** Sizes fixed by the data (saved with the checkpoint). */
export interface MabnShape {
  slots: number;
  width: number;
  extraWidth: number;
  /** Graph inputs (model.graph "gin"): nodes per cell and node feature width. */
  graphNodes?: number;
  graphWidth?: number;
}

interface Block {
  tokenNorm?: LayerNorm;
  token1?: BayesLinear;
  token2?: BayesLinear;
  channelNorm: LayerNorm;
  channel1: BayesLinear;
  channel2: BayesLinear;
}

/** A batch of cell graphs as tensors: [B, G, W] node features, [B, G, G] adjacency, [B, G] mask. */
export interface CellGraphTensors {
  features: tf.Tensor3D;
  adjacency: tf.Tensor3D;
  mask: tf.Tensor2D;
}

export class Mabn {
  private readonly embed: BayesLinear;
  private readonly blocks: Block[] = [];
  private readonly finalNorm: LayerNorm;
  private readonly graph: GraphEncoder | null;
  private readonly head1: BayesLinear;
  private readonly head2: BayesLinear;
  private readonly all: Param[];
  private readonly layers: BayesLinear[];

  constructor(readonly config: MabnConfig, readonly shape: MabnShape, seed: number) {
    const rng: Rng = randomSource(deriveSeed(seed, 'mabn-init'));
    const { dim, rho0 } = config;
    const lin = (name: string, i: number, o: number) => new BayesLinear(name, i, o, rng, rho0);
    this.embed = lin('embed', shape.width, dim);
    for (let b = 0; b < config.depth; b++) {
      const block: Block = {
        channelNorm: new LayerNorm(`block${b}.channel_norm`, dim),
        channel1: lin(`block${b}.channel1`, dim, config.channelHidden),
        channel2: lin(`block${b}.channel2`, config.channelHidden, dim),
      };
      if (config.tokenMixing) {
        block.tokenNorm = new LayerNorm(`block${b}.token_norm`, dim);
        block.token1 = lin(`block${b}.token1`, shape.slots, config.tokenHidden);
        block.token2 = lin(`block${b}.token2`, config.tokenHidden, shape.slots);
      }
      this.blocks.push(block);
    }
    this.finalNorm = new LayerNorm('final_norm', dim);
    this.graph = config.graph === 'gin' ? new GraphEncoder(shape.graphWidth!, dim, config.channelHidden, config.depth, lin) : null;
    this.head1 = lin('head1', dim + shape.extraWidth + (this.graph ? dim : 0), dim);
    this.head2 = lin('head2', dim, 1);
    this.layers = [this.embed, ...this.blocks.flatMap((b) => [b.token1, b.token2, b.channel1, b.channel2].filter((l): l is BayesLinear => !!l)),
      ...(this.graph?.layers ?? []), this.head1, this.head2];
    const norms = [...this.blocks.flatMap((b) => [b.tokenNorm, b.channelNorm].filter((n): n is LayerNorm => !!n)), ...(this.graph?.norms ?? []), this.finalNorm];
    this.all = [...this.layers.flatMap((l) => l.params()), ...norms.flatMap((n) => [n.gamma, n.beta])];
  }

  params(): Param[] {
    return this.all;
  }

  /** Per-node states after the mixer blocks and final norm, [B, S, D] (padding zeroed). */
  tokenStates(tokens: tf.Tensor3D, mask: tf.Tensor2D, noise: Rng | null): tf.Tensor3D {
    const [B, S, P] = tokens.shape;
    const D = this.config.dim;
    const m3 = tf.expandDims(mask, 2);
    let x: tf.Tensor = tf.mul(tf.reshape(this.embed.apply(tf.reshape(tokens, [B * S, P]) as tf.Tensor2D, noise), [B, S, D]), m3);
    for (const b of this.blocks) {
      if (b.token1 && b.token2 && b.tokenNorm) {
        const y = tf.mul(b.tokenNorm.apply(x), m3) as tf.Tensor3D;
        const mixed = b.token2.mixTokens(gelu(b.token1.mixTokens(y, noise)) as tf.Tensor3D, noise);
        x = tf.add(x, tf.mul(mixed, m3));
      }
      const y = tf.reshape(b.channelNorm.apply(x), [B * S, D]) as tf.Tensor2D;
      const c = b.channel2.apply(gelu(b.channel1.apply(y, noise)) as tf.Tensor2D, noise);
      x = tf.add(x, tf.mul(tf.reshape(c, [B, S, D]), m3));
    }
    return tf.mul(this.finalNorm.apply(x), m3) as tf.Tensor3D;
  }

  /** Masked mean of the node states, [B, D]. */
  pooled(tokens: tf.Tensor3D, mask: tf.Tensor2D, noise: Rng | null): tf.Tensor2D {
    const states = this.tokenStates(tokens, mask, noise);
    const count = tf.maximum(tf.sum(mask, 1, true), 1);
    return tf.div(tf.sum(states, 1), count) as tf.Tensor2D;
  }

  /** One score per cell, [B]. `noise`: one weight sample drawn from it; null: mean weights. */
  forward(tokens: tf.Tensor3D, mask: tf.Tensor2D, extra: tf.Tensor2D | null, noise: Rng | null, graph: CellGraphTensors | null = null): tf.Tensor1D {
    return this.head(this.pooled(tokens, mask, noise), extra, noise, graph);
  }

  /** Score from a pooled embedding, the cell-level inputs and (model.graph) the cells' graphs, [B].
   * Separate from pooled() so prediction can pool once per harvested row and score every cell that
   * shares it. */
  head(pooled: tf.Tensor2D, extra: tf.Tensor2D | null, noise: Rng | null, graph: CellGraphTensors | null = null): tf.Tensor1D {
    let h = pooled;
    if (this.shape.extraWidth > 0) {
      if (!extra) throw new Error('model expects cell-level inputs');
      h = tf.concat([h, extra], 1);
    }
    if (this.graph) {
      if (!graph) throw new Error('model expects cell graphs');
      h = tf.concat([h, this.graph.encode(graph.features, graph.adjacency, graph.mask, noise)], 1);
    }
    const out = this.head2.apply(gelu(this.head1.apply(h, noise)) as tf.Tensor2D, noise);
    return tf.reshape(out, [-1]) as tf.Tensor1D;
  }

  kl(): tf.Scalar {
    return tf.tidy(() => tf.addN(this.layers.map((l) => l.kl(this.config.priorStd))) as tf.Scalar);
  }

  /** Weights as JSON (base64 float32). */
  getWeights(): Record<string, { shape: number[]; data: string }> {
    const out: Record<string, { shape: number[]; data: string }> = {};
    for (const p of this.all) {
      const v = p.variable.dataSync() as Float32Array;
      out[p.name] = { shape: p.variable.shape, data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    }
    return out;
  }

  setWeights(w: Record<string, { shape: number[]; data: string }>): void {
    for (const p of this.all) {
      const e = w[p.name];
      if (!e) throw new Error(`checkpoint has no weights for ${p.name}`);
      const buf = Buffer.from(e.data, 'base64');
      const arr = new Float32Array(buf.byteLength / 4);
      new Uint8Array(arr.buffer).set(buf);
      if (arr.length !== p.variable.size) throw new Error(`checkpoint ${p.name}: ${arr.length} values, expected ${p.variable.size}`);
      tf.tidy(() => p.variable.assign(tf.tensor(arr, p.variable.shape)));
    }
  }

  dispose(): void {
    for (const p of this.all) p.variable.dispose();
  }
}
