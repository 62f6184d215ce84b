// MABN's scores of cells: differentiable scores of a training batch, and chunked predictions of every
// cell (mean and MC spread) for monitoring, the final evaluation and rescoring a saved run.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, randomSource, type Rng } from '../random.ts';
import { zScores } from '../util/stats.ts';
import type { Features } from './features.ts';
import type { CellGraphTensors, Mabn, MabnShape } from './mabn.ts';

const PREDICT_CHUNK = 1024;

/** Differentiable scores of a (small) set of cells: pool each token row, then score every cell. */
export function scoreCells(model: Mabn, f: Features, noise: Rng | null): tf.Tensor1D {
  const tokens = tf.tensor3d(f.tokens, [f.rows, f.slots, f.width]);
  const mask = tf.tensor2d(f.mask, [f.rows, f.slots]);
  const pooled = tf.gather(model.pooled(tokens, mask, noise), tf.tensor1d(f.row, 'int32')) as tf.Tensor2D;
  return model.head(pooled, f.extraWidth ? tf.tensor2d(f.extra, [f.n, f.extraWidth]) : null, noise, graphTensors(f, 0, f.n));
}

/** The model input sizes of f. */
export function inputShape(f: Features): MabnShape {
  return { slots: f.slots, width: f.width, extraWidth: f.extraWidth, ...(f.graph ? { graphNodes: f.graph.nodes, graphWidth: f.graph.width } : {}) };
}

/** Cells a…b−1 of f's graphs as tensors (null when the features carry none). */
function graphTensors(f: Features, a: number, b: number): CellGraphTensors | null {
  const g = f.graph;
  if (!g) return null;
  const G = g.nodes, W = g.width;
  return {
    features: tf.tensor3d(g.features.subarray(a * G * W, b * G * W), [b - a, G, W]),
    adjacency: tf.tensor3d(g.adjacency.subarray(a * G * G, b * G * G), [b - a, G, G]),
    mask: tf.tensor2d(g.mask.subarray(a * G, b * G), [b - a, G]),
  };
}

/** Scores of every cell of f in chunks, with one weight draw: the noise streams are re-seeded per
 * chunk (null: mean weights), so every chunk sees the same weights. */
function scoreAll(model: Mabn, f: Features, body: () => Rng | null, head: () => Rng | null): Float32Array {
  const S = f.slots, P = f.width, E = f.extraWidth, D = model.config.dim;
  const pooled = new Float32Array(f.rows * D);
  for (let a = 0; a < f.rows; a += PREDICT_CHUNK) {
    const b = Math.min(f.rows, a + PREDICT_CHUNK);
    const out = tf.tidy(() => model.pooled(tf.tensor3d(f.tokens.subarray(a * S * P, b * S * P), [b - a, S, P]),
      tf.tensor2d(f.mask.subarray(a * S, b * S), [b - a, S]), body()));
    pooled.set(out.dataSync(), a * D);
    out.dispose();
  }
  const scores = new Float32Array(f.n);
  const table = tf.tensor2d(pooled, [f.rows, D]);
  for (let a = 0; a < f.n; a += PREDICT_CHUNK) {
    const b = Math.min(f.n, a + PREDICT_CHUNK);
    const out = tf.tidy(() => model.head(tf.gather(table, tf.tensor1d(f.row.subarray(a, b), 'int32')) as tf.Tensor2D,
      E ? tf.tensor2d(f.extra.subarray(a * E, b * E), [b - a, E]) : null, head(), graphTensors(f, a, b)));
    scores.set(out.dataSync(), a);
    out.dispose();
  }
  table.dispose();
  return scores;
}

/** Mean and std of the model's score per cell over `samples` noisy passes (0: one pass with mean
 * weights). */
export function predict(model: Mabn, f: Features, samples: number, seed: number): { mean: Float64Array; std: Float64Array } {
  const sum = new Float64Array(f.n), sq = new Float64Array(f.n);
  const passes = Math.max(1, samples);
  for (let s = 0; s < passes; s++) {
    const stream = (part: string) => () => (samples > 0 ? randomSource(deriveSeed(seed, 'mc', s, part)) : null);
    const v = scoreAll(model, f, stream('body'), stream('head'));
    for (let i = 0; i < f.n; i++) {
      sum[i] += v[i];
      sq[i] += v[i] * v[i];
    }
  }
  const mean = sum.map((x) => x / passes);
  const std = sq.map((x, i) => Math.sqrt(Math.max(0, x / passes - mean[i] ** 2)));
  return { mean, std };
}

/** The mean of each score vector standardised over all cells (no labels involved). */
export function blendScores(scores: Float64Array[]): Float64Array {
  const out = new Float64Array(scores[0].length);
  for (const z of scores.map(zScores)) z.forEach((v, i) => (out[i] += v / scores.length));
  return out;
}
