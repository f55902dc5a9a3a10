// Builds the baseline to write in update-baseline mode from this run's results, keeping the
// history of earlier refreshes and the entries of models this run could not measure.
import type { ModelSummary, Trial } from '../report/schema.ts';
import { samplesByModelAndCase, type CaseSamples } from './samples.ts';
import { assertBaselineWritable } from './writable.ts';
import { BASELINE_SCHEMA_VERSION, HISTORY_LIMIT, type Baseline, type BaselineCase, type BaselineModel, type HistoryEntry } from './schema.ts';

export interface BuildBaselineInput {
  previous: Baseline | null;
  /** When the measured run started, ISO 8601. */
  now: string;
  commit: string | null;
  /** The config file, as shown to the user. */
  configPath: string;
  runs: number;
  models: readonly ModelSummary[];
  trials: readonly Trial[];
  /** case id → fingerprint, for every configured case. */
  fingerprints: Readonly<Record<string, string>>;
}

const toCase = (fingerprint: string, s: CaseSamples): BaselineCase => ({
  fingerprint,
  trials: s.trials,
  passes: s.passes,
  errors: s.errors,
  latencies_ms: s.latencies_ms,
  tokens: { prompt_avg: s.prompt_avg, completion_avg: s.completion_avg, image_avg: s.image_avg },
});

/** Throws a UserError instead of building from a run that must not replace the baseline (see writable.ts). */
export function buildBaseline(input: BuildBaselineInput): Baseline {
  assertBaselineWritable({ models: input.models, trials: input.trials });
  const samples = samplesByModelAndCase(input.trials);
  const models: Record<string, BaselineModel> = {};
  const measured: HistoryEntry['models'] = {};

  for (const summary of input.models) {
    const previous = input.previous?.models[summary.id];
    const byCase = samples.get(summary.id);
    const cases: Record<string, BaselineCase> = {};
    const fresh: BaselineCase[] = [];
    for (const [caseId, fingerprint] of Object.entries(input.fingerprints)) {
      const s = byCase?.get(caseId);
      if (s && s.trials > 0) {
        cases[caseId] = toCase(fingerprint, s);
        fresh.push(cases[caseId]);
      } else if (previous?.cases[caseId]?.fingerprint === fingerprint) {
        // Not measured this time (a run cut short is refused above, so: a model skipped in this
        // run): keep what is known of the same question.
        cases[caseId] = previous.cases[caseId];
      }
    }
    if (summary.verdict === 'skipped' || fresh.length === 0) {
      // A model without a key in this run keeps its last measurement rather than vanishing.
      if (previous) models[summary.id] = previous;
      continue;
    }
    models[summary.id] = {
      route: summary.route,
      requests: summary.requests,
      correct: summary.correct,
      errors: summary.errors,
      latency_ms: { p50: summary.latency_ms.p50, p95: summary.latency_ms.p95 },
      tokens: { prompt_avg: summary.tokens.prompt_avg, completion_avg: summary.tokens.completion_avg, image: summary.tokens.image },
      cost_per_success: summary.cost.per_success,
      cases,
    };
    const trials = fresh.reduce((n, c) => n + c.trials, 0);
    measured[summary.id] = {
      p50_ms: summary.latency_ms.p50,
      accuracy: fresh.reduce((n, c) => n + c.passes, 0) / trials,
      samples: fresh.reduce((n, c) => n + c.latencies_ms.length, 0),
    };
  }

  const entry: HistoryEntry = { created_at: input.now, commit: input.commit, models: measured };
  return {
    schema_version: BASELINE_SCHEMA_VERSION,
    provenance: { created_at: input.now, commit: input.commit, config: input.configPath, runs: input.runs },
    models,
    history: [...(input.previous?.history ?? []), entry].slice(-HISTORY_LIMIT),
  };
}
