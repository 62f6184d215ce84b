import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { diffKendallLoss, marginRankingLoss, mseLoss, pairwiseLogisticLoss } from '../../src/train/losses.ts';
import { kendallTauB } from '../../src/eval/metrics.ts';

await tf.setBackend('cpu');

const close = (actual: number, expected: number, tol = 1e-5) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

type Loss = (pred: tf.Tensor1D, target: tf.Tensor1D) => tf.Scalar;

function value(loss: Loss, pred: number[], target: number[]): number {
  return tf.tidy(() => loss(tf.tensor1d(pred), tf.tensor1d(target)).dataSync()[0]);
}

function gradient(loss: Loss, pred: number[], target: number[]): number[] {
  return tf.tidy(() => {
    const y = tf.tensor1d(target);
    return Array.from(tf.grad((p: tf.Tensor) => loss(p as tf.Tensor1D, y))(tf.tensor1d(pred)).dataSync());
  });
}

const CASES: [number[], number[]][] = [
  [[1, 2, 3], [1, 3, 2]],
  [[0.1, 0.5, -0.3, 2.0], [0.2, 0.1, -1.0, 1.5]],
  [[1, 2, 3, 4], [1, 2, 3, 4]],
];

test('diffKendallLoss reference values (alpha 0.5)', () => {
  const expected = [-0.110918, -0.208918, -0.336825];
  CASES.forEach(([p, y], i) => close(value(diffKendallLoss, p, y), expected[i]));
  // Larger alpha sharpens tanh towards sign: the loss approaches −2·tau.
  close(value((p, y) => diffKendallLoss(p, y, 200), [1, 2, 3, 4], [1, 2, 3, 4]), -2, 1e-4);
});

test('marginRankingLoss reference values and gradient', () => {
  // pred [1, 2, 3], target [1, 3, 2], margin 0.5: ordered pairs (y_i > y_j) are (1,0) gap 2, (2,0) gap 1,
  // (1,2) gap 1; hinges max(0, 1 − 1) = 0, max(0, 0.5 − 2) = 0, max(0, 0.5 − (−1)) = 1.5 → mean 0.5.
  close(value((p, y) => marginRankingLoss(p, y, 0.5), [1, 2, 3], [1, 3, 2]), 0.5);
  // Only the violated pair (1,2) has gradient: ∂/∂ŷ_1 = −1/3, ∂/∂ŷ_2 = +1/3.
  const g = gradient((p, y) => marginRankingLoss(p, y, 0.5), [1, 2, 3], [1, 3, 2]);
  [0, -1 / 3, 1 / 3].forEach((e, i) => close(g[i], e));
  close(value(marginRankingLoss, [3, 1, 2], [5, 5, 5]), 0, 0);
  // A ranking that beats every margin costs nothing.
  close(value((p, y) => marginRankingLoss(p, y, 0.1), [10, 20, 30], [1, 2, 3]), 0, 0);
});

test('pairwiseLogisticLoss reference values', () => {
  const expected = [0.584484, 0.372246, 0.207038];
  CASES.forEach(([p, y], i) => close(value(pairwiseLogisticLoss, p, y), expected[i]));
  // Tied targets contribute log 2 per ordered pair; N = 2 → 2·log 2 / 2.
  close(value(pairwiseLogisticLoss, [5, -3], [1, 1]), Math.log(2));
});

test('mseLoss', () => {
  close(value(mseLoss, [1, 2, 3], [1, 3, 5]), 5 / 3);
});

test('pairwiseLogisticLoss is stable for huge score gaps', () => {
  const pred = [1e4, -1e4, 0];
  const target = [0, 1, 2]; // maximally wrong in the first pair
  const v = value(pairwiseLogisticLoss, pred, target);
  assert.ok(Number.isFinite(v) && v > 1e3, `loss ${v}`);
  for (const g of gradient(pairwiseLogisticLoss, pred, target)) assert.ok(Number.isFinite(g));
  // Correctly ordered with a huge margin: loss → 0 without underflow trouble.
  close(value(pairwiseLogisticLoss, [-1e4, 0, 1e4], target), 0);
});

for (const [name, loss] of [
  ['diffKendallLoss', diffKendallLoss],
  ['pairwiseLogisticLoss', pairwiseLogisticLoss],
] as [string, Loss][]) {
  test(`${name}: gradients are finite and point the right way`, () => {
    const target = [0.1, 0.4, 0.2, 0.9, 0.6];
    // Start from the reversed order: every pair is discordant.
    let pred = [0.9, 0.1, 0.6, -0.5, 0.0];
    const g = gradient(loss, pred, target);
    for (const v of g) assert.ok(Number.isFinite(v), `non-finite gradient ${g}`);
    // The item with the highest target must be pushed up (negative gradient), the lowest down.
    assert.ok(g[3] < 0, `grad of best item ${g[3]}`);
    assert.ok(g[0] > 0, `grad of worst item ${g[0]}`);

    const before = value(loss, pred, target);
    const tauBefore = kendallTauB(pred, target);
    for (let step = 0; step < 200; step++) {
      const grad = gradient(loss, pred, target);
      pred = pred.map((p, i) => p - 0.5 * grad[i]);
    }
    assert.ok(value(loss, pred, target) < before, 'descent should lower the loss');
    assert.ok(kendallTauB(pred, target) > tauBefore, 'descent should improve the ranking');
    close(kendallTauB(pred, target), 1, 1e-12);
  });
}

test('shape checks and no tensor leaks', () => {
  const a = tf.tensor1d([1, 2, 3]);
  const b = tf.tensor1d([1, 2]);
  assert.throws(() => diffKendallLoss(a, b), /batch size mismatch/);
  assert.throws(() => pairwiseLogisticLoss(tf.tensor1d([1]), tf.tensor1d([1])), /at least 2/);
  assert.throws(() => mseLoss(tf.tensor2d([[1]]) as unknown as tf.Tensor1D, tf.tensor1d([1])), /1-D/);
  const before = tf.memory().numTensors;
  for (const loss of [diffKendallLoss, pairwiseLogisticLoss, mseLoss]) loss(a, a).dispose();
  assert.is(tf.memory().numTensors, before);
});

test.run();
