import * as tf from '@tensorflow/tfjs';
import { registerWasmGradients } from '../src/backend/wasm-gradients.ts';
import { buildNb201Network } from '../src/spaces/nb201-network.ts';
import { parseNb201 } from '../src/spaces/nb201-cell.ts';
import { initParams } from '../src/nn/init.ts';
import { randomSource } from '../src/random.ts';
import { loadImageBatch } from '../src/data/cifar.ts';
registerWasmGradients();
await tf.setBackend('wasm');
const net = buildNb201Network(parseNb201('|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|'));
const init = initParams(net, randomSource(42));
const data = loadImageBatch({ dataset: 'cifar10', batchSize: 4, seed: 0 });
const images = tf.tensor4d(data.images, data.shape); const ys = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 10);
const run = (probe: boolean, reach: boolean) => {
  const probes = net.nodes.map((n) => tf.zeros([4, ...n.outShape]));
  const g = tf.grads((...vars: tf.Tensor[]) => {
    const w: any = {}, p: any = {};
    net.nodes.forEach((n, i) => { w[n.name] = vars[i]; p[n.name] = vars[net.nodes.length + i]; });
    const l = tf.losses.softmaxCrossEntropy(ys, net.forward(images, { weights: w, biases: init.biases, batchNorm: true, probes: probe ? p : undefined }));
    return reach ? tf.add(tf.mul(l, 1), tf.mul(tf.addN(vars.slice(0, net.nodes.length).map((v) => tf.sum(v))), 0)) : l;
  })([...net.nodes.map((n) => init.weights[n.name]), ...(probe ? probes : [])]);
  return g.slice(0, net.nodes.length).map((t) => Float64Array.from(t.dataSync()));
};
const A = run(true, false), A2 = run(true, false), Bq = run(false, true), C = run(true, true);
const cmp = (X: Float64Array[], Y: Float64Array[]) => Math.max(...X.map((x, i) => { let d = 0, s = 0; x.forEach((v, k) => { d = Math.max(d, Math.abs(v - Y[i][k])); s = Math.max(s, Math.abs(v)); }); return d / s; }));
console.log('rerun', cmp(A, A2), 'noprobe+reach', cmp(A, Bq), 'probe+reach', cmp(A, C));
const i = net.nodes.findIndex((n) => n.name === 'reduction2.conv_b');
const f32 = tf.norm(tf.tensor(Float32Array.from(A[i]))).dataSync()[0]; const f64 = Math.sqrt(A[i].reduce((s, v) => s + v * v, 0));
console.log('norm f32 vs f64', f32, f64, (f32 - f64) / f64, 'threads', (tf.backend() as any).wasm?._getThreadsCount?.());
