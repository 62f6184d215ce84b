// Rescoring with a finished run: reload its checkpoint and score every cell of a harvest, on the run's
// own dataset, another dataset of the space, or (with refitted feature statistics) another space.
import { UserError } from '../errors.ts';
import { memberSeed, memberWeights, readRun, checkInputs } from '../train/checkpoint.ts';
import { buildDataset, loadHarvest, loadTruth, restrictCells, selectProxies, type TruthTable } from '../train/dataset.ts';
import { applyFeatures, fitFeatures } from '../train/features.ts';
import { Mabn } from '../train/mabn.ts';
import { inputShape, predict } from '../train/predict.ts';
import { trainedArchs } from '../train/predictions.ts';
import { forestInputs } from '../train/report.ts';
import { predictForest } from '../train/baselines.ts';
import { combineScores } from '../train/scorer.ts';
import { pick } from '../util/stats.ts';
import { rankingReport, type RankingReport } from './metrics.ts';

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
  // The run's cell set on its own space (configs from before split.cells, and other spaces: all cells).
  const ds = restrictCells(buildDataset(harvest, tt), space === cfg.space ? cfg.split.cells ?? 'all' : 'all');
  const all = ds.archs.map((_, i) => i);
  const feats = applyFeatures(ds, all, opts.refit ? fitFeatures(ds, all, ckpt.features.config) : ckpt.features);
  checkInputs(runDir, ckpt, inputShape(feats), path);
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
