// The trainer: builds the dataset and features of a resolved config, fits MABN (one or an ensemble),
// evaluates it and the baselines on the same split, and writes a run directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { kendallTauB, rankingReport } from '../eval/metrics.ts';
import { deriveSeed, randomSource, shuffle } from '../random.ts';
import { SummaryWriter } from '../tensorboard/writer.ts';
import { scatterPlotPng, SCATTER_DEFAULTS } from '../tensorboard/png.ts';
import { pick, zScores } from '../util/stats.ts';
import { CHECKPOINT_FORMAT, initialWeights, memberSeed, writeCheckpoint } from './checkpoint.ts';
import { OFFICIAL_FIXED_KEYS, type TrainConfig } from './config.ts';
import { buildDataset, loadHarvest, loadTruth, restrictCells, selectProxies, splitDataset, subsetDataset, type Split, type Dataset, type Harvest, type TruthTable } from './dataset.ts';
import { applyFeatures, fitFeatures, selectCells, type FeatureState } from './features.ts';
import { fitMember, type FitPlan } from './fit.ts';
import { blendScores, inputShape, predict } from './predict.ts';
import { writePredictions } from './predictions.ts';
import { baselineReports, fitRunForest, meanProxyRank, targetTaus, type TrainMetrics } from './report.ts';
import { createRunDir } from './run-dir.ts';
import { combineScores, fitScorer } from './scorer.ts';

export interface TrainResult {
  dir: string;
  metrics: TrainMetrics;
}

export interface TrainOptions {
  /** Ground truth override (tests); default loadTruth(space, dataset). */
  truth?: TruthTable;
  /** Progress on stderr (default true). */
  progress?: boolean;
}

/** The harvest with only the named proxies (node and network ones by name), all when `names` is empty. */
function withProxies(h: Harvest, names: readonly string[]): Harvest {
  if (!names.length) return h;
  const unknown = names.filter((n) => !h.nodeProxies.includes(n) && !h.networkProxies.includes(n));
  if (unknown.length) throw new UserError(`config: harvest.proxies names ${unknown.join(', ')}, not in ${h.path} (node: ${h.nodeProxies.join(', ')}; network: ${h.networkProxies.join(', ')})`);
  return selectProxies(h, names.filter((n) => h.nodeProxies.includes(n)), names.filter((n) => h.networkProxies.includes(n)));
}

/** The cells a run sees and its split: the configured split, or in a tuning run (split.tune) the
 * training cells alone, split again into tuning-train and tuning-test cells. */
function protocolCells(ds: Dataset, s: TrainConfig['split']): { ds: Dataset; split: Split } {
  const outer = splitDataset(ds.archs.length, s.train, s.seed, s.test as 'rest' | 'all', s.testCells);
  if (!s.tune) return { ds, split: outer };
  const inner = subsetDataset(ds, outer.train);
  return { ds: inner, split: splitDataset(inner.archs.length, Math.round(s.train * (1 - s.tune)), s.seed, 'rest') };
}

export async function train(cfg: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const t0 = Date.now();
  const progress = opts.progress ?? true;
  const harvest: Harvest = withProxies(loadHarvest(cfg.harvest.path, cfg.harvest.extra), cfg.harvest.proxies);
  if (harvest.space.name !== cfg.space) {
    throw new UserError(`config space "${cfg.space}" but harvest ${cfg.harvest.path} is of space "${harvest.space.name}"`);
  }
  const truth = opts.truth ?? loadTruth(cfg.space, cfg.dataset);
  const { ds, split } = protocolCells(restrictCells(buildDataset(harvest, truth), cfg.split.cells), cfg.split);
  const yTrainAll = cfg.target.train === 'val' ? ds.val : ds.test;
  const yEvalAll = cfg.target.eval === 'val' ? ds.val : ds.test;

  const state = fitFeatures(ds, split.train, { ...cfg.features, graphNodes: cfg.model.graph === 'gin' } as FeatureState['config']);
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

  const shape = inputShape(feats);
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

  // The forest is fitted before training when the warm-up distils it, and reused by the report.
  const pretraining = cfg.pretrain.epochs > 0;
  const needForest = (pretraining && cfg.pretrain.target === 'forest') || cfg.ensemble.forest;
  const runForest = cfg.eval.baselines || needForest ? fitRunForest(cfg, ds, split.train, yTrainAll, state) : null;
  // The warm-up's cells, their inputs and standardised target: the same for every ensemble member.
  let warm: FitPlan['warm'] = null;
  if (pretraining) {
    const cells = cfg.pretrain.cells && cfg.pretrain.cells < all.length
      ? shuffle(all.slice(), randomSource(deriveSeed(cfg.seed, 'pretrain-cells'))).slice(0, cfg.pretrain.cells) : all;
    const scores = cfg.pretrain.target === 'forest' ? runForest!.scores : meanProxyRank(ds);
    warm = { cells: cells.length, f: selectCells(feats, cells), y: Float32Array.from(zScores(pick(scores, cells))) };
  }
  // Losses see standardised targets (the ranking losses' α and MSE are then scale-free).
  const target = Float32Array.from(zScores(yTrain));
  const tTrain = Date.now();

  const K = cfg.ensemble.members;
  const plan: FitPlan = { cfg, shape, init, warm, train: { f: trainF, target, labels: yTrain }, monitor: { f: monitorF, labels: yMonitor },
    tb, progress, members: K, started: tTrain };
  const members = Array.from({ length: K }, (_, k) => fitMember(k, plan));
  const trainSeconds = (Date.now() - tTrain) / 1000;

  // Final evaluation on every cell (so `eval` can reproduce the same numbers), then the test subset.
  const memberPreds = members.map((m, k) => predict(m, feats, cfg.model.mcSamples, memberSeed(cfg.seed, k)));
  const forestScores = cfg.ensemble.forest ? runForest!.scores : null;
  const scorer = K > 1 || forestScores ? fitScorer(memberPreds.map((p) => p.mean), forestScores, forestScores ? runForest!.forest : null) : null;
  const pred = scorer ? combineScores(scorer, memberPreds.map((p) => p.mean), forestScores, memberPreds[0].std) : memberPreds[0];
  const testMean = pick(pred.mean, split.test);
  const report = rankingReport(testMean, yTest);
  const partial: Omit<TrainMetrics, 'seconds'> = {
    test: { ...report, meanStd: pick(pred.std, split.test).reduce((a, b) => a + b, 0) / split.test.length },
    train: { kendall: kendallTauB(pick(pred.mean, split.train), yTrain), n: split.train.length },
    cells: ds.archs.length,
    harvested: harvest.archs.length,
    trainSeconds,
  };
  if (scorer) {
    // What the ensemble is worth: its first member alone (the single-model run) and every member's τ.
    partial.mabn = rankingReport(pick(memberPreds[0].mean, split.test), yTest);
    partial.members = memberPreds.map((p) => kendallTauB(pick(p.mean, split.test), yTest));
  }
  // MABN and the forest err on different cells; the report shows what averaging them is worth.
  const blend = cfg.eval.baselines && runForest ? blendScores([memberPreds[0].mean, runForest.scores]) : null;
  if (blend) {
    partial.baselines = baselineReports(cfg, ds, split, yTrainAll, yEvalAll, runForest!, state);
    partial.blend = rankingReport(pick(blend, split.test), yTest);
  }
  partial.targets = targetTaus(ds, split.test, pred.mean, blend ? runForest!.scores : null, blend);
  const metrics: TrainMetrics = { ...partial, seconds: (Date.now() - t0) / 1000 };
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  const splitCol = new Array<string>(ds.archs.length).fill('');
  for (const i of split.train) splitCol[i] = 'train';
  for (const i of split.test) splitCol[i] = splitCol[i] ? 'train+test' : 'test';
  writePredictions(join(dir, 'predictions.arrow'), ds.archs, pred.mean, pred.std, yEvalAll, splitCol);
  writeCheckpoint(dir, { format: CHECKPOINT_FORMAT, model: cfg.model, shape, seed: cfg.seed, features: state,
    proxies, weights: members[0].getWeights(),
    ...(scorer ? { members: members.slice(1).map((m) => m.getWeights()), scorer } : {}) });

  tb.histogram('test/predictions', testMean, cfg.optim.epochs);
  const png = scatterPlotPng(Array.from(testMean), Array.from(yTest));
  tb.image('test/pred_vs_true', png, SCATTER_DEFAULTS.width, SCATTER_DEFAULTS.height, cfg.optim.epochs);
  tb.close();
  for (const m of members) m.dispose();
  return { dir, metrics };
}
