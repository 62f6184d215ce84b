import * as tf from '@tensorflow/tfjs';
import type { ForwardMode, Network, NodeSpec, Tensors } from '../nn/network.ts';
import { gradientsOrZero, keepCopy } from './gradients.ts';
import { microBatches, type MicroBatchTensors } from './micro-batches.ts';
import type { ImageBatch } from './pass.ts';

/** ReLU gates of each micro-batch of a loss pass, recorded by one pass and replayed by others. */
export interface MicroBatchGates {
  mode: 'record' | 'replay';
  perMicroBatch: tf.Tensor[][];
}

/** Mean cross-entropy gradients over all micro-batches, weighted so they equal the full-batch gradient
 * of the mean loss. `visit` sees each micro-batch's node outputs and their gradients. */
export function lossGradients(
  net: Network,
  weights: Tensors,
  biases: Tensors,
  batch: ImageBatch,
  microBatch: number,
  visit?: (mb: MicroBatchTensors) => void,
  gates?: MicroBatchGates,
): tf.Tensor[] {
  const B = batch.images.shape[0];
  const nodes = net.nodes;
  let acc: tf.Tensor[] | null = null;
  for (const [k, [start, m]] of microBatches(B, microBatch).entries()) {
    const acts = new Map<NodeSpec, tf.Tensor>();
    const reluInputs = new Map<NodeSpec | null, tf.Tensor[]>();
    const probes: Tensors = {};
    if (visit) for (const n of nodes) probes[n.name] = tf.zeros([m, ...n.outShape]);
    const xs = tf.slice(batch.images, [start, 0, 0, 0], [m, -1, -1, -1]);
    const ys = tf.tidy(() => tf.oneHot(tf.slice(batch.labels, [start], [m]) as tf.Tensor1D, net.numClasses));
    const probeList = visit ? nodes.map((n) => probes[n.name]) : [];
    const vars = [...nodes.map((n) => weights[n.name]), ...probeList];
    const f = () => {
      const w: Tensors = {};
      const p: Tensors = {};
      nodes.forEach((n, i) => {
        w[n.name] = vars[i];
        if (visit) p[n.name] = vars[nodes.length + i];
      });
      const mode: ForwardMode = { weights: w, biases, batchNorm: true };
      if (gates) mode.reluGates = { mode: gates.mode, gates: (gates.perMicroBatch[k] ??= []) };
      if (visit) {
        mode.probes = p;
        mode.onNodeOutput = (node, y) => acts.set(node, keepCopy(y));
        mode.onReluInput = (node, x) => {
          const list = reluInputs.get(node) ?? [];
          list.push(keepCopy(x));
          reluInputs.set(node, list);
        };
      }
      const logits = net.forward(xs, mode);
      return tf.mul(tf.losses.softmaxCrossEntropy(ys, logits), m / B);
    };
    const grads = gradientsOrZero(f, vars);
    if (visit) {
      const actGrads = new Map(nodes.map((n, i) => [n, grads[nodes.length + i]]));
      visit({ acts, actGrads, reluInputs });
    }
    const wGrads = grads.slice(0, nodes.length);
    if (acc === null) acc = wGrads;
    else {
      const prev: tf.Tensor[] = acc;
      acc = prev.map((a, i) => tf.add(a, wGrads[i]));
      tf.dispose([...prev, ...wGrads]);
    }
    tf.dispose([xs, ys, ...probeList, ...grads.slice(nodes.length), ...acts.values(), ...[...reluInputs.values()].flat()]);
  }
  return acc!;
}
