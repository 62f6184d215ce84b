import * as tf from '@tensorflow/tfjs';
import { avgPool3x3, LayerOps } from '../../nn/layers.ts';
import type { AuxParamSpec, ForwardMode, Network, NodeSpec } from '../../nn/network.ts';
import { bnParams, convNode, linearClassifier } from '../../nn/parts.ts';
import { NB201_EDGES } from './cell.ts';

/** The NAS-Bench-201 macro skeleton (xautodl TinyNetwork): stem conv3x3+BN, three stages of N cells at
 * C, 2C, 4C channels with residual reduction blocks between them, BN+ReLU, global pool, linear head. */
const C = 16;
const N = 5;

/** One fixed position a conv or linear layer can occupy; `node` k means the same slot in every cell. */
export interface Nb201Slot {
  slot: number;
  name: string;
  stage: number; // 0..2 for cells and the stem (0), reductions sit in stage 1/2 at their start
  cell: number; // cell index in its stage, -1 for stem/reduction/head
  edge: number; // 0..5 for cell edges, -1 otherwise
  cin: number;
  cout: number;
  resolution: number; // input height/width at 32×32 input
}

function buildSlots(): Nb201Slot[] {
  const slots: Nb201Slot[] = [];
  const add = (s: Omit<Nb201Slot, 'slot'>) => slots.push({ slot: slots.length, ...s });
  add({ name: 'stem', stage: 0, cell: -1, edge: -1, cin: 3, cout: C, resolution: 32 });
  for (let stage = 0; stage < 3; stage++) {
    const ch = C << stage;
    const res = 32 >> stage;
    if (stage > 0) {
      const prev = ch / 2;
      add({ name: `reduction${stage}.conv_a`, stage, cell: -1, edge: -1, cin: prev, cout: ch, resolution: res * 2 });
      add({ name: `reduction${stage}.conv_b`, stage, cell: -1, edge: -1, cin: ch, cout: ch, resolution: res });
      add({ name: `reduction${stage}.shortcut`, stage, cell: -1, edge: -1, cin: prev, cout: ch, resolution: res });
    }
    for (let cell = 0; cell < N; cell++) {
      NB201_EDGES.forEach(([from, to], edge) =>
        add({ name: `stage${stage}.cell${cell}.edge_${from}_${to}`, stage, cell, edge, cin: ch, cout: ch, resolution: res }));
    }
  }
  add({ name: 'classifier', stage: 2, cell: -1, edge: -1, cin: 4 * C, cout: 10, resolution: 1 });
  return slots;
}

/** All 98 layer slots of the NB201 network, in definition order. */
export const NB201_SLOTS: readonly Nb201Slot[] = buildSlots();
const slotByName = new Map(NB201_SLOTS.map((s) => [s.name, s]));

function slotConv(name: string, type: string, k: number, stride: number): NodeSpec {
  const s = slotByName.get(name)!;
  const out = Math.floor((s.resolution - 1) / stride) + 1;
  return convNode(s.slot, name, type, [k, k, s.cin, s.cout], [out, out]);
}

/** Builds the NB201 network for one cell (six edge ops in arch-string order). */
export function buildNb201Network(ops: readonly string[], numClasses = 10): Network {
  const nodes: NodeSpec[] = [];
  const aux: AuxParamSpec[] = [];
  const conv = (name: string, type: string, k: number, stride: number, bn: boolean) => {
    const n = slotConv(name, type, k, stride);
    nodes.push(n);
    if (bn) aux.push(...bnParams(name, n.shape[3]));
    return n;
  };

  // Declared in definition order so `nodes` is in slot order.
  const stem = conv('stem', 'conv3x3', 3, 1, true);
  type Stage = { reduction?: { a: NodeSpec; b: NodeSpec; shortcut: NodeSpec }; cells: (NodeSpec | null)[][] };
  const stages: Stage[] = [];
  for (let stage = 0; stage < 3; stage++) {
    const st: Stage = { cells: [] };
    if (stage > 0) {
      st.reduction = {
        a: conv(`reduction${stage}.conv_a`, 'conv3x3', 3, 2, true),
        b: conv(`reduction${stage}.conv_b`, 'conv3x3', 3, 1, true),
        shortcut: conv(`reduction${stage}.shortcut`, 'conv1x1', 1, 1, false),
      };
    }
    for (let cell = 0; cell < N; cell++) {
      st.cells.push(ops.map((op, edge) => {
        const [from, to] = NB201_EDGES[edge];
        const name = `stage${stage}.cell${cell}.edge_${from}_${to}`;
        if (op === 'nor_conv_3x3') return conv(name, op, 3, 1, true);
        if (op === 'nor_conv_1x1') return conv(name, op, 1, 1, true);
        return null;
      }));
    }
    stages.push(st);
  }
  aux.push(...bnParams('lastact', 4 * C));
  const { node: head, bias } = linearClassifier(slotByName.get('classifier')!.slot, 4 * C, numClasses);
  nodes.push(head);
  aux.push(bias);

  function forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    const L = new LayerOps(mode);
    const reluConvBn = (node: NodeSpec, h: tf.Tensor4D, stride: number) => {
      const k = node.shape[0];
      return L.batchNorm(L.conv(node, L.relu(h, node), stride, (k - 1) / 2));
    };
    let h = L.cut(L.batchNorm(L.conv(stem, x, 1, 1)));
    for (const st of stages) {
      if (st.reduction) {
        const { a, b, shortcut } = st.reduction;
        const main = reluConvBn(b, reluConvBn(a, h, 2), 1);
        const skip = L.conv(shortcut, tf.avgPool(h, 2, 2, 'valid'), 1, 0);
        h = L.cut(tf.add(main, skip));
      }
      for (const edgeNodes of st.cells) {
        const states: tf.Tensor4D[] = [h];
        for (let to = 1; to <= 3; to++) {
          const terms: tf.Tensor4D[] = [];
          NB201_EDGES.forEach(([from, t], edge) => {
            if (t !== to) return;
            const op = ops[edge];
            const node = edgeNodes[edge];
            if (node) terms.push(reluConvBn(node, states[from], 1));
            else if (op === 'skip_connect') terms.push(states[from]);
            else if (op === 'avg_pool_3x3') terms.push(avgPool3x3(states[from]));
          });
          states.push(terms.length === 0 ? tf.zerosLike(h) : terms.length === 1 ? terms[0] : tf.addN(terms));
        }
        h = L.cut(states[3]);
      }
    }
    return L.globalPoolLinear(head, L.relu(L.batchNorm(h), head));
  }

  return { nodes, aux, inputShape: [32, 32, 3], numClasses, forward };
}
