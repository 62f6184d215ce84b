import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { avgPool3x3 } from '../../src/nn/layers.ts';

// The stock cpu/wasm gradient of avgPool(…, 'same') is wrong at the borders; avgPool3x3 must match a
// central finite difference of its own forward (which excludes the padding, like PyTorch's
// count_include_pad=False) on every pixel.
test('avgPool3x3 gradient equals a finite difference at every pixel', async () => {
  await tf.setBackend('cpu');
  const shape: [number, number, number, number] = [1, 4, 5, 2];
  const n = shape.reduce((a, b) => a * b, 1);
  const base = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 2);
  const weights = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.3)), shape);
  const f = (z: tf.Tensor) => tf.sum(tf.mul(tf.square(avgPool3x3(z as tf.Tensor4D)), weights));
  const grad = tf.grad(f)(tf.tensor4d(base, shape)).dataSync();
  const eps = 1e-2;
  for (let i = 0; i < n; i++) {
    const plus = base.slice(); plus[i] += eps;
    const minus = base.slice(); minus[i] -= eps;
    const fd = (f(tf.tensor4d(plus, shape)).dataSync()[0] - f(tf.tensor4d(minus, shape)).dataSync()[0]) / (2 * eps);
    assert.ok(Math.abs(fd - grad[i]) < 2e-3 * Math.max(1, Math.abs(fd)), `pixel ${i}: grad ${grad[i]} vs finite difference ${fd}`);
  }
});

test('avgPool3x3 forward excludes the padding from the average', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const y = avgPool3x3(x).dataSync();
  assert.ok(Math.abs(y[0] - (1 + 2 + 4 + 5) / 4) < 1e-6);
  assert.ok(Math.abs(y[4] - 5) < 1e-6);
});

test.run();
