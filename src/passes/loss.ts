import { lossGradients } from './loss-gradients.ts';
import { microBatchStatistics } from './micro-batch-statistics.ts';
import type { Pass } from './pass.ts';

/** ∂L/∂θ of the mean cross-entropy on the real batch; its forward also collects the activation
 * statistics (with ∂L/∂output), so it serves the 'activations' pass. */
export const lossPass: Pass = {
  name: 'loss',
  run(ctx) {
    if (ctx.recordLossGates) ctx.lossGates = { mode: 'record', perMicroBatch: [] };
    const { net, init, batch, opts } = ctx;
    const grads = lossGradients(net, init.weights, init.biases, batch, opts.microBatch, microBatchStatistics(ctx), ctx.lossGates);
    grads.forEach((g, i) => { ctx.nodeTotals[i].grad = g; });
    ctx.owned.push(...grads);
  },
};
