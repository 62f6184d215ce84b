// The NAS-Bench-101 CIFAR network (Ying et al. 2019) for one cell, and its fixed slot list.
//
// Network (model_builder.py with the benchmark's config): stem conv3x3(3→128)-BN-ReLU; 3 stacks of 3
// cells at 128, 256, 512 channels and 32, 16, 8 pixels, a 2×2 stride-2 max-pool before stacks 1 and 2
// (the first cell of those stacks doubles the channels); global average pool; dense head with bias.
// Inside a cell (pruned spec, V vertices) vertex channels come from computeVertexChannels: the cell's
// output channels are split over the vertices feeding the output. Vertex t sums its inputs: outputs of
// earlier interior vertices (truncated to its channel count when they carry one more) and, when the
// input feeds it, a 1×1 conv-BN-ReLU projection of the cell input. Its op is conv3x3/conv1x1-BN-ReLU
// (channels → same channels) or a 3×3 stride-1 max-pool. The output concatenates the vertices feeding it
// (vertex order) and adds a 1×1 conv-BN-ReLU projection of the cell input when the input feeds the
// output directly (alone when the cell has no interior vertex). Convs have no bias; BN has γ and β.
//
// Node slots (101): every conv the network can have, at a fixed position, so node k is the same layer in
// every architecture; an architecture fills the slots of the layers it has.
//   0                 stem                          conv3x3 3→128 at 32×32
//   1 + 11·(3s+c) + … stack{s}.cell{c}.…, for stacks s = 0..2, cells c = 0..2 (11 slots per cell):
//     + 2(v−1)          v{v}.proj   1×1 projection of the cell input into interior vertex v (v = 1..5)
//     + 2(v−1) + 1      v{v}.op     the conv of interior vertex v (conv3x3 or conv1x1; none for maxpool)
//     + 10              out.proj    1×1 projection of the cell input added at the output
//   100               classifier                    dense 512→classes
// `v` is the vertex index of the pruned spec as written in the arch string (1..V−2; the output is
// vertex V−1), so a 5-vertex cell uses v1..v3 and leaves v4, v5 empty.
// Graph cuts (synflow rescaling) sit after the stem and after each of the 9 cells.
// ReLU attribution: NB101's ReLU ends a conv op (conv-BN-ReLU) instead of starting it, so every ReLU is
// reported with the conv node whose BN output it rectifies: relu(x, node) for the stem, projections and
// vertex convs. A per-node ReLU statistic (nwot) therefore describes the codes of the node's own output.
// Max-pools use tf.maxPool (on wasm its gradient is src/backend/wasm-gradients.ts's MaxPoolGrad).
import * as tf from '@tensorflow/tfjs';
import { LayerOps } from '../../nn/layers.ts';
import type { AuxParamSpec, ForwardMode, Network, NodeSpec } from '../../nn/network.ts';
import { bnParams, convNode, linearClassifier } from '../../nn/parts.ts';
import { computeVertexChannels, NB101_MAX_VERTICES, type Nb101Spec } from './cell.ts';

export const NB101_STEM_CHANNELS = 128;
export const NB101_STACKS = 3;
export const NB101_CELLS_PER_STACK = 3;
const INTERIOR = NB101_MAX_VERTICES - 2;

export type Nb101Role = 'stem' | 'proj' | 'op' | 'out_proj' | 'classifier';

export interface Nb101Slot {
  slot: number;
  name: string;
  role: Nb101Role;
  stack: number; // -1 for stem and classifier
  cell: number; // cell index in its stack, -1 for stem and classifier
  vertex: number; // interior vertex 1..5 for proj/op, -1 otherwise
  cellIn: number; // channels entering the cell (stem: 3, classifier: 512)
  cellOut: number; // channels leaving the cell (stem: 128, classifier: -1 = number of classes)
  resolution: number; // height/width at 32×32 input
}

const stackChannels = (s: number) => NB101_STEM_CHANNELS << s;
const cellInChannels = (s: number, c: number) => (c === 0 && s > 0 ? stackChannels(s - 1) : stackChannels(s));

function buildSlots(): Nb101Slot[] {
  const slots: Nb101Slot[] = [];
  const add = (s: Omit<Nb101Slot, 'slot'>) => slots.push({ slot: slots.length, ...s });
  add({ name: 'stem', role: 'stem', stack: -1, cell: -1, vertex: -1, cellIn: 3, cellOut: NB101_STEM_CHANNELS, resolution: 32 });
  for (let stack = 0; stack < NB101_STACKS; stack++) {
    for (let cell = 0; cell < NB101_CELLS_PER_STACK; cell++) {
      const common = { stack, cell, cellIn: cellInChannels(stack, cell), cellOut: stackChannels(stack), resolution: 32 >> stack };
      const prefix = `stack${stack}.cell${cell}`;
      for (let v = 1; v <= INTERIOR; v++) {
        add({ name: `${prefix}.v${v}.proj`, role: 'proj', vertex: v, ...common });
        add({ name: `${prefix}.v${v}.op`, role: 'op', vertex: v, ...common });
      }
      add({ name: `${prefix}.out.proj`, role: 'out_proj', vertex: -1, ...common });
    }
  }
  const last = stackChannels(NB101_STACKS - 1);
  add({ name: 'classifier', role: 'classifier', stack: -1, cell: -1, vertex: -1, cellIn: last, cellOut: -1, resolution: 1 });
  return slots;
}

/** All 101 layer slots of the NB101 network, in definition order. */
export const NB101_SLOTS: readonly Nb101Slot[] = buildSlots();
const slotByName = new Map(NB101_SLOTS.map((s) => [s.name, s]));

interface CellNodes {
  /** Per vertex t (index t, 0 and V-1 unused): projection of the cell input into t, t's conv. */
  proj: (NodeSpec | null)[];
  op: (NodeSpec | null)[];
  outProj: NodeSpec | null;
  channels: number[];
  cellOut: number;
}

/** Builds the NB101 network for one pruned cell. */
export function buildNb101Network(spec: Nb101Spec, numClasses = 10): Network {
  const { matrix, ops } = spec;
  const V = ops.length;
  const nodes: NodeSpec[] = [];
  const aux: AuxParamSpec[] = [];
  const conv = (name: string, type: string, k: number, cin: number, cout: number) => {
    const s = slotByName.get(name)!;
    const n = convNode(s.slot, name, type, [k, k, cin, cout], [s.resolution, s.resolution]);
    nodes.push(n);
    aux.push(...bnParams(name, cout));
    return n;
  };

  // Declared in slot order so `nodes` is in slot order.
  const stem = conv('stem', 'conv3x3-bn-relu', 3, 3, NB101_STEM_CHANNELS);
  const cells: CellNodes[][] = [];
  for (let stack = 0; stack < NB101_STACKS; stack++) {
    const row: CellNodes[] = [];
    for (let cell = 0; cell < NB101_CELLS_PER_STACK; cell++) {
      const prefix = `stack${stack}.cell${cell}`;
      const cin = cellInChannels(stack, cell);
      const cout = stackChannels(stack);
      const channels = computeVertexChannels(cin, cout, matrix);
      const proj: (NodeSpec | null)[] = new Array(V).fill(null);
      const op: (NodeSpec | null)[] = new Array(V).fill(null);
      for (let t = 1; t < V - 1; t++) {
        if (matrix[0][t]) proj[t] = conv(`${prefix}.v${t}.proj`, 'projection', 1, cin, channels[t]);
        if (ops[t] === 'conv3x3-bn-relu') op[t] = conv(`${prefix}.v${t}.op`, ops[t], 3, channels[t], channels[t]);
        else if (ops[t] === 'conv1x1-bn-relu') op[t] = conv(`${prefix}.v${t}.op`, ops[t], 1, channels[t], channels[t]);
      }
      const outProj = matrix[0][V - 1] ? conv(`${prefix}.out.proj`, 'projection', 1, cin, cout) : null;
      row.push({ proj, op, outProj, channels, cellOut: cout });
    }
    cells.push(row);
  }
  const { node: head, bias } = linearClassifier(slotByName.get('classifier')!.slot, stackChannels(NB101_STACKS - 1), numClasses);
  nodes.push(head);
  aux.push(bias);

  function forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    const L = new LayerOps(mode);
    const convBnRelu = (node: NodeSpec, h: tf.Tensor4D) => {
      const k = node.shape[0];
      return L.relu(L.batchNorm(L.conv(node, h, 1, (k - 1) / 2)), node);
    };
    const truncate = (h: tf.Tensor4D, ch: number) =>
      h.shape[3] === ch ? h : (tf.slice(h, [0, 0, 0, 0], [-1, -1, -1, ch]) as tf.Tensor4D);

    const runCell = (c: CellNodes, input: tf.Tensor4D): tf.Tensor4D => {
      const tensors: tf.Tensor4D[] = [input];
      const concat: tf.Tensor4D[] = [];
      for (let t = 1; t < V - 1; t++) {
        const addIn: tf.Tensor4D[] = [];
        for (let src = 1; src < t; src++) if (matrix[src][t]) addIn.push(truncate(tensors[src], c.channels[t]));
        if (c.proj[t]) addIn.push(convBnRelu(c.proj[t]!, input));
        const vin = addIn.length === 1 ? addIn[0] : (tf.addN(addIn) as tf.Tensor4D);
        const out = c.op[t] ? convBnRelu(c.op[t]!, vin) : tf.maxPool(vin, 3, 1, 'same');
        tensors.push(out);
        if (matrix[t][V - 1]) concat.push(out);
      }
      if (concat.length === 0) return convBnRelu(c.outProj!, input);
      const joined = concat.length === 1 ? concat[0] : tf.concat(concat, 3);
      return c.outProj ? tf.add(joined, convBnRelu(c.outProj, input)) : joined;
    };

    let h = L.cut(convBnRelu(stem, x));
    cells.forEach((row, stack) => {
      if (stack > 0) h = tf.maxPool(h, 2, 2, 'valid');
      for (const c of row) h = L.cut(runCell(c, h));
    });
    return L.globalPoolLinear(head, h);
  }

  return { nodes, aux, inputShape: [32, 32, 3], numClasses, forward };
}
