import { edgeCellGraph } from '../../graph/cell-graph.ts';
import type { SearchSpace } from '../space.ts';
import {
  canonicalNb201, enumerateNb201, formatNb201, isValidNb201, NB201_EDGES, NB201_OPS, nb201ArchToIndex, nb201OpEncoding, parseNb201,
} from './cell.ts';
import { buildNb201Network, NB201_SLOTS } from './network.ts';
import { loadNb201Truth } from './truth.ts';

/** NAS-Bench-201 (Dong & Yang 2020): 15,625 cells of 4 nodes and 6 edges over 5 ops. */
export const nb201: SearchSpace = {
  name: 'nb201',
  description: 'NAS-Bench-201 cells in the 3-stage, 5-cells-per-stage CIFAR network (C = 16)',
  slots: NB201_SLOTS.map(({ slot, name, ...meta }) => ({ slot, name, meta })),
  parse: (arch) => formatNb201(parseNb201(arch)),
  enumerate: enumerateNb201,
  indexOf: nb201ArchToIndex,
  isomorphismKey: canonicalNb201,
  encode: (arch) => nb201OpEncoding(parseNb201(arch)),
  build: (arch, numClasses) => buildNb201Network(parseNb201(arch), numClasses),
  truth: loadNb201Truth,
  cellGraph: { ops: NB201_OPS, of: (arch) => edgeCellGraph(NB201_EDGES, parseNb201(arch), 4) },
  subsets: { valid: (arch) => isValidNb201(parseNb201(arch)) },
};
