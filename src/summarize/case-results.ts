// Per (model, case) results: what the scorecard's per-case section and the recognition gate read.
import type { CaseResult, Trial } from '../report/schema.ts';
import { ran, successLatencies } from './trials.ts';

/** Grouped by (model, case) in first-seen order; status and baseline are the comparison's to set. */
export function caseResults(trials: readonly Trial[]): CaseResult[] {
  const groups = new Map<string, Trial[]>();
  for (const t of trials) {
    // NUL cannot occur in an id, so the key is unambiguous.
    const key = `${t.model}\u0000${t.case}`;
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  return [...groups.values()].map((list) => {
    const first = list[0]!;
    return {
      model: first.model,
      case: first.case,
      trials: list.filter(ran).length,
      passes: list.filter((t) => t.verdict === 'pass').length,
      verdicts: list.map((t) => t.verdict),
      latency_ms: successLatencies(list),
      answer: sampleAnswer(list),
      status: 'ok',
      baseline: null,
      p_value: null,
    };
  });
}

/** The first answer that went wrong shows why the case failed; otherwise any answer will do. */
function sampleAnswer(trials: readonly Trial[]): string | null {
  const answered = trials.filter((t) => t.answer !== null);
  return (answered.find((t) => t.verdict !== 'pass') ?? answered[0])?.answer ?? null;
}
