// NAS-Bench-301 ground truth: the 500 trained DARTS cells of NAS-Bench-Suite-Zero's file, keyed by
// canonical genotype text. The file has one accuracy per cell, `val_accuracy` (NB301's validation
// accuracy after 100 epochs, percent); there is no separate test accuracy, so it serves as both.
import { readFileSync } from 'node:fs';
import { resolveDataFile } from '../../data/paths.ts';
import { UserError } from '../../errors.ts';
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
let table: Nb301Table | undefined;

/** Reads the file once; `canonical` turns a key into the canonical arch string (throws UserError). */
export function loadNb301Table(canonical: (key: string) => string): Readonly<Nb301Table> {
  if (table) return table;
  const path = resolveDataFile(NB301_FILE);
  const bad = (why: string) => new UserError(`bad NB301 file ${path}: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw bad((e as Error).message);
  }
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
  table = { records, archs: records.map((r) => r.arch), indexOf, truth };
  return table;
}
