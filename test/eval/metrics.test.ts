import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  averageRanks,
  bestInTopK,
  kendallTauB,
  pearson,
  precisionAtTopK,
  rankingReport,
  spearman,
} from '../../src/eval/metrics.ts';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

/** Textbook O(n²) tau-b. */
function naiveTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  let tx = 0;
  let ty = 0;
  let pairs = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      s += dx * dy;
      pairs++;
      if (dx === 0) tx++;
      if (dy === 0) ty++;
    }
  }
  return s / Math.sqrt((pairs - tx) * (pairs - ty));
}

/** Deterministic PRNG (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Reference values from scipy 1.17.1: stats.kendalltau / spearmanr / pearsonr.
const X1 = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7];
const Y1 = [2, 1, 3, 3, 5, 4, 4, 6, 6, 5];
const X2 = [0.3, -1.2, 2.5, 0.0, 0.7, 1.1];
const Y2 = [10, 30, 20, 50, 40, 60];

test('kendallTauB matches scipy on fixed examples (with ties)', () => {
  close(kendallTauB(X1, Y1), 0.7804878048780488);
  close(kendallTauB(X2, Y2), 0.06666666666666665);
  close(kendallTauB([1, 2, 3], [3, 2, 1]), -1);
  close(kendallTauB(Float64Array.from([1, 2, 3, 4]), [1, 2, 3, 4]), 1);
});

test('kendallTauB matches the O(n²) definition on random data with ties', () => {
  const r = rng(42);
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + Math.floor(r() * 60);
    // Few distinct levels → plenty of ties on both sides, including joint ties.
    const levels = 1 + Math.floor(r() * 8);
    const x = Array.from({ length: n }, () => Math.floor(r() * levels));
    const y = Array.from({ length: n }, () => (r() < 0.5 ? Math.floor(r() * levels) : r()));
    const expected = naiveTauB(x, y);
    const actual = kendallTauB(x, y);
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `trial ${trial}: expected NaN`);
    else close(actual, expected, 1e-12);
  }
});

test('kendallTauB is fast on large inputs and handles infinities', () => {
  const r = rng(7);
  const n = 200_000;
  const x = Float64Array.from({ length: n }, () => r());
  const y = Float64Array.from(x, (v) => v + 0.1 * r());
  const t0 = performance.now();
  const tau = kendallTauB(x, y);
  assert.ok(performance.now() - t0 < 5000, 'should be O(n log n)');
  assert.ok(tau > 0.5 && tau < 1);
  close(kendallTauB([-Infinity, 0, Infinity, Infinity], [1, 2, 3, 3]), naiveTauB([-1e300, 0, 1e300, 1e300], [1, 2, 3, 3]));
});

test('degenerate inputs give NaN; length mismatch throws', () => {
  assert.ok(Number.isNaN(kendallTauB([1], [1])));
  assert.ok(Number.isNaN(kendallTauB([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(pearson([2, 2], [1, 2])));
  assert.ok(Number.isNaN(kendallTauB([1, NaN, 3], [1, 2, 3])));
  assert.ok(Number.isNaN(spearman([1, 2, 3], [1, NaN, 3])));
  assert.ok(Number.isNaN(pearson([1, 2, 3], [1, NaN, 3])));
  assert.ok(Number.isNaN(precisionAtTopK([1, NaN], [1, 2], 0.5)));
  assert.throws(() => kendallTauB([1, 2], [1]), /length mismatch/);
  assert.throws(() => spearman([1, 2], [1]), /length mismatch/);
  assert.throws(() => pearson([1, 2], [1]), /length mismatch/);
  assert.throws(() => precisionAtTopK([1, 2], [1], 0.1), /length mismatch/);
  assert.throws(() => bestInTopK([1, 2], [1], 0.1), /length mismatch/);
  assert.throws(() => precisionAtTopK([1, 2], [1, 2], 0), /fraction/);
  assert.throws(() => rankingReport([1, 2], [1]), /length mismatch/);
});

test('spearman and pearson match scipy', () => {
  close(spearman(X1, Y1), 0.9003158952168534);
  close(pearson(X1, Y1), 0.848464629278318);
  close(spearman(X2, Y2), 0.028571428571428574);
  close(pearson(X2, Y2), -0.06958275778931163);
  assert.equal(Array.from(averageRanks([10, 20, 10, 30, 20, 20])), [1.5, 4, 1.5, 6, 4, 4]);
});

test('precisionAtTopK and bestInTopK', () => {
  const truth = [0.1, 0.9, 0.5, 0.7, 0.3, 0.2, 0.8, 0.4, 0.6, 0.0];
  // Predictions agree on the best item but swap the 2nd/3rd with mediocre ones.
  const pred = [0.0, 9, 8, 1, 7, 2, 3, 4, 5, 6];
  // frac 0.1 → k = 1: the predicted best (index 1) is the true best.
  close(precisionAtTopK(pred, truth, 0.1), 1);
  close(bestInTopK(pred, truth, 0.1), 0.9);
  // frac 0.3 → k = 3: predicted {1, 2, 4}, true {1, 6, 3} → 1/3; best true value among predicted is 0.9.
  close(precisionAtTopK(pred, truth, 0.3), 1 / 3);
  close(bestInTopK(pred, truth, 0.3), 0.9);
  // k is at least 1 even for tiny fractions, and capped at n.
  close(precisionAtTopK([3, 2, 1], [1, 2, 3], 0.01), 0);
  close(bestInTopK([3, 2, 1], [1, 2, 3], 0.01), 1);
  close(precisionAtTopK([3, 2, 1], [1, 2, 3], 1), 1);
  assert.ok(Number.isNaN(precisionAtTopK([], [], 0.1)));
});

test('rankingReport bundles all metrics', () => {
  const r = rng(1);
  const truth = Array.from({ length: 1000 }, () => r());
  const pred = truth.map((v) => v + 0.05 * r());
  const rep = rankingReport(pred, truth);
  assert.equal(rep.n, 1000);
  close(rep.kendall, kendallTauB(pred, truth));
  close(rep.spearman, spearman(pred, truth));
  close(rep.pearson, pearson(pred, truth));
  close(rep['precision@5%'], precisionAtTopK(pred, truth, 0.05));
  close(rep['best@1%'], bestInTopK(pred, truth, 0.01));
  assert.equal(
    Object.keys(rep).sort(),
    ['best@10%', 'best@1%', 'best@5%', 'kendall', 'n', 'pearson', 'precision@10%', 'precision@1%', 'precision@5%', 'spearman'].sort(),
  );
  assert.ok(rep['best@10%'] > 0.95);
});

test.run();
