// Node tables hold each proxy's values in the proxy's stored form. Code that combines node values (cell
// aggregates, features) reads them through these functions instead of knowing which proxy is stored how.
import type { StoredForm } from './proxy.ts';
import { NODE_PROXIES } from './registry.ts';

/** The stored form of a node table column: its proxy's, linear for a column that names no node proxy. */
export function storedForm(column: string): StoredForm {
  return NODE_PROXIES.get(column)?.stored ?? 'linear';
}

/** A stored node value in linear space, in float64 (log1p: e^v − 1, Infinity beyond v ≈ 709.78). */
export function decodeStored(column: string, value: number): number {
  return storedForm(column) === 'log1p' ? Math.expm1(value) : value;
}

const present = (values: Iterable<number | null>) => [...values].filter((v): v is number => v !== null && !Number.isNaN(v));

/** Σ of a cell's node values in linear space, over the nodes that have one (null and NaN skipped), added
 * in the given order; null when no node has a value. */
export function sumDecoded(column: string, values: Iterable<number | null>): number | null {
  const vs = present(values);
  return vs.length ? vs.reduce((sum, v) => sum + decodeStored(column, v), 0) : null;
}

/** A cell's value of a node proxy from its nodes' stored values, in the same stored form: the nodes'
 * values decoded, summed (sumDecoded) and re-encoded; null when no node has a value. For log1p this is
 * ln(1 + Σ (e^v − 1)), finite also where the linear sum overflows float64. Values must be finite. */
export function aggregateNodeValues(column: string, values: Iterable<number | null>): number | null {
  const vs = present(values);
  const linear = sumDecoded(column, vs);
  if (linear === null || storedForm(column) === 'linear') return linear;
  if (Number.isFinite(linear)) return Math.log1p(linear);
  // 1 + Σ (e^v − 1) = e^max · (Σ e^(v − max) − (n − 1)·e^(−max)). The linear sum overflowed, so
  // e^max > 1.8e308 / n and the last term is below n² · 5.6e-309: nothing next to Σ e^(v − max) ≥ 1.
  const max = Math.max(...vs);
  return max + Math.log(vs.reduce((s, v) => s + Math.exp(v - max), 0) - (vs.length - 1) * Math.exp(-max));
}
