// A seeded, stratified percentile bootstrap of the latency change between two runs.
//
// The statistic is the mean over cases of log(median(current) / median(baseline)): comparing each
// case with itself removes the spread between slow and fast images, and the log makes a +50% and a
// −33% change symmetric. Resampling happens within each case and each side (stratified), so every
// replicate keeps the run's design: the same cases, the same number of samples per case.
import { quantileSorted } from './quantile.ts';
import { createRng, type Rng } from './rng.ts';

export interface LatencySamples {
  baseline: readonly number[];
  current: readonly number[];
}

/** Log-ratios (natural log of current / baseline); exp(x) − 1 is the relative change. */
export interface BootstrapInterval {
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  seed: number;
  /** Replicates; 2000 keeps the 2.5% tails stable to about a percent. */
  resamples?: number;
  /** Two-sided coverage of the interval. */
  level?: number;
}

export const DEFAULT_RESAMPLES = 2000;

/** Latencies are recorded to 0.1 ms; a 0 would make the log-ratio infinite. */
const FLOOR_MS = 0.1;

interface Stratum {
  baseline: Float64Array;
  current: Float64Array;
}

const usable = (cases: readonly LatencySamples[]): Stratum[] =>
  cases
    .filter((c) => c.baseline.length > 0 && c.current.length > 0)
    .map((c) => ({
      baseline: Float64Array.from(c.baseline, (v) => Math.max(FLOOR_MS, v)),
      current: Float64Array.from(c.current, (v) => Math.max(FLOOR_MS, v)),
    }));

function medianOf(sorted: Float64Array): number {
  const n = sorted.length;
  const middle = n >> 1;
  return n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function resampledMedian(values: Float64Array, scratch: Float64Array, rng: Rng): number {
  for (let i = 0; i < values.length; i += 1) scratch[i] = values[rng.int(values.length)]!;
  scratch.sort();
  return medianOf(scratch);
}

const logRatioOfMedians = (c: Stratum) =>
  Math.log(medianOf(c.current.slice().sort()) / medianOf(c.baseline.slice().sort()));

/**
 * The bootstrap replicates of the statistic, in draw order; null when no case has samples on both
 * sides. Exposed for tests that check the resampling against a distribution worked out by hand.
 */
export function bootstrapReplicates(cases: readonly LatencySamples[], options: BootstrapOptions): Float64Array | null {
  const strata = usable(cases);
  return strata.length === 0 ? null : replicatesOf(strata, options);
}

function replicatesOf(strata: Stratum[], options: BootstrapOptions): Float64Array {
  const rng = createRng(options.seed);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const scratch = strata.map((c) => ({ baseline: new Float64Array(c.baseline.length), current: new Float64Array(c.current.length) }));
  const replicates = new Float64Array(resamples);
  for (let r = 0; r < resamples; r += 1) {
    let sum = 0;
    strata.forEach((c, i) => {
      const b = resampledMedian(c.baseline, scratch[i]!.baseline, rng);
      const a = resampledMedian(c.current, scratch[i]!.current, rng);
      sum += Math.log(a / b);
    });
    replicates[r] = sum / strata.length;
  }
  return replicates;
}

/**
 * The point estimate and percentile interval of the mean per-case log-ratio of medians
 * (current / baseline). Cases without samples on both sides are left out; null when none is left.
 */
export function latencyRatioInterval(cases: readonly LatencySamples[], options: BootstrapOptions): BootstrapInterval | null {
  const strata = usable(cases);
  if (strata.length === 0) return null;
  const sorted = Array.from(replicatesOf(strata, options).sort());
  const tail = (1 - (options.level ?? 0.95)) / 2;
  return {
    estimate: strata.reduce((sum, c) => sum + logRatioOfMedians(c), 0) / strata.length,
    low: quantileSorted(sorted, tail),
    high: quantileSorted(sorted, 1 - tail),
  };
}
