import * as tf from '@tensorflow/tfjs';
import { gaussianWeights, type InitialParams, type RandomSource } from '../nn/init.ts';
import type { ForwardMode, Network, NodeSpec, Tensors } from '../nn/network.ts';
import { reluCodeKernel } from './nwot.ts';
import type { NetworkProxy, NetworkTotals, NodeProxy, NodeTotals, PassName } from './proxy.ts';

/** One real batch: NHWC images and integer labels. */
export interface ImageBatch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
}

export interface MeasureOptions {
  /** Largest number of examples in one forward/backward (the wasm heap is 32-bit); gradients add up. */
  microBatch: number;
  /** Random source for the Zen-NAS pass's Gaussian weights and inputs. */
  rng: RandomSource;
  /** Relative step of the finite-difference Hessian-gradient product: no node's weights move by more than
   * step·‖θ_node‖ (h·max_node ‖g‖/‖θ‖ = step). */
  hessianStep?: number;
}

export interface Measurement {
  /** Per node proxy, one value per `net.nodes` entry (null: not applicable or not finite). */
  node: Map<string, (number | null)[]>;
  network: Map<string, number | null>;
  /** Values that came out NaN/Inf and were stored as null: "proxy@node". */
  nonFinite: string[];
}

/** Added to batch variances in Zen-NAS's BN scaling term, as in the BN itself: a layer fed only zeros
 * (after a 'none' edge) would otherwise give ln 0. */
const BN_EPS = 1e-5;

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function microBatches(n: number, m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += m) out.push([s, Math.min(m, n - s)]);
  return out;
}

/** Gradients of f's scalar with respect to xs, zero for an x that never reaches it (a conv into a cell
 * node with no path to the output): tf.grads throws there, and tying every x to the output instead costs
 * five kernels per layer on every pass. */
function gradientsOrZero(f: () => tf.Tensor, xs: tf.Tensor[]): tf.Tensor[] {
  const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
  value.dispose();
  return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
}

/** Runs a proxy's statistic in its own tidy scope: only a returned tensor outlives it. */
function tidyValue(f: () => tf.Scalar | number | null): tf.Scalar | number | null {
  let plain: number | null = null;
  const kept = tf.tidy(() => {
    const v = f();
    if (v instanceof tf.Tensor) return v;
    plain = v;
    return undefined;
  });
  return kept ? (kept as tf.Scalar) : plain;
}

/** Keeps a tensor created inside a gradient scope alive past it (as its own handle, because the tape
 * may dispose the tensors it saved for the backward pass). */
const keepCopy = (x: tf.Tensor) => tf.keep(tf.clone(x));

/** One micro-batch's node outputs, their gradients and the ReLU inputs feeding each node. */
interface MicroBatchTensors {
  acts: Map<NodeSpec, tf.Tensor>;
  actGrads: Map<NodeSpec, tf.Tensor>;
  reluInputs: Map<NodeSpec | null, tf.Tensor[]>;
}

/** ReLU gates of each micro-batch of a loss pass, recorded by one pass and replayed by others. */
interface MicroBatchGates {
  mode: 'record' | 'replay';
  perMicroBatch: tf.Tensor[][];
}

/** Mean cross-entropy gradients over all micro-batches, weighted so they equal the full-batch gradient
 * of the mean loss. `visit` sees each micro-batch's node outputs and their gradients. */
function lossGradients(
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

/** The forward of the real batch alone, per micro-batch: node outputs and ReLU inputs, no gradients. */
function forwardActivations(net: Network, init: InitialParams, batch: ImageBatch, microBatch: number, visit: (mb: MicroBatchTensors) => void): void {
  for (const [start, m] of microBatches(batch.images.shape[0], microBatch)) {
    const acts = new Map<NodeSpec, tf.Tensor>();
    const reluInputs = new Map<NodeSpec | null, tf.Tensor[]>();
    tf.tidy(() => {
      const xs = tf.slice(batch.images, [start, 0, 0, 0], [m, -1, -1, -1]);
      net.forward(xs, {
        weights: init.weights,
        biases: init.biases,
        batchNorm: true,
        onNodeOutput: (node, y) => acts.set(node, tf.keep(y)),
        onReluInput: (node, x) => reluInputs.set(node, [...(reluInputs.get(node) ?? []), tf.keep(x)]),
      });
    });
    visit({ acts, actGrads: new Map(), reluInputs });
    tf.dispose([...acts.values(), ...[...reluInputs.values()].flat()]);
  }
}

/** Runs the passes the proxies need, each once, and returns every proxy's values for one network. */
export function measureNetwork(
  net: Network,
  init: InitialParams,
  batch: ImageBatch,
  proxies: { node: NodeProxy[]; network: NetworkProxy[] },
  opts: MeasureOptions,
): Measurement {
  const B = batch.images.shape[0];
  const passes = new Set<PassName>([...proxies.node, ...proxies.network].map((p) => p.pass));
  const microProxies = proxies.node.filter((p) => p.perMicroBatch);
  const needKernel = proxies.network.some((p) => p.needsReluKernel);
  if (passes.has('hessian')) passes.add('loss');

  const nodes = net.nodes;
  const totals: NodeTotals[] = nodes.map((node) => ({ node, weight: init.weights[node.name] }));
  const owned: tf.Tensor[] = [];
  const netTotals: NetworkTotals = { net, batchSize: B };
  // Sum of per-micro-batch partials per proxy and node; null once any part was null.
  const partials = new Map(microProxies.map((p) => [p.name, new Array<number | null>(nodes.length).fill(0)]));

  // Statistics of the real batch's activations: from the loss pass when it runs, else a forward only.
  const kernel = needKernel ? new Float64Array(B * B) : undefined;
  let offset = 0;
  const visit = microProxies.length || needKernel
    ? ({ acts, actGrads, reluInputs }: MicroBatchTensors) => {
        const m = acts.values().next().value!.shape[0];
        for (const p of microProxies) {
          const part = partials.get(p.name)!;
          const pending: { i: number; t: tf.Scalar }[] = [];
          nodes.forEach((node, i) => {
            const v = tidyValue(() => p.perMicroBatch!({ node, act: acts.get(node)!, actGrad: actGrads.get(node), reluInput: reluInputs.get(node)?.[0] }));
            if (v === null || part[i] === null) part[i] = null;
            else if (typeof v === 'number') part[i] = part[i]! + v;
            else pending.push({ i, t: v });
          });
          if (pending.length) {
            const vals = tf.tidy(() => tf.stack(pending.map((q) => q.t)).dataSync());
            pending.forEach((q, k) => { part[q.i] = part[q.i] === null ? null : part[q.i]! + vals[k]; });
            tf.dispose(pending.map((q) => q.t));
          }
        }
        if (kernel) {
          const kt = tf.tidy(() => tf.addN([...reluInputs.values()].flat().map(reluCodeKernel)));
          const k = kt.dataSync();
          kt.dispose();
          for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) kernel[(offset + r) * B + offset + c] += k[r * m + c];
          offset += m;
        }
      }
    : undefined;
  netTotals.reluKernel = kernel;

  let hessianGates: MicroBatchGates | undefined;
  if (passes.has('loss')) {
    hessianGates = passes.has('hessian') ? { mode: 'record', perMicroBatch: [] } : undefined;
    const grads = lossGradients(net, init.weights, init.biases, batch, opts.microBatch, visit, hessianGates);
    grads.forEach((g, i) => { totals[i].grad = g; });
    owned.push(...grads);
  } else if (visit) {
    forwardActivations(net, init, batch, opts.microBatch, visit);
  }

  if (passes.has('halves') && B >= 2) {
    // Two batches of their own, as ZiCo's reference splits the data (split_data = 2): each half's BN uses
    // that half's statistics, so this cannot reuse the loss pass's micro-batches.
    const half = Math.floor(B / 2);
    const perHalf = [[0, half], [half, B - half]].map(([start, n]) => {
      const part: ImageBatch = {
        images: tf.slice(batch.images, [start, 0, 0, 0], [n, -1, -1, -1]),
        labels: tf.slice(batch.labels, [start], [n]),
      };
      const g = lossGradients(net, init.weights, init.biases, part, opts.microBatch);
      tf.dispose([part.images, part.labels]);
      return g;
    });
    totals.forEach((t, i) => { t.halfGrads = [perHalf[0][i], perHalf[1][i]]; });
    owned.push(...perHalf.flat());
  }

  if (passes.has('hessian')) {
    // H·g ≈ (∇L(θ + h·g) − ∇L(θ − h·g)) / 2h: two more loss gradients instead of a double backward, which
    // tfjs lacks (its saved tensors do not record their dependence on θ). The central difference is
    // second-order accurate; the one-sided one was 1.7% off on a test net at the same step. Both passes
    // replay the loss pass's ReLU gates (see ForwardMode.reluGates). The step bounds each node's relative
    // move: the gradient concentrates in a few nodes, and a step relative to the whole ‖θ‖ (1e-3) moved them
    // so far that NB201 cells' sums were off by up to 2× (test: grasp = ‖g‖² for convs followed by BN).
    const step = opts.hessianStep ?? 1e-4;
    const h = tf.tidy(() => {
      const ratios = totals.map((t) => tf.div(tf.norm(t.grad!), tf.maximum(tf.norm(t.weight), 1e-30)));
      return tf.div(step, tf.maximum(tf.max(tf.stack(ratios)), 1e-30)).dataSync()[0];
    });
    const gradAt = (sign: number) => {
      const shifted: Tensors = {};
      totals.forEach((t) => { shifted[t.node.name] = tf.tidy(() => tf.add(t.weight, tf.mul(t.grad!, sign * h))); });
      const g = lossGradients(net, shifted, init.biases, batch, opts.microBatch, undefined, { ...hessianGates!, mode: 'replay' });
      tf.dispose(Object.values(shifted));
      return g;
    };
    const gPlus = gradAt(1);
    const gMinus = gradAt(-1);
    totals.forEach((t, i) => { t.hessGrad = tf.tidy(() => tf.div(tf.sub(gPlus[i], gMinus[i]), 2 * h)); });
    tf.dispose([...gPlus, ...gMinus, ...hessianGates!.perMicroBatch.flat()]);
    owned.push(...totals.map((t) => t.hessGrad!));
  }

  if (passes.has('synflow')) {
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
    grads.forEach((g, i) => { totals[i].synflowGrad = g; totals[i].synflowLogScale = logScale; });
    owned.push(...grads);
    tf.dispose([ones, ...abs, ...logScales]);
  }

  if (passes.has('jacobian')) {
    const D = size(net.inputShape);
    const values = new Float32Array(B * D);
    for (const [start, m] of microBatches(B, opts.microBatch)) {
      const jac = tf.tidy(() => {
        const xs = tf.slice(batch.images, [start, 0, 0, 0], [m, -1, -1, -1]);
        const mode: ForwardMode = { weights: init.weights, biases: init.biases, batchNorm: true };
        return tf.grad((x: tf.Tensor) => tf.sum(net.forward(x as tf.Tensor4D, mode)))(xs);
      });
      values.set(jac.dataSync(), start * D);
      jac.dispose();
    }
    netTotals.jacobian = { values, rows: B, cols: D };
  }

  if (passes.has('gaussian')) {
    const gw = gaussianWeights(net, opts.rng);
    const D = size(net.inputShape);
    const noise = () => tf.tensor(Float32Array.from({ length: B * D }, () => opts.rng.normal()), [B, ...net.inputShape]) as tf.Tensor4D;
    const x = noise();
    const eps = noise();
    netTotals.zen = tf.tidy(() => {
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
  }

  const result: Measurement = { node: new Map(), network: new Map(), nonFinite: [] };
  const finite = (v: number | null, where: string) => {
    if (v === null) return null;
    if (Number.isFinite(v)) return v;
    result.nonFinite.push(where);
    return null;
  };
  // All tensor-valued node statistics are read back with one sync.
  const pending: { proxy: string; i: number; t: tf.Scalar }[] = [];
  for (const p of proxies.node) {
    const values = new Array<number | null>(nodes.length).fill(null);
    totals.forEach((t, i) => {
      const v = tidyValue(() => p.value(t, B, partials.get(p.name)?.[i] ?? null));
      if (v === null || typeof v === 'number') values[i] = v;
      else pending.push({ proxy: p.name, i, t: v });
    });
    result.node.set(p.name, values);
  }
  if (pending.length) {
    const vals = tf.tidy(() => tf.stack(pending.map((q) => q.t)).dataSync());
    pending.forEach((q, k) => { result.node.get(q.proxy)![q.i] = vals[k]; });
    tf.dispose(pending.map((q) => q.t));
  }
  for (const [name, values] of result.node) values.forEach((v, i) => { values[i] = finite(v, `${name}@${nodes[i].name}`); });
  for (const p of proxies.network) result.network.set(p.name, finite(p.value(netTotals), p.name));
  tf.dispose(owned);
  return result;
}
