// Structural features of a cell graph, after GRAF (Kadlecová et al., "Surprisingly Strong Performance
// Prediction with Neural Graph Features", ICML 2024): for every non-empty set A of the space's ops, how many
// nodes carry an op in A, the shortest input → output path through A-nodes only, the A-nodes on the path
// that best favours A, and the input's and output's A-neighbours; plus the number and lengths of the
// input → output paths. Ops are on nodes (CellGraph), so one definition serves NB201 (an edge per node)
// and NB101. Where GRAF reports two identical averages per set, one count stands here.
import { UserError } from '../errors.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { inputOutputPaths, type CellGraph } from './cell-graph.ts';

export interface GraphFeatures {
  names: readonly string[];
  /** The features of one cell, in the order of `names`. */
  of(g: CellGraph): Float32Array;
}

/** Every non-empty subset of `ops`, smallest first (2^|ops| − 1 of them). */
function opSets(ops: readonly string[]): string[][] {
  const sets: string[][] = [];
  for (let mask = 1; mask < 1 << ops.length; mask++) sets.push(ops.filter((_, i) => mask & (1 << i)));
  return sets.sort((a, b) => a.length - b.length);
}

export function graphFeatures(ops: readonly string[]): GraphFeatures {
  const sets = opSets(ops);
  const label = (set: string[]) => `{${set.join(',')}}`;
  const names = [
    ...sets.flatMap((s) => ['count', 'min_path', 'max_on_path', 'input_degree', 'output_degree'].map((f) => `${f}${label(s)}`)),
    'paths', 'longest_path', 'mean_path',
  ];
  return {
    names,
    of(g) {
      const paths = inputOutputPaths(g).map((p) => p.slice(1, -1)); // interior nodes only
      const out = g.ops.length - 1;
      const into = g.next.flatMap((succ, v) => (succ.includes(out) ? [v] : []));
      const values: number[] = [];
      for (const set of sets) {
        const inSet = (v: number) => set.includes(g.ops[v]);
        const allowed = paths.filter((p) => p.every(inSet));
        // The path that most favours A: most A-nodes net of the others; on a tie the shorter.
        let best = -Infinity, bestCount = 0;
        for (const p of paths) {
          const k = p.filter(inSet).length, score = 2 * k - p.length;
          if (score > best || (score === best && k < bestCount)) [best, bestCount] = [score, k];
        }
        values.push(
          g.ops.filter((_, v) => inSet(v)).length,
          allowed.length ? Math.min(...allowed.map((p) => p.length)) : g.ops.length - 1,
          bestCount,
          g.next[0].filter(inSet).length,
          into.filter(inSet).length,
        );
      }
      const lengths = paths.map((p) => p.length);
      values.push(paths.length, lengths.length ? Math.max(...lengths) : 0, lengths.length ? lengths.reduce((a, b) => a + b, 0) / lengths.length : 0);
      return Float32Array.from(values);
    },
  };
}

const perSpace = new WeakMap<SearchSpace, { features: GraphFeatures; cells: Map<string, Float32Array> }>();

/** The graph features of a cell of `space`, memoised per space (a run reads them several times);
 * a space without a cell graph is a UserError. */
export function cellGraphFeatures(space: SearchSpace, arch: string): Float32Array {
  let memo = perSpace.get(space);
  if (!memo) {
    if (!space.cellGraph) throw new UserError(`features.graph: the ${space.name} space has no cell graph`);
    memo = { features: graphFeatures(space.cellGraph.ops), cells: new Map() };
    perSpace.set(space, memo);
  }
  let v = memo.cells.get(arch);
  if (!v) memo.cells.set(arch, (v = memo.features.of(space.cellGraph!.of(arch))));
  return v;
}
