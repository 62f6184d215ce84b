// Ranking metrics for comparing proxy scores with true accuracies.
//
// Conventions shared by every function here:
// - Inputs are any ArrayLike<number> (arrays, typed arrays); `x`/`pred` and `y`/`truth` must have the
//   same length, otherwise an Error is thrown.
// - Higher is better for both predictions and ground truth (top-k means the k largest values).
// - NaN propagates: if any input value is NaN the result is NaN (like scipy's nan_policy='propagate'),
//   so a diverged proxy shows up as NaN instead of a silently shrunken sample. Filter beforehand if
//   partial results are wanted. ±Infinity is an ordinary value for rank-based metrics.
// - Undefined statistics (fewer than two points, or a constant input for correlations) are NaN.

function checkPair(x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) throw new Error(`length mismatch: ${x.length} vs ${y.length}`);
}

function hasNaN(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) return true;
  return false;
}

/** Σ t(t−1)/2 over runs of consecutive equal items; `same(k)` compares items k−1 and k. */
function tiedPairs(n: number, same: (k: number) => boolean): number {
  let total = 0;
  let run = 1;
  for (let k = 1; k <= n; k++) {
    if (k < n && same(k)) run++;
    else {
      total += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return total;
}

const compare = (u: number, v: number) => (u < v ? -1 : u > v ? 1 : 0);

/**
 * Kendall's tau-b in O(n log n) (Knight 1966): sort by (x, y), count x ties and joint ties, then
 * merge-sort by y counting strict inversions (= discordant pairs) and finally count y ties.
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y);
  const n = x.length;
  if (n < 2 || hasNaN(x) || hasNaN(y)) return NaN;

  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Explicit comparisons rather than `x[a] - x[b]`, which is NaN for equal infinities.
  order.sort((a, b) => compare(x[a], x[b]) || compare(y[a], y[b]));

  const sameX = (k: number) => x[order[k - 1]] === x[order[k]];
  const xTies = tiedPairs(n, sameX);
  const jointTies = tiedPairs(n, (k) => sameX(k) && y[order[k - 1]] === y[order[k]]);

  let ys = Float64Array.from(order, (i) => y[i]);
  let buf = new Float64Array(n);
  let discordant = 0;
  // Bottom-up merge sort; taking from the right half counts every remaining (strictly larger)
  // left element as one inversion. Ties are taken from the left, so they never count.
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (ys[i] <= ys[j]) buf[k++] = ys[i++];
        else {
          discordant += mid - i;
          buf[k++] = ys[j++];
        }
      }
      while (i < mid) buf[k++] = ys[i++];
      while (j < hi) buf[k++] = ys[j++];
    }
    [ys, buf] = [buf, ys];
  }
  const yTies = tiedPairs(n, (k) => ys[k - 1] === ys[k]);

  const pairs = (n * (n - 1)) / 2;
  const s = pairs - xTies - yTies + jointTies - 2 * discordant;
  const denom = Math.sqrt((pairs - xTies) * (pairs - yTies));
  return denom === 0 ? NaN : s / denom;
}

/** 1-based ranks with ties given their average rank (NaN values get unspecified ranks). */
export function averageRanks(a: ArrayLike<number>): Float64Array {
  const n = a.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => compare(a[i], a[j]));
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && a[order[end]] === a[order[start]]) end++;
    const rank = (start + end + 1) / 2; // mean of 1-based positions start+1..end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson's r, computed from centred values (two passes) for numerical stability. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const denom = Math.sqrt(sxx * syy);
  if (denom === 0) return NaN;
  // Rounding can push |r| a hair past 1.
  return Math.max(-1, Math.min(1, sxy / denom));
}

/** Spearman's rho: Pearson's r of the average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair(x, y);
  if (hasNaN(x) || hasNaN(y)) return NaN;
  return pearson(averageRanks(x), averageRanks(y));
}

function topKCount(n: number, frac: number): number {
  if (!(frac > 0 && frac <= 1)) throw new Error(`top-k fraction must be in (0, 1], got ${frac}`);
  return Math.min(n, Math.max(1, Math.round(frac * n)));
}

/** Indices of the k largest values; ties at the boundary go to the lower index (deterministic). */
function topKIndices(a: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: a.length }, (_, i) => i)
    .sort((i, j) => compare(a[j], a[i]) || i - j)
    .slice(0, k);
}

/**
 * |predicted top-k ∩ true top-k| / k with k = max(1, round(frac·n)) (capped at n).
 * NaN for empty input.
 */
export function precisionAtTopK(pred: ArrayLike<number>, truth: ArrayLike<number>, frac: number): number {
  checkPair(pred, truth);
  const k = topKCount(pred.length, frac);
  if (pred.length === 0 || hasNaN(pred) || hasNaN(truth)) return NaN;
  const trueTop = new Set(topKIndices(truth, k));
  let hits = 0;
  for (const i of topKIndices(pred, k)) if (trueTop.has(i)) hits++;
  return hits / k;
}

/** Best true value among the predicted top-k (same k as precisionAtTopK). NaN for empty input. */
export function bestInTopK(pred: ArrayLike<number>, truth: ArrayLike<number>, frac: number): number {
  checkPair(pred, truth);
  const k = topKCount(pred.length, frac);
  if (pred.length === 0 || hasNaN(pred) || hasNaN(truth)) return NaN;
  let best = -Infinity;
  for (const i of topKIndices(pred, k)) best = Math.max(best, truth[i]);
  return best;
}

export interface RankingReport {
  kendall: number;
  spearman: number;
  pearson: number;
  n: number;
  'precision@1%': number;
  'precision@5%': number;
  'precision@10%': number;
  'best@1%': number;
  'best@5%': number;
  'best@10%': number;
}

export function rankingReport(pred: ArrayLike<number>, truth: ArrayLike<number>): RankingReport {
  checkPair(pred, truth);
  return {
    kendall: kendallTauB(pred, truth),
    spearman: spearman(pred, truth),
    pearson: pearson(pred, truth),
    n: pred.length,
    'precision@1%': precisionAtTopK(pred, truth, 0.01),
    'precision@5%': precisionAtTopK(pred, truth, 0.05),
    'precision@10%': precisionAtTopK(pred, truth, 0.1),
    'best@1%': bestInTopK(pred, truth, 0.01),
    'best@5%': bestInTopK(pred, truth, 0.05),
    'best@10%': bestInTopK(pred, truth, 0.1),
  };
}
