import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchData, listData, selectEntries } from '../../src/data/fetch.ts';
import { familyOf, MANIFEST } from '../../src/data/manifest.ts';
import { dataDirCandidates, projectRoot, resolveDataFile } from '../../src/data/paths.ts';
import { UserError } from '../../src/errors.ts';

const shared = resolve(projectRoot, '..', 'shared', 'data');
const tmp = mkdtempSync(join(tmpdir(), 'parzc-fetch-'));
let dirCount = 0;
const freshDest = () => join(tmp, `dest${dirCount++}`);
const quiet = { log: () => {} };

/** Serves the shared data read-only; paths in `corrupt` get one byte flipped, paths in `missing` a 404. */
const corrupt = new Set<string>();
const missing = new Set<string>();
let server: Server;
let baseUrl = '';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => f.split(sep).join('/')).sort();
}

async function userError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    assert.instance(e, UserError, `expected a UserError, got ${e}`);
    return (e as Error).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

test.before(async () => {
  server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const file = resolve(shared, rel);
    if (req.method !== 'GET' || relative(shared, file).startsWith('..') || missing.has(rel) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(req.method === 'GET' ? 404 : 405).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (corrupt.has(rel)) {
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] ^= 0xff;
      res.end(bytes);
    } else createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.after(async () => {
  await new Promise((done) => server.close(done));
  rmSync(tmp, { recursive: true, force: true });
});

test('manifest covers the shared data with its sizes and hashes, and says where each file comes from', () => {
  const sharedFiles = filesUnder(shared).filter((f) => f !== 'README.md');
  assert.equal(MANIFEST.map((e) => e.path).sort(), sharedFiles);
  for (const e of MANIFEST) {
    const path = join(shared, e.path);
    assert.is(statSync(path).size, e.size, e.path);
    assert.is(sha256(path), e.sha256, e.path);
    if (e.derived) assert.ok(e.url === undefined && e.description.length > 20, e.path);
    else assert.match(e.url, /^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\/\S+$/, e.path);
  }
});

test('--only takes families and globs', () => {
  assert.is(selectEntries('nb201').length, 7);
  assert.is(selectEntries('nb201/').length, 7);
  assert.equal(selectEntries('*.csv').map((e) => familyOf(e.path)), ['nb101', 'nb201', 'nb201', 'nb201']);
  assert.equal(selectEntries('nb201/genius_*').map((e) => e.path.slice(6)), ['genius_nasbench201_cifar10.json', 'genius_nasbench201_cifar100.json', 'genius_nasbench201_imagenet.json']);
  assert.is(selectEntries('vit,zc-reference').length, 4);
  assert.is(selectEntries('**').length, MANIFEST.length);
  assert.throws(() => selectEntries('nb999'), (e: Error) => e instanceof UserError && e.message.includes('nb201'));
});

test('fetch from a mirror: verified files in place, progress per file, a second run skips them', async () => {
  const dest = freshDest();
  const lines: string[] = [];
  const first = await fetchData({ only: 'vit,cifar10/cifar10_train_batch0.bin', dest, baseUrl, log: (l) => lines.push(l) });
  const expected = ['cifar10/cifar10_train_batch0.bin', 'vit/autoprox_vitbench_autoformer_1.json', 'vit/autoprox_vitbench_autoformer_2.json', 'vit/autoprox_vitbench_pit.json'];
  assert.equal([...first.downloaded].sort(), expected);
  assert.equal(filesUnder(dest), expected, 'no temporary files left');
  for (const path of expected) assert.is(sha256(join(dest, path)), MANIFEST.find((e) => e.path === path)!.sha256);
  assert.ok(lines.every((l) => /: [\d.]+ MB in [\d.]+ s \([\d.]+ MB\/s\)$/.test(l)), lines.join('\n'));

  const second = await fetchData({ only: 'vit,cifar10/cifar10_train_batch0.bin', dest, baseUrl, ...quiet });
  assert.equal(second.downloaded, []);
  assert.equal([...second.skipped].sort(), expected);

  const forced = await fetchData({ only: 'vit/autoprox_vitbench_pit.json', dest, baseUrl, force: true, ...quiet });
  assert.equal(forced.downloaded, ['vit/autoprox_vitbench_pit.json']);
});

test('the whole nb201 family (about 20 MB) downloads and verifies in under 10 s', async () => {
  const dest = freshDest();
  const start = performance.now();
  const report = await fetchData({ only: 'nb201', dest, baseUrl, ...quiet });
  assert.ok(performance.now() - start < 10_000);
  assert.is(report.downloaded.length, 7);
  for (const path of report.downloaded) assert.is(sha256(join(dest, path)), MANIFEST.find((e) => e.path === path)!.sha256, path);
});

test('corrupted download: UserError with both hashes, nothing at the destination', async () => {
  const dest = freshDest();
  const path = 'vit/autoprox_vitbench_pit.json';
  const entry = MANIFEST.find((e) => e.path === path)!;
  corrupt.add(path);
  try {
    const msg = await userError(fetchData({ only: path, dest, baseUrl, ...quiet }));
    const served = readFileSync(join(shared, path));
    served[served.length >> 1] ^= 0xff;
    const actual = createHash('sha256').update(served).digest('hex');
    assert.ok(msg.includes(path) && msg.includes(entry.sha256) && msg.includes(actual), msg);
    assert.equal(filesUnder(dest), [], 'neither the file nor its temporary copy');
  } finally {
    corrupt.delete(path);
  }
});

test('HTTP errors are UserErrors naming the file and URL', async () => {
  const path = 'vit/autoprox_vitbench_pit.json';
  missing.add(path);
  try {
    const msg = await userError(fetchData({ only: path, dest: freshDest(), baseUrl, ...quiet }));
    assert.ok(msg.includes(path) && msg.includes('404') && msg.includes(baseUrl), msg);
  } finally {
    missing.delete(path);
  }
});

test('derived files: without a mirror, fetch says they cannot be downloaded and where they come from', async () => {
  const dest = freshDest();
  const lines: string[] = [];
  const report = await fetchData({ only: 'cifar10', dest, log: (l) => lines.push(l) });
  assert.is(report.notDownloadable.length, 5);
  assert.equal(report.downloaded, []);
  assert.is(lines.length, 5);
  for (const l of lines) assert.ok(l.includes('cannot be downloaded') && l.includes('derived') && l.includes('karpathy/convnetjs'), l);
  assert.equal(filesUnder(dest), []);
});

test('list finds the shared copies', () => {
  const rows = listData('vit');
  assert.is(rows.length, 3);
  for (const r of rows) assert.ok(r.foundAt !== null && !r.sizeDiffers, r.entry.path);
});

test('a missing data file names itself and every place looked', () => {
  const rel = 'nb201/no_such_file.json';
  let msg = '';
  try {
    resolveDataFile(rel);
  } catch (e) {
    assert.instance(e, UserError);
    msg = (e as Error).message;
  }
  assert.ok(msg.includes(rel), msg);
  for (const dir of dataDirCandidates()) assert.ok(msg.includes(dir), `${dir} not in: ${msg}`);
});

test.run();
