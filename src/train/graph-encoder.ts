// A message-passing encoder of the cell graph (GIN-style, Xu et al. 2019, with both edge directions as
// in GATES/TA-GATES): node op embeddings, `layers` residual rounds in which each node reads itself, the
// sum of its predecessors and the sum of its successors, then a masked mean over the nodes. Bayesian
// linear layers like the rest of MABN, so its uncertainty covers the graph too.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.ts';
import { BayesLinear, type Param } from './bayes.ts';
import { gelu, LayerNorm } from './layer-norm.ts';

interface Round {
  norm: LayerNorm;
  in: BayesLinear;
  out: BayesLinear;
}

export class GraphEncoder {
  private readonly embed: BayesLinear;
  private readonly rounds: Round[] = [];
  private readonly finalNorm: LayerNorm;
  readonly layers: BayesLinear[];
  readonly norms: LayerNorm[];

  constructor(width: number, private readonly dim: number, hidden: number, layers: number, lin: (name: string, i: number, o: number) => BayesLinear) {
    this.embed = lin('graph.embed', width, dim);
    for (let r = 0; r < layers; r++) {
      this.rounds.push({ norm: new LayerNorm(`graph.round${r}.norm`, dim), in: lin(`graph.round${r}.in`, 3 * dim, hidden), out: lin(`graph.round${r}.out`, hidden, dim) });
    }
    this.finalNorm = new LayerNorm('graph.final_norm', dim);
    this.layers = [this.embed, ...this.rounds.flatMap((r) => [r.in, r.out])];
    this.norms = [...this.rounds.map((r) => r.norm), this.finalNorm];
  }

  params(): Param[] {
    return [...this.layers.flatMap((l) => l.params()), ...this.norms.flatMap((n) => [n.gamma, n.beta])];
  }

  /** [B, G, W] node features, [B, G, G] adjacency (i → j), [B, G] mask → [B, D]. */
  encode(features: tf.Tensor3D, adjacency: tf.Tensor3D, mask: tf.Tensor2D, noise: Rng | null): tf.Tensor2D {
    const [B, G, W] = features.shape, D = this.dim;
    const m3 = tf.expandDims(mask, 2);
    let h: tf.Tensor = tf.mul(tf.reshape(this.embed.apply(tf.reshape(features, [B * G, W]) as tf.Tensor2D, noise), [B, G, D]), m3);
    for (const r of this.rounds) {
      const y = tf.mul(r.norm.apply(h), m3) as tf.Tensor3D;
      const fromPredecessors = tf.matMul(adjacency, y, true, false);
      const fromSuccessors = tf.matMul(adjacency, y);
      const message = tf.reshape(tf.concat([y, fromPredecessors, fromSuccessors], 2), [B * G, 3 * D]) as tf.Tensor2D;
      const update = r.out.apply(gelu(r.in.apply(message, noise)) as tf.Tensor2D, noise);
      h = tf.add(h, tf.mul(tf.reshape(update, [B, G, D]), m3));
    }
    const states = tf.mul(this.finalNorm.apply(h), m3);
    return tf.div(tf.sum(states, 1), tf.maximum(tf.sum(mask, 1, true), 1)) as tf.Tensor2D;
  }
}
