import * as tf from '@tensorflow/tfjs';
import { registerWasmGradients } from '../src/backend/wasm-gradients.ts';
import { buildNb201Network } from '../src/spaces/nb201-network.ts';
import { parseNb201 } from '../src/spaces/nb201-cell.ts';
import { paramCount } from '../src/nn/network.ts';
import { createCellMeasurer } from '../src/harvest/measure-cell.ts';
registerWasmGradients(); await tf.setBackend('wasm');
const a0 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';
console.log(paramCount(buildNb201Network(parseNb201(a0))));
const all3 = Array(6).fill('nor_conv_3x3');
console.log(paramCount(buildNb201Network(all3)));
for (const proxies of [['grad_norm','synflow','l2_norm'], ['grad_norm','snip','plain','fisher','l2_norm','nwot','jacov','zen','params','flops','grasp']]) {
const m = createCellMeasurer({ space: 'nb201', dataset: 'cifar10', archs: 'x', proxies, batchSize: 2, microBatch: 2, seed: 0, shard: null });
for (const arch of [a0, a0, '|none~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|', '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|']) {
  const t = performance.now();
  const r = m.measure({ position: 0, arch, index: 0 });
  console.log(proxies.length, ((performance.now() - t)/1000).toFixed(2), tf.memory().numTensors);
}
m.dispose();
}
