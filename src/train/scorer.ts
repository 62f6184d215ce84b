// The run's final score of a cell: one MABN, or an ensemble of MABN members (different seeds) and,
// optionally, the random forest, averaged as standardised scores. The standardisation is fitted once
// on the training harvest's cells (no labels) and saved, so a cell's score does not depend on which
// other cells are scored with it. Members disagreeing is the ensemble's uncertainty (BANANAS-style).
import type { Forest } from './baselines.ts';
import { standardiser } from '../util/stats.ts';

export interface ScorerState {
  /** Mean and std of each component's score over the fitted cells: members first, then the forest. */
  means: number[];
  stds: number[];
  members: number;
  /** Present when the forest is a component. */
  forest?: Forest;
}

export function fitScorer(members: readonly Float64Array[], forestScores: Float64Array | null, forest: Forest | null): ScorerState {
  const stats = [...members, ...(forestScores ? [forestScores] : [])].map(standardiser);
  return { means: stats.map((s) => s[0]), stds: stats.map((s) => s[1]), members: members.length, ...(forest ? { forest } : {}) };
}

/** Mean standardised score of every cell; std: the members' spread (≥ 2 members), else `memberStd`
 * (the single member's MC spread) in the same standardised units. */
export function combineScores(st: ScorerState, members: readonly Float64Array[], forestScores: Float64Array | null, memberStd: Float64Array): { mean: Float64Array; std: Float64Array } {
  if (members.length !== st.members || !!forestScores !== !!st.forest) {
    throw new Error(`scorer expects ${st.members} member(s)${st.forest ? ' and the forest' : ''}`);
  }
  const parts = [...members, ...(forestScores ? [forestScores] : [])];
  const n = members[0].length;
  const mean = new Float64Array(n), std = new Float64Array(n);
  const z = (k: number, i: number) => (parts[k][i] - st.means[k]) / st.stds[k];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < parts.length; k++) mean[i] += z(k, i) / parts.length;
    if (members.length > 1) {
      let m = 0, q = 0;
      for (let k = 0; k < members.length; k++) m += z(k, i) / members.length;
      for (let k = 0; k < members.length; k++) q += (z(k, i) - m) ** 2 / members.length;
      std[i] = Math.sqrt(q);
    } else {
      std[i] = memberStd[i] / st.stds[0];
    }
  }
  return { mean, std };
}
