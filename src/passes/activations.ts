import * as tf from '@tensorflow/tfjs';
import type { NodeSpec } from '../nn/network.ts';
import { microBatchStatistics } from './micro-batch-statistics.ts';
import { microBatches } from './micro-batches.ts';
import type { Pass } from './pass.ts';

/** The forward of the real batch alone, per micro-batch: node outputs and ReLU inputs, no gradients.
 * The loss pass collects the same statistics when it runs. */
export const activationsPass: Pass = {
  name: 'activations',
  servedBy: 'loss',
  run(ctx) {
    const visit = microBatchStatistics(ctx);
    if (!visit) return;
    const { net, init, batch, opts } = ctx;
    for (const [start, m] of microBatches(batch.images.shape[0], opts.microBatch)) {
      const acts = new Map<NodeSpec, tf.Tensor>();
      const reluInputs = new Map<NodeSpec | null, tf.Tensor[]>();
      tf.tidy(() => {
        const xs = tf.slice(batch.images, [start, 0, 0, 0], [m, -1, -1, -1]);
        net.forward(xs, {
          weights: init.weights,
          biases: init.biases,
          batchNorm: true,
          onNodeOutput: (node, y) => acts.set(node, tf.keep(y)),
          onReluInput: (node, x) => reluInputs.set(node, [...(reluInputs.get(node) ?? []), tf.keep(x)]),
        });
      });
      visit({ acts, actGrads: new Map(), reluInputs });
      tf.dispose([...acts.values(), ...[...reluInputs.values()].flat()]);
    }
  },
};
