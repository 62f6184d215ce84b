// The trainer: resolves a config, builds the dataset and features, fits MABN with ranking losses,
// evaluates it and the baselines on the same split, and writes a run directory.
import * as tf from '@tensorflow/tfjs';
import { Float64, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOverrides, deepMerge, isObject, loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { averageRanks, kendallTauB, rankingReport, spearman, type RankingReport } from '../eval/metrics.ts';
import { deriveSeed, randomSource, shuffle } from '../random.ts';
import { SummaryWriter } from '../tensorboard/writer.ts';
import { scatterPlotPng, SCATTER_DEFAULTS } from '../tensorboard/png.ts';
import { fitForest, fitRidge, predictForest, predictRidge, type Forest } from './baselines.ts';
import { combineScores, fitScorer, type ScorerState } from './scorer.ts';
import { buildDataset, loadHarvest, loadTruth, selectProxies, splitDataset, type Dataset, type Harvest, type TruthTable } from './dataset.ts';
import { applyFeatures, fitFeatures, NODE_TRANSFORMS, selectCells, summedProxies, typedSummedProxies, type FeatureState, type Features } from './features.ts';
import { diffKendallLoss, mseLoss, pairwiseLogisticLoss } from './losses.ts';
import { Mabn, type MabnConfig, type MabnShape } from './mabn.ts';
import type { Rng } from '../random.ts';
import type { Param } from './bayes.ts';
import { AdamW, cosineLr } from './optim.ts';
import { createRunDir } from './run-dir.ts';
import { standardiser } from '../util/stats.ts';

export const DEFAULT_CONFIG = {
  space: 'nb201',
  dataset: 'cifar10',
  /** The harvest table, and tables of further proxies of the same cells (joined by arch). */
  /** `proxies`: use only these proxies (node and network ones by name; [] = all), e.g. those two spaces'
   * tables share, so the run can score the other space (`parzc eval --refit-features`). */
  harvest: { path: '', extra: [] as string[], proxies: [] as string[] },
  /** Accuracy trained on and accuracy evaluated against. */
  target: { train: 'val', eval: 'test' },
  /** testCells: hold out that many cells (0: every cell not trained on). */
  split: { train: 156, seed: 0, test: 'rest', testCells: 0 },
  // Chosen on 156 cells, split seeds 0-2 (docs/training.md): per-(slot, proxy) z-scores and cell-level
  // inputs beat ParZC's per-cell min-max, RankNet beats DiffKendall, and with those inputs token
  // mixing costs τ; MC averaging adds nothing over the mean weights, at mcSamples× the prediction cost.
  // Node types (tokenType, typedSums) gain with a forest warm-up and cost without one (session 9): the
  // NB201/NB101 configs turn them on.
  features: { transform: 'zscore', opEncoding: true, summed: true, network: true, tokenType: false, typedSums: false },
  model: {
    variant: 'mabn', dim: 32, depth: 2, tokenHidden: 64, channelHidden: 64, tokenMixing: false,
    rho0: -5, priorStd: 0.1, mcSamples: 0,
  },
  loss: { diffKendall: 0, alpha: 1, pairwiseLogistic: 1, mse: 0, kl: 0 },
  optim: { lr: 1e-3, minLr: 0, warmup: 0, weightDecay: 1e-3, epochs: 100, batchSize: 64 },
  /** Optional warm-up before the labelled training: `epochs` of the same ranking losses on `cells`
   * seeded cells (0: all) against label-free or train-label-only targets of every cell: `forest`, the
   * random forest fitted on the training cells; `proxies`, the mean rank of the summed proxies. */
  pretrain: { epochs: 0, target: 'forest', cells: 2000 },
  /** The run's score: the mean of `members` MABNs (seeded apart; their spread is the uncertainty)
   * and, with `forest`, the random forest, as standardised scores. 1 and false: one MABN alone. */
  ensemble: { members: 1, forest: false },
  /** `run`: start member k from member k mod K' of that finished run (same model and inputs, e.g. a run on
   * another space trained on the shared proxies): few-shot transfer. '' = random initialisation. */
  init: { run: '' },
  /** Every `every` epochs, τ on `monitor` seeded test cells (0: all) with the mean weights; the
   * full test set is scored once, at the end. */
  eval: { every: 10, monitor: 1000, baselines: true, rf: { trees: 100, maxDepth: 32, minLeaf: 2, maxFeatures: 0.33 } },
  seed: 0,
  runs: 'runs',
  name: null as string | null,
};
export type TrainConfig = typeof DEFAULT_CONFIG & { model: MabnConfig };

/** Unknown keys and values whose type differs from the default's are UserErrors. */
function checkShape(defaults: Record<string, unknown>, cfg: Record<string, unknown>, where: string): void {
  for (const [k, v] of Object.entries(cfg)) {
    const path = where ? `${where}.${k}` : k;
    if (!Object.hasOwn(defaults, k)) {
      throw new UserError(`config: unknown key "${path}" (known: ${Object.keys(defaults).join(', ')})`);
    }
    const d = defaults[k];
    if (isObject(d)) {
      if (!isObject(v)) throw new UserError(`config: "${path}" must be an object, got ${JSON.stringify(v)}`);
      checkShape(d, v, path);
    } else if (d !== null && typeof v !== typeof d) {
      throw new UserError(`config: "${path}" must be a ${typeof d}, got ${JSON.stringify(v)}`);
    }
  }
}

function oneOf(path: string, v: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(v as string)) throw new UserError(`config: "${path}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

function positiveInt(path: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new UserError(`config: "${path}" must be an integer ≥ ${min}, got ${v}`);
}

/** What the official PicoNAS variant fixes, whatever the config says. */
export const OFFICIAL_FIXED = { model: { tokenMixing: false, rho0: -5, mcSamples: 1 }, loss: { kl: 0 } } as const;
const OFFICIAL_FIXED_KEYS = Object.entries(OFFICIAL_FIXED).flatMap(([group, fields]) => Object.keys(fields).map((f) => `${group}.${f}`));

/** Validates a config object (file + overrides) and merges it over the defaults. The official
 * variant applies OFFICIAL_FIXED; the result is what train() logs and writes as config.json. */
export function resolveConfig(raw: object, checkHarvest = true): TrainConfig {
  checkShape(DEFAULT_CONFIG, raw as Record<string, unknown>, '');
  const cfg = deepMerge(DEFAULT_CONFIG, raw) as TrainConfig;
  if (cfg.name !== null && (typeof cfg.name !== 'string' || !/^[\w.-]+$/.test(cfg.name))) {
    throw new UserError(`config: "name" must be letters, digits, "_", "-" or ".", got ${JSON.stringify(cfg.name)}`);
  }
  oneOf('model.variant', cfg.model.variant, ['mabn', 'official']);
  oneOf('features.transform', cfg.features.transform, NODE_TRANSFORMS);
  oneOf('split.test', cfg.split.test, ['rest', 'all']);
  positiveInt('split.testCells', cfg.split.testCells, 0);
  oneOf('target.train', cfg.target.train, ['val', 'test']);
  oneOf('target.eval', cfg.target.eval, ['val', 'test']);
  positiveInt('split.train', cfg.split.train, 2);
  for (const k of ['dim', 'depth', 'tokenHidden', 'channelHidden'] as const) positiveInt(`model.${k}`, cfg.model[k]);
  positiveInt('model.mcSamples', cfg.model.mcSamples, 0);
  positiveInt('optim.epochs', cfg.optim.epochs, 0);
  positiveInt('optim.batchSize', cfg.optim.batchSize, 2);
  positiveInt('pretrain.epochs', cfg.pretrain.epochs, 0);
  positiveInt('pretrain.cells', cfg.pretrain.cells, 0);
  positiveInt('ensemble.members', cfg.ensemble.members);
  oneOf('pretrain.target', cfg.pretrain.target, PRETRAIN_TARGETS);
  positiveInt('eval.every', cfg.eval.every);
  positiveInt('eval.monitor', cfg.eval.monitor, 0);
  positiveInt('eval.rf.trees', cfg.eval.rf.trees);
  if (!(cfg.model.priorStd > 0)) throw new UserError('config: "model.priorStd" must be > 0');
  if (cfg.model.variant === 'official') {
    Object.assign(cfg.model, OFFICIAL_FIXED.model);
    Object.assign(cfg.loss, OFFICIAL_FIXED.loss);
  }
  if (checkHarvest) {
    if (!cfg.harvest.path) throw new UserError('config: "harvest.path" is required');
    if (!Array.isArray(cfg.harvest.extra) || !cfg.harvest.extra.every((p) => typeof p === 'string')) {
      throw new UserError(`config: "harvest.extra" must be an array of paths, got ${JSON.stringify(cfg.harvest.extra)}`);
    }
    if (!Array.isArray(cfg.harvest.proxies) || !cfg.harvest.proxies.every((p) => typeof p === 'string')) {
      throw new UserError(`config: "harvest.proxies" must be an array of proxy names, got ${JSON.stringify(cfg.harvest.proxies)}`);
    }
    for (const p of [cfg.harvest.path, ...cfg.harvest.extra]) if (!existsSync(p)) throw new UserError(`config: harvest table ${p} does not exist`);
  }
  return cfg;
}

/** Config file + `--set` overrides → resolved config. */
export function loadTrainConfig(path: string, overrides: readonly string[] = []): TrainConfig {
  return resolveConfig(applyOverrides(loadConfig(path), overrides));
}

const PREDICT_CHUNK = 1024;
const PRETRAIN_TARGETS = ['forest', 'proxies'] as const;

/** Differentiable scores of a (small) set of cells: pool each token row, then score every cell. */
function scoreCells(model: Mabn, f: Features, noise: Rng | null): tf.Tensor1D {
  const tokens = tf.tensor3d(f.tokens, [f.rows, f.slots, f.width]);
  const mask = tf.tensor2d(f.mask, [f.rows, f.slots]);
  const pooled = tf.gather(model.pooled(tokens, mask, noise), tf.tensor1d(f.row, 'int32')) as tf.Tensor2D;
  return model.head(pooled, f.extraWidth ? tf.tensor2d(f.extra, [f.n, f.extraWidth]) : null, noise);
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
      E ? tf.tensor2d(f.extra.subarray(a * E, b * E), [b - a, E]) : null, head()));
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

const pick = (a: ArrayLike<number>, idx: readonly number[]) => Float64Array.from(idx, (i) => a[i]);

export interface Checkpoint {
  format: 'parzc-mabn-1';
  model: MabnConfig;
  shape: MabnShape;
  seed: number;
  features: FeatureState;
  /** Node and network proxies the model reads, in order (absent in checkpoints before session 7). */
  proxies?: { node: string[]; network: string[] };
  /** Member 0 (the only one without an ensemble). */
  weights: ReturnType<Mabn['getWeights']>;
  /** Members 1…K−1 and how the scores combine (runs with `ensemble`). */
  members?: ReturnType<Mabn['getWeights']>[];
  scorer?: ScorerState;
}

/** Ensemble member k's seed; member 0 uses the run's seed, so a 1-member run is the single-model run. */
export function memberSeed(seed: number, k: number): number {
  return k === 0 ? seed : deriveSeed(seed, 'member', k);
}

/** Writes arch, mean, std, target (and split, when given) as an uncompressed Arrow IPC file. */
export function writePredictions(path: string, archs: string[], mean: Float64Array, std: Float64Array, target: Float64Array, split?: string[]): void {
  const cols: Record<string, Vector> = {
    arch: vectorFromArray(archs, new Utf8()),
    mean: vectorFromArray(Array.from(mean), new Float64()),
    std: vectorFromArray(Array.from(std), new Float64()),
    target: vectorFromArray(Array.from(target), new Float64()),
  };
  if (split) cols.split = vectorFromArray(split, new Utf8());
  writeFileSync(path, tableToIPC(new Table(cols), 'file'));
}

export interface TrainResult {
  dir: string;
  metrics: Record<string, unknown>;
}

export interface TrainOptions {
  /** Ground truth override (tests); default loadTruth(space, dataset). */
  truth?: TruthTable;
  /** Progress on stderr (default true). */
  progress?: boolean;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

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

/** (x − mean) / std over all of x (std 0 → 1). */
function zScores(x: ArrayLike<number>): Float64Array {
  const [m, sd] = standardiser(x);
  return Float64Array.from(x, (t) => (t - m) / sd);
}

/** A label-free score of every cell: the mean over summed proxies of the cell's rank. */
function meanProxyRank(ds: Dataset): Float64Array {
  const X = ds.archs.map((_, c) => summedProxies(ds, c));
  const out = new Float64Array(X.length);
  for (let j = 0; j < (X[0]?.length ?? 0); j++) {
    const r = averageRanks(X.map((row) => row[j]));
    for (let c = 0; c < X.length; c++) out[c] += r[c] / X[0].length;
  }
  return out;
}

/** The harvest with only the named proxies (node and network ones by name), all when `names` is empty. */
function withProxies(h: Harvest, names: readonly string[]): Harvest {
  if (!names.length) return h;
  const unknown = names.filter((n) => !h.nodeProxies.includes(n) && !h.networkProxies.includes(n));
  if (unknown.length) throw new UserError(`config: harvest.proxies names ${unknown.join(', ')}, not in ${h.path} (node: ${h.nodeProxies.join(', ')}; network: ${h.networkProxies.join(', ')})`);
  return selectProxies(h, names.filter((n) => h.nodeProxies.includes(n)), names.filter((n) => h.networkProxies.includes(n)));
}

export async function train(cfg: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const t0 = Date.now();
  const progress = opts.progress ?? true;
  const harvest: Harvest = withProxies(loadHarvest(cfg.harvest.path, cfg.harvest.extra), cfg.harvest.proxies);
  if (harvest.space.name !== cfg.space) {
    throw new UserError(`config space "${cfg.space}" but harvest ${cfg.harvest.path} is of space "${harvest.space.name}"`);
  }
  const truth = opts.truth ?? loadTruth(cfg.space, cfg.dataset);
  const ds: Dataset = buildDataset(harvest, truth);
  const split = splitDataset(ds.archs.length, cfg.split.train, cfg.split.seed, cfg.split.test as 'rest' | 'all', cfg.split.testCells);
  const yTrainAll = cfg.target.train === 'val' ? ds.val : ds.test;
  const yEvalAll = cfg.target.eval === 'val' ? ds.val : ds.test;

  const state = fitFeatures(ds, split.train, cfg.features as FeatureState['config']);
  const all = Array.from({ length: ds.archs.length }, (_, i) => i);
  const feats = applyFeatures(ds, all, state);
  const trainF = selectCells(feats, split.train);
  // Monitoring scores a fixed seeded sample of the test cells (the full set costs ~15k cells).
  const monitored = cfg.eval.monitor && cfg.eval.monitor < split.test.length
    ? shuffle(split.test.slice(), randomSource(deriveSeed(cfg.split.seed, 'monitor'))).slice(0, cfg.eval.monitor) : split.test;
  const monitorF = selectCells(feats, monitored);
  const yMonitor = pick(yEvalAll, monitored);
  const yTrain = pick(yTrainAll, split.train);
  const yTest = pick(yEvalAll, split.test);

  const shape: MabnShape = { slots: feats.slots, width: feats.width, extraWidth: feats.extraWidth };
  const proxies = { node: harvest.nodeProxies, network: harvest.networkProxies };
  const init = cfg.init.run ? initialWeights(cfg.init.run, cfg.model, shape, proxies) : null;

  const dir = createRunDir(cfg.runs, cfg.name ?? `${cfg.space}-${cfg.dataset}-${cfg.model.variant}-n${cfg.split.train}-s${cfg.seed}`);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  if (progress) {
    const { variant, ...model } = cfg.model;
    const fixed = variant === 'official' ? ` (the official variant fixes ${OFFICIAL_FIXED_KEYS.join(', ')})` : '';
    process.stderr.write(`parzc: model ${variant} ${JSON.stringify(model)}, loss ${JSON.stringify(cfg.loss)}${fixed}\n`);
  }
  const tb = new SummaryWriter(join(dir, 'tb'));
  tb.text('config', '```json\n' + JSON.stringify(cfg, null, 2) + '\n```', 0);
  if (progress) process.stderr.write(`parzc: train ${ds.archs.length} cells (${harvest.archs.length} harvested), ${split.train.length} train / ${split.test.length} test → ${dir}\n`);

  const B = cfg.optim.batchSize;
  const epochSteps = (n: number) => Math.max(1, Math.floor(n / B) + (n % B >= 2 ? 1 : 0));
  // The forest is fitted before training when the warm-up distils it, and reused by the report.
  const pretraining = cfg.pretrain.epochs > 0;
  const needForest = (pretraining && cfg.pretrain.target === 'forest') || cfg.ensemble.forest;
  const runForest = cfg.eval.baselines || needForest ? fitRunForest(cfg, ds, split.train, yTrainAll, state) : null;
  // The warm-up's cells, their inputs and standardised target: the same for every ensemble member.
  let warm: { cells: number[]; f: Features; y: Float32Array } | null = null;
  if (pretraining) {
    const cells = cfg.pretrain.cells && cfg.pretrain.cells < all.length
      ? shuffle(all.slice(), randomSource(deriveSeed(cfg.seed, 'pretrain-cells'))).slice(0, cfg.pretrain.cells) : all;
    const scores = cfg.pretrain.target === 'forest' ? runForest!.scores : meanProxyRank(ds);
    warm = { cells, f: selectCells(feats, cells), y: Float32Array.from(zScores(pick(scores, cells))) };
  }
  // Losses see standardised targets (the ranking losses' α and MSE are then scale-free).
  const target = Float32Array.from(zScores(yTrain));
  const tTrain = Date.now();

  const K = cfg.ensemble.members;
  // Member 0's curves keep the single-model tags; further members get a member<k>/ prefix.
  const prefix = (k: number) => (k ? `member${k}/` : '');
  /** Ensemble member k: a fresh model, the warm-up (if any), then the labelled epochs. */
  const fitMember = (k: number): Mabn => {
    const seed = memberSeed(cfg.seed, k);
    const who = K > 1 ? `member ${k + 1}/${K} ` : '';
    const model = new Mabn(cfg.model, shape, seed);
    if (init) model.setWeights(init[k % init.length]);
    const params = model.params();
    if (warm) {
      const warmOptim = new AdamW(params, { weightDecay: cfg.optim.weightDecay });
      const fit: FitState = { model, params, optim: warmOptim, cfg, noise: randomSource(deriveSeed(seed, 'pretrain-noise')), step: 0, totalSteps: cfg.pretrain.epochs * epochSteps(warm.cells.length) };
      for (let epoch = 1; epoch <= cfg.pretrain.epochs; epoch++) {
        const loss = fitEpoch(fit, warm.f, warm.y, deriveSeed(seed, 'pretrain-epoch', epoch), 0);
        tb.scalar(`${prefix(k)}pretrain/loss`, loss, epoch);
        if (progress && (epoch % 10 === 0 || epoch === cfg.pretrain.epochs)) {
          process.stderr.write(`${who}pretrain epoch ${epoch}/${cfg.pretrain.epochs} (${cfg.pretrain.target}, ${warm.cells.length} cells) loss ${loss.toFixed(4)}\n`);
        }
      }
      warmOptim.dispose();
    }
    const optim = new AdamW(params, { weightDecay: cfg.optim.weightDecay });
    const fit: FitState = { model, params, optim, cfg, noise: randomSource(deriveSeed(seed, 'train-noise')), step: 0, totalSteps: cfg.optim.epochs * epochSteps(trainF.n) };
    let last = { loss: NaN, trainTau: NaN, testTau: NaN };
    for (let epoch = 1; epoch <= cfg.optim.epochs; epoch++) {
      const loss = fitEpoch(fit, trainF, target, deriveSeed(seed, 'epoch', epoch), cfg.loss.kl / trainF.n);
      tb.scalar(`${prefix(k)}train/loss`, loss, epoch);
      tb.scalar(`${prefix(k)}lr`, fit.lr ?? 0, epoch);
      if (epoch % cfg.eval.every === 0 || epoch === cfg.optim.epochs) {
        // Monitoring uses the mean weights (no noise); the final evaluation uses mcSamples passes.
        const trainTau = kendallTauB(predict(model, trainF, 0, cfg.seed).mean, yTrain);
        const pt = predict(model, monitorF, 0, cfg.seed).mean;
        last = { loss, trainTau, testTau: kendallTauB(pt, yMonitor) };
        tb.scalar(`${prefix(k)}train/kendall`, trainTau, epoch);
        tb.scalar(`${prefix(k)}monitor/kendall`, last.testTau, epoch);
        tb.scalar(`${prefix(k)}monitor/spearman`, spearman(pt, yMonitor), epoch);
      }
      last.loss = loss;
      if (progress) {
        const elapsed = (Date.now() - tTrain) / 1000;
        const eta = (elapsed / (k * cfg.optim.epochs + epoch)) * ((K - k) * cfg.optim.epochs - epoch);
        const line = `${who}epoch ${epoch}/${cfg.optim.epochs} loss ${loss.toFixed(4)} τ train ${last.trainTau.toFixed(3)} test (${monitored.length} cells) ${last.testTau.toFixed(3)} ETA ${fmtTime(eta)}`;
        if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${epoch === cfg.optim.epochs ? '\n' : ''}`);
        else if (epoch % 10 === 0 || epoch === cfg.optim.epochs) process.stderr.write(line + '\n');
      }
    }
    optim.dispose();
    return model;
  };

  const members = Array.from({ length: K }, (_, k) => fitMember(k));
  const trainSeconds = (Date.now() - tTrain) / 1000;

  // Final evaluation on every cell (so `eval` can reproduce the same numbers), then the test subset.
  const memberPreds = members.map((m, k) => predict(m, feats, cfg.model.mcSamples, memberSeed(cfg.seed, k)));
  const forestScores = cfg.ensemble.forest ? runForest!.scores : null;
  const scorer = K > 1 || forestScores ? fitScorer(memberPreds.map((p) => p.mean), forestScores, forestScores ? runForest!.forest : null) : null;
  const pred = scorer ? combineScores(scorer, memberPreds.map((p) => p.mean), forestScores, memberPreds[0].std) : memberPreds[0];
  const testMean = pick(pred.mean, split.test);
  const report = rankingReport(testMean, yTest);
  const metrics: Record<string, unknown> = {
    test: { ...report, meanStd: pick(pred.std, split.test).reduce((a, b) => a + b, 0) / split.test.length },
    train: { kendall: kendallTauB(pick(pred.mean, split.train), yTrain), n: split.train.length },
    cells: ds.archs.length,
    harvested: harvest.archs.length,
    trainSeconds,
  };
  if (scorer) {
    // What the ensemble is worth: its first member alone (the single-model run) and every member's τ.
    metrics.mabn = rankingReport(pick(memberPreds[0].mean, split.test), yTest);
    metrics.members = memberPreds.map((p) => kendallTauB(pick(p.mean, split.test), yTest));
  }
  if (cfg.eval.baselines && runForest) {
    metrics.baselines = baselineReports(cfg, ds, split, yTrainAll, yEvalAll, runForest, state);
    // MABN and the forest err on different cells; the report shows what averaging them is worth.
    metrics.blend = rankingReport(pick(blendScores([memberPreds[0].mean, runForest.scores]), split.test), yTest);
  }
  metrics.seconds = (Date.now() - t0) / 1000;
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  const splitCol = new Array<string>(ds.archs.length).fill('');
  for (const i of split.train) splitCol[i] = 'train';
  for (const i of split.test) splitCol[i] = splitCol[i] ? 'train+test' : 'test';
  writePredictions(join(dir, 'predictions.arrow'), ds.archs, pred.mean, pred.std, yEvalAll, splitCol);
  const ckpt: Checkpoint = { format: 'parzc-mabn-1', model: cfg.model, shape, seed: cfg.seed, features: state,
    proxies, weights: members[0].getWeights(),
    ...(scorer ? { members: members.slice(1).map((m) => m.getWeights()), scorer } : {}) };
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(ckpt));

  tb.histogram('test/predictions', testMean, cfg.optim.epochs);
  const png = scatterPlotPng(Array.from(testMean), Array.from(yTest));
  tb.image('test/pred_vs_true', png, SCATTER_DEFAULTS.width, SCATTER_DEFAULTS.height, cfg.optim.epochs);
  tb.close();
  for (const m of members) m.dispose();
  return { dir, metrics };
}

interface RunForest {
  forest: Forest;
  scores: Float64Array;
}

/** The run's random forest: fitted on the training cells with the run's forest inputs (the per-type sums
 * too when the features have them), and its score of every cell. It is the warm-up teacher, the
 * ensemble's partner and the blend's. */
function fitRunForest(cfg: TrainConfig, ds: Dataset, trainCells: readonly number[], yTrainAll: Float64Array, state: FeatureState): RunForest {
  return fitForestOn(cfg, ds, trainCells, yTrainAll, forestInputs(ds, state));
}

function fitForestOn(cfg: TrainConfig, ds: Dataset, trainCells: readonly number[], yTrainAll: Float64Array, X: number[][]): RunForest {
  const forest = fitForest(trainCells.map((c) => X[c]), pick(yTrainAll, trainCells), { ...cfg.eval.rf, seed: deriveSeed(cfg.seed, 'rf') });
  return { forest, scores: predictForest(forest, X) };
}

/** Baselines on the trainer's split: each summed proxy alone, ridge on the summed proxies, and the random
 * forest on summed proxies + op encoding (the issue's baseline). When the run's forest also reads the
 * per-type sums it is reported as `randomForestTyped`. */
function baselineReports(cfg: TrainConfig, ds: Dataset, split: { train: number[]; test: number[] }, yTrainAll: Float64Array, yEvalAll: Float64Array, runForest: RunForest, state: FeatureState): Record<string, RankingReport | Record<string, RankingReport>> {
  const h = ds.harvest;
  const yTest = pick(yEvalAll, split.test);
  const X = ds.archs.map((_, c) => summedProxies(ds, c));
  const proxies: Record<string, RankingReport> = {};
  [...h.nodeProxies, ...h.networkProxies].forEach((name, j) => {
    proxies[name] = rankingReport(Float64Array.from(split.test, (c) => X[c][j]), yTest);
  });
  const ridge = rankingReport(predictRidge(fitRidge(split.train.map((c) => X[c]), pick(yTrainAll, split.train), 1), split.test.map((c) => X[c])), yTest);
  const report = (f: RunForest) => rankingReport(pick(f.scores, split.test), yTest);
  if (!state.typedMean) return { proxies, ridge, randomForest: report(runForest) };
  const plain = fitForestOn(cfg, ds, split.train, yTrainAll, forestInputs(ds, null));
  return { proxies, ridge, randomForest: report(plain), randomForestTyped: report(runForest) };
}

/** The forest's inputs of every cell: summed and network proxies (signed log), the op encoding, then
 * (when the run's features have them) the per-type sums. */
function forestInputs(ds: Dataset, state: FeatureState | null): number[][] {
  const types = state?.typedMean ? state.nodeTypes! : null;
  return ds.archs.map((a, c) => [...summedProxies(ds, c), ...ds.harvest.space.encode(a), ...(types ? typedSummedProxies(ds, c, types) : [])]);
}

/** The mean of each score vector standardised over all cells (no labels involved). */
export function blendScores(scores: Float64Array[]): Float64Array {
  const out = new Float64Array(scores[0].length);
  for (const z of scores.map(zScores)) z.forEach((v, i) => (out[i] += v / scores.length));
  return out;
}

export interface EvalResult {
  archs: string[];
  mean: Float64Array;
  std: Float64Array;
  target: Float64Array;
  /** Cells (indices) with ground truth that the run did not train on, and their ranking. */
  heldOut: number[];
  report: RankingReport | null;
  trained: Set<string>;
}

/** Archs a run trained on (split column of its predictions.arrow; empty for runs without one). */
function trainedArchs(runDir: string): Set<string> {
  const path = join(runDir, 'predictions.arrow');
  if (!existsSync(path)) return new Set();
  const t = tableFromIPC(readFileSync(path));
  const arch = t.getChild('arch'), split = t.getChild('split');
  if (!arch || !split) return new Set();
  const out = new Set<string>();
  for (let i = 0; i < t.numRows; i++) if (String(split.get(i)).startsWith('train')) out.add(String(arch.get(i)));
  return out;
}

export interface EvalOptions {
  /** A harvest table and the tables joined to it, with the proxies the run was trained on (default: the run's own). */
  harvest?: readonly string[];
  /** Ground truth of another dataset of the same space (transfer across datasets; default: the run's). */
  dataset?: string;
  /** Ground truth override (tests); null: none. */
  truth?: TruthTable | null;
  /** Refit the feature statistics on the scored cells (label-free) instead of the training cells':
   * what scoring another search space needs. */
  refit?: boolean;
}

/** A finished run's resolved config and checkpoint. */
function readRun(runDir: string): { cfg: TrainConfig; ckpt: Checkpoint } {
  const cfgPath = join(runDir, 'config.json'), ckptPath = join(runDir, 'checkpoint.json');
  if (!existsSync(cfgPath) || !existsSync(ckptPath)) throw new UserError(`${runDir} is not a run directory (needs config.json and checkpoint.json)`);
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as TrainConfig;
  const ckpt = JSON.parse(readFileSync(ckptPath, 'utf8')) as Checkpoint;
  if (ckpt.format !== 'parzc-mabn-1') throw new UserError(`${ckptPath}: unknown checkpoint format ${JSON.stringify(ckpt.format)}`);
  return { cfg, ckpt };
}

/** Every member's weights, member 0 first. */
function memberWeights(ckpt: Checkpoint): Checkpoint['weights'][] {
  return [ckpt.weights, ...(ckpt.members ?? [])];
}

/** A checkpoint's model reads inputs of `shape` (node slots only matter with token mixing). */
function checkInputs(who: string, ckpt: Checkpoint, shape: MabnShape, source: string): void {
  if (shape.slots !== ckpt.shape.slots && ckpt.model.tokenMixing) {
    throw new UserError(`${who} mixes tokens across its ${ckpt.shape.slots} node slots: it cannot take cells with ${shape.slots}`);
  }
  if (shape.width !== ckpt.shape.width || shape.extraWidth !== ckpt.shape.extraWidth) {
    throw new UserError(`${who} reads ${ckpt.shape.width} proxies per node and ${ckpt.shape.extraWidth} cell inputs; ${source} gives ${shape.width} and ${shape.extraWidth}`);
  }
}

/** The member weights of `runDir` for a model of `model` and `shape`: what `init.run` starts from. */
function initialWeights(runDir: string, model: MabnConfig, shape: MabnShape, proxies: NonNullable<Checkpoint['proxies']>): Checkpoint['weights'][] {
  const { ckpt } = readRun(runDir);
  const names = (p: typeof proxies) => `node ${p.node.join(', ')}; network ${p.network.join(', ')}`;
  if (ckpt.proxies && names(ckpt.proxies) !== names(proxies)) {
    throw new UserError(`init.run ${runDir} was trained on proxies (${names(ckpt.proxies)}), this run reads (${names(proxies)}): set harvest.proxies to the same`);
  }
  const arch = ['variant', 'dim', 'depth', 'tokenHidden', 'channelHidden', 'tokenMixing'] as const;
  const differ = arch.filter((k) => ckpt.model[k] !== model[k]);
  if (differ.length) throw new UserError(`init.run ${runDir} has another model (${differ.map((k) => `${k} ${ckpt.model[k]} vs ${model[k]}`).join(', ')})`);
  checkInputs(`init.run ${runDir}`, ckpt, shape, "this run's inputs");
  return memberWeights(ckpt);
}

/** Reloads a run's checkpoint and scores every cell of a harvest; `trained` lists the cells the run
 * trained on (from its predictions.arrow), so transfer and search can leave them out. */
export function evaluateRun(runDir: string, opts: EvalOptions = {}): EvalResult {
  const { cfg, ckpt } = readRun(runDir);
  const [path, ...extra] = opts.harvest?.length ? opts.harvest : [cfg.harvest.path, ...(cfg.harvest.extra ?? [])];
  let harvest = loadHarvest(path, extra);
  if (ckpt.proxies) harvest = selectProxies(harvest, ckpt.proxies.node, ckpt.proxies.network);
  const space = harvest.space.name;
  if (space !== cfg.space) {
    if (!opts.refit) throw new UserError(`${runDir} was trained on ${cfg.space}; scoring ${space} cells needs --refit-features (feature statistics refitted on those cells, no labels read)`);
    if (ckpt.features.encodeLength) throw new UserError(`${runDir} reads the op encoding of ${cfg.space} (features.opEncoding): it cannot score ${space}; train with --set features.opEncoding=false`);
    if (ckpt.scorer?.forest) throw new UserError(`${runDir} scores with a random forest on ${cfg.space}'s op encoding (ensemble.forest): it cannot score ${space}`);
    if (ckpt.features.nodeTypes) throw new UserError(`${runDir} reads ${cfg.space}'s node types (features.tokenType / typedSums): it cannot score ${space}; train without them`);
  }
  const tt = opts.truth === undefined ? loadTruth(space, opts.dataset ?? cfg.dataset) : opts.truth;
  const ds = buildDataset(harvest, tt);
  const all = ds.archs.map((_, i) => i);
  const feats = applyFeatures(ds, all, opts.refit ? fitFeatures(ds, all, ckpt.features.config) : ckpt.features);
  checkInputs(runDir, ckpt, feats, path);
  const memberPreds = memberWeights(ckpt).map((w, k) => {
    const model = new Mabn(ckpt.model, { ...ckpt.shape, slots: feats.slots }, memberSeed(ckpt.seed, k));
    try {
      model.setWeights(w);
      return predict(model, feats, ckpt.model.mcSamples, memberSeed(ckpt.seed, k));
    } finally {
      model.dispose();
    }
  });
  const forestScores = ckpt.scorer?.forest ? predictForest(ckpt.scorer.forest.trees, forestInputs(ds, ckpt.features)) : null;
  const { mean, std } = ckpt.scorer ? combineScores(ckpt.scorer, memberPreds.map((p) => p.mean), forestScores, memberPreds[0].std) : memberPreds[0];
  const target = cfg.target.eval === 'val' ? ds.val : ds.test;
  const trained = trainedArchs(runDir);
  const heldOut = Array.from(target, (_, i) => i).filter((i) => Number.isFinite(target[i]) && !trained.has(ds.archs[i]));
  const report = heldOut.length > 1 ? rankingReport(pick(mean, heldOut), pick(target, heldOut)) : null;
  return { archs: ds.archs, mean, std, target, heldOut, report, trained };
}
