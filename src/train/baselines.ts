// Baselines on the same split as the trained model: ridge regression and a small seeded random
// forest regressor (bootstrap, random feature subsets, variance-reduction splits, depth-limited).
import { deriveSeed, randomSource, type Rng } from '../random.ts';

/** Solves A x = b (n×n, row-major) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A), x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[piv * n + c])) piv = r;
    if (piv !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[piv * n + k]] = [a[piv * n + k], a[c * n + k]];
      [x[c], x[piv]] = [x[piv], x[c]];
    }
    const d = a[c * n + c] || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / d;
      if (!f) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < n; k++) s -= a[c * n + k] * x[k];
    x[c] = s / (a[c * n + c] || 1e-12);
  }
  return x;
}

export interface RidgeModel {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/** Ridge regression on standardised features (intercept not penalised). */
export function fitRidge(X: number[][], y: ArrayLike<number>, lambda = 1): RidgeModel {
  const n = X.length, d = X[0]?.length ?? 0;
  const mean = Array.from({ length: d }, (_, j) => X.reduce((a, r) => a + r[j], 0) / n);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(X.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / n) || 1);
  const Z = X.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i] / n;
  const A = new Float64Array(d * d), b = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      b[j] += Z[i][j] * (y[i] - ym);
      for (let k = 0; k < d; k++) A[j * d + k] += Z[i][j] * Z[i][k];
    }
  }
  for (let j = 0; j < d; j++) A[j * d + j] += lambda;
  return { mean, std, weights: Array.from(solve(A, b, d)), bias: ym };
}

export function predictRidge(m: RidgeModel, X: number[][]): Float64Array {
  return Float64Array.from(X, (r) => r.reduce((a, v, j) => a + ((v - m.mean[j]) / m.std[j]) * m.weights[j], m.bias));
}

export interface ForestOptions {
  trees: number;
  maxDepth: number;
  minLeaf: number;
  /** Fraction of features tried at each split. */
  maxFeatures: number;
  seed: number;
}

/** Flat tree: internal nodes hold feature ≥ 0, leaves feature = −1 and the value. */
interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

function growTree(X: number[][], y: ArrayLike<number>, rows: number[], o: ForestOptions, rng: Rng): Tree {
  const t: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const d = X[0].length;
  const tryCount = Math.max(1, Math.round(o.maxFeatures * d));
  const node = (idx: number[], depth: number): number => {
    const id = t.feature.length;
    let sum = 0;
    for (const i of idx) sum += y[i];
    t.feature.push(-1); t.threshold.push(0); t.left.push(-1); t.right.push(-1); t.value.push(sum / idx.length);
    if (depth >= o.maxDepth || idx.length < 2 * o.minLeaf) return id;
    // Random feature subset (partial Fisher-Yates).
    const feats = Array.from({ length: d }, (_, j) => j);
    for (let k = 0; k < tryCount; k++) {
      const j = k + rng.int(d - k);
      [feats[k], feats[j]] = [feats[j], feats[k]];
    }
    let best = { gain: 1e-12, f: -1, thr: 0 };
    const total = idx.length, sumAll = sum;
    let sqAll = 0;
    for (const i of idx) sqAll += y[i] * y[i];
    const parentSse = sqAll - (sumAll * sumAll) / total;
    for (const f of feats.slice(0, tryCount)) {
      const sorted = idx.slice().sort((a, b) => X[a][f] - X[b][f]);
      let ls = 0, lq = 0;
      for (let k = 0; k < total - 1; k++) {
        const yi = y[sorted[k]];
        ls += yi; lq += yi * yi;
        const nl = k + 1, nr = total - nl;
        if (nl < o.minLeaf || nr < o.minLeaf) continue;
        const xa = X[sorted[k]][f], xb = X[sorted[k + 1]][f];
        if (xa === xb) continue;
        const rs = sumAll - ls, rq = sqAll - lq;
        const sse = lq - (ls * ls) / nl + rq - (rs * rs) / nr;
        const gain = parentSse - sse;
        if (gain > best.gain) best = { gain, f, thr: (xa + xb) / 2 };
      }
    }
    if (best.f < 0) return id;
    const L = idx.filter((i) => X[i][best.f] <= best.thr);
    const R = idx.filter((i) => X[i][best.f] > best.thr);
    t.feature[id] = best.f;
    t.threshold[id] = best.thr;
    t.left[id] = node(L, depth + 1);
    t.right[id] = node(R, depth + 1);
    return id;
  };
  node(rows, 0);
  return t;
}

export type Forest = Tree[];

export function fitForest(X: number[][], y: ArrayLike<number>, o: ForestOptions): Forest {
  const n = X.length;
  return Array.from({ length: o.trees }, (_, k) => {
    const rng = randomSource(deriveSeed(o.seed, 'rf-tree', k));
    const rows = Array.from({ length: n }, () => rng.int(n));
    return growTree(X, y, rows, o, rng);
  });
}

export function predictForest(forest: Forest, X: number[][]): Float64Array {
  return Float64Array.from(X, (r) => {
    let s = 0;
    for (const t of forest) {
      let i = 0;
      while (t.feature[i] >= 0) i = r[t.feature[i]] <= t.threshold[i] ? t.left[i] : t.right[i];
      s += t.value[i];
    }
    return s / forest.length;
  });
}
