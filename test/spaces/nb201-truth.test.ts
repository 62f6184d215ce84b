import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveDataFile } from '../../src/data/paths.ts';
import { UserError } from '../../src/errors.ts';
import { nb201FromNaslibTuple, nb201IndexToArch, NB201_SIZE } from '../../src/spaces/nb201/cell.ts';
import { loadNb201Truth } from '../../src/spaces/nb201/truth.ts';

test('all three datasets load 15,625 cells with percentages', () => {
  for (const ds of ['cifar10', 'cifar100', 'ImageNet16-120']) {
    const truth = loadNb201Truth(ds);
    assert.is(truth.size, NB201_SIZE);
    for (const { val, test } of truth.values()) assert.ok(val >= 0 && val <= 100 && test >= 0 && test <= 100);
  }
  assert.is(loadNb201Truth('imagenet'), loadNb201Truth('ImageNet16-120'), 'alias shares the cached map');
  assert.is(loadNb201Truth('cifar10'), loadNb201Truth('cifar10'), 'cached per process');
});

test('unknown dataset lists the valid names', () => {
  let error: unknown;
  try {
    loadNb201Truth('cifar-10');
  } catch (e) {
    error = e;
  }
  assert.instance(error, UserError, 'expected a UserError');
  const msg = (error as Error).message;
  for (const name of ['"cifar-10"', 'cifar10', 'cifar100', 'ImageNet16-120', 'imagenet']) assert.ok(msg.includes(name), msg);
});

test('best CIFAR-10 test accuracy is 94.37, reached at index 6111', () => {
  const truth = loadNb201Truth('cifar10');
  const best = Math.max(...[...truth.values()].map((t) => t.test));
  assert.is(Math.round(best * 100) / 100, 94.37);
  assert.is(truth.get(nb201IndexToArch(6111))!.test, best);
});

test('GENIUS validation accuracies equal the NASGraph CSV (cifar100 sample)', () => {
  const truth = loadNb201Truth('cifar100');
  const lines = readFileSync(resolveDataFile('nb201/nasgraph_nasbench201_cifar100.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const [id, arch, val] = ['file id', 'arch str', 'validation accuracy'].map((c) => header.indexOf(c));
  assert.is(lines.length - 1, NB201_SIZE);
  for (let r = 1; r < lines.length; r += 101) {
    const cols = lines[r].split(',');
    assert.is(nb201IndexToArch(Number(cols[id])), cols[arch]);
    assert.is(truth.get(cols[arch])!.val, Number(cols[val]));
  }
});

test('NASLib tuple keys map to the same cells (validation accuracy agrees)', () => {
  // NASLib's val_accuracy is one seed, GENIUS's a seed mean: they agree closely only if the tuple
  // edge order is right (a wrong order gives a mean gap of several points and outliers of ~80).
  const zc = JSON.parse(readFileSync(resolveDataFile('zc-reference/naslib_benchmarks_branch_zc_nasbench201_491.json'), 'utf8'));
  const truth = loadNb201Truth('cifar10');
  const gaps = Object.entries(zc.nasbench201.cifar10 as Record<string, { val_accuracy: number }>).map(([key, rec]) =>
    Math.abs(truth.get(nb201FromNaslibTuple(key))!.val - rec.val_accuracy),
  );
  assert.is(gaps.length, 491);
  assert.ok(gaps.reduce((a, b) => a + b, 0) / gaps.length < 1);
  assert.ok(Math.max(...gaps) < 5);
});

test.run();
