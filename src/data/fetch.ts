import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { familyOf, MANIFEST, type ManifestEntry } from './manifest.ts';
import { dataDirCandidates, projectRoot } from './paths.ts';

export const defaultDest = (): string => join(projectRoot, 'data', 'benchmarks');

export interface FetchOptions {
  /** Comma-separated families (nb201) or globs over relative paths (nb201/*.csv, *.json, **). */
  only?: string;
  /** Data directory to fill; default data/benchmarks/ under the project root. */
  dest?: string;
  /** Fetch every file, derived ones included, as `<baseUrl>/<relative path>` (mirrors, tests). */
  baseUrl?: string;
  /** Download even files already present with the right checksum. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface FetchReport {
  downloaded: string[];
  skipped: string[];
  /** Derived files that are missing and that no URL serves. */
  notDownloadable: ManifestEntry[];
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Manifest entries picked by an --only value (all when absent). A pattern without "/" that is not a
 * family name matches file names, so `*.csv` works in every folder. */
export function selectEntries(only?: string, manifest: ManifestEntry[] = MANIFEST): ManifestEntry[] {
  if (!only) return manifest;
  const families = new Set(manifest.map((e) => familyOf(e.path)));
  const tests = only.split(',').map((p) => p.trim()).filter(Boolean).map((pattern) => {
    const family = pattern.replace(/\/+$/, '');
    if (families.has(family)) return (path: string) => familyOf(path) === family;
    const re = globToRegExp(pattern);
    return pattern.includes('/') ? (path: string) => re.test(path) : (path: string) => re.test(path.slice(path.lastIndexOf('/') + 1));
  });
  const picked = manifest.filter((e) => tests.some((t) => t(e.path)));
  if (picked.length === 0) {
    throw new UserError(`--only ${only} matches no data file (families: ${[...families].join(', ')}; or a glob such as nb201/*.csv)`);
  }
  return picked;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function isIntact(path: string, entry: ManifestEntry): Promise<boolean> {
  return existsSync(path) && statSync(path).size === entry.size && (await sha256File(path)) === entry.sha256;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Streams `url` into a temporary file beside `target`, checks size and sha256, then renames it into place,
 * so `target` is either absent or complete and verified. */
async function download(entry: ManifestEntry, url: string, target: string, log: (line: string) => void): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const start = performance.now();
  let renamed = false;
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new UserError(`could not download ${entry.path} from ${url}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    if (!response.ok || !response.body) throw new UserError(`could not download ${entry.path}: HTTP ${response.status} from ${url}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const out = await open(temp, 'w');
    try {
      for await (const chunk of response.body) {
        hash.update(chunk);
        bytes += chunk.length;
        await out.write(chunk);
      }
    } finally {
      await out.close();
    }
    const actual = hash.digest('hex');
    if (bytes !== entry.size || actual !== entry.sha256) {
      throw new UserError(`checksum mismatch for ${entry.path} from ${url}: expected sha256 ${entry.sha256} (${entry.size} bytes), `
        + `got ${actual} (${bytes} bytes); nothing was written`);
    }
    await rename(temp, target);
    renamed = true;
    const seconds = (performance.now() - start) / 1000;
    log(`${entry.path}: ${mb(bytes)} MB in ${seconds.toFixed(1)} s (${mb(bytes / Math.max(seconds, 1e-3))} MB/s)`);
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
}

/** Downloads the selected manifest files into `dest`, verifying each; files already there with the right
 * checksum are skipped unless `force`. Derived files have no source URL: without a base URL they are
 * reported, not downloaded. The first failed download stops the run with a UserError. */
export async function fetchData(opts: FetchOptions = {}): Promise<FetchReport> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dest = resolve(opts.dest ?? defaultDest());
  const baseUrl = opts.baseUrl?.replace(/\/+$/, '');
  const report: FetchReport = { downloaded: [], skipped: [], notDownloadable: [] };
  for (const entry of selectEntries(opts.only)) {
    const target = join(dest, entry.path);
    if (!opts.force && (await isIntact(target, entry))) {
      log(`${entry.path}: present, checksum ok`);
      report.skipped.push(entry.path);
      continue;
    }
    const url = baseUrl ? `${baseUrl}/${entry.path}` : entry.url;
    if (!url) {
      const why = existsSync(target) ? 'present with a wrong checksum and cannot be downloaded' : 'cannot be downloaded';
      log(`${entry.path}: ${why}: it is derived, not a public file. It was made from ${entry.description}.`);
      report.notDownloadable.push(entry);
      continue;
    }
    await download(entry, url, target, log);
    report.downloaded.push(entry.path);
  }
  return report;
}

export interface ListedFile {
  entry: ManifestEntry;
  /** Where the file was found in the data directories (first match), or null. */
  foundAt: string | null;
  /** Found, but with a size that differs from the manifest's. */
  sizeDiffers: boolean;
}

/** Each manifest file and where the data directory resolution finds it (a size check only: fast). */
export function listData(only?: string): ListedFile[] {
  const dirs = dataDirCandidates();
  return selectEntries(only).map((entry) => {
    const foundAt = dirs.map((d) => join(d, entry.path)).find((p) => existsSync(p)) ?? null;
    return { entry, foundAt, sizeDiffers: foundAt !== null && statSync(foundAt).size !== entry.size };
  });
}
