// NAS-Bench-101 ground truth (108-epoch validation and test accuracy, percent) from nb101_20k_val_test.csv.
// The benchmark's numbers here are single training runs: about 0.6% of them failed (test ≈ 10%, chance),
// so by default cells with test < 20% are left out, as the data README advises before correlations.
import { UserError } from '../../errors.ts';
import { loadNb101Table } from './cell.ts';

export interface Nb101Truth {
  /** Validation accuracy at epoch 108, percent (`val_acc_108`, one run). */
  val: number;
  /** Test accuracy at epoch 108, percent (`test_acc_108_run0`). */
  test: number;
}

export interface Nb101TruthOptions {
  /** Leave out failed runs (test accuracy below 20%). Default true. */
  dropFailed?: boolean;
}

/** Test accuracy (fraction) below which a run counts as failed. */
export const NB101_FAILED_TEST = 0.2;

const cache = new Map<boolean, ReadonlyMap<string, Readonly<Nb101Truth>>>();

/** Accuracies of the 20,001 cells with validation accuracy, keyed by canonical arch string (the
 * strings nb101.enumerate() returns). Only CIFAR-10 exists; the dataset argument keeps the signature
 * of the other spaces' loaders. Read once per process and option. */
export function loadNb101Truth(dataset = 'cifar10', opts: Nb101TruthOptions = {}): ReadonlyMap<string, Readonly<Nb101Truth>> {
  if (dataset !== 'cifar10') throw new UserError(`unknown NB101 dataset ${JSON.stringify(dataset)}; NAS-Bench-101 has only cifar10`);
  const dropFailed = opts.dropFailed ?? true;
  const cached = cache.get(dropFailed);
  if (cached) return cached;
  const truth = new Map<string, Readonly<Nb101Truth>>();
  for (const row of loadNb101Table().rows) {
    for (const [field, v] of [['val_acc_108', row.valAcc108], ['test_acc_108_run0', row.testAcc108]] as const) {
      if (!(v >= 0 && v <= 1)) throw new UserError(`bad NB101 ground truth: index ${row.index}: ${field} is ${v}, expected a fraction 0-1`);
    }
    if (dropFailed && row.testAcc108 < NB101_FAILED_TEST) continue;
    truth.set(row.arch, Object.freeze({ val: row.valAcc108 * 100, test: row.testAcc108 * 100 }));
  }
  cache.set(dropFailed, truth);
  return truth;
}
