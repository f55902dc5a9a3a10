// Which trials count for what: one definition for the summary and the per-case results.
import type { Trial } from '../report/schema.ts';

/** A request was made and finished: skipped models and stopped runs leave trials that never ran. */
export const ran = (t: Trial): boolean => t.verdict !== 'skipped' && t.verdict !== 'not_run';

/**
 * The request got a usable 2xx response (whatever the answer said). A 2xx whose body was not a
 * chat completion carries the invalid_response error and does not count: its latency measured
 * nothing useful. This matches the "answered" trials of baseline/samples.ts.
 */
export const succeeded = (t: Trial): boolean => t.status !== null && t.status >= 200 && t.status <= 299 && t.error === null;

/** The latencies of the successful trials, in trial order. */
export const successLatencies = (trials: readonly Trial[]): number[] =>
  trials.flatMap((t) => (succeeded(t) && t.latency_ms !== null ? [t.latency_ms] : []));
