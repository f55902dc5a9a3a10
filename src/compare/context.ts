// What each rule of the gate looks at for one model: its summary, its baseline entry, and each
// configured case paired with the baseline's entry for the same question.
import type { BaselineCase, BaselineModel } from '../baseline/schema.ts';
import type { CaseSamples } from '../baseline/samples.ts';
import type { ModelSummary } from '../report/schema.ts';

/** How a case relates to the baseline: only `comparable` cases are compared. */
export type Comparability =
  | 'comparable' // the baseline has this model and case with the same fingerprint
  | 'new' // no baseline, the model is new, or the case is not in the model's baseline
  | 'changed'; // the fingerprint differs: a different question, not a regression

export interface CaseComparison {
  id: string;
  must_pass: boolean;
  current: CaseSamples;
  /** The baseline's entry when comparable, else null. */
  baseline: BaselineCase | null;
  comparability: Comparability;
}

export interface ModelContext {
  summary: ModelSummary;
  /** The model's baseline entry; null when there is no baseline or the model is new. */
  baseline: BaselineModel | null;
  cases: CaseComparison[];
}

export const comparableCases = (ctx: ModelContext) =>
  ctx.cases.flatMap((c) => (c.comparability === 'comparable' && c.baseline ? [{ ...c, baseline: c.baseline }] : []));
