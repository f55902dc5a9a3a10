// The gate's statistics against values published elsewhere: Fisher's exact test against R's
// fisher.test and an exact rational computation; the bootstrap against a resampling distribution
// worked out by hand, its coverage on synthetic data, and its determinism for a seed.
import { describe, expect, it } from 'vitest';
import { bootstrapReplicates, latencyRatioInterval } from '../src/stats/bootstrap.ts';
import { fisherOneSidedWorse } from '../src/stats/fisher.ts';
import { createRng, deriveSeed } from '../src/stats/rng.ts';

const counts = (passes: number, trials: number) => ({ passes, trials });

describe("Fisher's exact test, one-sided (current pass rate lower)", () => {
  // Each value is R's fisher.test(..., alternative = "greater" / "less") p-value for the table.
  it.each([
    ['3/3 → 0/3, the smallest broken case', counts(3, 3), counts(0, 3), 0.05],
    ['3/3 → 1/3, only a warning', counts(3, 3), counts(1, 3), 0.2],
    ['6/6 → 0/6', counts(6, 6), counts(0, 6), 0.001082251],
    ['the lady tasting tea, all four cups right (1/70)', counts(4, 4), counts(0, 4), 0.01428571],
    ["Fisher's own tea table, 3 of 4 vs 1 of 4", counts(3, 4), counts(1, 4), 0.2428571],
    ["R's Convictions example (monozygotic 10/13 vs dizygotic 2/17)", counts(10, 13), counts(2, 17), 0.0004652],
  ])('%s', (_name, baseline, current, expected) => {
    expect(fisherOneSidedWorse(baseline, current)).toBeCloseTo(expected, 7);
  });

  it('gives exactly 0.05 for 3/3 → 0/3, so the contract’s boundary case is broken', () => {
    expect(fisherOneSidedWorse(counts(3, 3), counts(0, 3))).toBe(0.05);
  });

  it('matches the exact hypergeometric tail computed with integers for every table up to 12 trials a side', () => {
    const choose = (n: number, k: number): bigint => {
      if (k < 0 || k > n) return 0n;
      let r = 1n;
      for (let i = 1; i <= k; i += 1) r = (r * BigInt(n - k + i)) / BigInt(i);
      return r;
    };
    for (let n1 = 1; n1 <= 12; n1 += 1) {
      for (let n2 = 1; n2 <= 12; n2 += 1) {
        for (let b = 0; b <= n1; b += 1) {
          for (let c = 0; c <= n2; c += 1) {
            const m = b + c;
            let tail = 0n;
            for (let k = 0; k <= c; k += 1) tail += choose(m, k) * choose(n1 + n2 - m, n2 - k);
            const exact = Number((tail * 10n ** 15n) / choose(n1 + n2, n2)) / 1e15;
            expect(fisherOneSidedWorse(counts(b, n1), counts(c, n2))).toBeCloseTo(exact, 11);
          }
        }
      }
    }
  });

  it('stays a probability for large tables', () => {
    const p = fisherOneSidedWorse(counts(900, 1000), counts(850, 1000));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.001);
    expect(fisherOneSidedWorse(counts(500, 1000), counts(1000, 1000))).toBe(1);
  });

  it('is 1 when there is no evidence, and rejects impossible counts', () => {
    expect(fisherOneSidedWorse(counts(0, 0), counts(0, 3))).toBe(1);
    expect(fisherOneSidedWorse(counts(3, 3), counts(0, 0))).toBe(1);
    expect(fisherOneSidedWorse(counts(3, 3), counts(3, 3))).toBe(1);
    expect(() => fisherOneSidedWorse(counts(4, 3), counts(0, 3))).toThrow(/passes ≤ trials/);
    expect(() => fisherOneSidedWorse(counts(1.5, 3), counts(0, 3))).toThrow();
  });
});

describe('the seeded random source', () => {
  it('repeats its draws for a seed and differs between seeds', () => {
    const draws = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    for (const v of draws(7)) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of draws(7)) expect(v).toBeLessThan(1);
  });

  it('draws integers uniformly in [0, n)', () => {
    const rng = createRng(3);
    const seen = [0, 0, 0];
    for (let i = 0; i < 30_000; i += 1) seen[rng.int(3)]! += 1;
    for (const n of seen) expect(Math.abs(n - 10_000)).toBeLessThan(400);
  });

  it('derives distinct, stable per-model seeds', () => {
    expect(deriveSeed(1, 'gpt-4.1-mini')).toBe(deriveSeed(1, 'gpt-4.1-mini'));
    expect(deriveSeed(1, 'gpt-4.1-mini')).not.toBe(deriveSeed(1, 'gemini-2.5-flash'));
    expect(deriveSeed(1, 'gpt-4.1-mini')).not.toBe(deriveSeed(2, 'gpt-4.1-mini'));
  });
});

describe('the bootstrap interval of the latency ratio', () => {
  const jittered = (seed: number, base: number, n: number, spread = 0.3) => {
    const rng = createRng(seed);
    return Array.from({ length: n }, () => base * (1 + spread * (2 * rng.next() - 1)));
  };

  it('is deterministic for a seed', () => {
    const cases = [
      { baseline: jittered(1, 1000, 5), current: jittered(2, 1300, 5) },
      { baseline: jittered(3, 1500, 5), current: jittered(4, 1900, 5) },
    ];
    const a = latencyRatioInterval(cases, { seed: 42 });
    expect(latencyRatioInterval(cases, { seed: 42 })).toEqual(a);
    expect(latencyRatioInterval(cases, { seed: 43 })).not.toEqual(a);
  });

  it('resamples a case’s median with the probabilities worked out by hand', () => {
    // Baseline constant at 100; current {100, 200, 400}. The median of three draws with replacement
    // is 100 when at least two draws are 100: 3·(1/3)²·(2/3) + (1/3)³ = 7/27; 400 likewise 7/27;
    // 200 otherwise, 13/27. So the replicates are log 1, log 2, log 4 in those proportions.
    const cases = [{ baseline: [100, 100, 100], current: [100, 200, 400] }];
    const replicates = bootstrapReplicates(cases, { seed: 5, resamples: 20_000 })!;
    const share = (v: number) => replicates.filter((r) => Math.abs(r - Math.log(v)) < 1e-12).length / replicates.length;
    const tolerance = 4 * Math.sqrt((0.26 * 0.74) / 20_000);
    expect(share(1)).toBeCloseTo(7 / 27, 1);
    expect(Math.abs(share(1) - 7 / 27)).toBeLessThan(tolerance);
    expect(Math.abs(share(2) - 13 / 27)).toBeLessThan(tolerance);
    expect(Math.abs(share(4) - 7 / 27)).toBeLessThan(tolerance);

    // Percentiles: 2.5% falls in the first 7/27 (log 1), 97.5% in the last (log 4); the 20%…80%
    // interval spans the same atoms, the 30%…70% one is the middle atom alone.
    const interval = latencyRatioInterval(cases, { seed: 5, resamples: 20_000 })!;
    expect(interval.estimate).toBeCloseTo(Math.log(2), 12);
    expect(interval.low).toBeCloseTo(0, 12);
    expect(interval.high).toBeCloseTo(Math.log(4), 12);
    const middle = latencyRatioInterval(cases, { seed: 5, resamples: 20_000, level: 0.4 })!;
    expect(middle.low).toBeCloseTo(Math.log(2), 12);
    expect(middle.high).toBeCloseTo(Math.log(2), 12);
  });

  it('contains the true ratio on synthetic data, about 95% of the time', () => {
    const truth = Math.log(1.5);
    let covered = 0;
    const datasets = 200;
    for (let d = 0; d < datasets; d += 1) {
      const cases = [800, 1300, 2100].map((base, i) => ({
        baseline: jittered(d * 10 + i, base, 15),
        current: jittered(d * 10 + i + 5000, base * 1.5, 15),
      }));
      const interval = latencyRatioInterval(cases, { seed: d, resamples: 1000 })!;
      if (d === 0) expect(interval.low).toBeLessThan(truth);
      if (d === 0) expect(interval.high).toBeGreaterThan(truth);
      if (interval.low <= truth && truth <= interval.high) covered += 1;
    }
    // Binomial(200, 0.95) falls below 180 with probability under 0.1%.
    expect(covered).toBeGreaterThanOrEqual(180);
  });

  it('leaves out cases without samples on both sides, and is null when none is left', () => {
    const withEmpty = latencyRatioInterval(
      [
        { baseline: [100, 110, 90], current: [200, 220, 180] },
        { baseline: [], current: [5000] },
      ],
      { seed: 1 },
    )!;
    expect(withEmpty.estimate).toBeCloseTo(Math.log(2), 12);
    expect(latencyRatioInterval([{ baseline: [], current: [1] }], { seed: 1 })).toBeNull();
    expect(latencyRatioInterval([], { seed: 1 })).toBeNull();
  });

  it('never turns a 0 ms sample into an infinite ratio', () => {
    const interval = latencyRatioInterval([{ baseline: [0, 0, 0], current: [1, 1, 1] }], { seed: 1 })!;
    expect(Number.isFinite(interval.low) && Number.isFinite(interval.high)).toBe(true);
  });
});
