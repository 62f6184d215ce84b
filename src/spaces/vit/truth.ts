// ViT-Bench-101 (Auto-Prox, Wei et al. AAAI 2024; lliai/Auto-Prox-AAAI24 gt_results/): trained AutoFormer
// and PiT subnets with CIFAR-100, Flowers and Chaoyang accuracies. The benchmark trained every subnet twice,
// from scratch (`*_base_acc`) and with knowledge distillation from a ResNet-56 teacher (`*_kd_acc`), and
// Auto-Prox ranks against the KD accuracies (its rank configs are the `*_kd` ones). Only `*_kd_acc` exists
// for every cell (the second AutoFormer file has null `*_base_acc`), so ground truth here is the KD
// accuracy, for val and test alike: the benchmark has one accuracy per cell and dataset.
import { readBenchmarkFile } from '../../data/benchmark-file.ts';
import { resolveDataFile } from '../../data/paths.ts';
import { UserError } from '../../errors.ts';
import type { SearchSpace, Truth, TruthTable } from '../space.ts';

export const VIT_DATASETS = ['cifar100', 'flowers', 'chaoyang'] as const;
export type VitDataset = (typeof VIT_DATASETS)[number];

const FIELDS: Record<VitDataset, string> = { cifar100: 'c100_kd_acc', flowers: 'flower_kd_acc', chaoyang: 'chaoyang_kd_acc' };
const ALIASES: Record<string, VitDataset> = { cifar100: 'cifar100', c100: 'cifar100', flowers: 'flowers', flower: 'flowers', chaoyang: 'chaoyang' };

/** The benchmark cells of one space: canonical archs in file order, and their ground truth per dataset. */
export interface VitBench {
  archs: readonly string[];
  index: ReadonlyMap<string, number>;
  truth: ReadonlyMap<VitDataset, TruthTable>;
}

/** Reads a space's ViT-Bench-101 files (concatenated in the order given). `toArch` turns a record's
 * `arch` object into the canonical arch string (throwing a UserError when it is not in the space). */
export function readVitBench(label: string, files: readonly string[], toArch: (raw: Record<string, unknown>) => string): VitBench {
  const archs: string[] = [];
  const index = new Map<string, number>();
  const truth = new Map(VIT_DATASETS.map((d) => [d, new Map<string, Readonly<Truth>>()]));
  // Read with readBenchmarkFile, not loadBenchmarkFile: repeats are checked across the files, and the
  // combined result is what vitBenchMembers keeps.
  for (const file of files) readBenchmarkFile(resolveDataFile(file), `${label} ground-truth file`, 'json', (records, bad) => {
    if (!Array.isArray(records)) throw bad('expected a JSON list of {arch, …_acc} records');
    records.forEach((rec: Record<string, unknown>, i) => {
      const raw = rec?.arch;
      if (typeof raw !== 'object' || raw === null) throw bad(`record ${i} has no "arch" object`);
      let arch: string;
      try {
        arch = toArch(raw as Record<string, unknown>);
      } catch (e) {
        throw bad(`record ${i}: ${(e as Error).message}`);
      }
      if (index.has(arch)) throw bad(`record ${i}: ${arch} repeats`);
      index.set(arch, archs.length);
      archs.push(arch);
      for (const d of VIT_DATASETS) {
        const v = rec[FIELDS[d]];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
          throw bad(`record ${i}: ${FIELDS[d]} is ${JSON.stringify(v)}, expected a percentage 0-100`);
        }
        truth.get(d)!.set(arch, Object.freeze({ val: v, test: v }));
      }
    });
  });
  return { archs, index, truth };
}

/** The SearchSpace members that come from the benchmark files, read on first use. */
export function vitBenchMembers(label: string, files: readonly string[], toArch: (raw: Record<string, unknown>) => string,
  parse: (arch: string) => string): Pick<SearchSpace, 'enumerate' | 'indexOf' | 'truth'> {
  let bench: VitBench | undefined;
  const load = () => (bench ??= readVitBench(label, files, toArch));
  return {
    enumerate: () => load().archs,
    indexOf: (arch) => load().index.get(parse(arch)) ?? -1,
    truth: (dataset) => {
      const d = Object.hasOwn(ALIASES, dataset) ? ALIASES[dataset] : undefined;
      if (!d) throw new UserError(`unknown ${label} dataset ${JSON.stringify(dataset)}; ViT-Bench-101 has ${VIT_DATASETS.join(', ')}`);
      return load().truth.get(d)!;
    },
  };
}
