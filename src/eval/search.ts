// Zero-shot search with a scorer, as zero-cost-proxy papers report it: draw `candidates` cells at random
// from a pool (cells whose accuracy is known but unused by the scorer), pick the one the scorer ranks
// first, and look up its true accuracy; repeat with seeded draws. The same draws give the random pick
// and the oracle (best candidate), so the scorer's pick reads between them.
import { deriveSeed, randomSource, shuffle } from '../random.ts';
import { meanAndStd } from '../util/stats.ts';

export interface SearchOptions {
  candidates: number;
  repeats: number;
  seed: number;
}

export interface SearchRepeat {
  /** Cell index (into the scores) of the scorer's pick, the oracle and the random pick. */
  pick: number;
  pickAcc: number;
  /** Fraction of the pool with a lower accuracy than the pick (1 = best of the pool). */
  pickPercentile: number;
  oracleAcc: number;
  randomAcc: number;
}

export interface SearchSummary {
  candidates: number;
  repeats: number;
  pool: number;
  pickAcc: { mean: number; std: number };
  pickPercentile: number;
  randomAcc: number;
  oracleAcc: number;
  /** Best accuracy in the whole pool. */
  poolBest: number;
}

/** `pool`: cell indices to draw from (each must have a finite score and accuracy). */
export function zeroShotSearch(scores: ArrayLike<number>, acc: ArrayLike<number>, pool: readonly number[], opts: SearchOptions): { repeats: SearchRepeat[]; summary: SearchSummary } {
  if (pool.length < opts.candidates) throw new RangeError(`zeroShotSearch: ${opts.candidates} candidates from a pool of ${pool.length}`);
  const sortedAcc = pool.map((i) => acc[i]).sort((a, b) => a - b);
  const below = (a: number) => {
    let lo = 0, hi = sortedAcc.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedAcc[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    return lo / Math.max(1, sortedAcc.length - 1);
  };
  const repeats: SearchRepeat[] = [];
  for (let r = 0; r < opts.repeats; r++) {
    const drawn = shuffle(pool.slice(), randomSource(deriveSeed(opts.seed, 'search', r))).slice(0, opts.candidates);
    let pick = drawn[0], oracle = drawn[0];
    for (const i of drawn) {
      if (scores[i] > scores[pick]) pick = i;
      if (acc[i] > acc[oracle]) oracle = i;
    }
    repeats.push({ pick, pickAcc: acc[pick], pickPercentile: Math.min(1, below(acc[pick])), oracleAcc: acc[oracle], randomAcc: acc[drawn[0]] });
  }
  const summary: SearchSummary = {
    candidates: opts.candidates,
    repeats: opts.repeats,
    pool: pool.length,
    pickAcc: meanAndStd(repeats.map((x) => x.pickAcc)),
    pickPercentile: meanAndStd(repeats.map((x) => x.pickPercentile)).mean,
    randomAcc: meanAndStd(repeats.map((x) => x.randomAcc)).mean,
    oracleAcc: meanAndStd(repeats.map((x) => x.oracleAcc)).mean,
    poolBest: sortedAcc[sortedAcc.length - 1],
  };
  return { repeats, summary };
}
