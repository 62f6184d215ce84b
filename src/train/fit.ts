// Fitting MABN: minibatch epochs of the ranking losses, an optional warm-up toward a label-free or
// forest target, then the labelled epochs with τ monitored on held-out cells and curves to TensorBoard.
import * as tf from '@tensorflow/tfjs';
import { kendallTauB, spearman } from '../eval/metrics.ts';
import { formatDuration } from '../harvest/progress.ts';
import { deriveSeed, randomSource, shuffle, type Rng } from '../random.ts';
import type { SummaryWriter } from '../tensorboard/writer.ts';
import type { Param } from './bayes.ts';
import { memberSeed, type Checkpoint } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { selectCells, type Features } from './features.ts';
import { diffKendallLoss, marginRankingLoss, mseLoss, pairwiseLogisticLoss } from './losses.ts';
import { Mabn, type MabnShape } from './mabn.ts';
import { AdamW, cosineLr } from './optim.ts';
import { predict, scoreCells } from './predict.ts';

/** What one fitting phase (warm-up or labelled training) carries from batch to batch. */
interface FitState {
  model: Mabn;
  params: Param[];
  optim: AdamW;
  cfg: TrainConfig;
  noise: Rng;
  step: number;
  totalSteps: number;
  lr?: number;
}

/** One epoch of minibatch updates over every cell of f in a shuffled order (seeded by orderSeed),
 * with the configured ranking losses against `target`; returns the mean batch loss. */
function fitEpoch(fit: FitState, f: Features, target: Float32Array, orderSeed: number, klScale: number): number {
  const { model, cfg } = fit, B = cfg.optim.batchSize;
  const order = shuffle(Array.from({ length: f.n }, (_, i) => i), randomSource(orderSeed));
  let lossSum = 0, lossCount = 0;
  for (let a = 0; a < order.length; a += B) {
    const idx = order.slice(a, a + B);
    if (idx.length < 2) continue;
    fit.lr = cosineLr(fit.step, fit.totalSteps, cfg.optim.lr, cfg.optim.minLr, cfg.optim.warmup);
    const batch = selectCells(f, idx);
    const { value, grads } = tf.variableGrads(() => {
      const pred = scoreCells(model, batch, fit.noise);
      const y = tf.tensor1d(Float32Array.from(idx, (i) => target[i]));
      const terms: tf.Scalar[] = [];
      if (cfg.loss.diffKendall) terms.push(tf.mul(diffKendallLoss(pred, y, cfg.loss.alpha), cfg.loss.diffKendall));
      if (cfg.loss.pairwiseLogistic) terms.push(tf.mul(pairwiseLogisticLoss(pred, y), cfg.loss.pairwiseLogistic));
      if (cfg.loss.marginRanking) terms.push(tf.mul(marginRankingLoss(pred, y, cfg.loss.margin), cfg.loss.marginRanking));
      if (cfg.loss.mse) terms.push(tf.mul(mseLoss(pred, y), cfg.loss.mse));
      if (klScale) terms.push(tf.mul(model.kl(), klScale));
      return (terms.length ? tf.addN(terms) : tf.mul(tf.sum(pred), 0)) as tf.Scalar;
    }, fit.params.map((p) => p.variable));
    fit.optim.step(grads, fit.lr);
    lossSum += value.dataSync()[0];
    lossCount++;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    fit.step++;
  }
  return lossSum / Math.max(1, lossCount);
}

/** Training steps of one epoch over n cells (a last batch of one cell is skipped). */
export function epochSteps(n: number, B: number): number {
  return Math.max(1, Math.floor(n / B) + (n % B >= 2 ? 1 : 0));
}

/** Member 0's curves keep the single-model tags; further members get a member<k>/ prefix. */
const tagPrefix = (k: number) => (k ? `member${k}/` : '');

/** What every ensemble member is fitted with. */
export interface FitPlan {
  cfg: TrainConfig;
  shape: MabnShape;
  /** Weights member k starts from (init.run: entry k mod length); null: random initialisation. */
  init: Checkpoint['weights'][] | null;
  /** The warm-up's cells and their standardised target; null: no warm-up. */
  warm: { cells: number; f: Features; y: Float32Array } | null;
  /** Training cells: inputs, standardised target (what the losses see) and the raw labels (for τ). */
  train: { f: Features; target: Float32Array; labels: Float64Array };
  /** Held-out cells whose τ is monitored. */
  monitor: { f: Features; labels: Float64Array };
  tb: SummaryWriter;
  progress: boolean;
  /** Ensemble size (for the ETA) and when fitting started (ms). */
  members: number;
  started: number;
}

/** Ensemble member k: a fresh model, the warm-up (if any), then the labelled epochs. */
export function fitMember(k: number, plan: FitPlan): Mabn {
  const { cfg, shape, init, warm, tb, progress } = plan;
  const K = plan.members;
  const seed = memberSeed(cfg.seed, k);
  const who = K > 1 ? `member ${k + 1}/${K} ` : '';
  const model = new Mabn(cfg.model, shape, seed);
  if (init) model.setWeights(init[k % init.length]);
  const params = model.params();
  if (warm) {
    const warmOptim = new AdamW(params, { weightDecay: cfg.optim.weightDecay });
    const fit: FitState = { model, params, optim: warmOptim, cfg, noise: randomSource(deriveSeed(seed, 'pretrain-noise')), step: 0, totalSteps: cfg.pretrain.epochs * epochSteps(warm.cells, cfg.optim.batchSize) };
    for (let epoch = 1; epoch <= cfg.pretrain.epochs; epoch++) {
      const loss = fitEpoch(fit, warm.f, warm.y, deriveSeed(seed, 'pretrain-epoch', epoch), 0);
      tb.scalar(`${tagPrefix(k)}pretrain/loss`, loss, epoch);
      if (progress && (epoch % 10 === 0 || epoch === cfg.pretrain.epochs)) {
        process.stderr.write(`${who}pretrain epoch ${epoch}/${cfg.pretrain.epochs} (${cfg.pretrain.target}, ${warm.cells} cells) loss ${loss.toFixed(4)}\n`);
      }
    }
    warmOptim.dispose();
  }
  const optim = new AdamW(params, { weightDecay: cfg.optim.weightDecay });
  const fit: FitState = { model, params, optim, cfg, noise: randomSource(deriveSeed(seed, 'train-noise')), step: 0, totalSteps: cfg.optim.epochs * epochSteps(plan.train.f.n, cfg.optim.batchSize) };
  let last = { loss: NaN, trainTau: NaN, testTau: NaN };
  for (let epoch = 1; epoch <= cfg.optim.epochs; epoch++) {
    const loss = fitEpoch(fit, plan.train.f, plan.train.target, deriveSeed(seed, 'epoch', epoch), cfg.loss.kl / plan.train.f.n);
    tb.scalar(`${tagPrefix(k)}train/loss`, loss, epoch);
    tb.scalar(`${tagPrefix(k)}lr`, fit.lr ?? 0, epoch);
    if (epoch % cfg.eval.every === 0 || epoch === cfg.optim.epochs) {
      // Monitoring uses the mean weights (no noise); the final evaluation uses mcSamples passes.
      const trainTau = kendallTauB(predict(model, plan.train.f, 0, cfg.seed).mean, plan.train.labels);
      const pt = predict(model, plan.monitor.f, 0, cfg.seed).mean;
      last = { loss, trainTau, testTau: kendallTauB(pt, plan.monitor.labels) };
      tb.scalar(`${tagPrefix(k)}train/kendall`, trainTau, epoch);
      tb.scalar(`${tagPrefix(k)}monitor/kendall`, last.testTau, epoch);
      tb.scalar(`${tagPrefix(k)}monitor/spearman`, spearman(pt, plan.monitor.labels), epoch);
    }
    last.loss = loss;
    if (progress) {
      const elapsed = (Date.now() - plan.started) / 1000;
      const eta = (elapsed / (k * cfg.optim.epochs + epoch)) * ((K - k) * cfg.optim.epochs - epoch);
      const line = `${who}epoch ${epoch}/${cfg.optim.epochs} loss ${loss.toFixed(4)} τ train ${last.trainTau.toFixed(3)} test (${plan.monitor.f.n} cells) ${last.testTau.toFixed(3)} ETA ${formatDuration(eta)}`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${epoch === cfg.optim.epochs ? '\n' : ''}`);
      else if (epoch % 10 === 0 || epoch === cfg.optim.epochs) process.stderr.write(line + '\n');
    }
  }
  optim.dispose();
  return model;
}
