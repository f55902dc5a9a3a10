// The collapsed per-case sections of the scorecard: a case × model matrix and the sample
// answers. Answers are untrusted model output and only ever pass through inertText.
import { markdownTable } from 'markdown-table';
import type { CaseResult, CaseStatus } from '../report/schema.ts';
import { median } from '../stats/quantile.ts';
import { inertText } from './escape.ts';
import { count, latency, pValue } from './format.ts';
import { details, mdTrusted } from './blocks.ts';

/** How much of a section to keep: everything, only what went wrong, or nothing. */
export type Detail = 'all' | 'failing' | 'none';

export const ANSWER_CHARS = 200;
const ID_CHARS = 60;

const STATUS_ICON: Record<CaseStatus, string> = {
  ok: '✅',
  broken: '❌',
  flaky: '🎲',
  fixed: '🩹',
  new: '🆕',
  changed: '✏️',
  removed: '🗑️',
  skipped: '⏭️',
};

const PARTIAL_ICON = '🟡';

const LEGEND =
  '✅ all passed · 🟡 some failed (not a regression) · ❌ broken · 🎲 flaky · 🩹 fixed · 🆕 new · ✏️ changed (not compared) · 🗑️ removed · ⏭️ skipped';

function iconOf(result: CaseResult): string {
  if (result.status === 'ok' && result.passes < result.trials) return PARTIAL_ICON;
  return STATUS_ICON[result.status];
}

const wentWrong = (r: CaseResult): boolean => (r.status !== 'ok' && r.status !== 'new' && r.status !== 'skipped') || r.passes < r.trials;

function caseCell(r: CaseResult): string {
  const parts = [`${iconOf(r)} ${r.status === 'removed' ? 'removed' : count(r.passes, r.trials)}`];
  if (r.baseline && (r.baseline.passes !== r.passes || r.baseline.trials !== r.trials)) {
    parts[0] += ` (was ${count(r.baseline.passes, r.baseline.trials)}${r.p_value === null ? '' : `, ${pValue(r.p_value)}`})`;
  }
  const p50 = median(r.latency_ms);
  if (p50 !== null) parts.push(latency(p50));
  return parts.join(' · ');
}

/** Models and cases in report order, skipping models that never ran a case. */
function axes(results: readonly CaseResult[]): { models: string[]; cases: string[] } {
  const models = new Set<string>();
  const cases = new Set<string>();
  for (const r of results) {
    if (r.status !== 'skipped') models.add(r.model);
    cases.add(r.case);
  }
  return { models: [...models], cases: [...cases] };
}

/** The case × model matrix in a collapsed section, or '' when there is nothing to show. */
export function perCaseSection(results: readonly CaseResult[], level: Detail): string {
  if (level === 'none') return '';
  const { models, cases } = axes(results);
  if (models.length === 0) return '';
  const byKey = new Map(results.map((r) => [`${r.model}\u0000${r.case}`, r]));
  const rows: string[][] = [];
  for (const c of cases) {
    const row = models.map((m) => byKey.get(`${m}\u0000${c}`));
    if (level === 'failing' && !row.some((r) => r && wentWrong(r))) continue;
    rows.push([inertText(c, ID_CHARS), ...row.map((r) => (r ? mdTrusted(caseCell(r)) : '—'))]);
  }
  const scope = level === 'failing' ? `${rows.length} of ${cases.length} cases with a failure` : `${cases.length} cases`;
  const summary = `Per-case results (${models.length} model${models.length === 1 ? '' : 's'} × ${scope})`;
  if (rows.length === 0) return details(summary, 'No case had a failed trial.');
  const table = markdownTable([['case', ...models.map((m) => inertText(m, ID_CHARS))], ...rows], { alignDelimiters: false });
  return details(summary, `${table}\n\n<sub>${LEGEND}</sub>`);
}

function verdictCounts(r: CaseResult): string {
  const counts = new Map<string, number>();
  for (const v of r.verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => (n === 1 ? v : `${v} ×${n}`)).join(', ') || '—';
}

const answerRows = (results: readonly CaseResult[], level: Detail): CaseResult[] =>
  level === 'none'
    ? []
    : results.filter((r) => r.status !== 'skipped' && r.status !== 'removed' && r.answer !== null && (level === 'all' || wentWrong(r)));

/**
 * A cheap lower bound on the length of both sections at a level (every row or cell takes a
 * few characters), so folding can skip rendering a level that cannot fit.
 */
export function casesMinChars(results: readonly CaseResult[], answers: Detail, perCase: Detail): number {
  let cells = 0;
  if (perCase !== 'none') {
    const { models, cases } = axes(results);
    cells = perCase === 'all' ? models.length * cases.length : results.filter(wentWrong).length;
  }
  return answerRows(results, answers).length * 12 + cells * 4;
}

/** One sample answer per model and case (the first failing one), escaped and truncated. */
export function answersSection(results: readonly CaseResult[], level: Detail): string {
  const withAnswers = answerRows(results, level);
  if (withAnswers.length === 0) return '';
  const rows = withAnswers.map((r) => [
    inertText(r.case, ID_CHARS),
    inertText(r.model, ID_CHARS),
    `${iconOf(r)} ${inertText(verdictCounts(r), 120)}`,
    inertText(r.answer!, ANSWER_CHARS),
  ]);
  const table = markdownTable([['case', 'model', 'verdicts', 'sample answer'], ...rows], { alignDelimiters: false });
  const scope = level === 'failing' ? 'failing cases only' : 'first failing trial, else the first';
  return details(`Sample answers (${scope})`, table);
}
