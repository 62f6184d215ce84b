// Benchmark files (ground truth, index lists, sweep records): read from the data directory, decoded,
// checked by the space's own reader and kept for the rest of the process. Every failure is a one-line
// UserError that names the file.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';
import { resolveDataFile } from './paths.ts';

/** What the reader gets for each format: parsed JSON, UTF-8 text, or the bytes of a gzipped file. */
interface Decoded {
  json: unknown;
  text: string;
  gzip: Buffer;
}
export type BenchmarkFormat = keyof Decoded;

export type BadFile = (why: string) => UserError;

/** A reader checks the decoded content (throwing `bad(why)` on anything unexpected) and returns what the
 * space keeps of it. */
export type BenchmarkReader<F extends BenchmarkFormat, T> = (content: Decoded[F], bad: BadFile) => T;

/** The error for a file that is not what its reader expects: "bad <what> <path>: <why>". */
export function badFile(what: string, path: string): BadFile {
  return (why) => new UserError(`bad ${what} ${path}: ${why}`);
}

function decode(bytes: Buffer, format: BenchmarkFormat): Decoded[BenchmarkFormat] {
  if (format === 'gzip') return gunzipSync(bytes);
  const text = bytes.toString('utf8');
  return format === 'json' ? JSON.parse(text) : text;
}

/** Reads, decodes and checks the file at `path`; `what` names it in errors (e.g. "NB201 index file"). */
export function readBenchmarkFile<F extends BenchmarkFormat, T>(path: string, what: string, format: F, read: BenchmarkReader<F, T>): T {
  const bad = badFile(what, path);
  let content: Decoded[F];
  try {
    content = decode(readFileSync(path), format) as Decoded[F];
  } catch (e) {
    throw bad((e as Error).message.split('\n')[0]);
  }
  return read(content, bad);
}

const loaded = new Map<string, unknown>();

/** readBenchmarkFile on `relPath` in the data directory (resolveDataFile's UserError when it is missing),
 * once per process: later calls return the first result. Each file has one reader. */
export function loadBenchmarkFile<F extends BenchmarkFormat, T>(relPath: string, what: string, format: F, read: BenchmarkReader<F, T>): T {
  if (loaded.has(relPath)) return loaded.get(relPath) as T;
  const value = readBenchmarkFile(resolveDataFile(relPath), what, format, read);
  loaded.set(relPath, value);
  return value;
}
