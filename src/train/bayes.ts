// Bayesian linear layer (weights μ + softplus(ρ)·ε, Blundell et al. 2015, "Bayes by Backprop").
// The noise ε and the initial weights come from the seeded JS generator (src/random.ts), never from
// tf.random, so a run is reproducible on every backend.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.ts';

/** A trainable variable with a stable name (checkpoint key) and whether weight decay applies. */
export interface Param {
  name: string;
  variable: tf.Variable;
  decay: boolean;
}

export function makeParam(name: string, shape: number[], values: Float32Array, decay: boolean): Param {
  return { name, variable: tf.variable(tf.tensor(values, shape), true), decay };
}

function uniform(n: number, bound: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
}

function normals(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

const softplus = (x: tf.Tensor) => tf.softplus(x);

export class BayesLinear {
  readonly muW: Param;
  readonly rhoW: Param;
  readonly muB: Param;
  readonly rhoB: Param;

  constructor(readonly name: string, readonly inDim: number, readonly outDim: number, rng: Rng, rho0: number) {
    // PyTorch nn.Linear's default init: U(−1/√in, 1/√in) for weights and bias.
    const bound = 1 / Math.sqrt(inDim);
    this.muW = makeParam(`${name}.mu_w`, [inDim, outDim], uniform(inDim * outDim, bound, rng), true);
    this.muB = makeParam(`${name}.mu_b`, [outDim], uniform(outDim, bound, rng), false);
    this.rhoW = makeParam(`${name}.rho_w`, [inDim, outDim], new Float32Array(inDim * outDim).fill(rho0), false);
    this.rhoB = makeParam(`${name}.rho_b`, [outDim], new Float32Array(outDim).fill(rho0), false);
  }

  params(): Param[] {
    return [this.muW, this.rhoW, this.muB, this.rhoB];
  }

  /** Weight and bias of one draw (`noise`) or the means (null). */
  private weights(noise: Rng | null): [tf.Tensor2D, tf.Tensor1D] {
    if (!noise) return [this.muW.variable as tf.Tensor2D, this.muB.variable as tf.Tensor1D];
    const epsW = tf.tensor(normals(this.inDim * this.outDim, noise), [this.inDim, this.outDim]);
    const epsB = tf.tensor(normals(this.outDim, noise), [this.outDim]);
    return [tf.add(this.muW.variable, tf.mul(softplus(this.rhoW.variable), epsW)) as tf.Tensor2D,
      tf.add(this.muB.variable, tf.mul(softplus(this.rhoB.variable), epsB)) as tf.Tensor1D];
  }

  /** x [n, in] → [n, out]. `noise`: draws ε for one weight sample; null uses the means. */
  apply(x: tf.Tensor2D, noise: Rng | null): tf.Tensor2D {
    const [w, b] = this.weights(noise);
    return tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  }

  /** The same map along the token axis: x [B, in, D] → [B, out, D]. A batched matMul (wᵀ·x per
   * cell) is 3× faster than transposing x to [B·D, in] and back. */
  mixTokens(x: tf.Tensor3D, noise: Rng | null): tf.Tensor3D {
    const [w, b] = this.weights(noise);
    // Explicit broadcast: BatchMatMul's gradient does not reduce a broadcast batch dimension.
    const wb = tf.broadcastTo(tf.expandDims(w, 0), [x.shape[0], this.inDim, this.outDim]) as tf.Tensor3D;
    return tf.add(tf.matMul(wb, x, true, false), tf.expandDims(b, 1)) as tf.Tensor3D;
  }

  /** KL(q(w) ‖ N(0, priorStd²)) summed over weights and biases. */
  kl(priorStd: number): tf.Scalar {
    return tf.tidy(() => {
      const term = (mu: tf.Tensor, rho: tf.Tensor) => {
        const sigma = softplus(rho);
        // log(σp/σ) + (σ² + μ²)/(2σp²) − 1/2
        return tf.sum(tf.sub(tf.add(tf.sub(Math.log(priorStd), tf.log(sigma)),
          tf.div(tf.add(tf.square(sigma), tf.square(mu)), 2 * priorStd * priorStd)), 0.5));
      };
      return tf.add(term(this.muW.variable, this.rhoW.variable), term(this.muB.variable, this.rhoB.variable)) as tf.Scalar;
    });
  }
}
