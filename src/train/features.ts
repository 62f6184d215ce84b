// Feature transforms: turn a cell's raw [slot × proxy] statistics into model inputs. Every statistic
// a transform needs is fitted on the training cells only (fitFeatures) and saved with the checkpoint
// (the state is plain JSON), so evaluation applies exactly the training-time transform.
import type { Dataset } from './dataset.ts';
import { UserError } from '../errors.ts';
import { cellGraphFeatures } from '../graph/graph-features.ts';
import { graphInputs, graphVocabulary, selectGraphInputs, type GraphInputs } from '../graph/graph-inputs.ts';
import { aggregateNodeValues } from '../proxies/stored-form.ts';
import { standardiser as meanStd } from '../util/stats.ts';

export type NodeTransform = 'minmax' | 'log' | 'zscore' | 'rank' | 'none';
export const NODE_TRANSFORMS: readonly NodeTransform[] = ['minmax', 'log', 'zscore', 'rank', 'none'];

export interface FeatureConfig {
  /** minmax: ParZC's per-cell min-max of each proxy across the cell's nodes (NaN → 0; stateless);
   * log: signed log then a per-proxy z-score; zscore: signed log then a z-score per (slot, proxy);
   * rank: empirical CDF (0..1) of the signed-log value among training nodes, per proxy; none: raw. */
  transform: NodeTransform;
  /** Append the space's op encoding (space.encode) to the cell-level inputs. */
  opEncoding: boolean;
  /** Append each node proxy summed over the cell's nodes (signed log, z-scored). */
  summed: boolean;
  /** Append the network-level proxies (params, flops…; signed log, z-scored). */
  network: boolean;
  /** Append to each node's token the one-hot of its node type (conv3x3, projection…): without token
   * mixing the mixer pools its tokens as a set, blind to what kind of node each token is. */
  tokenType?: boolean;
  /** Append each node proxy summed over the cell's nodes of each node type (signed log, z-scored);
   * the run's random forest reads them too. */
  typedSums?: boolean;
  /** Append the cell graph's structural features (graph/graph-features.ts, GRAF's families; z-scored);
   * the run's random forest reads them too. */
  graph?: boolean;
  /** Give the model the cell graph itself (graph/graph-inputs.ts): set by the trainer for model.graph. */
  graphNodes?: boolean;
}

/** Fitted transform state (JSON-serialisable). */
export interface FeatureState {
  config: FeatureConfig;
  slots: number;
  proxies: number;
  /** Per proxy (log) or per slot×proxy (zscore) mean and std. */
  mean: number[];
  std: number[];
  /** rank: sorted quantiles of each proxy's training values. */
  quantiles: number[][];
  summedMean: number[];
  summedStd: number[];
  networkMean: number[];
  networkStd: number[];
  encodeLength: number;
  /** tokenType, typedSums: the node types seen in training, in order (other types are left out). */
  nodeTypes?: string[];
  typedMean?: number[];
  typedStd?: number[];
  /** graph: mean and std of each structural feature over the training cells. */
  graphMean?: number[];
  graphStd?: number[];
  /** graphNodes: the padded node count and the op vocabulary of the graph inputs. */
  graphInputs?: { nodes: number; vocabulary: string[] };
}

/** Token width: the proxies, then the node-type one-hot. */
function tokenWidth(st: FeatureState): number {
  return st.proxies + (st.config.tokenType ? st.nodeTypes!.length : 0);
}

/** Model inputs of n cells. Tokens are stored once per harvested row (a unique-cell harvest serves
 * ~2.4 NB201 cells per row), so the mixer runs once per row; `row` maps each cell to its row. */
export interface Features {
  n: number;
  slots: number;
  /** Token width (proxies, plus the node-type one-hot when configured) and cell-level input width. */
  width: number;
  extraWidth: number;
  /** Token rows: [rows][slot][width] and [rows][slot]. */
  rows: number;
  tokens: Float32Array;
  mask: Float32Array;
  /** [cell] → token row. */
  row: Int32Array;
  /** [cell][extraWidth]. */
  extra: Float32Array;
  /** The cells' graphs, when the model reads them. */
  graph?: GraphInputs;
}

/** The features of cells `idx` (positions in f), with only the token rows they use. */
export function selectCells(f: Features, idx: readonly number[]): Features {
  const S = f.slots, P = f.width, E = f.extraWidth;
  const newRow = new Map<number, number>();
  const row = Int32Array.from(idx, (c) => {
    const r = f.row[c];
    if (!newRow.has(r)) newRow.set(r, newRow.size);
    return newRow.get(r)!;
  });
  const tokens = new Float32Array(newRow.size * S * P), mask = new Float32Array(newRow.size * S), extra = new Float32Array(idx.length * E);
  for (const [r, k] of newRow) {
    tokens.set(f.tokens.subarray(r * S * P, (r + 1) * S * P), k * S * P);
    mask.set(f.mask.subarray(r * S, (r + 1) * S), k * S);
  }
  idx.forEach((c, i) => extra.set(f.extra.subarray(c * E, (c + 1) * E), i * E));
  return { ...f, n: idx.length, rows: newRow.size, tokens, mask, row, extra, ...(f.graph ? { graph: selectGraphInputs(f.graph, idx) } : {}) };
}

export const signedLog = (x: number) => Math.sign(x) * Math.log1p(Math.abs(x));

const QUANTILES = 257;

function quantilesOf(values: number[]): number[] {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length <= QUANTILES) return v;
  return Array.from({ length: QUANTILES }, (_, k) => v[Math.round((k * (v.length - 1)) / (QUANTILES - 1))]);
}

/** Empirical CDF of x among sorted quantiles q, linearly interpolated, in [0, 1]. */
function cdf(q: number[], x: number): number {
  if (!q.length) return 0.5;
  if (x <= q[0]) return 0;
  if (x >= q[q.length - 1]) return 1;
  let lo = 0, hi = q.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (q[mid] <= x) lo = mid;
    else hi = mid;
  }
  const f = q[hi] > q[lo] ? (x - q[lo]) / (q[hi] - q[lo]) : 0;
  return (lo + f) / (q.length - 1);
}

/** Sum of each node proxy over the cell's nodes in each of `groups` groups (group-major; NaN values
 * skipped); `groupOf(slot)` < 0 leaves a node out. */
function groupedSums(ds: Dataset, cell: number, groups: number, groupOf: (slot: number) => number): number[] {
  const h = ds.harvest, S = h.slotCount, P = h.nodeProxies.length, r = ds.source[cell];
  const out = new Array<number>(groups * P).fill(0);
  for (let s = 0; s < S; s++) {
    const k = h.mask[r * S + s] ? groupOf(s) : -1;
    if (k < 0) continue;
    for (let p = 0; p < P; p++) {
      const v = h.values[(r * S + s) * P + p];
      if (Number.isFinite(v)) out[k * P + p] += v;
    }
  }
  return out;
}

/** Each node proxy aggregated over the cell's nodes as the proxy defines it (aggregateNodeValues: the
 * published statistic, e.g. synflow's Σ score over all layers), NaN when no node has a value. */
export function nodeAggregates(ds: Dataset, cell: number): number[] {
  const h = ds.harvest, S = h.slotCount, P = h.nodeProxies.length, r = ds.source[cell];
  return h.nodeProxies.map((name, p) => {
    const values: number[] = [];
    for (let s = 0; s < S; s++) if (h.mask[r * S + s]) values.push(h.values[(r * S + s) * P + p]);
    return aggregateNodeValues(name, values) ?? Number.NaN;
  });
}

/** Sum of each node proxy's stored values over the cell's nodes (NaN values skipped): for synflow
 * Σ ln(1 + score) over layers, not the published ln(1 + Σ score) of nodeAggregates. The model and forest
 * inputs keep the sum of logs: with the linear sum, short runs of the shipped configs (2026-12-04, 10–20
 * epochs, split seed 0) moved MABN's τ by −0.016 on NB101, −0.009 on AutoFormer and +0.011 on PiT, within
 * ±0.003 on NB201 and NB301 — no consistent gain for a change of every run's inputs. */
function summed(ds: Dataset, cell: number): number[] {
  return groupedSums(ds, cell, 1, () => 0);
}

/** Raw network-level proxies of a cell. */
function networkOf(ds: Dataset, cell: number): number[] {
  const Q = ds.harvest.networkProxies.length, r = ds.source[cell];
  return Array.from(ds.harvest.network.subarray(r * Q, (r + 1) * Q));
}

/** Summed node proxies plus network proxies, signed-log'd: the baselines' "summed proxies" inputs. */
export function summedProxies(ds: Dataset, cell: number): number[] {
  return [...summed(ds, cell), ...networkOf(ds, cell)].map((v) => (Number.isFinite(v) ? signedLog(v) : 0));
}

/** Each node proxy summed over the cell's nodes of each of `types` (type-major), signed-log'd. Proxies of
 * a conv and of a projection say different things; the plain sum mixes them. */
export function typedSummedProxies(ds: Dataset, cell: number, types: readonly string[]): number[] {
  const h = ds.harvest, S = h.slotCount, r = ds.source[cell];
  const at = types.map((t) => h.nodeTypes.indexOf(t));
  return groupedSums(ds, cell, types.length, (s) => at.indexOf(h.types[r * S + s])).map(signedLog);
}

export function fitFeatures(ds: Dataset, train: readonly number[], config: FeatureConfig): FeatureState {
  const h = ds.harvest, S = h.slotCount, P = h.nodeProxies.length;
  const st: FeatureState = {
    config: { ...config }, slots: S, proxies: P, mean: [], std: [], quantiles: [],
    summedMean: [], summedStd: [], networkMean: [], networkStd: [], encodeLength: 0,
  };
  const nodeValues = (s: number | null, p: number) => {
    const out: number[] = [];
    for (const c of train) {
      const r = ds.source[c];
      for (let t = s ?? 0; t < (s === null ? S : s + 1); t++) {
        if (h.mask[r * S + t]) out.push(signedLog(h.values[(r * S + t) * P + p]));
      }
    }
    return out;
  };
  if (config.transform === 'log') {
    for (let p = 0; p < P; p++) {
      const [m, s] = meanStd(nodeValues(null, p));
      st.mean.push(m);
      st.std.push(s);
    }
  } else if (config.transform === 'zscore') {
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < P; p++) {
        const [m, sd] = meanStd(nodeValues(s, p));
        st.mean.push(m);
        st.std.push(sd);
      }
    }
  } else if (config.transform === 'rank') {
    for (let p = 0; p < P; p++) st.quantiles.push(quantilesOf(nodeValues(null, p)));
  }
  if (config.summed) {
    for (let p = 0; p < P; p++) {
      const [m, s] = meanStd(train.map((c) => signedLog(summed(ds, c)[p])));
      st.summedMean.push(m);
      st.summedStd.push(s);
    }
  }
  if (config.network) {
    for (let q = 0; q < h.networkProxies.length; q++) {
      const [m, s] = meanStd(train.map((c) => signedLog(networkOf(ds, c)[q])));
      st.networkMean.push(m);
      st.networkStd.push(s);
    }
  }
  if (config.opEncoding) st.encodeLength = ds.archs.length ? h.space.encode(ds.archs[0]).length : 0;
  if (config.tokenType || config.typedSums) {
    const seen = new Set<number>();
    for (const c of train) for (let t = 0; t < S; t++) if (h.mask[ds.source[c] * S + t]) seen.add(h.types[ds.source[c] * S + t]);
    st.nodeTypes = [...seen].map((i) => h.nodeTypes[i]).sort();
  }
  if (config.graph) {
    const rows = train.map((c) => cellGraphFeatures(h.space, ds.archs[c]));
    const stats = Array.from({ length: rows[0]?.length ?? 0 }, (_, j) => meanStd(rows.map((v) => v[j])));
    st.graphMean = stats.map((x) => x[0]);
    st.graphStd = stats.map((x) => x[1]);
  }
  if (config.graphNodes) {
    if (!h.space.cellGraph) throw new UserError(`model.graph: the ${h.space.name} space has no cell graph`);
    // The node count is structure, not a label: the largest cell of the dataset sets it.
    const nodes = Math.max(...ds.archs.map((a) => h.space.cellGraph!.of(a).ops.length));
    st.graphInputs = { nodes, vocabulary: graphVocabulary(h.space) };
  }
  if (config.typedSums) {
    const sums = train.map((c) => typedSummedProxies(ds, c, st.nodeTypes!));
    const stats = Array.from({ length: st.nodeTypes!.length * P }, (_, j) => meanStd(sums.map((v) => v[j])));
    st.typedMean = stats.map((x) => x[0]);
    st.typedStd = stats.map((x) => x[1]);
  }
  return st;
}

export function applyFeatures(ds: Dataset, cells: readonly number[], st: FeatureState): Features {
  const h = ds.harvest, S = h.slotCount, P = h.nodeProxies.length;
  if (S !== st.slots || P !== st.proxies) {
    throw new Error(`feature state expects ${st.slots} slots × ${st.proxies} proxies, harvest has ${S} × ${P}`);
  }
  const { config } = st;
  const extraWidth = st.encodeLength + st.summedMean.length + st.networkMean.length + (st.typedMean?.length ?? 0) + (st.graphMean?.length ?? 0);
  const n = cells.length;
  const rowOf = new Map<number, number>();
  const row = Int32Array.from(cells, (c) => {
    if (!rowOf.has(ds.source[c])) rowOf.set(ds.source[c], rowOf.size);
    return rowOf.get(ds.source[c])!;
  });
  const W = tokenWidth(st), typeAt = new Map((st.nodeTypes ?? []).map((t, k) => [t, k]));
  const tokens = new Float32Array(rowOf.size * S * W);
  const mask = new Float32Array(rowOf.size * S);
  const extra = new Float32Array(n * extraWidth);
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  for (const [r, i] of rowOf) {
    for (let s = 0; s < S; s++) {
      mask[i * S + s] = h.mask[r * S + s];
      if (!mask[i * S + s]) continue;
      const k = typeAt.get(h.nodeTypes[h.types[r * S + s]]);
      if (k !== undefined) tokens[(i * S + s) * W + P + k] = 1;
    }
    for (let p = 0; p < P; p++) {
      let lo = Infinity, hi = -Infinity;
      if (config.transform === 'minmax') {
        for (let s = 0; s < S; s++) {
          const v = h.values[(r * S + s) * P + p];
          if (h.mask[r * S + s] && Number.isFinite(v)) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
      for (let s = 0; s < S; s++) {
        if (!h.mask[r * S + s]) continue; // padding stays 0
        const raw = h.values[(r * S + s) * P + p];
        let v: number;
        switch (config.transform) {
          case 'minmax':
            v = hi > lo ? (raw - lo) / (hi - lo) : 0;
            break;
          case 'log':
            v = (signedLog(raw) - st.mean[p]) / st.std[p];
            break;
          case 'zscore':
            v = (signedLog(raw) - st.mean[s * P + p]) / st.std[s * P + p];
            break;
          case 'rank':
            v = Number.isFinite(raw) ? cdf(st.quantiles[p], signedLog(raw)) : Number.NaN;
            break;
          default:
            v = raw;
        }
        tokens[(i * S + s) * W + p] = finite(v);
      }
    }
  }
  cells.forEach((c, i) => {
    let o = i * extraWidth;
    if (st.encodeLength) {
      extra.set(h.space.encode(ds.archs[c]), o);
      o += st.encodeLength;
    }
    if (st.summedMean.length) {
      summed(ds, c).forEach((v, p) => (extra[o++] = finite((signedLog(v) - st.summedMean[p]) / st.summedStd[p])));
    }
    if (st.networkMean.length) {
      networkOf(ds, c).forEach((v, q) => (extra[o++] = finite((signedLog(v) - st.networkMean[q]) / st.networkStd[q])));
    }
    if (st.typedMean) {
      typedSummedProxies(ds, c, st.nodeTypes!).forEach((v, j) => (extra[o++] = finite((v - st.typedMean![j]) / st.typedStd![j])));
    }
    if (st.graphMean) {
      cellGraphFeatures(h.space, ds.archs[c]).forEach((v, j) => (extra[o++] = finite((v - st.graphMean![j]) / st.graphStd![j])));
    }
  });
  const graph = st.graphInputs ? graphInputs(h.space, cells.map((c) => ds.archs[c]), st.graphInputs.nodes, st.graphInputs.vocabulary) : undefined;
  return { n, slots: S, width: W, extraWidth, rows: rowOf.size, tokens, mask, row, extra, ...(graph ? { graph } : {}) };
}
