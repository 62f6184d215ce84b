import * as tf from '@tensorflow/tfjs';
import type { Tensors } from '../nn/network.ts';
import { lossGradients } from './loss-gradients.ts';
import type { Pass } from './pass.ts';

/** H·g ≈ (∇L(θ + h·g) − ∇L(θ − h·g)) / 2h, g the loss pass's gradient: two more loss gradients instead of a
 * double backward, which tfjs lacks (its saved tensors do not record their dependence on θ). The central
 * difference is second-order accurate; the one-sided one was 1.7% off on a test net at the same step. Both
 * passes replay the loss pass's ReLU gates (see ForwardMode.reluGates). The step bounds each node's
 * relative move: the gradient concentrates in a few nodes, and a step relative to the whole ‖θ‖ (1e-3)
 * moved them so far that NB201 cells' sums were off by up to 2× (test: grasp = ‖g‖² for convs followed by BN). */
export const hessianPass: Pass = {
  name: 'hessian',
  requires: ['loss'],
  replaysLossGates: true,
  run(ctx) {
    const { net, init, batch, opts, nodeTotals: totals } = ctx;
    const gates = ctx.lossGates!;
    const step = opts.hessianStep ?? 1e-4;
    const h = tf.tidy(() => {
      const ratios = totals.map((t) => tf.div(tf.norm(t.grad!), tf.maximum(tf.norm(t.weight), 1e-30)));
      return tf.div(step, tf.maximum(tf.max(tf.stack(ratios)), 1e-30)).dataSync()[0];
    });
    const gradAt = (sign: number) => {
      const shifted: Tensors = {};
      totals.forEach((t) => { shifted[t.node.name] = tf.tidy(() => tf.add(t.weight, tf.mul(t.grad!, sign * h))); });
      const g = lossGradients(net, shifted, init.biases, batch, opts.microBatch, undefined, { ...gates, mode: 'replay' });
      tf.dispose(Object.values(shifted));
      return g;
    };
    const gPlus = gradAt(1);
    const gMinus = gradAt(-1);
    totals.forEach((t, i) => { t.hessGrad = tf.tidy(() => tf.div(tf.sub(gPlus[i], gMinus[i]), 2 * h)); });
    tf.dispose([...gPlus, ...gMinus, ...gates.perMicroBatch.flat()]);
    ctx.owned.push(...totals.map((t) => t.hessGrad!));
  },
};
