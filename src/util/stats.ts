/** Mean and population standard deviation of the finite values (0 and 0 when there are none). */
export function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  const v = Array.from(values).filter(Number.isFinite);
  if (!v.length) return { mean: 0, std: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
}

/** [mean, std] for standardising: a (near-)constant input gets std 1, so it maps to 0, not NaN. */
export function standardiser(values: ArrayLike<number>): [number, number] {
  const { mean, std } = meanAndStd(values);
  return [mean, std > 1e-12 ? std : 1];
}

/** The values of `a` at positions `idx`, in that order. */
export const pick = (a: ArrayLike<number>, idx: readonly number[]) => Float64Array.from(idx, (i) => a[i]);

/** (x − mean) / std over all of x (std 0 → 1). */
export function zScores(x: ArrayLike<number>): Float64Array {
  const [m, sd] = standardiser(x);
  return Float64Array.from(x, (t) => (t - m) / sd);
}
