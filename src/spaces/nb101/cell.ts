// NAS-Bench-101 cell logic without tensors: arch strings, the benchmark's pruning and spec hash,
// per-vertex channel counts and the fixed-length encodings (the benchmark files are read in truth.ts).
//
// Arch strings. The canonical text form is the pruned spec:
//   adj=0100110|0010000|0001001|0000010|0000010|0000001|0000000;ops=input|conv3x3-bn-relu|…|output
// `adj` lists the V rows of the V×V upper-triangular adjacency matrix (row r, column c = 1 for an edge
// r → c), `ops` the V vertex labels, input first and output last. parseNb101 also accepts the two fields
// of nb101_20k_val_test.csv joined by a comma (`0100110|…|0000000,input|…|output`) and the two fields of
// nb101_all423624_compact.csv.gz (`100110100001001010101,3m331`: strict upper triangle row-major, interior
// ops as 3 conv3x3, 1 conv1x1, m maxpool). Whatever form comes in, the result is pruned as the benchmark
// does (vertices off every input→output path are deleted) and printed in the canonical form.
import { createHash } from 'node:crypto';
import { UserError } from '../../errors.ts';

/** Interior ops in the benchmark's canonical order: their index is the op's label in the spec hash. */
export const NB101_OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'] as const;
export type Nb101Op = (typeof NB101_OPS)[number];
export const NB101_INPUT = 'input';
export const NB101_OUTPUT = 'output';

export const NB101_MAX_VERTICES = 7;
export const NB101_MAX_EDGES = 9;

/** A cell: V×V 0/1 upper-triangular adjacency and V labels (input, interior ops…, output). */
export interface Nb101Spec {
  readonly matrix: readonly (readonly number[])[];
  readonly ops: readonly string[];
}

const COMPACT_OP: Record<string, Nb101Op> = { '3': 'conv3x3-bn-relu', '1': 'conv1x1-bn-relu', m: 'maxpool3x3' };

function isInteriorOp(s: string): s is Nb101Op {
  return (NB101_OPS as readonly string[]).includes(s);
}

const edgeCount = (m: readonly (readonly number[])[]) => m.reduce((a, row) => a + row.reduce((b, x) => b + x, 0), 0);

/** Parses and validates an arch string without pruning (shape, 0/1 entries, upper triangle, labels).
 * Throws a one-line UserError naming the problem. */
export function parseNb101Unpruned(str: string): Nb101Spec {
  if (typeof str !== 'string') throw new UserError(`NB101 arch must be a string, got ${typeof str}`);
  const bad = (why: string) => new UserError(`invalid NB101 arch ${JSON.stringify(str)}: ${why}`);
  const s = str.trim();
  let rows: string[];
  let ops: string[];
  const named = /^adj\s*=\s*([^;]*?)\s*;\s*ops\s*=\s*(.*?)$/.exec(s);
  if (named) {
    rows = named[1].split('|');
    ops = named[2].split('|');
  } else {
    const fields = s.split(',').map((f) => f.trim());
    if (fields.length !== 2) {
      throw bad('expected "adj=<rows>;ops=<ops>", the CSV fields "<adjacency>,<ops>" or the compact fields "<adj_upper_bits>,<ops_code>"');
    }
    const [adj, opField] = fields;
    if (adj.includes('|') || opField.includes('|')) {
      rows = adj.split('|');
      ops = opField.split('|');
    } else {
      // Compact form: V(V-1)/2 bits, V-2 op codes.
      if (!/^[01]+$/.test(adj)) throw bad(`adj_upper_bits ${JSON.stringify(adj)} must be 0/1 digits`);
      const V = opField.length + 2;
      if (adj.length !== (V * (V - 1)) / 2) {
        throw bad(`adj_upper_bits has ${adj.length} bit(s) but ops_code ${JSON.stringify(opField)} gives ${V} vertices, which need ${(V * (V - 1)) / 2}`);
      }
      ops = [NB101_INPUT];
      for (const ch of opField) {
        const op = COMPACT_OP[ch];
        if (!op) throw bad(`unknown op code ${JSON.stringify(ch)} in ops_code; expected 3 (conv3x3-bn-relu), 1 (conv1x1-bn-relu) or m (maxpool3x3)`);
        ops.push(op);
      }
      ops.push(NB101_OUTPUT);
      const matrix = Array.from({ length: V }, () => new Array<number>(V).fill(0));
      let k = 0;
      for (let r = 0; r < V; r++) for (let c = r + 1; c < V; c++) matrix[r][c] = adj.charCodeAt(k++) - 48;
      rows = matrix.map((row) => row.join(''));
    }
  }
  const V = rows.length;
  if (ops.length !== V) throw bad(`adjacency has ${V} row(s) but there are ${ops.length} op(s); expected one op per vertex`);
  if (V < 2 || V > NB101_MAX_VERTICES) throw bad(`${V} vertices; expected 2..${NB101_MAX_VERTICES}`);
  const matrix = rows.map((row, r) => {
    if (row.length !== V || !/^[01]+$/.test(row)) {
      throw bad(`adjacency row ${r} ${JSON.stringify(row)} must be ${V} digits 0/1 (one per vertex)`);
    }
    const out = new Array<number>(V);
    for (let c = 0; c < V; c++) {
      const one = row.charCodeAt(c) === 49;
      if (one && c <= r) throw bad(`edge ${r}→${c} is on or below the diagonal; the adjacency must be strictly upper-triangular`);
      out[c] = one ? 1 : 0;
    }
    return out;
  });
  if (ops[0] !== NB101_INPUT) throw bad(`vertex 0 is ${JSON.stringify(ops[0])}; the first op must be "input"`);
  if (ops[V - 1] !== NB101_OUTPUT) throw bad(`vertex ${V - 1} is ${JSON.stringify(ops[V - 1])}; the last op must be "output"`);
  for (let v = 1; v < V - 1; v++) {
    if (!isInteriorOp(ops[v])) throw bad(`unknown op ${JSON.stringify(ops[v])} at vertex ${v}; expected one of ${NB101_OPS.join(', ')}`);
  }
  return { matrix, ops };
}

/** The benchmark's pruning (ModelSpec._prune): deletes every vertex that is not both reachable from the
 * input and able to reach the output, keeping the others in order. Null when no input→output path exists. */
export function pruneNb101(spec: Nb101Spec): Nb101Spec | null {
  const { matrix, ops } = spec;
  const V = ops.length;
  const fromInput = new Array<boolean>(V).fill(false);
  const toOutput = new Array<boolean>(V).fill(false);
  fromInput[0] = true;
  for (let c = 1; c < V; c++) for (let r = 0; r < c; r++) if (matrix[r][c] && fromInput[r]) fromInput[c] = true;
  toOutput[V - 1] = true;
  for (let r = V - 2; r >= 0; r--) for (let c = r + 1; c < V; c++) if (matrix[r][c] && toOutput[c]) toOutput[r] = true;
  const keep = ops.map((_, v) => fromInput[v] && toOutput[v]);
  if (!keep[0] || !keep[V - 1]) return null;
  const idx = keep.flatMap((k, v) => (k ? [v] : []));
  return { matrix: idx.map((r) => idx.map((c) => matrix[r][c])), ops: idx.map((v) => ops[v]) };
}

/** Parses, validates and prunes an arch string (any accepted form). Like the benchmark's API, the edge
 * limit applies to the pruned matrix. Throws a one-line UserError naming the problem. */
export function parseNb101(str: string): Nb101Spec {
  const raw = parseNb101Unpruned(str);
  const pruned = pruneNb101(raw);
  if (!pruned) throw new UserError(`invalid NB101 arch ${JSON.stringify(str)}: no path from the input to the output vertex`);
  const edges = edgeCount(pruned.matrix);
  if (edges > NB101_MAX_EDGES) {
    throw new UserError(`invalid NB101 arch ${JSON.stringify(str)}: ${edges} edges after pruning; at most ${NB101_MAX_EDGES} allowed`);
  }
  return pruned;
}

/** Canonical text form `adj=<rows>;ops=<ops>` (no pruning here: pass a pruned spec). */
export function formatNb101(spec: Nb101Spec): string {
  return `adj=${spec.matrix.map((row) => row.join('')).join('|')};ops=${spec.ops.join('|')}`;
}

/** The two fields of nb101_20k_val_test.csv (`adjacency`, `ops`) for a spec. */
export function nb101CsvFields(spec: Nb101Spec): { adjacency: string; ops: string } {
  return { adjacency: spec.matrix.map((row) => row.join('')).join('|'), ops: spec.ops.join('|') };
}

/** Canonical arch string of the fields of nb101_all423624_compact.csv.gz, assuming a pruned cell (the file
 * holds only pruned cells; no pruning or hashing here, so a full pass stays fast). Null on malformed fields. */
export function nb101FromCompact(bits: string, code: string): string | null {
  const V = code.length + 2;
  if (V > NB101_MAX_VERTICES || bits.length !== (V * (V - 1)) / 2 || !/^[01]*$/.test(bits)) return null;
  const rows: string[] = [];
  let k = 0;
  for (let r = 0; r < V; r++) {
    rows.push('0'.repeat(r + 1) + bits.slice(k, k + V - r - 1));
    k += V - r - 1;
  }
  const ops = [NB101_INPUT];
  for (const ch of code) {
    const op = COMPACT_OP[ch];
    if (!op) return null;
    ops.push(op);
  }
  ops.push(NB101_OUTPUT);
  return `adj=${rows.join('|')};ops=${ops.join('|')}`;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/** NAS-Bench-101's spec hash (graph_util.hash_module on the pruned spec, labels: input −1, output −2,
 * interior ops by index in NB101_OPS). Each vertex starts as md5 of Python's str((out-degree, in-degree,
 * label)); then V rounds replace every vertex's hash by md5(sorted in-neighbour hashes joined + '|' +
 * sorted out-neighbour hashes joined + '|' + own hash); the fingerprint is md5 of Python's str() of the
 * sorted list of vertex hashes. Isomorphic specs get the same hash (the benchmark is keyed by it). */
export function nb101Hash(spec: Nb101Spec): string {
  const { matrix, ops } = spec;
  const V = ops.length;
  const label = (v: number) => (v === 0 ? -1 : v === V - 1 ? -2 : NB101_OPS.indexOf(ops[v] as Nb101Op));
  let hashes = ops.map((_, v) => {
    let out = 0, inn = 0;
    for (let w = 0; w < V; w++) {
      out += matrix[v][w];
      inn += matrix[w][v];
    }
    return md5(`(${out}, ${inn}, ${label(v)})`);
  });
  for (let round = 0; round < V; round++) {
    hashes = hashes.map((own, v) => {
      const ins: string[] = [];
      const outs: string[] = [];
      for (let w = 0; w < V; w++) {
        if (matrix[w][v]) ins.push(hashes[w]);
        if (matrix[v][w]) outs.push(hashes[w]);
      }
      return md5(`${ins.sort().join('')}|${outs.sort().join('')}|${own}`);
    });
  }
  return md5(`[${[...hashes].sort().map((h) => `'${h}'`).join(', ')}]`);
}

/** Channels of every vertex of a pruned cell (model_builder.compute_vertex_channels): the output's
 * channels are split over the vertices feeding it (the first `out mod n` get one extra), every other
 * interior vertex takes the max over its successors, the input keeps `inputChannels`. */
export function computeVertexChannels(inputChannels: number, outputChannels: number, matrix: readonly (readonly number[])[]): number[] {
  const V = matrix.length;
  const ch = new Array<number>(V).fill(0);
  ch[0] = inputChannels;
  ch[V - 1] = outputChannels;
  if (V === 2) return ch;
  let fanIn = 0; // in-degree of the output, ignoring the input vertex
  for (let v = 1; v < V - 1; v++) fanIn += matrix[v][V - 1];
  if (fanIn === 0) throw new Error('computeVertexChannels: no interior vertex feeds the output (spec not pruned?)');
  const base = Math.floor(outputChannels / fanIn);
  let correction = outputChannels % fanIn;
  for (let v = 1; v < V - 1; v++) {
    if (!matrix[v][V - 1]) continue;
    ch[v] = base;
    if (correction) {
      ch[v]++;
      correction--;
    }
  }
  for (let v = V - 3; v >= 1; v--) {
    if (matrix[v][V - 1]) continue;
    for (let dst = v + 1; dst < V - 1; dst++) if (matrix[v][dst]) ch[v] = Math.max(ch[v], ch[dst]);
  }
  for (let v = 1; v < V - 1; v++) {
    if (ch[v] <= 0) throw new Error(`computeVertexChannels: vertex ${v} got ${ch[v]} channels (spec not pruned?)`);
  }
  return ch;
}

/** Length of nb101Encoding: 21 upper-triangle entries of the padded 7×7 adjacency + 5 slots × 3 ops. */
export const NB101_ENCODING_LENGTH = (NB101_MAX_VERTICES * (NB101_MAX_VERTICES - 1)) / 2 + (NB101_MAX_VERTICES - 2) * NB101_OPS.length;

/** Fixed-length encoding of a pruned spec. The cell is padded to 7 vertices by moving the output to
 * vertex 6 (interior vertices keep their indices 1..V-2, vertices V-1..5 are empty); then the strict
 * upper triangle of the padded adjacency row-major (r < c, 21 entries), then for interior slots 1..5 a
 * one-hot over NB101_OPS (all zero for an empty slot). */
export function nb101Encoding(spec: Nb101Spec): Float32Array {
  const { matrix, ops } = spec;
  const V = ops.length;
  const N = NB101_MAX_VERTICES;
  const pad = (v: number) => (v === V - 1 ? N - 1 : v);
  const enc = new Float32Array(NB101_ENCODING_LENGTH);
  const triIndex = (r: number, c: number) => r * N - (r * (r + 1)) / 2 + (c - r - 1);
  for (let r = 0; r < V; r++) for (let c = r + 1; c < V; c++) if (matrix[r][c]) enc[triIndex(pad(r), pad(c))] = 1;
  const base = (N * (N - 1)) / 2;
  for (let v = 1; v < V - 1; v++) enc[base + (v - 1) * NB101_OPS.length + NB101_OPS.indexOf(ops[v] as Nb101Op)] = 1;
  return enc;
}


/** Number of input→output paths by op sequence: sequences of 0..5 interior ops, 3^0 + … + 3^5 = 364. */
export const NB101_PATH_ENCODING_LENGTH = [0, 1, 2, 3, 4, 5].reduce((s, l) => s + NB101_OPS.length ** l, 0);

/** Path encoding (White et al., BANANAS): for every op sequence of an input→output path, how many such
 * paths the cell has. Isomorphic cells get the same vector, and it exposes what the adjacency one-hot
 * hides from tree and linear models: which op chains the data actually flows through. */
export function nb101PathEncoding(spec: Nb101Spec): Float32Array {
  const { matrix, ops } = spec;
  const V = ops.length;
  const enc = new Float32Array(NB101_PATH_ENCODING_LENGTH);
  const offset = (len: number) => (NB101_OPS.length ** len - 1) / (NB101_OPS.length - 1);
  const walk = (v: number, len: number, code: number) => {
    if (v === V - 1) {
      enc[offset(len) + code]++;
      return;
    }
    for (let next = v + 1; next < V; next++) {
      if (!matrix[v][next]) continue;
      if (next === V - 1) walk(next, len, code);
      else walk(next, len + 1, code * NB101_OPS.length + NB101_OPS.indexOf(ops[next] as Nb101Op));
    }
  };
  walk(0, 0, 0);
  return enc;
}
