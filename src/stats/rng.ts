// A seeded pseudo-random source for the bootstrap and the statistical tests: the same seed always
// gives the same draws, so a gate verdict can be reproduced exactly.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n), without modulo bias. */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  // xoroshiro128+ (Blackman & Vigna), as implemented by pure-rand; mutates its own state.
  const generator = xoroshiro128plus(seed | 0);
  return {
    next: () => uniformFloat64(generator),
    int: (n) => uniformInt(generator, 0, n - 1),
  };
}

/** Mixes a text key into a seed (FNV-1a), so each model gets its own stream from one run seed. */
export function deriveSeed(seed: number, key: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash | 0;
}
