import * as tf from '@tensorflow/tfjs';
import type { ForwardMode } from '../nn/network.ts';
import { microBatches } from './micro-batches.ts';
import type { Pass } from './pass.ts';

/** ∂(Σ logits)/∂x per example of the real batch, BN with batch statistics, into a [B, D] float32 matrix. */
export const jacobianPass: Pass = {
  name: 'jacobian',
  run({ net, init, batch, opts, networkTotals }) {
    const B = batch.images.shape[0];
    const D = net.inputShape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(B * D);
    for (const [start, m] of microBatches(B, opts.microBatch)) {
      const jac = tf.tidy(() => {
        const xs = tf.slice(batch.images, [start, 0, 0, 0], [m, -1, -1, -1]);
        const mode: ForwardMode = { weights: init.weights, biases: init.biases, batchNorm: true };
        return tf.grad((x: tf.Tensor) => tf.sum(net.forward(x as tf.Tensor4D, mode)))(xs);
      });
      values.set(jac.dataSync(), start * D);
      jac.dispose();
    }
    networkTotals.jacobian = { values, rows: B, cols: D };
  },
};
