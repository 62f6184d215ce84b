import type { CellGraph } from '../graph/cell-graph.ts';
import type { Network } from '../nn/network.ts';

/** A fixed layer position of a space's networks; node `slot` means the same layer in every architecture. */
export interface SlotInfo {
  slot: number;
  name: string;
  /** Free-form description (stage, cell, edge, channels, resolution…), written into table metadata. */
  meta: Record<string, string | number>;
}

/** Ground truth of one architecture (accuracies, percent). */
export interface Truth {
  val: number;
  test: number;
}
/** Ground truth keyed by canonical arch string (the form `parse` returns). */
export type TruthTable = ReadonlyMap<string, Readonly<Truth>>;

/** A NAS search space: the harvester and trainer see spaces only through this interface. */
export interface SearchSpace {
  name: string;
  description: string;
  /** All layer slots, in definition order. */
  slots: readonly SlotInfo[];
  /** Validates an architecture string and returns its canonical text form (throws UserError). */
  parse(arch: string): string;
  /** Every architecture in the benchmark's official order, when the space is enumerable. */
  enumerate(): readonly string[];
  /** Official index of an architecture (−1 when the space has none). */
  indexOf(arch: string): number;
  /** Key of the architecture's isomorphism class: equal keys compute the same function. */
  isomorphismKey(arch: string): string;
  /** Fixed-length op encoding of the architecture (e.g. one-hot ops per edge). */
  encode(arch: string): Float32Array;
  /** The network at initialisation shape (weights are drawn separately). */
  build(arch: string, numClasses: number): Network;
  /** Ground truth of a dataset (throws UserError for a dataset the space has no accuracies for). */
  truth(dataset: string): TruthTable;
  /** Cell spaces: the cell as a graph with ops on its nodes, over the op vocabulary `ops`. */
  cellGraph?: { ops: readonly string[]; of(arch: string): CellGraph };
  /** Named subsets of the space's cells that published protocols evaluate on (e.g. NB201 `valid`). */
  subsets?: Readonly<Record<string, (arch: string) => boolean>>;
}
