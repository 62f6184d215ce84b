import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { combineScores, fitScorer } from '../../src/train/scorer.ts';

const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-12, `${Array.from(a)} vs ${b}`));
const z = Math.sqrt(1.5); // 1, 2, 3 → −z, 0, z and 30, 10, 20 → z, −z, 0 (population std)

test('scorer: members standardised with the fitted statistics, their spread as std', () => {
  const a = Float64Array.from([1, 2, 3]), b = Float64Array.from([30, 10, 20]);
  const st = fitScorer([a, b], null, null);
  assert.equal(st.means, [2, 20]);
  const { mean, std } = combineScores(st, [a, b], null, new Float64Array(3));
  close(mean, [0, -z / 2, z / 2]);
  close(std, [z, z / 2, z / 2]);
  // Fitted once: scoring one cell alone gives it the same score.
  close(combineScores(st, [a.subarray(2), b.subarray(2)], null, new Float64Array(1)).mean, [z / 2]);
});

test('scorer: the forest is blended 1:1 with the members\' average; one member keeps its MC std, rescaled', () => {
  const a = Float64Array.from([1, 2, 3]), f = Float64Array.from([30, 10, 20]);
  const st = fitScorer([a], f, []);
  // One member: its average is its own z-score (std 1), so the blend is the mean of the two z-scores.
  const { mean, std } = combineScores(st, [a], f, Float64Array.from([0.5, 1, 0]));
  close(mean, [0, -z / 2, z / 2]);
  close(std, [0.5 / Math.sqrt(2 / 3), 1 / Math.sqrt(2 / 3), 0]);
  // Three members, two identical to a: the forest still weighs half.
  const st3 = fitScorer([a, a, a], f, []);
  close(combineScores(st3, [a, a, a], f, new Float64Array(3)).mean, [0, -z / 2, z / 2]);
  assert.throws(() => combineScores(st, [a], null, new Float64Array(3)), /and the forest/);
});

test.run();
