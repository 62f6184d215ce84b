// The run's final score of a cell: one MABN, or an ensemble of MABN members (different seeds), and
// optionally blended 1:1 with the random forest. Every part is standardised with statistics fitted once
// on the training harvest's cells (no labels) and saved, so a cell's score does not depend on which
// other cells are scored with it. Members disagreeing is the ensemble's uncertainty (BANANAS-style).
import type { Forest } from './baselines.ts';
import { standardiser } from '../util/stats.ts';

export interface ScorerState {
  /** Mean and std of each member's score over the fitted cells. */
  means: number[];
  stds: number[];
  /** Mean and std of the members' average standardised score (the MABN part of a blend). */
  mabn: [number, number];
  /** The forest and its score's mean and std, when it is blended in. */
  forest?: { trees: Forest; mean: number; std: number };
}

/** The members' average standardised score of every cell and its spread across members. */
function memberAverage(means: number[], stds: number[], members: readonly Float64Array[]): { avg: Float64Array; spread: Float64Array } {
  const K = members.length, n = members[0].length;
  const avg = new Float64Array(n), spread = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = members.map((m, k) => (m[i] - means[k]) / stds[k]);
    avg[i] = z.reduce((a, b) => a + b, 0) / K;
    spread[i] = Math.sqrt(z.reduce((a, b) => a + (b - avg[i]) ** 2, 0) / K);
  }
  return { avg, spread };
}

export function fitScorer(members: readonly Float64Array[], forestScores: Float64Array | null, forest: Forest | null): ScorerState {
  const stats = members.map(standardiser);
  const means = stats.map((s) => s[0]), stds = stats.map((s) => s[1]);
  const st: ScorerState = { means, stds, mabn: standardiser(memberAverage(means, stds, members).avg) };
  if (forestScores && forest) {
    const [mean, std] = standardiser(forestScores);
    st.forest = { trees: forest, mean, std };
  }
  return st;
}

/** Score of every cell: the members' average standardised score, or with the forest the mean of that
 * (standardised again) and the forest's standardised score. std: the members' spread (≥ 2 members),
 * else `memberStd` (the single member's MC spread), in member-standardised units. */
export function combineScores(st: ScorerState, members: readonly Float64Array[], forestScores: Float64Array | null, memberStd: Float64Array): { mean: Float64Array; std: Float64Array } {
  if (members.length !== st.means.length || !!forestScores !== !!st.forest) {
    throw new Error(`scorer expects ${st.means.length} member(s)${st.forest ? ' and the forest' : ''}`);
  }
  const { avg, spread } = memberAverage(st.means, st.stds, members);
  const f = st.forest;
  const mean = f && forestScores ? avg.map((a, i) => ((a - st.mabn[0]) / st.mabn[1] + (forestScores[i] - f.mean) / f.std) / 2) : avg;
  const std = members.length > 1 ? spread : memberStd.map((s) => s / st.stds[0]);
  return { mean, std };
}
