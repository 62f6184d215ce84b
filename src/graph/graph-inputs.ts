// The cell graph as a message-passing model's input: per cell, each node's op one-hot (input, output and
// the space's ops), its depth from the input and to the output, and the adjacency, padded to a fixed
// node count with a mask (NB101 cells have 2 to 7 nodes).
import type { SearchSpace } from '../spaces/space.ts';
import { INPUT, OUTPUT, type CellGraph } from './cell-graph.ts';

export interface GraphInputs {
  /** Nodes per cell (padded) and node feature width. */
  nodes: number;
  width: number;
  /** [cell][node][width], [cell][node][node] (adj[i][j] = 1 for an edge i → j), [cell][node]. */
  features: Float32Array;
  adjacency: Float32Array;
  mask: Float32Array;
}

/** The op vocabulary of a space's graph inputs. */
export const graphVocabulary = (space: SearchSpace) => [INPUT, OUTPUT, ...space.cellGraph!.ops];

/** Longest path length (in edges) from the input to each node and from each node to the output. */
function depths(g: CellGraph): { fromInput: number[]; toOutput: number[] } {
  const n = g.ops.length;
  const fromInput = new Array<number>(n).fill(0), toOutput = new Array<number>(n).fill(0);
  for (let v = 0; v < n; v++) for (const w of g.next[v]) fromInput[w] = Math.max(fromInput[w], fromInput[v] + 1);
  for (let v = n - 1; v >= 0; v--) for (const w of g.next[v]) toOutput[v] = Math.max(toOutput[v], toOutput[w] + 1);
  return { fromInput, toOutput };
}

export function graphInputs(space: SearchSpace, archs: readonly string[], nodes: number, vocabulary: readonly string[]): GraphInputs {
  const V = vocabulary.length, W = V + 2, n = archs.length;
  const features = new Float32Array(n * nodes * W), adjacency = new Float32Array(n * nodes * nodes), mask = new Float32Array(n * nodes);
  archs.forEach((arch, c) => {
    const g = space.cellGraph!.of(arch);
    if (g.ops.length > nodes) throw new Error(`cell ${arch} has ${g.ops.length} graph nodes, more than the ${nodes} fitted`);
    const { fromInput, toOutput } = depths(g);
    g.ops.forEach((op, v) => {
      const at = (c * nodes + v) * W, k = vocabulary.indexOf(op);
      if (k >= 0) features[at + k] = 1; // an op unseen in training gets no one-hot
      features[at + V] = fromInput[v] / (nodes - 1);
      features[at + V + 1] = toOutput[v] / (nodes - 1);
      mask[c * nodes + v] = 1;
      for (const w of g.next[v]) adjacency[(c * nodes + v) * nodes + w] = 1;
    });
  });
  return { nodes, width: W, features, adjacency, mask };
}

/** The graph inputs of cells `idx` (positions in g). */
export function selectGraphInputs(g: GraphInputs, idx: readonly number[]): GraphInputs {
  const G = g.nodes, W = g.width;
  const features = new Float32Array(idx.length * G * W), adjacency = new Float32Array(idx.length * G * G), mask = new Float32Array(idx.length * G);
  idx.forEach((c, i) => {
    features.set(g.features.subarray(c * G * W, (c + 1) * G * W), i * G * W);
    adjacency.set(g.adjacency.subarray(c * G * G, (c + 1) * G * G), i * G * G);
    mask.set(g.mask.subarray(c * G, (c + 1) * G), i * G);
  });
  return { ...g, features, adjacency, mask };
}
