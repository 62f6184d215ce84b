// The training config: its defaults (the schema every config file and `--set` override is checked
// against), validation with one-line errors, and what the official PicoNAS variant fixes.
import { existsSync } from 'node:fs';
import { applyOverrides, deepMerge, isObject, loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { CELL_SETS } from './dataset.ts';
import { NODE_TRANSFORMS } from './features.ts';
import type { MabnConfig } from './mabn.ts';

export const PRETRAIN_TARGETS = ['forest', 'proxies'] as const;

export const DEFAULT_CONFIG = {
  space: 'nb201',
  dataset: 'cifar10',
  /** The harvest table, and tables of further proxies of the same cells (joined by arch). */
  /** `proxies`: use only these proxies (node and network ones by name; [] = all), e.g. those two spaces'
   * tables share, so the run can score the other space (`parzc eval --refit-features`). */
  harvest: { path: '', extra: [] as string[], proxies: [] as string[] },
  /** Accuracy trained on and accuracy evaluated against. */
  target: { train: 'val', eval: 'test' },
  /** cells: the cells both sides are drawn from (all, unique, or a set the space names, e.g. NB201's
   * valid); testCells: hold out that many cells (0: every cell not trained on); tune > 0: a tuning run
   * that sees only the `train` cells of this split and holds out that fraction of them as its test
   * cells, so settings are chosen without the reported test cells. */
  split: { train: 156, seed: 0, test: 'rest', testCells: 0, cells: 'all', tune: 0 },
  // Chosen on 156 cells, split seeds 0-2 (docs/training.md): per-(slot, proxy) z-scores and cell-level
  // inputs beat ParZC's per-cell min-max, RankNet beats DiffKendall, and with those inputs token
  // mixing costs τ; MC averaging adds nothing over the mean weights, at mcSamples× the prediction cost.
  // Node types (tokenType, typedSums) gain with a forest warm-up and cost without one (docs/training.md): the
  // NB201/NB101 configs turn them on.
  features: { transform: 'zscore', opEncoding: true, summed: true, network: true, tokenType: false, typedSums: false, graph: false },
  model: {
    variant: 'mabn', dim: 32, depth: 2, tokenHidden: 64, channelHidden: 64, tokenMixing: false,
    rho0: -5, priorStd: 0.1, mcSamples: 0, graph: 'none',
  },
  /** Weight of each loss (0: off): ParZC's DiffKendall (soft-sign sharpness alpha), RankNet's pairwise
   * logistic, RD-NAS's margin ranking (margin per unit of standardised target gap), MSE, and the Bayesian
   * layers' KL term. */
  loss: { diffKendall: 0, alpha: 1, pairwiseLogistic: 1, marginRanking: 0, margin: 0.1, mse: 0, kl: 0 },
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
export const OFFICIAL_FIXED_KEYS = Object.entries(OFFICIAL_FIXED).flatMap(([group, fields]) => Object.keys(fields).map((f) => `${group}.${f}`));

/** Validates a config object (file + overrides) and merges it over the defaults. The official
 * variant applies OFFICIAL_FIXED; the result is what train() logs and writes as config.json. */
export function resolveConfig(raw: object, checkHarvest = true): TrainConfig {
  checkShape(DEFAULT_CONFIG, raw as Record<string, unknown>, '');
  const cfg = deepMerge(DEFAULT_CONFIG, raw) as TrainConfig;
  if (cfg.name !== null && (typeof cfg.name !== 'string' || !/^[\w.-]+$/.test(cfg.name))) {
    throw new UserError(`config: "name" must be letters, digits, "_", "-" or ".", got ${JSON.stringify(cfg.name)}`);
  }
  oneOf('model.variant', cfg.model.variant, ['mabn', 'official']);
  oneOf('model.graph', cfg.model.graph, ['none', 'gin']);
  oneOf('features.transform', cfg.features.transform, NODE_TRANSFORMS);
  oneOf('split.test', cfg.split.test, ['rest', 'all']);
  oneOf('split.cells', cfg.split.cells, CELL_SETS);
  if (!(cfg.split.tune >= 0 && cfg.split.tune < 1)) throw new UserError(`config: "split.tune" must be a fraction in [0, 1), got ${cfg.split.tune}`);
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
  for (const k of ['diffKendall', 'pairwiseLogistic', 'marginRanking', 'mse', 'kl', 'margin'] as const) {
    if (!(cfg.loss[k] >= 0) || !Number.isFinite(cfg.loss[k])) throw new UserError(`config: "loss.${k}" must be a finite number ≥ 0, got ${cfg.loss[k]}`);
  }
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
