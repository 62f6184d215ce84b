import type { BackendName } from '../backend/select.ts';
import { imageSource } from '../data/cifar.ts';
import { resolveProxies } from '../proxies/registry.ts';

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
 * images under a 100-class head), so a table says so and never resumes with other images. `revisions`
 * appears when a proxy's computation changed since its first version (tables of revision 1 keep their key). */
export function settingsKey(s: HarvestSettings, backend: string): string {
  const images = imageSource(s.dataset);
  const { node, network } = resolveProxies(s.proxies);
  const revised = [...node, ...network].filter((p) => (p.revision ?? 1) > 1);
  return JSON.stringify({
    space: s.space, dataset: s.dataset, ...(images === s.dataset ? {} : { images }), archs: s.archs, proxies: s.proxies,
    ...(revised.length ? { revisions: Object.fromEntries(revised.map((p) => [p.name, p.revision])) } : {}),
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

/** Names the settings in which two keys differ, e.g. `revisions ({"grasp":2} here, none there)`. */
export function describeSettingsDifference(here: string, there: string): string {
  const a = JSON.parse(here) as Record<string, unknown>;
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(there) ?? {};
  } catch {
    return 'unreadable settings there';
  }
  const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} (${show(a[k])} here, ${show(b[k])} there)`).join(', ');
}
