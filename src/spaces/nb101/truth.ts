// NAS-Bench-101 benchmark files and ground truth. nb101_20k_val_test.csv holds the 20,001 cells with
// validation accuracy (108-epoch validation and test accuracy, parameter counts); the compact gzipped
// nb101_all423624_compact.csv.gz lists all 423,624 cells (hash, test accuracy), which gives every cell's
// official index. The benchmark's numbers are single training runs: about 0.6% of them failed (test ≈ 10%,
// chance), so by default cells with test < 20% are left out, as the data README advises before correlations.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { badFile, loadBenchmarkFile, type BadFile } from '../../data/benchmark-file.ts';
import { resolveDataFile } from '../../data/paths.ts';
import { UserError } from '../../errors.ts';
import { formatNb101, nb101FromCompact, nb101Hash, parseNb101 } from './cell.ts';

/** Number of cells in the benchmark (unique up to isomorphism). */
export const NB101_SIZE = 423624;
/** Cells of nb101_20k_val_test.csv: the first 20,001 in benchmark (ascending hash) order. */
export const NB101_20K_SIZE = 20001;

export const NB101_20K_FILE = 'nb101/nb101_20k_val_test.csv';
export const NB101_ALL_FILE = 'nb101/nb101_all423624_compact.csv.gz';

/** One row of nb101_20k_val_test.csv (accuracies are fractions 0-1, as in the file). */
export interface Nb101Row {
  index: number;
  hash: string;
  /** Canonical arch string. */
  arch: string;
  valAcc108: number;
  testAcc108: number;
  params: number;
  flops: number;
}

interface Table20k {
  rows: Nb101Row[];
  archs: string[];
  byArch: Map<string, Nb101Row>;
  byHash: Map<string, Nb101Row>;
}

/** Hash cache per canonical arch string; seeded with the 20k file's hash column (the tests check that
 * it recomputes exactly). */
const hashCache = new Map<string, string>();

const HEADER_20K = 'index,hash,num_vertices,adjacency,ops,val_acc_4,val_acc_12,val_acc_36,val_acc_108,test_acc_108_run0,params,flops_thop,train_time_108_s';

function readTable20k(text: string, bad: BadFile): Table20k {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== HEADER_20K) throw bad(`unexpected header ${JSON.stringify(lines[0])}; expected ${HEADER_20K}`);
  const rows: Nb101Row[] = [];
  const byArch = new Map<string, Nb101Row>();
  const byHash = new Map<string, Nb101Row>();
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(',');
    if (f.length !== 13) throw bad(`line ${i + 1} has ${f.length} fields, expected 13`);
    let arch: string;
    try {
      arch = formatNb101(parseNb101(`${f[3]},${f[4]}`));
    } catch (e) {
      throw bad(`line ${i + 1}: ${(e as Error).message}`);
    }
    if (arch !== `adj=${f[3]};ops=${f[4]}`) throw bad(`line ${i + 1}: cell is not pruned (${arch})`);
    const num = (k: number) => {
      const v = Number(f[k]);
      if (f[k] === '' || !Number.isFinite(v)) throw bad(`line ${i + 1}: field ${k + 1} is ${JSON.stringify(f[k])}, expected a number`);
      return v;
    };
    const row: Nb101Row = {
      index: num(0), hash: f[1], arch,
      valAcc108: num(8), testAcc108: num(9), params: num(10), flops: num(11),
    };
    if (!/^[0-9a-f]{32}$/.test(row.hash)) throw bad(`line ${i + 1}: hash ${JSON.stringify(row.hash)} is not 32 hex digits`);
    if (byArch.has(arch)) throw bad(`line ${i + 1}: cell ${arch} repeats`);
    if (byHash.has(row.hash)) throw bad(`line ${i + 1}: hash ${row.hash} repeats`);
    rows.push(row);
    byArch.set(arch, row);
    byHash.set(row.hash, row);
    hashCache.set(arch, row.hash);
  }
  if (rows.length !== NB101_20K_SIZE) throw bad(`expected ${NB101_20K_SIZE} cells, got ${rows.length}`);
  return { rows, archs: rows.map((r) => r.arch), byArch, byHash };
}

/** Reads nb101_20k_val_test.csv once (file order = benchmark index order 0..20000). */
export function loadNb101Table(): Readonly<Table20k> {
  return loadBenchmarkFile(NB101_20K_FILE, 'NB101 file', 'text', readTable20k);
}

/** The 20,001 cells of nb101_20k_val_test.csv (those with validation accuracy), in file (= index) order. */
export function enumerateNb101(): readonly string[] {
  return loadNb101Table().archs;
}

/** Spec hash of an arch string (any accepted form). */
export function nb101HashOf(str: string): string {
  const cached = hashCache.get(str);
  if (cached) return cached;
  const spec = parseNb101(str);
  const arch = formatNb101(spec);
  let h = hashCache.get(arch);
  if (!h) {
    h = nb101Hash(spec);
    hashCache.set(arch, h);
  }
  return h;
}

/** One row of nb101_all423624_compact.csv.gz. */
export interface Nb101CompactRow {
  index: number;
  hash: string;
  /** Canonical arch string. */
  arch: string;
  /** Test accuracy at 108 epochs, run 0, fraction 0-1. */
  testAcc108: number;
  flops: number;
}

const HEADER_ALL = 'index,hash,num_vertices,adj_upper_bits,ops_code,test_acc_108_run0,flops_thop';

/** Streams all 423,624 cells of nb101_all423624_compact.csv.gz in index order (decompressed with
 * node:zlib as it is read; nothing is held in memory beyond the current line). */
export async function* streamNb101All(): AsyncGenerator<Nb101CompactRow> {
  const path = resolveDataFile(NB101_ALL_FILE);
  const bad = badFile('NB101 file', path);
  const file = createReadStream(path);
  const gunzip = createGunzip();
  const lines = createInterface({ input: file.pipe(gunzip), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (n === 1) {
        if (line !== HEADER_ALL) throw bad(`unexpected header ${JSON.stringify(line)}; expected ${HEADER_ALL}`);
        continue;
      }
      if (!line) continue;
      const f = line.split(',');
      if (f.length !== 7) throw bad(`line ${n} has ${f.length} fields, expected 7`);
      const arch = nb101FromCompact(f[3], f[4]);
      if (!arch) throw bad(`line ${n}: adj_upper_bits ${JSON.stringify(f[3])} and ops_code ${JSON.stringify(f[4])} do not describe a cell`);
      yield { index: Number(f[0]), hash: f[1], arch, testAcc108: Number(f[5]), flops: Number(f[6]) };
    }
  } finally {
    // Also reached when the consumer stops early: release the file and the inflater.
    lines.close();
    gunzip.destroy();
    file.destroy();
  }
  if (n - 1 !== NB101_SIZE) throw bad(`expected ${NB101_SIZE} cells, got ${n - 1}`);
}

/** Every hash of the full benchmark as 16-byte digests in index order (the index is the rank of the hash
 * in ascending order, so a binary search finds any cell's index). */
function readAllHashes(text: Buffer, bad: BadFile): Buffer {
  const out = Buffer.alloc(NB101_SIZE * 16);
  let pos = text.indexOf(10) + 1; // skip the header
  let i = 0;
  while (pos < text.length) {
    const c1 = text.indexOf(44, pos); // index,hash,...
    const end = text.indexOf(10, pos);
    if (c1 < 0) break;
    if (i >= NB101_SIZE) throw bad(`more than ${NB101_SIZE} cells`);
    const written = out.write(text.toString('latin1', c1 + 1, c1 + 33), i * 16, 'hex');
    if (written !== 16) throw bad(`row ${i}: malformed hash`);
    if (i > 0 && out.compare(out, (i - 1) * 16, i * 16, i * 16, i * 16 + 16) <= 0) throw bad(`row ${i}: hashes are not in ascending order`);
    i++;
    pos = end < 0 ? text.length : end + 1;
  }
  if (i !== NB101_SIZE) throw bad(`expected ${NB101_SIZE} cells, got ${i}`);
  return out;
}

/** The full benchmark's hashes, read on first use. */
const loadAllHashes = () => loadBenchmarkFile(NB101_ALL_FILE, 'NB101 file', 'gzip', readAllHashes);

/** Benchmark index (0..423623) of a spec hash; −1 when the hash is not in the benchmark. */
export function nb101IndexOfHash(hash: string): number {
  const row = loadNb101Table().byHash.get(hash);
  if (row) return row.index;
  if (!/^[0-9a-f]{32}$/.test(hash)) return -1;
  const all = loadAllHashes();
  const key = Buffer.from(hash, 'hex');
  let lo = 0, hi = NB101_SIZE - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = all.compare(key, 0, 16, mid * 16, mid * 16 + 16);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Official benchmark index of an arch string (any isomorphic spelling gives the same index). */
export function nb101ArchToIndex(str: string): number {
  return nb101IndexOfHash(nb101HashOf(str));
}

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
