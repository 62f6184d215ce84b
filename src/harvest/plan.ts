import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { deriveSeed, mulberry32 } from '../random.ts';
import type { SearchSpace } from '../spaces/space.ts';

export interface PlannedArch {
  /** Position in the full (unsharded) plan. */
  position: number;
  arch: string;
  /** Official benchmark index, −1 if none. */
  index: number;
}

function sampleWithoutReplacement(n: number, k: number, seed: number): number[] {
  const rand = mulberry32(deriveSeed(seed, 'arch-sample'));
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** Expands an --archs spec into the architectures to harvest, in a fixed order:
 * "all" (official order), "unique" (lowest-index member of each isomorphism class), N (a seeded uniform
 * sample, in official order) or a file with one architecture per line (# comments allowed). */
export function makePlan(space: SearchSpace, spec: string, seed: number): string[] {
  if (spec === 'all') return [...space.enumerate()];
  if (spec === 'unique') {
    const seen = new Set<string>();
    return space.enumerate().filter((a) => {
      const key = space.isomorphismKey(a);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  if (/^\d+$/.test(spec)) {
    const all = space.enumerate();
    const k = Number(spec);
    if (k < 1 || k > all.length) throw new UserError(`--archs ${spec}: expected 1..${all.length} for space ${space.name}`);
    return sampleWithoutReplacement(all.length, k, seed).map((i) => all[i]);
  }
  if (!existsSync(spec)) throw new UserError(`--archs ${spec}: not "all", "unique", a count, or an existing file`);
  const lines = readFileSync(spec, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  if (!lines.length) throw new UserError(`--archs ${spec}: the file lists no architectures`);
  return lines.map((l, i) => {
    try {
      return space.parse(l);
    } catch (e) {
      throw new UserError(`${spec}:${i + 1}: ${(e as Error).message}`);
    }
  });
}

/** Parses "i/n" into [i, n]. */
export function parseShard(shard: string): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UserError(`--shard ${shard}: expected i/n with 0 ≤ i < n`);
  return [Number(m[1]), Number(m[2])];
}

/** The plan entries this run computes (every n-th for shard i/n). */
export function shardPlan(space: SearchSpace, archs: string[], shard: string | null): PlannedArch[] {
  const [i, n] = shard ? parseShard(shard) : [0, 1];
  const out: PlannedArch[] = [];
  for (let p = i; p < archs.length; p += n) out.push({ position: p, arch: archs[p], index: space.indexOf(archs[p]) });
  return out;
}
