import * as tf from '@tensorflow/tfjs';
import { buildNb201Network } from '/work/main/src/spaces/nb201-network.ts';
import { initParams } from '/work/main/src/nn/init.ts';
import { measureNetwork } from '/work/main/src/proxies/measure.ts';
import { resolveProxies } from '/work/main/src/proxies/registry.ts';
await tf.setBackend('cpu');
const rng = { uniform: Math.random, normal: () => Math.random() };
const net0 = buildNb201Network(['avg_pool_3x3','nor_conv_1x1','skip_connect','none','none','skip_connect']);
const init = initParams(net0, rng);
const batch = { images: tf.randomNormal([2,32,32,3]) as tf.Tensor4D, labels: tf.tensor1d([1,2],'int32') };
for (const p of ['l2_norm','grad_norm','fisher','nwot','synflow','grasp','jacov','zen','params']) {
const before = tf.memory().numTensors;
measureNetwork(net0, init, batch, resolveProxies([p]), { microBatch: 1, rng });
console.log(p, 'leak', tf.memory().numTensors - before);
}
