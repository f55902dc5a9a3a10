// Per (model, case) counts and samples from the trials: what the baseline stores and what the gate
// compares, computed by one function so both sides always mean the same thing.
import type { Trial } from '../report/schema.ts';
import { mean } from '../stats/quantile.ts';
import { ran, succeeded } from '../summarize/trials.ts';

export interface CaseSamples {
  /** Trials that ran: skipped and not-run ones are left out. */
  trials: number;
  passes: number;
  /** Transport failures: trials that ran without a usable 2xx response (HTTP errors, timeouts). */
  errors: number;
  /** Latencies of the answered (succeeded) trials, ascending: the samples behind the summary's p50. */
  latencies_ms: number[];
  prompt_avg: number | null;
  completion_avg: number | null;
  image_avg: number | null;
}

export const emptySamples = (): CaseSamples => ({
  trials: 0,
  passes: 0,
  errors: 0,
  latencies_ms: [],
  prompt_avg: null,
  completion_avg: null,
  image_avg: null,
});

function averageOf(trials: readonly Trial[], pick: (u: NonNullable<Trial['usage']>) => number | null): number | null {
  const values: number[] = [];
  for (const t of trials) {
    const v = t.usage ? pick(t.usage) : null;
    if (v !== null) values.push(v);
  }
  return mean(values);
}

export function samplesOf(trials: readonly Trial[]): CaseSamples {
  const executed = trials.filter(ran);
  const answered = executed.filter(succeeded);
  return {
    trials: executed.length,
    passes: executed.filter((t) => t.verdict === 'pass').length,
    errors: executed.length - answered.length,
    latencies_ms: answered.flatMap((t) => (t.latency_ms === null ? [] : [t.latency_ms])).sort((a, b) => a - b),
    prompt_avg: averageOf(answered, (u) => u.prompt_tokens),
    completion_avg: averageOf(answered, (u) => u.completion_tokens),
    image_avg: averageOf(answered, (u) => u.image_tokens),
  };
}

/** model id → case id → samples, for every (model, case) that has at least one trial. */
export function samplesByModelAndCase(trials: readonly Trial[]): Map<string, Map<string, CaseSamples>> {
  const grouped = new Map<string, Map<string, Trial[]>>();
  for (const t of trials) {
    let cases = grouped.get(t.model);
    if (!cases) grouped.set(t.model, (cases = new Map()));
    let list = cases.get(t.case);
    if (!list) cases.set(t.case, (list = []));
    list.push(t);
  }
  return new Map([...grouped].map(([model, cases]) => [model, new Map([...cases].map(([id, list]) => [id, samplesOf(list)]))]));
}
