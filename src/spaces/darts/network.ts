// The DARTS CIFAR network (DARTS model_eval NetworkCIFAR, pycls NetworkCIFAR) for one genotype, and its
// fixed slot list. Shared by NAS-Bench-301 (C = 32, 8 cells) and the NDS cell spaces (any width, depth).
//
// Stem conv3×3 (3 → 3C) + BN; `layers` cells, the ones at layers/3 and 2·layers/3 (integer division)
// are reduction cells that double C and halve the resolution; global average pool; linear head with bias
// (no BN/ReLU before the pool, no auxiliary head). A cell preprocesses its two inputs (the outputs of the
// two previous cells) to C channels: input 0 by ReLU-conv1×1-BN, or FactorizedReduce after a reduction
// cell; input 1 by ReLU-conv1×1-BN. Edge ops on states 0/1 of a reduction cell have stride 2 (ops.ts).
//
// Slots. A cell position is named by its stage block: `stage{s}.cell{k}` (the k-th normal cell of stage
// s) or `reduce{r}` (the r-th reduction cell). Each position has the slots
//   pre0 (ReLU-conv-BN) or pre0.fr1, pre0.fr2 (FactorizedReduce), pre1,
//   edge{e}.conv{j} — conv layer j (0..3) of the op on genotype edge e (node e/2 + 2), e.g. a sep_conv's
//   dw1, pw1, dw2, pw2; a dil_conv's dw, pw; a strided skip's fr1, fr2,
// in that order, between `stem` and `classifier`. Slot k is the same layer position in every genotype;
// the node's `type` says which op and layer fill it (e.g. `sep_conv_3x3.dw1`).
//
// Graph cuts for synflow: the stem output, then after each cell the pair (previous output, new output),
// which is all the rest of the network reads (LayerOps.cutJoint rescales both by one factor).
import * as tf from '@tensorflow/tfjs';
import { LayerOps } from '../../nn/layers.ts';
import type { AuxParamSpec, ForwardMode, Network, NodeSpec } from '../../nn/network.ts';
import { bnParams, convNode, linearClassifier } from '../../nn/parts.ts';
import type { SlotInfo } from '../space.ts';
import type { Genotype } from './genotype.ts';
import { factorizedReduce, MAX_SUBLAYERS, opPlan, outSize, reluConvBn, runOp, subLayerNode, type OpPlan, type SubLayer } from './ops.ts';

export interface CellNetConfig {
  /** Channels of the first stage (the stem has 3C). */
  C: number;
  /** Number of cells. */
  layers: number;
  /** Nodes per cell (edges = 2 × nodes). */
  nodes: number;
  /** Whether the BNs inside edge ops have an affine (counted in params): pycls yes, NAS-Bench-301 no. */
  affineOps: boolean;
}

/** NAS-Bench-301's training network; its parameter counts equal the benchmark file's `params`. */
export const NB301_CONFIG: CellNetConfig = { C: 32, layers: 8, nodes: 4, affineOps: false };

interface Position {
  name: string;
  /** Sort key: stage0 < reduce1 < stage1 < reduce2 < stage2, then the cell index. */
  order: [number, number];
  reduction: boolean;
  /** Input 0 comes from a reduction cell (FactorizedReduce preprocessing). */
  afterReduction: boolean;
}

function positions(layers: number): Position[] {
  const reductions = [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
  const out: Position[] = [];
  let stage = 0;
  let k = 0;
  for (let i = 0; i < layers; i++) {
    const reduction = reductions.includes(i);
    const afterReduction = i > 0 && out[i - 1].reduction;
    if (reduction) {
      stage++;
      k = 0;
      out.push({ name: `reduce${stage}`, order: [2 * stage - 1, 0], reduction, afterReduction });
    } else {
      out.push({ name: `stage${stage}.cell${k}`, order: [2 * stage, k++], reduction, afterReduction });
    }
  }
  return out;
}

/** The slots of DARTS networks of the given depths (union over depths, in definition order). */
export function cellNetworkSlots(depths: readonly number[], nodes: number): SlotInfo[] {
  const byName = new Map<string, Position & { rcb: boolean; fr: boolean }>();
  for (const L of depths) {
    for (const p of positions(L)) {
      const seen = byName.get(p.name) ?? { ...p, rcb: false, fr: false };
      if (p.afterReduction) seen.fr = true;
      else seen.rcb = true;
      byName.set(p.name, seen);
    }
  }
  const cells = [...byName.values()].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  const slots: SlotInfo[] = [];
  const add = (name: string, meta: Record<string, string | number>) => slots.push({ slot: slots.length, name, meta });
  add('stem', { role: 'stem' });
  for (const p of cells) {
    const cell = { position: p.name, stage: Math.ceil(p.order[0] / 2), reduction: p.reduction ? 1 : 0 };
    if (p.rcb) add(`${p.name}.pre0`, { ...cell, role: 'pre0' });
    if (p.fr) for (const part of ['fr1', 'fr2']) add(`${p.name}.pre0.${part}`, { ...cell, role: `pre0.${part}` });
    add(`${p.name}.pre1`, { ...cell, role: 'pre1' });
    for (let e = 0; e < 2 * nodes; e++) {
      for (let j = 0; j < MAX_SUBLAYERS; j++) add(`${p.name}.edge${e}.conv${j}`, { ...cell, role: 'edge', edge: e, node: (e >> 1) + 2, sub: j });
    }
  }
  add('classifier', { role: 'classifier' });
  return slots;
}

/** The 1 + 8 × 34 + 2 + 1 = 276 slots of the NB301 network. */
export const NB301_SLOTS: readonly SlotInfo[] = cellNetworkSlots([NB301_CONFIG.layers], NB301_CONFIG.nodes);

interface BuiltOp { plan: OpPlan; nodes: NodeSpec[] }
interface BuiltCell { pre0: BuiltOp; pre1: BuiltOp; edges: BuiltOp[]; inputs: number[]; concat: readonly number[] }

/** Builds the network of a genotype; `slots` must contain every slot the genotype fills (throws
 * otherwise). Nodes are created in slot order. */
export function buildCellNetwork(g: Genotype, cfg: CellNetConfig, slots: readonly SlotInfo[], numClasses = 10): Network {
  const slotOf = new Map(slots.map((s) => [s.name, s.slot]));
  const nodes: NodeSpec[] = [];
  const aux: AuxParamSpec[] = [];
  /** Creates the nodes of an op's layers on a size×size input; BN affines only where `affine`. */
  const build = (prefix: string, op: string, plan: OpPlan, size: number, affine: boolean, names: (l: SubLayer, j: number) => string): BuiltOp => {
    if (plan.kind !== 'layers' && plan.kind !== 'factorized') return { plan, nodes: [] };
    let s: [number, number] = [size, size];
    const out = plan.layers.map((l, j) => {
      const name = `${prefix}.${names(l, j)}`;
      const slot = slotOf.get(name);
      if (slot === undefined) throw new Error(`no slot ${name} in this space`);
      const node = subLayerNode(l, slot, name, `${op}.${l.part}`, s);
      // The factorized convs run in parallel on the same input; the others in sequence.
      if (plan.kind === 'layers') s = outSize(l, s);
      nodes.push(node);
      if (affine && l.bn) aux.push(...bnParams(name, l.cout));
      return node;
    });
    if (affine && plan.kind === 'factorized') aux.push(...bnParams(prefix, plan.layers.length * plan.layers[0].cout));
    return { plan, nodes: out };
  };

  const stemC = 3 * cfg.C;
  const stem = convNode(slotOf.get('stem')!, 'stem', 'conv3x3', [3, 3, 3, stemC], [32, 32]);
  nodes.push(stem);
  aux.push(...bnParams('stem', stemC));

  const cells: BuiltCell[] = [];
  let [cpp, cp, c] = [stemC, stemC, cfg.C];
  // Side of the previous cell's output; after preprocessing both cell inputs have it.
  let side = 32;
  for (const p of positions(cfg.layers)) {
    if (p.reduction) c *= 2;
    const [edges, concat] = p.reduction ? [g.reduce, g.reduceConcat] : [g.normal, g.normalConcat];
    const pre0 = p.afterReduction
      ? build(`${p.name}.pre0`, 'factorized_reduce', factorizedReduce(cpp, c), 2 * side, true, (l) => l.part)
      : build(p.name, 'relu_conv_bn', reluConvBn(cpp, c), side, true, () => 'pre0');
    const pre1 = build(p.name, 'relu_conv_bn', reluConvBn(cp, c), side, true, () => 'pre1');
    const built = edges.map(([op, input], e) => {
      const stride = p.reduction && input < 2 ? 2 : 1;
      const plan = opPlan(op, c, stride);
      if (!plan) throw new Error(`op ${op} has no plan`);
      return build(`${p.name}.edge${e}`, op, plan, p.reduction && input >= 2 ? side / 2 : side, cfg.affineOps, (_l, j) => `conv${j}`);
    });
    cells.push({ pre0, pre1, edges: built, inputs: edges.map(([, i]) => i), concat });
    [cpp, cp] = [cp, concat.length * c];
    if (p.reduction) side /= 2;
  }

  const { node: head, bias } = linearClassifier(slotOf.get('classifier')!, cp, numClasses);
  nodes.push(head);
  aux.push(bias);
  nodes.sort((a, b) => a.slot - b.slot);

  function forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D {
    const L = new LayerOps(mode);
    let s1 = L.cut(L.batchNorm(L.conv(stem, x, 1, 1)));
    let s0 = s1;
    for (const cell of cells) {
      const states = [runOp(L, cell.pre0.plan, cell.pre0.nodes, s0), runOp(L, cell.pre1.plan, cell.pre1.nodes, s1)];
      for (let e = 0; e < cell.edges.length; e += 2) {
        const [a, b] = [e, e + 1].map((k) => runOp(L, cell.edges[k].plan, cell.edges[k].nodes, states[cell.inputs[k]]));
        states.push(tf.add(a, b));
      }
      const out = cell.concat.length === 1 ? states[cell.concat[0]] : tf.concat(cell.concat.map((i) => states[i]), 3);
      [s0, s1] = L.cutJoint([s1, out]);
    }
    return L.globalPoolLinear(head, s1);
  }

  return { nodes, aux, inputShape: [32, 32, 3], numClasses, forward };
}
