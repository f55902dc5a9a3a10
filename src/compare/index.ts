// The gate (CONTRACT §5): compares the current run with the baseline and decides. Pure: plain data
// in, findings and verdicts out; the same input and seed always give the same result.
import { samplesByModelAndCase } from '../baseline/samples.ts';
import type { Baseline, BaselineModel } from '../baseline/schema.ts';
import type { Gates } from '../config/schema.ts';
import type { BaselineModelView, CaseResult, Finding, ModelSummary, Route, Severity, Trial } from '../report/schema.ts';
import type { ModelContext } from './context.ts';
import { judgeCost } from './cost.ts';
import { caseCoverage, incompleteCoverage, isSkipped, modelContext, modelCoverage, removedModels, sameRoute, type GateCase } from './coverage.ts';
import { judgeErrors } from './errors.ts';
import { finding } from './format.ts';
import { judgeImagePath } from './image-path.ts';
import { judgeLatency } from './latency.ts';
import { judgeRecognition, type CaseJudgement } from './recognition.ts';

export type { GateCase } from './coverage.ts';

/** The bootstrap's seed unless the caller sets one: fixed, so a verdict can be reproduced. */
export const DEFAULT_GATE_SEED = 1;

export interface GateInput {
  gates: Gates;
  cases: GateCase[];
  baseline: Baseline | null;
  models: ModelSummary[];
  caseResults: CaseResult[];
  trials: readonly Trial[];
  seed?: number;
}

export interface GateResult {
  findings: Finding[];
  /** The input models with `verdict` set and `baseline` filled. */
  models: ModelSummary[];
  /** The input case results with status, baseline counts and p-value set, plus removed cases. */
  caseResults: CaseResult[];
  passed: boolean;
  /** The number of findings with severity "fail". */
  regressions: number;
}

const RANK: Record<Severity, number> = { fail: 3, warn: 2, pass: 1, 'insufficient data': 1 };

function verdictOf(findings: readonly Finding[]): ModelSummary['verdict'] {
  const worst = Math.max(1, ...findings.map((f) => RANK[f.severity]));
  return worst === 3 ? 'fail' : worst === 2 ? 'warn' : 'pass';
}

export function baselineView(entry: BaselineModel, route: Route): BaselineModelView {
  return {
    requests: entry.requests,
    correct: entry.correct,
    errors: entry.errors,
    latency_ms: { p50: entry.latency_ms.p50, p95: entry.latency_ms.p95 },
    prompt_avg: entry.tokens.prompt_avg,
    image_tokens: entry.tokens.image,
    cost_per_success: entry.cost_per_success,
    route: entry.route,
    route_changed: !sameRoute(entry.route, route),
  };
}

function judgeModel(ctx: ModelContext, gates: Gates, seed: number, hasBaseline: boolean) {
  const recognition = judgeRecognition(ctx, gates.recognition);
  const findings = [
    judgeImagePath(ctx.summary, gates.image_path),
    ...recognition.findings,
    judgeLatency(ctx, gates.latency, seed),
    judgeErrors(ctx, gates.errors),
    judgeCost(ctx, gates.cost),
    incompleteCoverage(ctx.summary),
    ...modelCoverage(ctx, hasBaseline),
  ].filter((f): f is Finding => f !== null);
  return { findings, cases: recognition.cases };
}

export function runGate(input: GateInput): GateResult {
  const { baseline, gates } = input;
  const seed = input.seed ?? DEFAULT_GATE_SEED;
  const samples = samplesByModelAndCase(input.trials);
  const findings: Finding[] = [];
  if (!baseline) {
    findings.push(
      finding({
        severity: 'insufficient data',
        kind: 'coverage',
        model: null,
        case: null,
        message:
          'No baseline yet: only the absolute checks ran (image path, must_pass, min_accuracy). ' +
          'Run `vision-gate run --mode update-baseline` and commit the baseline file.',
      }),
    );
  }

  const contexts: ModelContext[] = [];
  const judged = new Map<string, Map<string, CaseJudgement>>();
  const models = input.models.map((summary): ModelSummary => {
    const entry = baseline?.models[summary.id] ?? null;
    const view = entry ? baselineView(entry, summary.route) : null;
    if (isSkipped(summary)) {
      findings.push(
        finding({
          severity: 'insufficient data',
          kind: 'coverage',
          model: summary.id,
          case: null,
          message: `${summary.id} skipped${summary.skipped_reason ? `: ${summary.skipped_reason}` : ''}; not compared`,
        }),
      );
      return { ...summary, verdict: 'skipped', baseline: view };
    }
    const ctx = modelContext(summary, input.cases, baseline, samples.get(summary.id));
    contexts.push(ctx);
    const result = judgeModel(ctx, gates, seed, baseline !== null);
    judged.set(summary.id, result.cases);
    findings.push(...result.findings);
    return { ...summary, verdict: verdictOf(result.findings), baseline: view };
  });
  findings.push(...caseCoverage(contexts, input.cases), ...removedModels(baseline, input.models));

  const skipped = new Set(input.models.filter(isSkipped).map((m) => m.id));
  const caseResults = input.caseResults.map((r): CaseResult => {
    if (skipped.has(r.model)) return { ...r, status: 'skipped', baseline: null, p_value: null };
    const judgement = judged.get(r.model)?.get(r.case);
    return judgement ? { ...r, ...judgement } : r;
  });
  const configured = new Set(input.cases.map((c) => c.id));
  for (const ctx of contexts) {
    for (const [id, c] of Object.entries(ctx.baseline?.cases ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (configured.has(id)) continue;
      caseResults.push({
        model: ctx.summary.id,
        case: id,
        trials: 0,
        passes: 0,
        verdicts: [],
        latency_ms: [],
        answer: null,
        status: 'removed',
        baseline: { trials: c.trials, passes: c.passes },
        p_value: null,
      });
    }
  }

  const regressions = findings.filter((f) => f.severity === 'fail').length;
  return { findings, models, caseResults, passed: regressions === 0, regressions };
}
