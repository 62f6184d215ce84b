import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageSource, loadImageBatch } from '../../src/data/cifar.ts';
import { dataDirCandidates } from '../../src/data/paths.ts';
import { UserError } from '../../src/errors.ts';
import { settingsKey, type HarvestSettings } from '../../src/harvest/settings.ts';
import { deriveSeed, mulberry32, randomSource } from '../../src/random.ts';

const tmp = mkdtempSync(join(tmpdir(), 'parzc-cifar-'));

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, UserError, `expected a UserError, got ${e}`);
    return (e as Error).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

test('real CIFAR-10 batch: shape, labels 0..9, normalised channels', () => {
  const b = loadImageBatch({ dataset: 'cifar10', batchSize: 1000, seed: 0 });
  assert.equal(b.shape, [1000, 32, 32, 3]);
  assert.is(b.images.length, 1000 * 32 * 32 * 3);
  assert.is(b.numClasses, 10);
  assert.ok(b.labels.every((l) => l >= 0 && l <= 9));
  assert.is(new Set(b.labels).size, 10, 'all ten classes appear in 1,000 images');
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    let sq = 0;
    const n = b.images.length / 3;
    for (let i = c; i < b.images.length; i += 3) {
      sum += b.images[i];
      sq += b.images[i] * b.images[i];
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    assert.ok(Math.abs(mean) < 0.1, `channel ${c} mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 0.05, `channel ${c} std ${std}`);
  }
});

test('same seed gives the same batch, another seed another one', () => {
  const a = loadImageBatch({ dataset: 'cifar10', batchSize: 64, seed: 7 });
  const b = loadImageBatch({ dataset: 'cifar10', batchSize: 64, seed: 7 });
  const c = loadImageBatch({ dataset: 'cifar10', batchSize: 64, seed: 8 });
  assert.equal(a.images, b.images);
  assert.equal(a.labels, b.labels);
  assert.not.equal(a.images, c.images);
  // Pinned: the first images of seed 0 (changing the PRNG, the seed derivation or the pooling order changes them).
  assert.equal(Array.from(loadImageBatch({ dataset: 'cifar10', batchSize: 8, seed: 0 }).labels), [3, 0, 9, 0, 4, 2, 5, 3]);
});

test('seeded PRNG and seed derivation are pinned', () => {
  const r = mulberry32(1);
  assert.is(r(), 0.6270739405881613, 'the reference mulberry32(1) first output');
  assert.is(r(), 0.002735721180215478);
  assert.is(deriveSeed(0), 1436590473);
  assert.is(deriveSeed(1, 'a'), 2932461088);
  assert.is(deriveSeed('1', 'a'), 4090823052, 'a number and its text differ');
  assert.is(deriveSeed('1a'), 698563261, 'parts are separated');
  const g = randomSource(7);
  assert.is(g.normal(), 0.14197043782155663);
  assert.is(g.normal(), 0.058240714748711335);
});

test('SYNTHETIC CIFAR-100-format fixture parses with fine labels, planar RGB to NHWC', () => {
  // A made-up 5-image file in the CIFAR-100 record layout (coarse byte, fine byte, 1024 R, 1024 G, 1024 B);
  // not real data. Image k has every R byte = 10k, G = 20k, B = 30k, except G at (y=1, x=2) = 255.
  const fine = [0, 57, 99, 12, 3];
  const coarse = [4, 19, 0, 7, 1];
  const record = 2 + 3072;
  const bytes = new Uint8Array(fine.length * record);
  fine.forEach((f, k) => {
    const base = k * record;
    bytes[base] = coarse[k];
    bytes[base + 1] = f;
    bytes.fill(10 * k, base + 2, base + 2 + 1024);
    bytes.fill(20 * k, base + 2 + 1024, base + 2 + 2048);
    bytes.fill(30 * k, base + 2 + 2048, base + 2 + 3072);
    bytes[base + 2 + 1024 + 1 * 32 + 2] = 255;
  });
  const file = join(tmp, 'synthetic-cifar100.bin');
  writeFileSync(file, bytes);

  const b = loadImageBatch({ dataset: 'cifar100', batchSize: 5, seed: 1, file });
  assert.is(b.numClasses, 100);
  assert.equal([...b.labels].sort((x, y) => x - y), [...fine].sort((x, y) => x - y), 'fine labels, not coarse');
  const mean = [129.3, 124.1, 112.4];
  const std = [68.2, 65.4, 70.4];
  const norm = (v: number, c: number) => (v - mean[c]) / std[c];
  for (let i = 0; i < 5; i++) {
    const k = fine.indexOf(b.labels[i]);
    const at = (y: number, x: number, c: number) => b.images[i * 3072 + (y * 32 + x) * 3 + c];
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(at(0, 0, c) - norm(10 * (c + 1) * k, c)) < 1e-5, `image ${k} channel ${c}`);
    assert.ok(Math.abs(at(1, 2, 1) - norm(255, 1)) < 1e-5, 'G at (1, 2)');
    assert.ok(Math.abs(at(2, 1, 1) - norm(20 * k, 1)) < 1e-5, 'rows and columns not swapped');
  }
});

test('truncated file and too few images are UserErrors naming the file', () => {
  const file = join(tmp, 'truncated.bin');
  writeFileSync(file, new Uint8Array(2 * 3073 - 100));
  const msg = userError(() => loadImageBatch({ dataset: 'cifar10', batchSize: 1, seed: 0, file }));
  assert.ok(msg.includes(file) && msg.includes('3073'), msg);

  const small = join(tmp, 'two-images.bin');
  writeFileSync(small, new Uint8Array(2 * 3073));
  const few = userError(() => loadImageBatch({ dataset: 'cifar10', batchSize: 3, seed: 0, file: small }));
  assert.ok(few.includes(small) && few.includes('(2)'), few);
});

test('CIFAR-100 without its binary: the CIFAR-10 batch of the same seed under a 100-class head', () => {
  if (dataDirCandidates().some((d) => existsSync(join(d, 'cifar100', 'train.bin')))) return; // this machine has it
  assert.is(imageSource('cifar100'), 'cifar10');
  assert.is(imageSource('cifar10'), 'cifar10');
  const b = loadImageBatch({ dataset: 'cifar100', batchSize: 16, seed: 3 });
  const c10 = loadImageBatch({ dataset: 'cifar10', batchSize: 16, seed: 3 });
  assert.is(b.numClasses, 100);
  assert.is(b.source, 'cifar10');
  assert.equal(b.images, c10.images);
  assert.equal(b.labels, c10.labels);
  // An explicit file still has to exist.
  const msg = userError(() => loadImageBatch({ dataset: 'cifar100', batchSize: 1, seed: 0, file: 'cifar100/none.bin' }));
  assert.ok(msg.includes('cifar100/none.bin') && msg.includes('cifar-100-binary'), msg);
});

test('CIFAR-100 binary in the data directory: used, and the harvest settings key has no images override', () => {
  const dir = join(tmp, 'datadir');
  mkdirSync(join(dir, 'cifar100'), { recursive: true });
  const bytes = new Uint8Array(3 * 3074);
  [7, 42, 99].forEach((fine, k) => { bytes[k * 3074 + 1] = fine; });
  writeFileSync(join(dir, 'cifar100', 'train.bin'), bytes);
  const settings: HarvestSettings = {
    space: 'autoformer', dataset: 'cifar100', archs: 'all', proxies: ['snip'], batchSize: 3, microBatch: 3, seed: 0, shard: null,
  };
  const prev = process.env.PARZC_DATA_DIR;
  process.env.PARZC_DATA_DIR = dir;
  try {
    assert.is(imageSource('cifar100'), 'cifar100');
    const b = loadImageBatch({ dataset: 'cifar100', batchSize: 3, seed: 0 });
    assert.is(b.source, 'cifar100');
    assert.equal([...b.labels].sort((x, y) => x - y), [7, 42, 99]);
    assert.not.match(settingsKey(settings, 'cpu'), '"images"');
  } finally {
    if (prev === undefined) delete process.env.PARZC_DATA_DIR;
    else process.env.PARZC_DATA_DIR = prev;
  }
  if (imageSource('cifar100') === 'cifar10') {
    assert.match(settingsKey(settings, 'cpu'), '"dataset":"cifar100","images":"cifar10"');
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
