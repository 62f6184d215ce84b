import * as tf from '@tensorflow/tfjs';
import { gaussianWeights } from '../nn/init.ts';
import type { ForwardMode } from '../nn/network.ts';
import type { Pass } from './pass.ts';

/** Added to batch variances in Zen-NAS's BN scaling term, as in the BN itself: a layer fed only zeros
 * (after a 'none' edge) would otherwise give ln 0. */
const BN_EPS = 1e-5;

/** Zen-NAS's forwards: Gaussian weights and a Gaussian input of the real batch's size, and the input
 * perturbed by 0.01ε; their pre-pooling feature distance and the BN layers' variances. Draws from opts.rng,
 * weights first, then the input, then ε. */
export const gaussianPass: Pass = {
  name: 'gaussian',
  run({ net, batch, opts, networkTotals }) {
    const B = batch.images.shape[0];
    const gw = gaussianWeights(net, opts.rng);
    const D = net.inputShape.reduce((a, b) => a * b, 1);
    const noise = () => tf.tensor(Float32Array.from({ length: B * D }, () => opts.rng.normal()), [B, ...net.inputShape]) as tf.Tensor4D;
    const x = noise();
    const eps = noise();
    networkTotals.zen = tf.tidy(() => {
      let features: tf.Tensor | null = null;
      const logBn: tf.Tensor[] = [];
      const base: ForwardMode = { weights: gw, biases: {}, batchNorm: true };
      net.forward(x, { ...base, onPreGap: (f) => { features = f; }, onBatchNormVariance: (v) => logBn.push(tf.log(tf.sqrt(tf.add(tf.mean(v), BN_EPS)))) });
      let mixed: tf.Tensor | null = null;
      net.forward(tf.add(x, tf.mul(eps, 0.01)) as tf.Tensor4D, { ...base, onPreGap: (f) => { mixed = f; } });
      const dist = tf.mean(tf.sum(tf.abs(tf.sub(features!, mixed!)), [1, 2, 3]));
      const [d, s] = tf.stack([dist, logBn.length ? tf.addN(logBn) : tf.scalar(0)]).dataSync();
      return { featureDistance: d, logBnScale: s };
    });
    tf.dispose([x, eps, ...Object.values(gw)]);
  },
};
