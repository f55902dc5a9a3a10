// One model's scorecard rows from its trials: counts, latency, tokens, the image-path signal and
// cost. Pure and unrounded (rendering rounds); the gate sets the final verdict and the baseline.
import type { Price } from '../config/schema.ts';
import type { ModelSummary, Route, Trial, Verdict } from '../report/schema.ts';
import { mean, median, quantile } from '../stats/quantile.ts';
import { costPer10kCalls, costPerSuccess } from './cost.ts';
import { imageSignal, type Calibration } from './image-signal.ts';
import { ran, succeeded, successLatencies } from './trials.ts';

export { DROPPED_IMAGE_MAX_TOKENS, type Calibration } from './image-signal.ts';

export interface ModelSummaryInput {
  id: string;
  route: Route;
  price: Price | undefined;
  trials: readonly Trial[];
  /** The prompt each case was sent with for this model, to pair trials with calibrations. */
  promptOf: (caseId: string) => string;
  /** Text-only requests, one per prompt; empty when none was made. */
  calibrations: readonly Calibration[];
  /** Why the model was not run (e.g. 'OPENAI_API_KEY is not set'), or null. */
  skippedReason: string | null;
}

const minOf = (values: readonly number[]) => (values.length === 0 ? null : Math.min(...values));
const maxOf = (values: readonly number[]) => (values.length === 0 ? null : Math.max(...values));

function usageMean(trials: readonly Trial[], pick: (t: Trial) => number | null | undefined): number | null {
  return mean(
    trials.flatMap((t) => {
      const value = pick(t);
      return value == null ? [] : [value];
    }),
  );
}

export function summarizeModel(input: ModelSummaryInput): ModelSummary {
  const { trials } = input;
  const count = (verdict: Verdict) => trials.filter((t) => t.verdict === verdict).length;
  const correct = count('pass');
  const latencies = successLatencies(trials);
  const prompt_avg = usageMean(trials, (t) => t.usage?.prompt_tokens);
  const completion_avg = usageMean(trials, (t) => t.usage?.completion_tokens);
  const { image_path, ...image } = imageSignal(trials, input.promptOf, input.calibrations);

  return {
    id: input.id,
    verdict: input.skippedReason !== null ? 'skipped' : 'pass',
    skipped_reason: input.skippedReason,
    route: input.route,
    requests: trials.filter(ran).length,
    http_success: trials.filter(succeeded).length,
    correct,
    no_image_claims: count('no_image'),
    errors: count('error'),
    timeouts: count('timeout'),
    not_run: count('not_run'),
    latency_ms: {
      avg: mean(latencies),
      p50: median(latencies),
      p95: quantile(latencies, 0.95),
      min: minOf(latencies),
      max: maxOf(latencies),
    },
    tokens: { prompt_avg, completion_avg, ...image },
    image_path,
    cost: {
      per_10k_calls: costPer10kCalls(input.price, prompt_avg, completion_avg),
      per_success: costPerSuccess(input.price, trials, correct),
    },
    baseline: null,
  };
}
