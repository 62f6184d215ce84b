import * as tf from '@tensorflow/tfjs';
import { lossGradients } from './loss-gradients.ts';
import type { ImageBatch, Pass } from './pass.ts';

/** ∂L/∂θ of each half of the real batch on its own; nothing with a batch of one. Two batches of their
 * own, as ZiCo's reference splits the data (split_data = 2): each half's BN uses that half's statistics,
 * so this cannot reuse the loss pass's micro-batches. */
export const halvesPass: Pass = {
  name: 'halves',
  run({ net, init, batch, opts, nodeTotals, owned }) {
    const B = batch.images.shape[0];
    if (B < 2) return;
    const half = Math.floor(B / 2);
    const perHalf = [[0, half], [half, B - half]].map(([start, n]) => {
      const part: ImageBatch = {
        images: tf.slice(batch.images, [start, 0, 0, 0], [n, -1, -1, -1]),
        labels: tf.slice(batch.labels, [start], [n]),
      };
      const g = lossGradients(net, init.weights, init.biases, part, opts.microBatch);
      tf.dispose([part.images, part.labels]);
      return g;
    });
    nodeTotals.forEach((t, i) => { t.halfGrads = [perHalf[0][i], perHalf[1][i]]; });
    owned.push(...perHalf.flat());
  },
};
