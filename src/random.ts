// Seeded randomness. Everything reproducible in parzc (image batches, per-architecture initial weights)
// draws from these functions, so their outputs are part of the results' identity: changing any of them
// changes every score. Math.random is never used for anything that ends up in a result.

/** mulberry32 (Tommy Ettinger's 32-bit generator, as in the widely copied public-domain JS snippet):
 * returns a function giving uniforms in [0, 1) with 32 bits of resolution. Period 2^32, which is
 * ample for drawing a network's weights or a batch's indices. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded source of uniforms and standard normals (satisfies nn/init.ts's RandomSource). */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal, by Box-Muller; the second value of each pair is kept for the next call. */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function randomSource(seed: number): Rng {
  const next = mulberry32(seed);
  let spare: number | undefined;
  return {
    uniform: next,
    normal() {
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return z;
      }
      // 1 - u lies in (0, 1], so the log is finite.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    int: (n) => Math.floor(next() * n),
  };
}

/** Fisher-Yates shuffle in place (from the last element down, drawing j in [0, i]); returns `items`. */
export function shuffle<T extends { length: number; [i: number]: any }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

const utf8 = new TextEncoder();

/** A 32-bit seed from any list of parts, e.g. `deriveSeed(seed, 'init', archString)`.
 *
 * Stable by construction, so seeds recorded in results stay valid: each part is written as a type tag
 * (`n` for a number, `s` for a string), its text (`String(n)` for numbers, so 1 and 1.0 agree, or the
 * string itself), then a 0x00 separator; the UTF-8 bytes of that text are hashed with 32-bit FNV-1a
 * (offset 0x811c9dc5, prime 0x01000193) and the hash is finished with MurmurHash3's fmix32 so that
 * nearby inputs give unrelated seeds. The tags and separators keep `(1, 'a')`, `('1', 'a')` and
 * `('1a')` distinct. Returns an unsigned 32-bit integer. */
export function deriveSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = (typeof part === 'number' ? 'n' : 's') + String(part) + '\u0000';
    for (const byte of utf8.encode(text)) h = Math.imul(h ^ byte, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
