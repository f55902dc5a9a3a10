// What the comparison covers: which cases of which models are comparable, new, changed or removed,
// and which routes changed. None of it is a regression; it tells the reader what was not compared.
import { canonicalJson } from '../baseline/canonical.ts';
import { emptySamples, type CaseSamples } from '../baseline/samples.ts';
import type { Baseline } from '../baseline/schema.ts';
import type { Finding, ModelSummary, Route } from '../report/schema.ts';
import type { CaseComparison, ModelContext } from './context.ts';
import { finding, list } from './format.ts';

export interface GateCase {
  id: string;
  must_pass: boolean;
  fingerprint: string;
}

export const isSkipped = (m: ModelSummary) => m.verdict === 'skipped';

export function modelContext(
  summary: ModelSummary,
  cases: readonly GateCase[],
  baseline: Baseline | null,
  samples: ReadonlyMap<string, CaseSamples> | undefined,
): ModelContext {
  const entry = baseline?.models[summary.id] ?? null;
  return {
    summary,
    baseline: entry,
    cases: cases.map((c): CaseComparison => {
      const known = entry?.cases[c.id];
      const comparability = !known ? 'new' : known.fingerprint === c.fingerprint ? 'comparable' : 'changed';
      return {
        id: c.id,
        must_pass: c.must_pass,
        current: samples?.get(c.id) ?? emptySamples(),
        baseline: comparability === 'comparable' ? known! : null,
        comparability,
      };
    }),
  };
}

export const sameRoute = (a: Route, b: Route) => canonicalJson(a) === canonicalJson(b);

function routeChanges(before: Route, after: Route): string[] {
  const changes: string[] = [];
  if (before.model !== after.model) changes.push(`model ${before.model} → ${after.model}`);
  if (before.host !== after.host) changes.push(`host ${before.host} → ${after.host}`);
  const keys = [...new Set([...Object.keys(before.settings), ...Object.keys(after.settings)])].sort();
  for (const key of keys) {
    const a = before.settings[key];
    const b = after.settings[key];
    if (a !== b) changes.push(`${key} ${a === undefined ? '(unset)' : String(a)} → ${b === undefined ? '(unset)' : String(b)}`);
  }
  return changes;
}

/** Per compared model: a note when it is new or its route changed (the route is still compared). */
export function modelCoverage(ctx: ModelContext, hasBaseline: boolean): Finding[] {
  const model = ctx.summary.id;
  if (!ctx.baseline) {
    if (!hasBaseline) return [];
    return [
      finding({
        severity: 'pass',
        kind: 'coverage',
        model,
        case: null,
        message: `${model} is new: not in the baseline, so only the absolute checks ran (image path, must_pass, min_accuracy)`,
      }),
    ];
  }
  if (sameRoute(ctx.baseline.route, ctx.summary.route)) return [];
  return [
    finding({
      severity: 'pass',
      kind: 'coverage',
      model,
      case: null,
      message: `${model} route changed since the baseline (${routeChanges(ctx.baseline.route, ctx.summary.route).join('; ')}): compared as usual`,
    }),
  ];
}

/** One note per case that is new, changed or removed, naming the models when not all of them. */
export function caseCoverage(contexts: readonly ModelContext[], cases: readonly GateCase[]): Finding[] {
  const compared = contexts.filter((ctx) => ctx.baseline !== null);
  if (compared.length === 0) return [];
  const findings: Finding[] = [];
  const models = (ids: string[]) => (ids.length === compared.length ? '' : ` for ${list(ids)}`);
  for (const c of cases) {
    for (const kind of ['new', 'changed'] as const) {
      const ids = compared.filter((ctx) => ctx.cases.find((x) => x.id === c.id)?.comparability === kind).map((ctx) => ctx.summary.id);
      if (ids.length === 0) continue;
      findings.push(
        finding({
          severity: kind === 'changed' ? 'warn' : 'pass',
          kind: 'coverage',
          model: null,
          case: c.id,
          message:
            kind === 'new'
              ? `${c.id} is new${models(ids)}: not in the baseline, not compared; update the baseline to track it`
              : `${c.id} changed since the baseline${models(ids)} (image, prompt or expectations): not compared; update the baseline`,
        }),
      );
    }
  }
  const configured = new Set(cases.map((c) => c.id));
  const removed = new Map<string, string[]>();
  for (const ctx of compared) {
    for (const id of Object.keys(ctx.baseline!.cases)) {
      if (!configured.has(id)) removed.set(id, [...(removed.get(id) ?? []), ctx.summary.id]);
    }
  }
  for (const [id, ids] of [...removed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    findings.push(
      finding({
        severity: 'pass',
        kind: 'coverage',
        model: null,
        case: id,
        message: `${id} is in the baseline${models(ids)} but no longer configured: removed, not compared`,
      }),
    );
  }
  return findings;
}

/** Models the baseline has that the config no longer lists. */
export function removedModels(baseline: Baseline | null, models: readonly ModelSummary[]): Finding[] {
  if (!baseline) return [];
  const current = new Set(models.map((m) => m.id));
  return Object.keys(baseline.models)
    .filter((id) => !current.has(id))
    .sort()
    .map((id) =>
      finding({
        severity: 'pass',
        kind: 'coverage',
        model: id,
        case: null,
        message: `${id} is in the baseline but no longer configured: removed, not compared`,
      }),
    );
}

/** A run cut short (deadline, signal) leaves requests not run: say so, as a warning, per model. */
export function incompleteCoverage(summary: ModelSummary): Finding | null {
  if (summary.not_run === 0) return null;
  const planned = summary.requests + summary.not_run;
  return finding({
    severity: 'warn',
    kind: 'coverage',
    model: summary.id,
    case: null,
    message: `${summary.id}: ${summary.not_run} of ${planned} requests were not run (the run was stopped by its deadline or a signal); the data is incomplete`,
  });
}
