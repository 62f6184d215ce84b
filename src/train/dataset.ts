// Training data for the trainer: a harvest node table joined with its cells table (network-level
// proxies) and a space's ground truth, padded to the space's slot count, and split into train/test.
// The space is reached only through the SearchSpace interface (getSpace), so nothing here is NB201
// specific except the ground-truth lookup table TRUTH below.
import { UserError } from '../errors.ts';
import { COLUMNS, readHarvestTables } from '../harvest/table.ts';
import { deriveSeed, randomSource, shuffle } from '../random.ts';
import { getSpace } from '../spaces/index.ts';
import type { SearchSpace, TruthTable } from '../spaces/space.ts';

export type { Truth, TruthTable } from '../spaces/space.ts';

export function loadTruth(space: string, dataset: string): TruthTable {
  return getSpace(space).truth(dataset);
}

/** A harvest read into dense per-cell arrays (one row per harvested architecture). */
export interface Harvest {
  path: string;
  space: SearchSpace;
  /** Node-level proxies (columns of a token) and network-level proxies. */
  nodeProxies: string[];
  networkProxies: string[];
  slotCount: number;
  /** True when the table holds one representative per isomorphism class (`archs: unique`). */
  unique: boolean;
  archs: string[];
  /** [cell][slot][proxy], NaN where a value is null or the slot is absent. */
  values: Float32Array;
  /** [cell][slot], 1 where the architecture has that node. */
  mask: Float32Array;
  /** Node types in the table (its node_type column) and [cell][slot] → index into them, −1 where absent. */
  nodeTypes: string[];
  types: Int16Array;
  /** [cell][network proxy], NaN for null. */
  network: Float64Array;
  /** What the statistics were measured with (schema metadata; absent keys are unknown): dataset, images,
   * batch_size, micro_batch, seed. Tables joined as one must agree on them. */
  measuredWith: Record<string, string>;
}

/** Reads a harvest node table and its `.cells.arrow` sibling. */
export function readHarvest(path: string): Harvest {
  const tables = readHarvestTables(path);
  const { meta, nodes, cells } = tables;
  const space = getSpace(meta.space);
  const { nodeProxies, networkProxies } = meta;
  const S = Math.max(space.slots.length, meta.slots?.length ?? 0), P = nodeProxies.length, Q = networkProxies.length;

  const cArch = tables.cellColumn(COLUMNS.arch);
  const archs: string[] = [];
  const row = new Map<string, number>();
  for (let i = 0; i < cells.numRows; i++) {
    const a = cArch.get(i) as string;
    row.set(a, archs.length);
    archs.push(a);
  }
  const N = archs.length;
  const network = new Float64Array(N * Q).fill(Number.NaN);
  networkProxies.forEach((p, q) => {
    const c = tables.cellColumn(p);
    for (let i = 0; i < N; i++) network[i * Q + q] = (c.get(i) as number | null) ?? Number.NaN;
  });
  const values = new Float32Array(N * S * P).fill(Number.NaN);
  const mask = new Float32Array(N * S);
  const types = new Int16Array(N * S).fill(-1);
  const nodeTypes: string[] = [], typeIndex = new Map<string, number>();
  const nArch = tables.nodeColumn(COLUMNS.arch), nNode = tables.nodeColumn(COLUMNS.node), nType = tables.nodeColumn(COLUMNS.nodeType);
  const cols = nodeProxies.map((p) => tables.nodeColumn(p));
  for (let r = 0; r < nodes.numRows; r++) {
    const i = row.get(nArch.get(r) as string);
    if (i === undefined) throw new UserError(`${path}: node row ${r} names an arch missing from the cells table`);
    const s = nNode.get(r) as number;
    if (s < 0 || s >= S) throw new UserError(`${path}: node slot ${s} outside 0..${S - 1}`);
    mask[i * S + s] = 1;
    const type = String(nType.get(r));
    if (!typeIndex.has(type)) typeIndex.set(type, nodeTypes.push(type) - 1);
    types[i * S + s] = typeIndex.get(type)!;
    for (let p = 0; p < P; p++) values[(i * S + s) * P + p] = (cols[p].get(r) as number | null) ?? Number.NaN;
  }
  return {
    path, space, nodeProxies, networkProxies, slotCount: S, unique: meta.archs === 'unique', archs, values, mask, nodeTypes, types, network,
    measuredWith: meta.measuredWith,
  };
}

/** Joins harvests of the same cells that measured different proxies (e.g. nwot, jacov, zen harvested
 * after the main table): their proxies are appended; the main table's cells and nodes are kept. */
export function joinHarvests(main: Harvest, extras: readonly Harvest[]): Harvest {
  let out = main;
  for (const x of extras) {
    if (x.space.name !== out.space.name) throw new UserError(`harvest ${x.path} is of space "${x.space.name}", ${main.path} of "${main.space.name}"`);
    if (x.slotCount !== out.slotCount) throw new UserError(`harvest ${x.path} has ${x.slotCount} node slots, ${main.path} ${out.slotCount}`);
    const clash = [...x.nodeProxies.filter((p) => out.nodeProxies.includes(p)), ...x.networkProxies.filter((p) => out.networkProxies.includes(p))];
    if (clash.length) throw new UserError(`harvest ${x.path} repeats proxies of the tables before it: ${clash.join(', ')}`);
    const differ = Object.keys(x.measuredWith).filter((k) => k in out.measuredWith && out.measuredWith[k] !== x.measuredWith[k]);
    if (differ.length) {
      throw new UserError(`harvest ${x.path} was measured with ${differ.map((k) => `${k} ${x.measuredWith[k]}`).join(', ')}, the tables before it with ` +
        `${differ.map((k) => `${k} ${out.measuredWith[k]}`).join(', ')}: joined statistics must come from the same batch and initialisation`);
    }
    const rowOf = new Map(x.archs.map((a, i) => [a, i]));
    const missing = out.archs.filter((a) => !rowOf.has(a));
    if (missing.length) {
      throw new UserError(`harvest ${x.path} lacks ${missing.length} of the ${out.archs.length} cells of ${main.path} (first: ${missing[0]})`);
    }
    const N = out.archs.length, S = out.slotCount, P = out.nodeProxies.length, P2 = x.nodeProxies.length;
    const Q = out.networkProxies.length, Q2 = x.networkProxies.length;
    const values = new Float32Array(N * S * (P + P2));
    const network = new Float64Array(N * (Q + Q2));
    out.archs.forEach((a, i) => {
      const j = rowOf.get(a)!;
      for (let s = 0; s < S; s++) {
        if (out.mask[i * S + s] !== x.mask[j * S + s]) throw new UserError(`harvest ${x.path} has other nodes than ${main.path} for ${a} (slot ${s})`);
        values.set(out.values.subarray((i * S + s) * P, (i * S + s + 1) * P), (i * S + s) * (P + P2));
        values.set(x.values.subarray((j * S + s) * P2, (j * S + s + 1) * P2), (i * S + s) * (P + P2) + P);
      }
      network.set(out.network.subarray(i * Q, (i + 1) * Q), i * (Q + Q2));
      network.set(x.network.subarray(j * Q2, (j + 1) * Q2), i * (Q + Q2) + Q);
    });
    out = {
      ...out, nodeProxies: [...out.nodeProxies, ...x.nodeProxies], networkProxies: [...out.networkProxies, ...x.networkProxies], values, network,
      measuredWith: { ...x.measuredWith, ...out.measuredWith },
    };
  }
  return out;
}

/** Reads a harvest table and joins the tables of further proxies of the same cells. */
export function loadHarvest(path: string, extra: readonly string[] = []): Harvest {
  return joinHarvests(readHarvest(path), extra.map(readHarvest));
}

/** The harvest restricted to (and ordered as) the named node and network proxies, e.g. the proxies two
 * spaces' tables share, so one model reads both. A name the harvest lacks is a UserError. */
export function selectProxies(h: Harvest, node: readonly string[], network: readonly string[]): Harvest {
  const indexOf = (have: string[], name: string, kind: string) => {
    const i = have.indexOf(name);
    if (i < 0) throw new UserError(`harvest ${h.path} has no ${kind} proxy "${name}" (it has: ${have.join(', ') || 'none'})`);
    return i;
  };
  const pn = node.map((n) => indexOf(h.nodeProxies, n, 'node'));
  const pq = network.map((n) => indexOf(h.networkProxies, n, 'network'));
  const R = h.archs.length, S = h.slotCount, P = h.nodeProxies.length, Q = h.networkProxies.length;
  const values = new Float32Array(R * S * pn.length);
  for (let rs = 0; rs < R * S; rs++) pn.forEach((p, k) => (values[rs * pn.length + k] = h.values[rs * P + p]));
  const net = new Float64Array(R * pq.length);
  for (let r = 0; r < R; r++) pq.forEach((q, k) => (net[r * pq.length + k] = h.network[r * Q + q]));
  return { ...h, nodeProxies: [...node], networkProxies: [...network], values, network: net };
}

/** Cells ready for features: each row points at the harvest row whose statistics it uses. */
export interface Dataset {
  harvest: Harvest;
  /** Actual architectures (ground truth is per actual cell). */
  archs: string[];
  /** Harvest row of each cell's statistics. */
  source: Int32Array;
  /** Validation and test accuracy per cell (NaN when unknown). */
  val: Float64Array;
  test: Float64Array;
}

/**
 * Joins a harvest with ground truth. When the harvest holds only isomorphism-unique cells, every
 * architecture of the space is mapped to the harvested member of its class (space.isomorphismKey)
 * and uses that representative's statistics: isomorphic cells compute the same function, so their
 * zero-cost statistics agree up to the random initialisation; their ground truth stays their own.
 * Cells without ground truth or without a harvested representative are dropped.
 */
export function buildDataset(harvest: Harvest, truth: TruthTable | null): Dataset {
  const { space } = harvest;
  const archs: string[] = [];
  const source: number[] = [];
  if (harvest.unique) {
    const byKey = new Map<string, number>();
    harvest.archs.forEach((a, i) => byKey.set(space.isomorphismKey(a), i));
    for (const a of space.enumerate()) {
      const i = byKey.get(space.isomorphismKey(a));
      if (i === undefined) continue;
      archs.push(a);
      source.push(i);
    }
  } else {
    harvest.archs.forEach((a, i) => {
      archs.push(a);
      source.push(i);
    });
  }
  const keep = truth ? archs.map((a) => truth.has(a)) : archs.map(() => true);
  const ka = archs.filter((_, k) => keep[k]);
  const ks = source.filter((_, k) => keep[k]);
  const val = Float64Array.from(ka, (a) => truth?.get(a)?.val ?? Number.NaN);
  const test = Float64Array.from(ka, (a) => truth?.get(a)?.test ?? Number.NaN);
  return { harvest, archs: ka, source: Int32Array.from(ks), val, test };
}

export interface Split {
  train: number[];
  test: number[];
}

/** Seeded split: `train` cells drawn at random; test = the rest, or all cells. `testCells` > 0 holds
 * out that many cells (rest only), the same ones for every `train` of a seed (the end of the order). */
export function splitDataset(n: number, train: number, seed: number, test: 'rest' | 'all', testCells = 0): Split {
  if (!Number.isInteger(train) || train < 2) throw new UserError(`split.train must be an integer ≥ 2, got ${train}`);
  if (testCells && test !== 'rest') throw new UserError('split.testCells applies to split.test = "rest" only');
  if (train + Math.max(testCells, test === 'rest' ? 1 : 0) > n) {
    throw new UserError(`split.train = ${train}${testCells ? ` and split.testCells = ${testCells}` : ''} need more cells: the dataset has ${n}`);
  }
  const order = shuffle(Array.from({ length: n }, (_, i) => i), randomSource(deriveSeed(seed, 'split')));
  const tr = order.slice(0, train).sort((a, b) => a - b);
  const te = (test === 'all' ? order.slice() : order.slice(testCells ? n - testCells : train)).sort((a, b) => a - b);
  return { train: tr, test: te };
}

/** The cell sets a run can train and test on: every cell with ground truth (`all`), one cell per
 * isomorphism class (`unique`: the first in the space's order), or a subset the space names (NB201
 * `valid`, the 9,445 cells NAS-Bench-Suite-Zero, GRAF and VKDNW report on). */
export const CELL_SETS = ['all', 'unique', 'valid'] as const;

export function restrictCells(ds: Dataset, set: string): Dataset {
  if (set === 'all') return ds;
  const space = ds.harvest.space;
  let keep: (arch: string) => boolean;
  if (set === 'unique') {
    const seen = new Set<string>();
    keep = (a) => {
      const key = space.isomorphismKey(a);
      return !seen.has(key) && !!seen.add(key);
    };
  } else {
    const subset = space.subsets?.[set];
    if (!subset) throw new UserError(`split.cells "${set}": the ${space.name} space names no such cell set (it has: all, unique${Object.keys(space.subsets ?? {}).map((k) => `, ${k}`).join('')})`);
    keep = subset;
  }
  return subsetDataset(ds, ds.archs.flatMap((a, i) => (keep(a) ? [i] : [])));
}

/** The cells `idx` of a dataset, in that order. */
export function subsetDataset(ds: Dataset, idx: readonly number[]): Dataset {
  return {
    harvest: ds.harvest, archs: idx.map((i) => ds.archs[i]), source: Int32Array.from(idx, (i) => ds.source[i]),
    val: Float64Array.from(idx, (i) => ds.val[i]), test: Float64Array.from(idx, (i) => ds.test[i]),
  };
}
