// NAS-Bench-201 ground truth (200-epoch validation and test accuracy, percent) from the GENIUS files.
import { loadBenchmarkFile, type BadFile } from '../../data/benchmark-file.ts';
import { UserError } from '../../errors.ts';
import { formatNb201, NB201_SIZE, parseNb201 } from './cell.ts';

export const NB201_DATASETS = ['cifar10', 'cifar100', 'ImageNet16-120'] as const;
export type Nb201Dataset = (typeof NB201_DATASETS)[number];

export interface Nb201Truth {
  /** Validation accuracy at epoch 200, percent, seed mean. */
  val: number;
  /** Test accuracy at epoch 200, percent, seed mean (CIFAR-10: trained on train+valid, max 94.37). */
  test: number;
}

const ALIASES: Record<string, Nb201Dataset> = {
  cifar10: 'cifar10',
  cifar100: 'cifar100',
  'ImageNet16-120': 'ImageNet16-120',
  imagenet: 'ImageNet16-120',
};

const FILES: Record<Nb201Dataset, string> = {
  cifar10: 'nb201/genius_nasbench201_cifar10.json',
  cifar100: 'nb201/genius_nasbench201_cifar100.json',
  'ImageNet16-120': 'nb201/genius_nasbench201_imagenet.json',
};

/** Dataset name with aliases resolved ('imagenet' → 'ImageNet16-120'); unknown names throw. */
export function nb201Dataset(name: string): Nb201Dataset {
  const ds = Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
  if (!ds) {
    throw new UserError(`unknown NB201 dataset ${JSON.stringify(name)}; expected one of ${Object.keys(ALIASES).join(', ')}`);
  }
  return ds;
}

type Nb201TruthTable = ReadonlyMap<string, Readonly<Nb201Truth>>;

function readTruth(raw: unknown, bad: BadFile): Nb201TruthTable {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('expected a JSON object keyed by arch string');
  const entries = Object.entries(raw as Record<string, { val_acc_200?: unknown; test_acc_200?: unknown }>);
  if (entries.length !== NB201_SIZE) throw bad(`expected ${NB201_SIZE} entries, got ${entries.length}`);

  const truth = new Map<string, Readonly<Nb201Truth>>();
  for (const [arch, rec] of entries) {
    let canonical: string;
    try {
      canonical = formatNb201(parseNb201(arch));
    } catch (e) {
      throw bad((e as Error).message);
    }
    // Keys must be spelt exactly as formatNb201 does, or lookups by formatted strings would miss.
    if (canonical !== arch) throw bad(`key ${JSON.stringify(arch)} is not in standard form ${canonical}`);
    const val = rec?.val_acc_200;
    const test = rec?.test_acc_200;
    for (const [field, v] of [['val_acc_200', val], ['test_acc_200', test]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
        throw bad(`${arch}: ${field} is ${JSON.stringify(v)}, expected a percentage 0-100`);
      }
    }
    truth.set(arch, Object.freeze({ val: val as number, test: test as number }));
  }
  return truth;
}

/** Accuracies of all 15,625 cells keyed by arch string; read and validated once per process. */
export function loadNb201Truth(dataset: string): Nb201TruthTable {
  return loadBenchmarkFile(FILES[nb201Dataset(dataset)], 'NB201 ground-truth file', 'json', readTruth);
}
