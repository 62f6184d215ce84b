import * as tf from '@tensorflow/tfjs';
import type { ForwardMode, Tensors } from '../nn/network.ts';
import { gradientsOrZero, keepCopy } from './gradients.ts';
import type { Pass } from './pass.ts';

/** ∂R/∂θ with |θ|, no BN, an all-ones input and R = Σ logits, divided by the factor the graph cuts
 * rescaled by, whose ln goes to synflowLogScale: the unscaled gradients overflow float32 on deep nets. */
export const synflowPass: Pass = {
  name: 'synflow',
  run({ net, init, nodeTotals, owned }) {
    const nodes = net.nodes;
    const logScales: tf.Scalar[] = [];
    const ones = tf.ones([1, ...net.inputShape]) as tf.Tensor4D;
    const abs = nodes.map((n) => tf.abs(init.weights[n.name]));
    const f = () => {
      const w: Tensors = {};
      nodes.forEach((n, i) => { w[n.name] = abs[i]; });
      // Biases only add a constant to R: they change no weight gradient, so they are left out.
      const mode: ForwardMode = { weights: w, biases: {}, batchNorm: false, onCut: (s) => logScales.push(keepCopy(s) as tf.Scalar) };
      return tf.sum(net.forward(ones, mode));
    };
    const grads = gradientsOrZero(f, abs);
    const logScale = tf.tidy(() => (logScales.length ? tf.addN(logScales) : tf.scalar(0)).dataSync()[0]);
    grads.forEach((g, i) => { nodeTotals[i].synflowGrad = g; nodeTotals[i].synflowLogScale = logScale; });
    owned.push(...grads);
    tf.dispose([ones, ...abs, ...logScales]);
  },
};
