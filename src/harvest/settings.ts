import type { BackendName } from '../backend/select.ts';
import { imageSource } from '../data/cifar.ts';

/** Everything that determines a harvest's values; two runs with equal settings give equal tables. */
export interface HarvestSettings {
  space: string;
  dataset: 'cifar10' | 'cifar100';
  /** "all", "unique" (one cell per isomorphism class), a count N (seeded sample) or a file of archs. */
  archs: string;
  /** Node-wise and network-level proxy names, in column order. */
  proxies: string[];
  batchSize: number;
  /** Largest number of examples per forward/backward; larger batches are split and gradients summed. */
  microBatch: number;
  seed: number;
  /** "i/n": this run computes every n-th architecture of the plan, starting at i. */
  shard: string | null;
}

/** Settings as stored in journals and table metadata (key order fixed, so equality is string equality).
 * `images` appears when the batch's images are another dataset's (CIFAR-100 without its binary: CIFAR-10
 * images under a 100-class head), so a table says so and never resumes with other images. */
export function settingsKey(s: HarvestSettings, backend: string): string {
  const images = imageSource(s.dataset);
  return JSON.stringify({
    space: s.space, dataset: s.dataset, ...(images === s.dataset ? {} : { images }), archs: s.archs, proxies: s.proxies,
    batchSize: s.batchSize, microBatch: s.microBatch, seed: s.seed, shard: s.shard, backend,
  });
}

export interface RunOptions {
  backend: BackendName;
  workers: number;
  out: string;
  /** Only write the tables from the cells already journalled (e.g. to commit a partial harvest). */
  finalizeOnly?: boolean;
}
