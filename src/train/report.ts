// What a run reports next to MABN: the run's random forest (also the warm-up teacher, the ensemble's
// and the blend's partner), every proxy alone, ridge, τ against each target, and the typed metrics.json.
import { averageRanks, kendallTauB, rankingReport, type RankingReport } from '../eval/metrics.ts';
import { cellGraphFeatures } from '../graph/graph-features.ts';
import { storedForm } from '../proxies/stored-form.ts';
import { deriveSeed } from '../random.ts';
import { pick } from '../util/stats.ts';
import { fitForest, fitRidge, predictForest, predictRidge, type Forest } from './baselines.ts';
import type { TrainConfig } from './config.ts';
import type { Dataset } from './dataset.ts';
import { nodeAggregates, signedLog, summedProxies, typedSummedProxies, type FeatureState } from './features.ts';

export interface TargetTaus {
  kendall: number;
  forest?: number;
  blend?: number;
  /** Test cells with this accuracy. */
  n: number;
}

/** τ of each score on the test cells against each accuracy of the dataset (cells lacking it left out). */
export function targetTaus(ds: Dataset, testCells: readonly number[], score: Float64Array, forest: Float64Array | null, blend: Float64Array | null): TrainMetrics['targets'] {
  const out: TrainMetrics['targets'] = {};
  for (const t of ['val', 'test'] as const) {
    const cells = testCells.filter((c) => Number.isFinite(ds[t][c]));
    if (cells.length < 2) continue;
    const y = pick(ds[t], cells), tau = (s: Float64Array) => kendallTauB(pick(s, cells), y);
    out[t] = { kendall: tau(score), ...(forest ? { forest: tau(forest) } : {}), ...(blend ? { blend: tau(blend) } : {}), n: cells.length };
  }
  return out;
}

export interface BaselineReports {
  /** Each proxy alone: node proxies aggregated as published (synflow_log1p_sum: Σ ln(1 + score)). */
  proxies: Record<string, RankingReport>;
  ridge: RankingReport;
  /** The forest on summed proxies + op encoding. */
  randomForest: RankingReport;
  /** The run's forest, when its inputs add per-type sums or graph features to the plain forest's. */
  randomForestRun?: RankingReport;
}

/** metrics.json of a training run. */
export interface TrainMetrics {
  /** The run's score (one MABN, or the ensemble) on the test cells; meanStd: its mean uncertainty. */
  test: RankingReport & { meanStd: number };
  train: { kendall: number; n: number };
  /** Cells with ground truth, and harvested rows they map to. */
  cells: number;
  harvested: number;
  trainSeconds: number;
  /** With an ensemble: member 0 alone (the single-model run) and every member's τ. */
  mabn?: RankingReport;
  members?: number[];
  baselines?: BaselineReports;
  /** Member 0 blended 1:1 with the run's forest. */
  blend?: RankingReport;
  /** Kendall τ of the run's score (and of its forest and blend) on the test cells against each accuracy
   * the benchmark has: peers report validation accuracy, the trainer's default target is test. */
  targets?: Partial<Record<'val' | 'test', TargetTaus>>;
  seconds: number;
}

export interface RunForest {
  forest: Forest;
  scores: Float64Array;
}

/** The run's random forest: fitted on the training cells with the run's forest inputs (the per-type sums
 * and graph features too when the features have them), and its score of every cell. It is the warm-up teacher, the
 * ensemble's partner and the blend's. */
export function fitRunForest(cfg: TrainConfig, ds: Dataset, trainCells: readonly number[], yTrainAll: Float64Array, state: FeatureState): RunForest {
  return fitForestOn(cfg, ds, trainCells, yTrainAll, forestInputs(ds, state));
}

function fitForestOn(cfg: TrainConfig, ds: Dataset, trainCells: readonly number[], yTrainAll: Float64Array, X: number[][]): RunForest {
  const forest = fitForest(trainCells.map((c) => X[c]), pick(yTrainAll, trainCells), { ...cfg.eval.rf, seed: deriveSeed(cfg.seed, 'rf') });
  return { forest, scores: predictForest(forest, X) };
}

/** Baselines on the trainer's split: each proxy alone (node proxies aggregated over the nodes as
 * published), ridge on the summed proxies, and the random forest on summed proxies + op encoding. When
 * the run's forest also reads the per-type sums or the graph features it is reported as `randomForestRun`. */
export function baselineReports(cfg: TrainConfig, ds: Dataset, split: { train: number[]; test: number[] }, yTrainAll: Float64Array, yEvalAll: Float64Array, runForest: RunForest, state: FeatureState): BaselineReports {
  const h = ds.harvest;
  const yTest = pick(yEvalAll, split.test);
  const X = ds.archs.map((_, c) => summedProxies(ds, c));
  const alone = (values: (c: number) => number) => rankingReport(Float64Array.from(split.test, values), yTest);
  const proxies: Record<string, RankingReport> = {};
  const P = h.nodeProxies.length;
  const published = new Map(split.test.map((c) => [c, nodeAggregates(ds, c)]));
  h.nodeProxies.forEach((name, j) => {
    proxies[name] = alone((c) => signedLog(published.get(c)![j]));
    // The sum over layers of a log-stored score is a proxy of its own (the model's input).
    if (storedForm(name) !== 'linear') proxies[`${name}_${storedForm(name)}_sum`] = alone((c) => X[c][j]);
  });
  h.networkProxies.forEach((name, q) => { proxies[name] = alone((c) => X[c][P + q]); });
  const ridge = rankingReport(predictRidge(fitRidge(split.train.map((c) => X[c]), pick(yTrainAll, split.train), 1), split.test.map((c) => X[c])), yTest);
  const report = (f: RunForest) => rankingReport(pick(f.scores, split.test), yTest);
  if (!state.typedMean && !state.graphMean) return { proxies, ridge, randomForest: report(runForest) };
  const plain = fitForestOn(cfg, ds, split.train, yTrainAll, forestInputs(ds, null));
  return { proxies, ridge, randomForest: report(plain), randomForestRun: report(runForest) };
}

/** The forest's inputs of every cell: summed and network proxies (signed log), the op encoding, then
 * (when the run's features have them) the per-type sums and the graph features. */
export function forestInputs(ds: Dataset, state: FeatureState | null): number[][] {
  const types = state?.typedMean ? state.nodeTypes! : null;
  const graph = !!state?.graphMean;
  return ds.archs.map((a, c) => [...summedProxies(ds, c), ...ds.harvest.space.encode(a), ...(types ? typedSummedProxies(ds, c, types) : []),
    ...(graph ? cellGraphFeatures(ds.harvest.space, a) : [])]);
}

/** A label-free score of every cell: the mean over summed proxies of the cell's rank. */
export function meanProxyRank(ds: Dataset): Float64Array {
  const X = ds.archs.map((_, c) => summedProxies(ds, c));
  const out = new Float64Array(X.length);
  for (let j = 0; j < (X[0]?.length ?? 0); j++) {
    const r = averageRanks(X.map((row) => row[j]));
    for (let c = 0; c < X.length; c++) out[c] += r[c] / X[0].length;
  }
  return out;
}
