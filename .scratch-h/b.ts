import * as tf from '@tensorflow/tfjs';
import { registerWasmGradients } from '../src/backend/wasm-gradients.ts';
import { buildNb201Network } from '../src/spaces/nb201-network.ts';
import { parseNb201 } from '../src/spaces/nb201-cell.ts';
import { initParams } from '../src/nn/init.ts';
import { randomSource } from '../src/random.ts';
registerWasmGradients();
for (const be of ['cpu', 'wasm']) {
await tf.setBackend(be);
for (const arch of ['|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|','|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|', '|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|','|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|']) {
  const net = buildNb201Network(parseNb201(arch));
  const init = initParams(net, randomSource(1));
  const abs = net.nodes.map((n) => tf.abs(init.weights[n.name]));
  const ones = tf.ones([1, 32, 32, 3]) as tf.Tensor4D;
  for (let rep = 0; rep < 2; rep++) {
  let t = performance.now();
  tf.tidy(() => { const w: any = {}; net.nodes.forEach((n, i) => { w[n.name] = abs[i]; }); tf.sum(net.forward(ones, { weights: w, biases: {}, batchNorm: false })).dataSync(); });
  const tf1 = performance.now() - t; t = performance.now();
  const g = tf.grads((...vars: tf.Tensor[]) => { const w: any = {}; net.nodes.forEach((n, i) => { w[n.name] = vars[i]; }); return tf.sum(net.forward(ones, { weights: w, biases: {}, batchNorm: false })); })(abs);
  g.forEach((x) => x.dataSync());
  console.log(be, arch.slice(0, 30), tf1.toFixed(0), (performance.now() - t).toFixed(0));
  tf.dispose(g);
  }
}
}
