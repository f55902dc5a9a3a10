// Plain-data fixtures for the gate's tests: trials as the runner records them, summarised by the
// engine's own summarize step, without any HTTP.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { buildBaseline } from '../../src/baseline/build.ts';
import type { Baseline } from '../../src/baseline/schema.ts';
import { runGate, type GateCase, type GateInput, type GateResult } from '../../src/compare/index.ts';
import { Gates, type Gates as GatesType } from '../../src/config/schema.ts';
import type { ModelSummary, Route, Trial, Verdict } from '../../src/report/schema.ts';
import { caseResults } from '../../src/summarize/case-results.ts';
import { summarizeModel } from '../../src/summarize/model-summary.ts';

export const DEFAULT_GATES: GatesType = Gates.parse({});

/** The gates with some settings changed, defaults filled in as the config loader does. */
export const gates = (overrides: z.input<typeof Gates> = {}): GatesType => Gates.parse(overrides);

/** A fingerprint-shaped id for a case name (the gate only compares them for equality). */
export const fp = (name: string, version = 0) => createHash('sha256').update(`${name}#${version}`).digest('hex');

export interface Outcome {
  verdict: Verdict;
  latency?: number | null;
  prompt?: number;
}

export function trial(model: string, caseId: string, index: number, outcome: Outcome): Trial {
  const transport = outcome.verdict === 'error' || outcome.verdict === 'timeout';
  const ran = outcome.verdict !== 'skipped' && outcome.verdict !== 'not_run';
  return {
    model,
    case: caseId,
    trial: index,
    verdict: outcome.verdict,
    status: ran ? (transport ? 500 : 200) : null,
    error: outcome.verdict === 'error' ? 'http' : outcome.verdict === 'timeout' ? 'timeout' : null,
    error_message: null,
    attempts: [],
    latency_ms: ran ? (outcome.latency ?? 1000) : null,
    answer: transport || !ran ? null : outcome.verdict === 'pass' ? 'The Python logo.' : 'Please upload an image.',
    finish_reason: transport || !ran ? null : 'stop',
    usage: transport || !ran ? null : { prompt_tokens: outcome.prompt ?? 100, completion_tokens: 8, cached_tokens: null, image_tokens: null },
  };
}

/** Trials of one (model, case) from a list of verdicts and (optionally) latencies. */
export function caseTrials(model: string, caseId: string, verdicts: readonly Verdict[], latencies: readonly number[] = []): Trial[] {
  return verdicts.map((verdict, i) => trial(model, caseId, i + 1, { verdict, latency: latencies[i] ?? 1000 }));
}

/** `passes` passing trials out of `trials`, the rest answered wrongly. */
export const passing = (model: string, caseId: string, passes: number, trials: number, latencies: readonly number[] = []) =>
  caseTrials(model, caseId, Array.from({ length: trials }, (_, i): Verdict => (i < passes ? 'pass' : 'wrong')), latencies);

export const route = (model: string, settings: Route['settings'] = { detail: 'low', max_tokens: 40 }): Route => ({
  model,
  host: 'api.example.com',
  settings,
});

/** The engine's own summary of a model's trials, with any field overridden for the scenario. */
export function summaryOf(id: string, trials: readonly Trial[], overrides: Partial<ModelSummary> = {}): ModelSummary {
  const mine = trials.filter((t) => t.model === id);
  const skipped = mine.length > 0 && mine.every((t) => t.verdict === 'skipped');
  const summary = summarizeModel({
    id,
    route: route(id),
    price: undefined,
    trials: mine,
    promptOf: () => 'What logo is this?',
    calibrations: [],
    skippedReason: skipped ? 'KEY is not set' : null,
  });
  return { ...summary, ...overrides };
}

export const modelIds = (trials: readonly Trial[]) => [...new Set(trials.map((t) => t.model))];

export const gateCases = (ids: readonly string[], mustPass: readonly string[] = []): GateCase[] =>
  ids.map((id) => ({ id, must_pass: mustPass.includes(id), fingerprint: fp(id) }));

/** A baseline written from trials the same way update-baseline writes one. */
export function baselineFrom(trials: readonly Trial[], cases: readonly GateCase[], summaries?: ModelSummary[]): Baseline {
  return buildBaseline({
    previous: null,
    now: '2026-06-21T13:36:32.000Z',
    commit: 'abc1234',
    configPath: 'vision-gate.yml',
    runs: 3,
    models: summaries ?? modelIds(trials).map((id) => summaryOf(id, trials)),
    trials,
    fingerprints: Object.fromEntries(cases.map((c) => [c.id, c.fingerprint])),
  });
}

/** Runs the gate on current trials against a baseline built from earlier trials. */
export function gate(
  input: { baseline: readonly Trial[] | Baseline | null; current: readonly Trial[]; cases: readonly GateCase[] } & Partial<
    Pick<GateInput, 'gates' | 'seed' | 'models'>
  >,
): GateResult {
  const baseline =
    input.baseline === null ? null : Array.isArray(input.baseline) ? baselineFrom(input.baseline as Trial[], input.cases) : (input.baseline as Baseline);
  return runGate({
    gates: input.gates ?? DEFAULT_GATES,
    cases: [...input.cases],
    baseline,
    models: input.models ?? modelIds(input.current).map((id) => summaryOf(id, input.current)),
    caseResults: caseResults(input.current),
    trials: input.current,
    seed: input.seed,
  });
}
