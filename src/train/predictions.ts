// The predictions file of a run or an eval (predictions.arrow): arch, mean score, its spread, the
// target accuracy and, for a training run, which split each cell was in.
import { Float64, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes arch, mean, std, target (and split, when given) as an uncompressed Arrow IPC file. */
export function writePredictions(path: string, archs: string[], mean: Float64Array, std: Float64Array, target: Float64Array, split?: string[]): void {
  const cols: Record<string, Vector> = {
    arch: vectorFromArray(archs, new Utf8()),
    mean: vectorFromArray(Array.from(mean), new Float64()),
    std: vectorFromArray(Array.from(std), new Float64()),
    target: vectorFromArray(Array.from(target), new Float64()),
  };
  if (split) cols.split = vectorFromArray(split, new Utf8());
  writeFileSync(path, tableToIPC(new Table(cols), 'file'));
}

/** Archs a run trained on (split column of its predictions.arrow; empty for runs without one). */
export function trainedArchs(runDir: string): Set<string> {
  const path = join(runDir, 'predictions.arrow');
  if (!existsSync(path)) return new Set();
  const t = tableFromIPC(readFileSync(path));
  const arch = t.getChild('arch'), split = t.getChild('split');
  if (!arch || !split) return new Set();
  const out = new Set<string>();
  for (let i = 0; i < t.numRows; i++) if (String(split.get(i)).startsWith('train')) out.add(String(arch.get(i)));
  return out;
}
