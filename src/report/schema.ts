// The JSON report's schema: the single source of truth for the result types used across the
// pipeline (Trial, ModelSummary, CaseResult, Finding, Report) and for schema/report.schema.json.
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = 1;

export const Verdict = z.enum(['pass', 'wrong', 'no_image', 'empty', 'truncated', 'error', 'timeout', 'skipped', 'not_run']);

/** Why a request failed at the transport level: an HTTP status class or a network condition. */
export const ErrorClass = z.enum([
  'http', // a non-2xx status (see status)
  'timeout', // the per-attempt timeout fired
  'connection', // refused, reset, DNS failure, TLS failure
  'invalid_response', // 2xx whose body is not a usable chat completion
  'aborted', // the run was stopped (deadline, signal)
]);

export const Usage = z.object({
  prompt_tokens: z.number().int().min(0).nullable(),
  completion_tokens: z.number().int().min(0).nullable(),
  cached_tokens: z.number().int().min(0).nullable(),
  image_tokens: z.number().int().min(0).nullable(),
});

export const Attempt = z.object({
  attempt: z.number().int().min(1),
  status: z.number().int().nullable().meta({ description: 'HTTP status, null when no response arrived.' }),
  error: ErrorClass.nullable(),
  message: z.string().nullable(),
  latency_ms: z.number().min(0).meta({ description: 'Request sent → full body received (or failure).' }),
  retry_after_ms: z.number().min(0).nullable().meta({ description: 'The server-requested wait, if any.' }),
  backoff_ms: z.number().min(0).meta({ description: 'Wait before the next attempt; never counted as latency.' }),
});

export const Trial = z.object({
  model: z.string(),
  case: z.string(),
  trial: z.number().int().min(1),
  verdict: Verdict,
  status: z.number().int().nullable(),
  error: ErrorClass.nullable(),
  error_message: z.string().nullable(),
  attempts: z.array(Attempt),
  latency_ms: z.number().min(0).nullable().meta({ description: 'Latency of the final attempt.' }),
  answer: z.string().nullable(),
  finish_reason: z.string().nullable(),
  usage: Usage.nullable(),
});

export const LatencyStats = z.object({
  avg: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});

export const ImagePath = z.enum(['ok', 'dropped', 'unknown']);

export const Route = z.object({
  model: z.string(),
  host: z.string(),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** What the baseline says about a model, shown beside the current numbers in the scorecard. */
export const BaselineModelView = z.object({
  requests: z.number().int().min(0),
  correct: z.number().int().min(0),
  errors: z.number().int().min(0),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  prompt_avg: z.number().nullable(),
  image_tokens: z.number().nullable(),
  cost_per_success: z.number().nullable(),
  route: Route,
  route_changed: z.boolean(),
});

export const ModelSummary = z.object({
  id: z.string(),
  verdict: z.enum(['pass', 'warn', 'fail', 'skipped']),
  skipped_reason: z.string().nullable(),
  route: Route,
  requests: z.number().int().min(0),
  http_success: z.number().int().min(0),
  correct: z.number().int().min(0),
  no_image_claims: z.number().int().min(0),
  errors: z.number().int().min(0),
  timeouts: z.number().int().min(0),
  not_run: z.number().int().min(0),
  latency_ms: LatencyStats,
  tokens: z.object({
    prompt_avg: z.number().nullable(),
    completion_avg: z.number().nullable(),
    image: z.number().nullable().meta({ description: 'Measured image tokens per request; null when unknown.' }),
    image_source: z.enum(['reported', 'calibration']).nullable(),
    text_only_prompt: z.number().nullable().meta({ description: 'Prompt tokens of the text-only calibration request.' }),
  }),
  image_path: ImagePath,
  cost: z.object({
    per_10k_calls: z.number().nullable().meta({ description: 'USD; null when no price is configured.' }),
    per_success: z.number().nullable().meta({ description: 'USD per correctly recognised image; null when unknown.' }),
  }),
  baseline: BaselineModelView.nullable().default(null).meta({ description: 'The baseline numbers, when compared.' }),
});

export const CaseStatus = z.enum(['ok', 'broken', 'flaky', 'fixed', 'new', 'changed', 'removed', 'skipped']);

export const CaseResult = z.object({
  model: z.string(),
  case: z.string(),
  trials: z.number().int().min(0),
  passes: z.number().int().min(0),
  verdicts: z.array(Verdict),
  latency_ms: z.array(z.number()),
  answer: z.string().nullable().meta({ description: 'A sample answer (the first failing one, else the first).' }),
  status: CaseStatus.default('ok'),
  baseline: z.object({ trials: z.number().int(), passes: z.number().int() }).nullable().default(null),
  p_value: z.number().nullable().default(null),
});

export const Severity = z.enum(['fail', 'warn', 'pass', 'insufficient data']);
export const FindingKind = z.enum(['recognition', 'latency', 'image_path', 'errors', 'cost', 'coverage']);

export const Finding = z.object({
  severity: Severity,
  kind: FindingKind,
  model: z.string().nullable(),
  case: z.string().nullable(),
  message: z.string(),
  numbers: z.record(z.string(), z.number().nullable()).default({}),
});

export const ReportSchema = z
  .object({
    schema_version: z.literal(REPORT_SCHEMA_VERSION),
    mode: z.enum(['gate', 'update-baseline', 'report']),
    passed: z.boolean(),
    regressions: z.number().int().min(0).meta({ description: 'The number of findings with severity "fail".' }),
    complete: z.boolean().meta({ description: 'false when a deadline or signal stopped the run early.' }),
    config: z.string(),
    started_at: z.string(),
    duration_ms: z.number().min(0),
    baseline: z
      .object({ path: z.string(), status: z.enum(['compared', 'missing', 'written']), commit: z.string().nullable() })
      .nullable(),
    models: z.array(ModelSummary),
    cases: z.array(CaseResult),
    findings: z.array(Finding),
    trials: z.array(Trial),
  })
  .meta({ title: 'vision-gate report' });

export type Verdict = z.infer<typeof Verdict>;
export type ErrorClass = z.infer<typeof ErrorClass>;
export type Usage = z.infer<typeof Usage>;
export type Attempt = z.infer<typeof Attempt>;
export type Trial = z.infer<typeof Trial>;
export type LatencyStats = z.infer<typeof LatencyStats>;
export type ImagePath = z.infer<typeof ImagePath>;
export type Route = z.infer<typeof Route>;
export type ModelSummary = z.infer<typeof ModelSummary>;
export type BaselineModelView = z.infer<typeof BaselineModelView>;
export type CaseStatus = z.infer<typeof CaseStatus>;
export type CaseResult = z.infer<typeof CaseResult>;
export type Severity = z.infer<typeof Severity>;
export type FindingKind = z.infer<typeof FindingKind>;
export type Finding = z.infer<typeof Finding>;
export type Report = z.infer<typeof ReportSchema>;
