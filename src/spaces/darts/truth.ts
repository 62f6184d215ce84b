// NAS-Bench-301 ground truth: the 500 trained DARTS cells of NAS-Bench-Suite-Zero's file, keyed by
// canonical genotype text. The file has one accuracy per cell, `val_accuracy` (NB301's validation
// accuracy after 100 epochs, percent); there is no separate test accuracy, so it serves as both.
import { loadBenchmarkFile, type BadFile } from '../../data/benchmark-file.ts';
import type { Truth } from '../space.ts';

export const NB301_FILE = 'nb301/naslib_benchmarks_branch_zc_nasbench301_500.json';

/** One cell of the file, in file order. */
export interface Nb301Record {
  /** Canonical arch string. */
  arch: string;
  /** NASLib's compact key as written in the file. */
  key: string;
  valAccuracy: number;
  /** Parameters in millions, as the file gives them. */
  params: number;
  flops: number;
}

interface Nb301Table {
  records: Nb301Record[];
  archs: string[];
  indexOf: Map<string, number>;
  truth: Map<string, Readonly<Truth>>;
}

function readNb301Table(raw: unknown, bad: BadFile, canonical: (key: string) => string): Nb301Table {
  const cells = (raw as { nasbench301?: { cifar10?: unknown } })?.nasbench301?.cifar10;
  if (typeof cells !== 'object' || cells === null || Array.isArray(cells)) throw bad('expected {"nasbench301": {"cifar10": {genotype: record}}}');
  const records: Nb301Record[] = [];
  const indexOf = new Map<string, number>();
  const truth = new Map<string, Readonly<Truth>>();
  for (const [key, rec] of Object.entries(cells as Record<string, Record<string, unknown>>)) {
    let arch: string;
    try {
      arch = canonical(key);
    } catch (e) {
      throw bad((e as Error).message);
    }
    const num = (field: string) => {
      const v = rec?.[field];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${key}: ${field} is ${JSON.stringify(v)}, expected a number`);
      return v;
    };
    const valAccuracy = num('val_accuracy');
    if (valAccuracy < 0 || valAccuracy > 100) throw bad(`${key}: val_accuracy ${valAccuracy} is not a percentage`);
    if (indexOf.has(arch)) throw bad(`${key}: cell ${arch} appears twice`);
    indexOf.set(arch, records.length);
    records.push({ arch, key, valAccuracy, params: num('params'), flops: num('flops') });
    truth.set(arch, Object.freeze({ val: valAccuracy, test: valAccuracy }));
  }
  return { records, archs: records.map((r) => r.arch), indexOf, truth };
}

/** Reads the file once; `canonical` turns a key into the canonical arch string (throws UserError). */
export function loadNb301Table(canonical: (key: string) => string): Readonly<Nb301Table> {
  return loadBenchmarkFile(NB301_FILE, 'NB301 file', 'json', (raw, bad) => readNb301Table(raw, bad, canonical));
}
