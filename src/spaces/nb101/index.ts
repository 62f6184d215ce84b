import type { SearchSpace } from '../space.ts';
import { formatNb101, NB101_OPS, nb101Encoding, nb101PathEncoding, parseNb101 } from './cell.ts';
import { buildNb101Network, NB101_SLOTS } from './network.ts';
import { enumerateNb101, loadNb101Truth, nb101ArchToIndex, nb101HashOf } from './truth.ts';

/** NAS-Bench-101: cells of ≤ 7 vertices and ≤ 9 edges over 3 ops. Enumerates the 20,001 cells with
 * validation accuracy (nb101_20k_val_test.csv); indexOf covers all 423,624 benchmark cells. */
export const nb101: SearchSpace = {
  name: 'nb101',
  description: 'NAS-Bench-101 cells in the 3-stack, 3-cells-per-stack CIFAR network (stem 128 channels)',
  slots: NB101_SLOTS.map(({ slot, name, ...meta }) => ({ slot, name, meta })),
  parse: (arch) => formatNb101(parseNb101(arch)),
  enumerate: enumerateNb101,
  indexOf: nb101ArchToIndex,
  isomorphismKey: nb101HashOf,
  // Adjacency + ops, then path counts: the path encoding lifts the forest's τ by ~0.02 at 172 cells.
  encode: (arch) => {
    const spec = parseNb101(arch);
    return Float32Array.from([...nb101Encoding(spec), ...nb101PathEncoding(spec)]);
  },
  build: (arch, numClasses) => buildNb101Network(parseNb101(arch), numClasses),
  truth: (dataset) => loadNb101Truth(dataset),
  cellGraph: {
    ops: NB101_OPS,
    of: (arch) => {
      const { matrix, ops } = parseNb101(arch);
      return { ops, next: matrix.map((row) => row.flatMap((x, j) => (x ? [j] : []))) };
    },
  },
};
