// DARTS-style genotypes without tensors: the two text forms, validation, the canonical arch string, the
// isomorphism key and the op encoding. Shared by the DARTS (NAS-Bench-301) space and the NDS cell spaces.
//
// A genotype has a normal and a reduction cell. Cell node i (states 2, 3, …; states 0 and 1 are the two
// previous cell outputs) sums two edges, entries 2i and 2i+1 of the cell's list: (op, input state < i + 2).
// The cell output concatenates the states listed in `concat`.
//
// Accepted forms (parseGenotype):
//   Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=[2, 3, 4, 5], reduce=[…], reduce_concat=range(2, 6))
//     the usual DARTS text (single or double quotes, lists or tuples, `range(a, b)` for a concat);
//   [[(0, 4), (1, 3), …], [(…), …]]
//     NASLib's compact NB301 form: per cell (normal, reduce) the pairs (input state, op id) with op ids
//     indexing NB301_OPS; its concat is always [2, 3, 4, 5].
// The canonical text is the first form with lists, single quotes and ", " separators.
import { UserError } from '../../errors.ts';

/** The NB301 ops in NASLib's compact op-id order. */
export const NB301_OPS = ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

export type Edge = readonly [op: string, input: number];

export interface Genotype {
  normal: readonly Edge[];
  normalConcat: readonly number[];
  reduce: readonly Edge[];
  reduceConcat: readonly number[];
}

/** What a space allows: its op names and nodes per cell (the concat is fixed when `concat` is given). */
export interface GenotypeRules {
  ops: readonly string[];
  nodes: number;
  concat?: readonly number[];
}

// ---------------------------------------------------------------------------------------------------
// A small reader for the Python-literal subset both forms use.

type Value = number | string | Value[] | { call: string; args: Value[]; kwargs: Map<string, Value> };

function tokenize(s: string, bad: (why: string) => UserError): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(-?\d+)|('[^']*'|"[^"]*")|([()[\],=]))/y;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw bad(`unexpected text ${JSON.stringify(s.slice(pos).trim().slice(0, 20))}`);
    tokens.push(m[0].trim());
    pos = re.lastIndex;
  }
  return tokens;
}

function readLiteral(s: string, bad: (why: string) => UserError): Value {
  const t = tokenize(s, bad);
  let i = 0;
  const items = (close: string, onItem: () => void) => {
    while (t[i] !== close) {
      onItem();
      if (t[i] === ',') i++;
      else if (t[i] !== close) throw bad(`expected "," or "${close}" but found ${t[i] === undefined ? 'the end' : JSON.stringify(t[i])}`);
    }
    i++;
  };
  const value = (): Value => {
    const tok = t[i++];
    if (tok === undefined) throw bad('unexpected end of text');
    if (tok === '[' || tok === '(') {
      const out: Value[] = [];
      items(tok === '[' ? ']' : ')', () => out.push(value()));
      return out;
    }
    if (/^-?\d+$/.test(tok)) return Number(tok);
    if (/^['"]/.test(tok)) return tok.slice(1, -1);
    if (/^[A-Za-z_]/.test(tok) && t[i] === '(') {
      i++;
      const call = { call: tok, args: [] as Value[], kwargs: new Map<string, Value>() };
      items(')', () => {
        if (/^[A-Za-z_]/.test(t[i] ?? '') && t[i + 1] === '=') {
          const key = t[i];
          i += 2;
          call.kwargs.set(key, value());
        } else call.args.push(value());
      });
      return call;
    }
    throw bad(`unexpected token ${JSON.stringify(tok)}`);
  };
  const v = value();
  if (i < t.length) throw bad(`unexpected token ${JSON.stringify(t[i])} after the end`);
  return v;
}

// ---------------------------------------------------------------------------------------------------

const show = (v: Value): string => (typeof v === 'object' && !Array.isArray(v) ? `${v.call}(…)` : JSON.stringify(v));

function asConcat(v: Value | undefined, field: string, bad: (why: string) => UserError): number[] {
  if (v !== undefined && typeof v === 'object' && !Array.isArray(v) && v.call === 'range' && v.kwargs.size === 0
    && v.args.length === 2 && v.args.every((a) => typeof a === 'number')) {
    const [a, b] = v.args as number[];
    return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw bad(`${field} is ${v === undefined ? 'missing' : show(v)}; expected a list of state numbers or range(a, b)`);
  }
  return v as number[];
}

function asEdges(v: Value | undefined, field: string, bad: (why: string) => UserError): Edge[] {
  if (!Array.isArray(v)) throw bad(`${field} is ${v === undefined ? 'missing' : show(v)}; expected a list of (op, input) pairs`);
  return v.map((e) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'number') {
      throw bad(`${field} entry ${show(e)} is not an (op, input) pair`);
    }
    return [e[0], e[1]] as const;
  });
}

function fromCompact(v: Value[], bad: (why: string) => UserError): Genotype {
  if (v.length !== 2) throw bad(`the compact form has ${v.length} cell(s); expected 2 (normal, reduce)`);
  const [normal, reduce] = v.map((cell, c) => {
    if (!Array.isArray(cell)) throw bad(`compact cell ${c} is ${show(cell)}; expected a list of (input, op id) pairs`);
    return cell.map((e): Edge => {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'number' || typeof e[1] !== 'number') {
        throw bad(`compact entry ${show(e)} is not an (input, op id) pair`);
      }
      const op = NB301_OPS[e[1]];
      if (op === undefined) throw bad(`unknown op id ${e[1]} in ${show(e)}; expected 0..${NB301_OPS.length - 1} (${NB301_OPS.join(', ')})`);
      return [op, e[0]];
    });
  });
  return { normal, normalConcat: [2, 3, 4, 5], reduce, reduceConcat: [2, 3, 4, 5] };
}

/** Parses either text form (no validation against a space: see validateGenotype). */
export function parseGenotypeText(str: string, bad: (why: string) => UserError): Genotype {
  if (typeof str !== 'string') throw bad(`expected a string, got ${typeof str}`);
  const v = readLiteral(str, bad);
  if (Array.isArray(v)) return fromCompact(v, bad);
  if (typeof v !== 'object' || v.call !== 'Genotype') {
    throw bad('expected "Genotype(normal=[…], normal_concat=[…], reduce=[…], reduce_concat=[…])" or the compact "[[(input, op id), …], […]]"');
  }
  for (const k of v.kwargs.keys()) {
    if (!['normal', 'normal_concat', 'reduce', 'reduce_concat'].includes(k)) throw bad(`unknown Genotype field ${JSON.stringify(k)}`);
  }
  // Positional fields follow the namedtuple order (normal, normal_concat, reduce, reduce_concat).
  const field = (k: string, pos: number) => v.kwargs.get(k) ?? v.args[pos];
  return {
    normal: asEdges(field('normal', 0), 'normal', bad),
    normalConcat: asConcat(field('normal_concat', 1), 'normal_concat', bad),
    reduce: asEdges(field('reduce', 2), 'reduce', bad),
    reduceConcat: asConcat(field('reduce_concat', 3), 'reduce_concat', bad),
  };
}

/** Checks a genotype against a space's rules; throws the UserError `bad` builds, naming the bad entry. */
export function validateGenotype(g: Genotype, rules: GenotypeRules, bad: (why: string) => UserError): void {
  for (const [name, edges, concat] of [['normal', g.normal, g.normalConcat], ['reduce', g.reduce, g.reduceConcat]] as const) {
    if (edges.length !== 2 * rules.nodes) throw bad(`${name} has ${edges.length} edge(s); expected ${2 * rules.nodes} (${rules.nodes} nodes × 2)`);
    edges.forEach(([op, input], e) => {
      const node = (e >> 1) + 2;
      if (!rules.ops.includes(op)) throw bad(`unknown op ${JSON.stringify(op)} in ${name} edge ${e}; expected one of ${rules.ops.join(', ')}`);
      if (!Number.isInteger(input) || input < 0 || input >= node) {
        throw bad(`${name} edge ${e} (${op}, ${input}) feeds state ${node}, so its input must be 0..${node - 1}`);
      }
    });
    if (rules.concat && concat.join() !== rules.concat.join()) {
      throw bad(`${name}_concat is [${concat.join(', ')}]; this space concatenates [${rules.concat.join(', ')}]`);
    }
    if (concat.length === 0) throw bad(`${name}_concat is empty`);
    concat.forEach((s) => {
      if (!Number.isInteger(s) || s < 0 || s > rules.nodes + 1) throw bad(`${name}_concat state ${s} is not a state 0..${rules.nodes + 1}`);
    });
    if (new Set(concat).size !== concat.length) throw bad(`${name}_concat [${concat.join(', ')}] repeats a state`);
  }
}

const formatEdges = (edges: readonly Edge[]) => `[${edges.map(([op, i]) => `('${op}', ${i})`).join(', ')}]`;

/** Canonical text: Genotype(normal=[('op', i), …], normal_concat=[…], reduce=[…], reduce_concat=[…]). */
export function formatGenotype(g: Genotype): string {
  return `Genotype(normal=${formatEdges(g.normal)}, normal_concat=[${g.normalConcat.join(', ')}], ` +
    `reduce=${formatEdges(g.reduce)}, reduce_concat=[${g.reduceConcat.join(', ')}])`;
}

/** The same genotype with each node's two edges in sorted order and the concat sorted: the node sums
 * its edges and the cell's next layer sees the concat as one tensor, so both orders compute the same
 * function (up to a permutation of channels that the random initialisation does not see). */
export function normaliseGenotype(g: Genotype): Genotype {
  const order = (a: Edge, b: Edge) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1);
  const sortCell = (edges: readonly Edge[]) => edges.flatMap((_, e) => (e % 2 ? [] : [edges[e], edges[e + 1]].sort(order)));
  const sorted = (c: readonly number[]) => [...c].sort((a, b) => a - b);
  return { normal: sortCell(g.normal), normalConcat: sorted(g.normalConcat), reduce: sortCell(g.reduce), reduceConcat: sorted(g.reduceConcat) };
}

/** Length of genotypeEncoding for a space's rules. */
export function genotypeEncodingLength(rules: GenotypeRules): number {
  let inputs = 0;
  for (let i = 0; i < rules.nodes; i++) inputs += i + 2;
  return 2 * (inputs * rules.ops.length + rules.nodes + 2);
}

/** Fixed-length encoding, per cell (normal, reduce): for node i and input state j < i + 2 the number of
 * its edges from j with each op (so the order of a node's two edges does not matter), then a 0/1 flag
 * per state for membership of the concat. */
export function genotypeEncoding(g: Genotype, rules: GenotypeRules): Float32Array {
  const out = new Float32Array(genotypeEncodingLength(rules));
  let o = 0;
  for (const [edges, concat] of [[g.normal, g.normalConcat], [g.reduce, g.reduceConcat]] as const) {
    for (let i = 0; i < rules.nodes; i++) {
      for (const [op, input] of [edges[2 * i], edges[2 * i + 1]]) out[o + input * rules.ops.length + rules.ops.indexOf(op)] += 1;
      o += (i + 2) * rules.ops.length;
    }
    for (const s of concat) out[o + s] = 1;
    o += rules.nodes + 2;
  }
  return out;
}
