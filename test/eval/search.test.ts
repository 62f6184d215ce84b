import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { zeroShotSearch } from '../../src/eval/search.ts';

// Synthetic: 50 cells with accuracy = index; pool = every cell but the first 10.
const acc = Float64Array.from({ length: 50 }, (_, i) => i);
const pool = Array.from({ length: 40 }, (_, i) => i + 10);
const opts = { candidates: 8, repeats: 20, seed: 3 };

test('zeroShotSearch: a perfect scorer picks the oracle, a reversed one the worst candidate', () => {
  const perfect = zeroShotSearch(acc, acc, pool, opts);
  for (const r of perfect.repeats) assert.is(r.pickAcc, r.oracleAcc);
  assert.is(perfect.summary.pickAcc.mean, perfect.summary.oracleAcc);
  assert.is(perfect.summary.poolBest, 49);
  assert.is(perfect.summary.pool, 40);
  const reversed = zeroShotSearch(acc.map((a) => -a), acc, pool, opts);
  for (const [k, r] of reversed.repeats.entries()) {
    assert.ok(r.pickAcc <= r.randomAcc && r.pickAcc < r.oracleAcc);
    assert.is(r.oracleAcc, perfect.repeats[k].oracleAcc, 'same seeded draws whatever the scores');
    assert.ok(r.pick >= 10, 'drawn from the pool only');
  }
  // Percentile: fraction of the pool below the pick; the pool's best is 1, its worst 0.
  const best = zeroShotSearch(acc, acc, pool, { candidates: 40, repeats: 1, seed: 0 });
  assert.is(best.repeats[0].pickPercentile, 1);
  const worst = zeroShotSearch(acc.map((a) => -a), acc, pool, { candidates: 40, repeats: 1, seed: 0 });
  assert.is(worst.repeats[0].pickPercentile, 0);
  assert.equal(zeroShotSearch(acc, acc, pool, opts), perfect, 'seeded');
});

test('zeroShotSearch: more candidates than the pool is an error', () => {
  assert.throws(() => zeroShotSearch(acc, acc, pool, { candidates: 41, repeats: 1, seed: 0 }), /pool of 40/);
});

test.run();
