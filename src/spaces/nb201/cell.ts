// NAS-Bench-201 cell logic without tensors: arch strings, official indices, isomorphism classes,
// encodings and NASLib's tuple keys.
import { loadBenchmarkFile, type BadFile } from '../../data/benchmark-file.ts';
import { UserError } from '../../errors.ts';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** The 6 edge ops in arch-string order: edges (0→1), (0→2), (1→2), (0→3), (1→3), (2→3). */
export type Nb201Cell = readonly [Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op];

/** [from, to] node of each edge, in arch-string order. */
export const NB201_EDGES: ReadonlyArray<readonly [number, number]> = [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]];

/** Number of cells: 5 ops on each of 6 edges. */
export const NB201_SIZE = 15625;

const INDEX_FILE = 'nb201/nb201_index_arch_12epoch_minibench.json';

function isNb201Op(s: string): s is Nb201Op {
  return (NB201_OPS as readonly string[]).includes(s);
}

/** Parses `|a~0|+|b~0|c~1|+|d~0|e~1|f~2|`; anything else throws a one-line UserError naming the
 * offending part and what was expected. */
export function parseNb201(str: string): Nb201Cell {
  if (typeof str !== 'string') throw new UserError(`NB201 arch must be a string, got ${typeof str}`);
  const bad = (why: string) => new UserError(`invalid NB201 arch string ${JSON.stringify(str)}: ${why}`);
  const groups = str.split('+');
  if (groups.length !== 3) {
    throw bad(`found ${groups.length} node group(s) separated by "+", expected 3 (nodes 1, 2, 3)`);
  }
  const ops: Nb201Op[] = [];
  groups.forEach((group, g) => {
    const node = g + 1;
    const expectedInputs = Array.from({ length: node }, (_, j) => `~${j}`).join(', ');
    if (group.length < 2 || !group.startsWith('|') || !group.endsWith('|')) {
      throw bad(`node ${node} group ${JSON.stringify(group)} must start and end with "|"`);
    }
    const tokens = group.slice(1, -1).split('|');
    if (tokens.length !== node) {
      throw bad(`node ${node} group ${JSON.stringify(group)} has ${tokens.length} edge(s), expected ${node} (inputs ${expectedInputs})`);
    }
    tokens.forEach((token, j) => {
      const m = /^([^~]*)~(.*)$/.exec(token);
      if (!m) throw bad(`token ${JSON.stringify(token)} in node ${node} is not "op~input"`);
      const [, op, input] = m;
      if (!isNb201Op(op)) {
        throw bad(`unknown op ${JSON.stringify(op)} in token ${JSON.stringify(token)}; expected one of ${NB201_OPS.join(', ')}`);
      }
      if (input !== String(j)) {
        throw bad(`token ${JSON.stringify(token)} is edge ${j + 1} of node ${node}, so its input must be ~${j}, not ~${input}`);
      }
      ops.push(op);
    });
  });
  return ops as unknown as Nb201Cell;
}

export function formatNb201(cell: Nb201Cell): string {
  const [a, b, c, d, e, f] = cell;
  return `|${a}~0|+|${b}~0|${c}~1|+|${d}~0|${e}~1|${f}~2|`;
}

// The official index order is a random permutation (the order NAS-Bench-201 trained the cells in):
// no edge/op product order reproduces it, so it is read from the benchmark's index file.
interface IndexTable {
  archs: string[];
  indexOf: Map<string, number>;
}

function readIndexTable(rows: unknown, bad: BadFile): IndexTable {
  if (!Array.isArray(rows) || rows.length !== NB201_SIZE) {
    throw bad(`expected a JSON list of ${NB201_SIZE} entries, got ${Array.isArray(rows) ? rows.length : typeof rows}`);
  }
  const archs = new Array<string>(NB201_SIZE);
  const indexOf = new Map<string, number>();
  rows.forEach((row: { index?: unknown; arch_str?: unknown }, k: number) => {
    const i = row?.index;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= NB201_SIZE || archs[i] !== undefined) {
      throw bad(`entry ${k} has index ${JSON.stringify(i)}; expected each of 0..${NB201_SIZE - 1} once`);
    }
    let arch: string;
    try {
      arch = formatNb201(parseNb201(row.arch_str as string));
    } catch (e) {
      throw bad(`entry ${k}: ${(e as Error).message}`);
    }
    if (indexOf.has(arch)) throw bad(`arch ${arch} appears at indices ${indexOf.get(arch)} and ${i}`);
    archs[i] = arch;
    indexOf.set(arch, i);
  });
  return { archs, indexOf };
}

const loadIndexTable = () => loadBenchmarkFile(INDEX_FILE, 'NB201 index file', 'json', readIndexTable);

/** Arch string of official NAS-Bench-201 index `i` (0..15624). */
export function nb201IndexToArch(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= NB201_SIZE) {
    throw new UserError(`NB201 index ${i} is out of range; expected an integer 0..${NB201_SIZE - 1}`);
  }
  return loadIndexTable().archs[i];
}

/** Official NAS-Bench-201 index of an arch string. */
export function nb201ArchToIndex(str: string): number {
  const arch = formatNb201(parseNb201(str));
  // The table holds all 15,625 distinct valid cells, so every parsed arch is found.
  return loadIndexTable().indexOf.get(arch)!;
}

/** All 15,625 arch strings in official index order. */
export function enumerateNb201(): readonly string[] {
  return loadIndexTable().archs;
}

/** Isomorphism key, NAS-Bench-201's own rule (xautodl `to_unique_str(consider_zero=True)`), which
 * yields the paper's 6,466 classes. Each node is the sorted '+'-join of its incoming terms: a 'none'
 * edge, or any edge from a node that is exactly '#', gives '#' (zero); skip_connect passes the source
 * node's string through; other ops give `(source)@op`. Node 0 is '0'; the key is node 3's string.
 * Nodes that cannot reach the output disappear because only node 3's expression is kept. The rule is
 * deliberately NAS-Bench-201's, not a full algebraic normal form: '#' terms are kept in sums, a sum of
 * zeros ('#+#') is not recognised as zero and nested sums are not flattened (doing all three merges
 * the space further, to 4,930 classes). */
export function canonicalNb201(str: string): string {
  const cell = parseNb201(str);
  const nodes = ['0'];
  for (let to = 1; to <= 3; to++) {
    const terms: string[] = [];
    NB201_EDGES.forEach(([from, edgeTo], e) => {
      if (edgeTo !== to) return;
      const op = cell[e];
      const src = nodes[from];
      if (op === 'none' || src === '#') terms.push('#');
      else if (op === 'skip_connect') terms.push(src);
      else terms.push(`(${src})@${op}`);
    });
    nodes.push(terms.sort().join('+'));
  }
  return nodes[3];
}

let representatives: { representative: string[]; repOf: Int32Array } | undefined;

/** Isomorphism classes over official indices: `representative` lists the lowest-index arch of each
 * class (6,466, ascending index); `repOf[i]` is the index of the lowest-index member of i's class. */
export function canonicalRepresentatives(): { representative: string[]; repOf: Int32Array } {
  if (representatives) return representatives;
  const archs = enumerateNb201();
  const firstOf = new Map<string, number>();
  const repOf = new Int32Array(NB201_SIZE);
  const representative: string[] = [];
  archs.forEach((arch, i) => {
    const key = canonicalNb201(arch);
    let rep = firstOf.get(key);
    if (rep === undefined) {
      rep = i;
      firstOf.set(key, i);
      representative.push(arch);
    }
    repOf[i] = rep;
  });
  representatives = { representative, repOf };
  return representatives;
}

/** One-hot op encoding, 6 edges (arch-string order) × 5 ops (NB201_OPS order), row-major. */
export function nb201OpEncoding(cell: Nb201Cell): Float32Array {
  const enc = new Float32Array(NB201_EDGES.length * NB201_OPS.length);
  cell.forEach((op, e) => {
    enc[e * NB201_OPS.length + NB201_OPS.indexOf(op)] = 1;
  });
  return enc;
}

/** NASLib (NAS-Bench-Suite-Zero) op ids. */
const NASLIB_OPS: readonly Nb201Op[] = ['skip_connect', 'none', 'nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3'];
/** NASLib orders edges (0→1), (0→2), (0→3), (1→2), (1→3), (2→3): tuple position p holds arch-string
 * edge NASLIB_EDGE[p]. Swapping positions 2 and 3 is its own inverse. */
const NASLIB_EDGE = [0, 1, 3, 2, 4, 5];

/** Arch string of a NAS-Bench-Suite-Zero key such as `(4, 3, 3, 3, 2, 3)`. */
export function nb201FromNaslibTuple(tuple: string): string {
  const bad = (why: string) => new UserError(`invalid NASLib NB201 tuple ${JSON.stringify(tuple)}: ${why}`);
  const m = /^\s*\((.*)\)\s*$/.exec(tuple);
  if (!m) throw bad('expected "(a, b, c, d, e, f)" in parentheses');
  const items = m[1].split(',').map((s) => s.trim());
  if (items.length !== 6) throw bad(`found ${items.length} op id(s), expected 6`);
  const ops = new Array<Nb201Op>(6);
  items.forEach((item, p) => {
    if (!/^[0-4]$/.test(item)) {
      throw bad(`op id ${JSON.stringify(item)} at position ${p + 1} is not one of 0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3`);
    }
    ops[NASLIB_EDGE[p]] = NASLIB_OPS[Number(item)];
  });
  return formatNb201(ops as unknown as Nb201Cell);
}

/** NAS-Bench-Suite-Zero key (`(a, b, c, d, e, f)`, Python tuple spelling) of an arch string. */
export function nb201ToNaslibTuple(str: string): string {
  const cell = parseNb201(str);
  return `(${NASLIB_EDGE.map((e) => NASLIB_OPS.indexOf(cell[e])).join(', ')})`;
}

/** NAS-Bench-Suite-Zero's and GRAF's set of 9,445 cells: every edge that is not `none` lies on an
 * input → output path of such edges (an op cut off from the input or the output computes nothing that
 * reaches the logits); the all-`none` cell is in it too, having no such edge. */
export function isValidNb201(cell: Nb201Cell): boolean {
  const live = NB201_EDGES.filter((_, k) => cell[k] !== 'none');
  const fromInput = [true, false, false, false], toOutput = [false, false, false, true];
  for (const [a, b] of live) if (fromInput[a]) fromInput[b] = true; // edges are in topological order
  for (const [a, b] of [...live].reverse()) if (toOutput[b]) toOutput[a] = true;
  return live.every(([a, b]) => fromInput[a] && toOutput[b]);
}
