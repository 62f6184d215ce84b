// AdamW (Loshchilov & Hutter: Adam with decoupled weight decay) and a cosine learning-rate schedule.
import * as tf from '@tensorflow/tfjs';
import type { Param } from './bayes.ts';

/** Cosine decay from `lr` to `minLr` over `total` steps, after `warmup` linear warm-up steps. */
export function cosineLr(step: number, total: number, lr: number, minLr = 0, warmup = 0): number {
  if (warmup > 0 && step < warmup) return (lr * (step + 1)) / warmup;
  const t = Math.min(1, Math.max(0, (step - warmup) / Math.max(1, total - warmup)));
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t));
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(private readonly params: Param[], opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.m = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
  }

  /** One update with learning rate `lr`; `grads` keyed by variable name (tf.variableGrads). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[p.variable.name];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), this.eps));
        if (p.decay && this.weightDecay > 0) update = tf.add(update, tf.mul(p.variable, this.weightDecay));
        p.variable.assign(tf.sub(p.variable, tf.mul(update, lr)));
      });
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
