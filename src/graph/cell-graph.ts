// A cell as a DAG with its operations on the nodes: the one graph form every space gives (NB101 has ops on
// nodes already; a cell with ops on edges, as NB201's, makes each edge a node). The structural features
// (graph-features.ts) read it.

/** Node 0 is the cell's input, the last node its output; the others carry an op of the space's vocabulary. */
export interface CellGraph {
  /** Op of every node; `INPUT` and `OUTPUT` at the ends. */
  ops: readonly string[];
  /** Successors of every node (edges i → j with i < j: nodes are in topological order). */
  next: readonly (readonly number[])[];
}

export const INPUT = 'input';
export const OUTPUT = 'output';

/** The node-op form of a cell with ops on its edges (`edges[k]` = [from, to], `ops[k]` its op, cell nodes
 * 0…nodes−1 with 0 the input and nodes−1 the output): edge k becomes node k + 1, fed by the edges entering
 * its source and feeding the edges leaving its target. Every edge stays, 'none' too (an op like others). */
export function edgeCellGraph(edges: readonly (readonly [number, number])[], ops: readonly string[], nodes: number): CellGraph {
  const n = edges.length + 2, out = n - 1;
  const next: number[][] = Array.from({ length: n }, () => []);
  edges.forEach(([from, to], k) => {
    if (from === 0) next[0].push(k + 1);
    if (to === nodes - 1) next[k + 1].push(out);
    edges.forEach(([from2], k2) => { if (from2 === to) next[k + 1].push(k2 + 1); });
  });
  const order = topologicalOrder(next);
  const at = new Map(order.map((v, i) => [v, i]));
  const relabel = order.map((v) => next[v].map((w) => at.get(w)!).sort((a, b) => a - b));
  const allOps = [INPUT, ...ops, OUTPUT];
  return { ops: order.map((v) => allOps[v]), next: relabel };
}

function topologicalOrder(next: readonly (readonly number[])[]): number[] {
  const indegree = next.map(() => 0);
  for (const succ of next) for (const w of succ) indegree[w]++;
  const ready = [0], order: number[] = [];
  while (ready.length) {
    const v = ready.shift()!;
    order.push(v);
    for (const w of next[v]) if (--indegree[w] === 0) ready.push(w);
  }
  if (order.length !== next.length) throw new Error('cell graph has a cycle or a node unreachable from the input');
  return order;
}

/** Every input → output path, as node lists (cells are small: NB201 has 4, NB101 at most a few dozen). */
export function inputOutputPaths(g: CellGraph): number[][] {
  const out = g.ops.length - 1, paths: number[][] = [];
  const walk = (v: number, path: number[]) => {
    if (v === out) return void paths.push(path);
    for (const w of g.next[v]) walk(w, [...path, w]);
  };
  walk(0, [0]);
  return paths;
}
