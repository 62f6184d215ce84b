import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBenchmarkFile, readBenchmarkFile } from '../../src/data/benchmark-file.ts';
import { throwsUserError } from '../user-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'parzc-benchmark-file-'));
let savedDataDir: string | undefined;
mkdirSync(join(dir, 'bench'));
const write = (name: string, content: string | Buffer) => writeFileSync(join(dir, 'bench', name), content);

test.before(() => {
  savedDataDir = process.env.PARZC_DATA_DIR;
  process.env.PARZC_DATA_DIR = dir;
});
test.after(() => {
  if (savedDataDir === undefined) delete process.env.PARZC_DATA_DIR;
  else process.env.PARZC_DATA_DIR = savedDataDir;
  rmSync(dir, { recursive: true });
});

test('decodes json, text and gzip and hands the reader a one-line error naming the file', () => {
  write('a.json', '{"n": 3}');
  write('a.csv', 'x,y\n1,2\n');
  write('a.gz', gzipSync('zipped'));
  const path = (name: string) => join(dir, 'bench', name);
  assert.equal(readBenchmarkFile(path('a.json'), 'test file', 'json', (raw) => raw), { n: 3 });
  assert.is(readBenchmarkFile(path('a.csv'), 'test file', 'text', (text) => text.split('\n')[1]), '1,2');
  assert.is(readBenchmarkFile(path('a.gz'), 'test file', 'gzip', (bytes) => bytes.toString('utf8')), 'zipped');
  throwsUserError(() => readBenchmarkFile(path('a.json'), 'test file', 'json', (_raw, bad) => { throw bad('no n'); }), `bad test file ${path('a.json')}: no n`);
});

test('a corrupt or missing file is a one-line UserError', () => {
  write('corrupt.json', '{"n": ');
  throwsUserError(() => loadBenchmarkFile('bench/corrupt.json', 'test file', 'json', (raw) => raw), 'bad test file', 'corrupt.json');
  write('corrupt.gz', 'not gzip');
  throwsUserError(() => loadBenchmarkFile('bench/corrupt.gz', 'test file', 'gzip', (raw) => raw), 'bad test file', 'corrupt.gz');
  throwsUserError(() => loadBenchmarkFile('bench/none.json', 'test file', 'json', (raw) => raw), 'missing data file bench/none.json');
});

test('loadBenchmarkFile reads and checks a file once per process; a failed load is not kept', () => {
  let reads = 0;
  const reader = (raw: unknown) => {
    reads++;
    return raw;
  };
  write('once.json', '[1]');
  const first = loadBenchmarkFile('bench/once.json', 'test file', 'json', reader);
  write('once.json', '[2]');
  assert.is(loadBenchmarkFile('bench/once.json', 'test file', 'json', reader), first);
  assert.is(reads, 1);
  write('later.json', '[');
  throwsUserError(() => loadBenchmarkFile('bench/later.json', 'test file', 'json', reader), 'later.json');
  write('later.json', '[3]');
  assert.equal(loadBenchmarkFile('bench/later.json', 'test file', 'json', reader), [3]);
});

test.run();
