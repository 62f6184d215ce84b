import * as tf from '@tensorflow/tfjs';
import type { NodeProxy } from './proxy.ts';

/** Fisher information of the node's output channels (Theis et al. 2018; Turner et al. 2020):
 * Σ_c ½·mean_b (Σ_spatial a·∂L/∂a)², with a the node's pre-BN output; for a linear layer on tokens
 * [batch, tokens, channels] the tokens are the spatial positions. */
export const fisher: NodeProxy = {
  name: 'fisher',
  description: 'channel-wise Fisher information of the node output, summed over channels',
  level: 'node',
  pass: 'loss',
  perMicroBatch: (n) => {
    const prod = tf.mul(n.act, n.actGrad!);
    // Every axis between the batch and the channels (last) is spatial: [1, 2] for convs, [1] for tokens.
    const perChannel = prod.rank > 2 ? tf.sum(prod, Array.from({ length: prod.rank - 2 }, (_, i) => i + 1)) : prod;
    return tf.sum(tf.square(perChannel)) as tf.Scalar;
  },
  value: (_n, batchSize, partial) => (0.5 * partial!) / batchSize,
};
