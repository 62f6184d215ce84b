import * as tf from '@tensorflow/tfjs';
import type { Network, Tensors } from './network.ts';

export interface RandomSource {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

export interface InitialParams {
  weights: Tensors;
  biases: Tensors;
}

const fanIn = (shape: number[]) => shape.slice(0, -1).reduce((a, b) => a * b, 1);

function fill(n: number, draw: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

/** PyTorch's default initialisation, as the benchmarks' reference code leaves it: every conv and linear
 * weight (and bias) U(−1/√fan_in, 1/√fan_in); BN and LN at γ = 1, β = 0 (implicit in LayerOps); aux
 * parameters with a `normal` init (ViT class token, position embedding) N(0, std²). Draws in
 * node order from `rng`, so the same seed gives bit-identical weights. */
export function initParams(net: Network, rng: RandomSource): InitialParams {
  const weights: Tensors = {};
  const biases: Tensors = {};
  for (const node of net.nodes) {
    const bound = 1 / Math.sqrt(fanIn(node.shape));
    const size = node.shape.reduce((a, b) => a * b, 1);
    weights[node.name] = tf.tensor(fill(size, () => (2 * rng.uniform() - 1) * bound), node.shape);
    const bias = net.aux.find((p) => p.name === `${node.name}.bias`);
    if (bias) biases[node.name] = tf.tensor(fill(bias.shape[0], () => (2 * rng.uniform() - 1) * bound), bias.shape);
  }
  // After every node, so spaces without such parameters draw exactly as before.
  for (const p of net.aux) {
    if (typeof p.init !== 'object' || !('normal' in p.init)) continue;
    const std = p.init.normal;
    biases[p.name] = tf.tensor(fill(p.shape.reduce((a, b) => a * b, 1), () => rng.normal() * std), p.shape);
  }
  return { weights, biases };
}

/** Zen-NAS initialisation: every weight N(0, 1), biases zero. */
export function gaussianWeights(net: Network, rng: RandomSource): Tensors {
  const weights: Tensors = {};
  for (const node of net.nodes) {
    const size = node.shape.reduce((a, b) => a * b, 1);
    weights[node.name] = tf.tensor(fill(size, () => rng.normal()), node.shape);
  }
  return weights;
}

export function disposeParams(p: InitialParams): void {
  tf.dispose(Object.values(p.weights));
  tf.dispose(Object.values(p.biases));
}
