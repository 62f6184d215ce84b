// The checkpoint format (runs/<name>/checkpoint.json) and reading a finished run back: its resolved
// config, every ensemble member's weights, and the checks that a checkpoint fits a run's inputs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { deriveSeed } from '../random.ts';
import type { TrainConfig } from './config.ts';
import type { FeatureState } from './features.ts';
import type { Mabn, MabnConfig, MabnShape } from './mabn.ts';
import type { ScorerState } from './scorer.ts';

export const CHECKPOINT_FORMAT = 'parzc-mabn-1';

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  model: MabnConfig;
  shape: MabnShape;
  seed: number;
  features: FeatureState;
  /** Node and network proxies the model reads, in order (absent in the earliest checkpoints). */
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

export function writeCheckpoint(runDir: string, ckpt: Checkpoint): void {
  writeFileSync(join(runDir, 'checkpoint.json'), JSON.stringify(ckpt));
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path} is not readable JSON (${(e as Error).message.split('\n')[0]}): the run is corrupt`);
  }
}

/** A finished run's resolved config and checkpoint. */
export function readRun(runDir: string): { cfg: TrainConfig; ckpt: Checkpoint } {
  const cfgPath = join(runDir, 'config.json'), ckptPath = join(runDir, 'checkpoint.json');
  if (!existsSync(cfgPath) || !existsSync(ckptPath)) throw new UserError(`${runDir} is not a run directory (needs config.json and checkpoint.json)`);
  const cfg = readJson(cfgPath) as TrainConfig;
  const ckpt = readJson(ckptPath) as Checkpoint;
  if (ckpt.format !== CHECKPOINT_FORMAT) throw new UserError(`${ckptPath}: unknown checkpoint format ${JSON.stringify(ckpt.format)}`);
  return { cfg, ckpt };
}

/** Every member's weights, member 0 first. */
export function memberWeights(ckpt: Checkpoint): Checkpoint['weights'][] {
  return [ckpt.weights, ...(ckpt.members ?? [])];
}

/** A checkpoint's model reads inputs of `shape` (node slots only matter with token mixing). */
export function checkInputs(who: string, ckpt: Checkpoint, shape: MabnShape, source: string): void {
  if (shape.slots !== ckpt.shape.slots && ckpt.model.tokenMixing) {
    throw new UserError(`${who} mixes tokens across its ${ckpt.shape.slots} node slots: it cannot take cells with ${shape.slots}`);
  }
  if (ckpt.shape.graphWidth !== undefined && (shape.graphWidth !== ckpt.shape.graphWidth || shape.graphNodes !== ckpt.shape.graphNodes)) {
    throw new UserError(`${who} reads cell graphs of ${ckpt.shape.graphNodes} nodes × ${ckpt.shape.graphWidth} features; ${source} gives ${shape.graphNodes ?? 0} × ${shape.graphWidth ?? 0}`);
  }
  if (shape.width !== ckpt.shape.width || shape.extraWidth !== ckpt.shape.extraWidth) {
    throw new UserError(`${who} reads ${ckpt.shape.width} proxies per node and ${ckpt.shape.extraWidth} cell inputs; ${source} gives ${shape.width} and ${shape.extraWidth}`);
  }
}

/** The member weights of `runDir` for a model of `model` and `shape`: what `init.run` starts from. */
export function initialWeights(runDir: string, model: MabnConfig, shape: MabnShape, proxies: NonNullable<Checkpoint['proxies']>): Checkpoint['weights'][] {
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
