import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { combineScores, fitScorer } from '../../src/train/scorer.ts';

const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-12, `${Array.from(a)} vs ${b}`));

test('scorer: components standardised with the fitted statistics, members\' spread as std', () => {
  const a = Float64Array.from([1, 2, 3]), b = Float64Array.from([30, 10, 20]);
  const st = fitScorer([a, b], null, null);
  const z = Math.sqrt(1.5); // 1, 2, 3 → −z, 0, z; 30, 10, 20 → z, −z, 0 (population std)
  assert.equal(st.means, [2, 20]);
  const { mean, std } = combineScores(st, [a, b], null, new Float64Array(3));
  close(mean, [0, -z / 2, z / 2]);
  close(std, [z, z / 2, z / 2]);
  // Fitted once: scoring one cell alone gives it the same score.
  close(combineScores(st, [a.subarray(2), b.subarray(2)], null, new Float64Array(1)).mean, [z / 2]);
});

test('scorer: a single member with the forest keeps the member\'s MC std, rescaled', () => {
  const a = Float64Array.from([0, 2]), f = Float64Array.from([5, 7]);
  const st = fitScorer([a], f, []);
  const { mean, std } = combineScores(st, [a], f, Float64Array.from([0.5, 1]));
  close(mean, [-1, 1]);
  close(std, [0.5, 1]);
  assert.throws(() => combineScores(st, [a], null, new Float64Array(2)), /and the forest/);
});

test.run();
