// Recognition, per case and per model: a case is broken when the current run passes at most a
// third of its trials AND a one-sided Fisher exact test says that is unlikely under the baseline's
// pass rate. Both conditions: a flaky case that passes 2 of 3 is not broken, and 0/3 against a
// baseline that also failed proves nothing. must_pass and min_accuracy are absolute.
import type { Gates } from '../config/schema.ts';
import type { CaseResult, CaseStatus, Finding } from '../report/schema.ts';
import { fisherOneSidedWorse } from '../stats/fisher.ts';
import type { ModelContext } from './context.ts';
import { count, finding, list, percent, pValue } from './format.ts';

/** The significance level of every test the gate makes. */
export const SIGNIFICANCE = 0.05;

/** At most this many passes out of K trials looks broken (CONTRACT §5: ⌊K/3⌋). */
export const brokenAtMost = (trials: number) => Math.floor(trials / 3);

/**
 * Whether any outcome could be significant: with 2 baseline trials even 2/2 → 0/3 gives p = 0.1,
 * so such a case is reported as insufficient data instead of never failing in silence.
 */
export const canDetectBreak = (baselineTrials: number, currentTrials: number) =>
  fisherOneSidedWorse({ passes: baselineTrials, trials: baselineTrials }, { passes: 0, trials: currentTrials }) <= SIGNIFICANCE;

export interface CaseJudgement {
  status: CaseStatus;
  baseline: CaseResult['baseline'];
  p_value: number | null;
}

export interface RecognitionResult {
  findings: Finding[];
  /** case id → what the per-case table shows. */
  cases: Map<string, CaseJudgement>;
}

const NOT_COMPARED: Record<'new' | 'changed' | 'none', string> = {
  none: 'no baseline to compare with',
  new: 'a new case, not in the baseline',
  changed: 'the case changed since the baseline, so it is not compared',
};

export function judgeRecognition(ctx: ModelContext, gates: Gates['recognition']): RecognitionResult {
  const model = ctx.summary.id;
  const findings: Finding[] = [];
  const cases = new Map<string, CaseJudgement>();
  const broken: { id: string; line: string }[] = [];
  const mustPassFailures: { id: string; passes: number; trials: number }[] = [];
  const totals = { basePasses: 0, baseTrials: 0, passes: 0, trials: 0 };

  for (const c of ctx.cases) {
    const { passes, trials } = c.current;
    if (trials === 0) {
      cases.set(c.id, { status: 'skipped', baseline: null, p_value: null });
      continue;
    }
    const looksBroken = passes <= brokenAtMost(trials);
    const mustPassFailed = c.must_pass && passes < trials;
    if (mustPassFailed) mustPassFailures.push({ id: c.id, passes, trials });
    const now = count(passes, trials);

    if (c.comparability !== 'comparable' || !c.baseline) {
      cases.set(c.id, { status: mustPassFailed ? 'broken' : c.comparability === 'changed' ? 'changed' : 'new', baseline: null, p_value: null });
      if (looksBroken) {
        const why = ctx.baseline ? NOT_COMPARED[c.comparability === 'changed' ? 'changed' : 'new'] : NOT_COMPARED.none;
        findings.push(
          finding({
            severity: 'warn',
            kind: 'recognition',
            model,
            case: c.id,
            message: `${model} ${c.id} recognition ${now}: ${why}`,
            numbers: { passes, trials },
          }),
        );
      }
      continue;
    }

    const base = { passes: c.baseline.passes, trials: c.baseline.trials };
    const p = fisherOneSidedWorse(base, { passes, trials });
    const sufficient = canDetectBreak(base.trials, trials);
    const isBroken = looksBroken && sufficient && p <= SIGNIFICANCE;
    const before = count(base.passes, base.trials);
    totals.basePasses += base.passes;
    totals.baseTrials += base.trials;
    totals.passes += passes;
    totals.trials += trials;
    const wasBroken = base.trials > 0 && base.passes <= brokenAtMost(base.trials);
    const status: CaseStatus =
      isBroken || mustPassFailed ? 'broken' : wasBroken && !looksBroken ? 'fixed' : passes < trials ? 'flaky' : 'ok';
    cases.set(c.id, { status, baseline: base, p_value: p });
    const worse = base.trials > 0 && passes / trials < base.passes / base.trials;
    const numbers = { baseline_passes: base.passes, baseline_trials: base.trials, passes, trials, p_value: p };

    if (isBroken) {
      broken.push({ id: c.id, line: `${c.id} ${before} → ${now} (${pValue(p)})` });
    } else if (looksBroken && worse && !sufficient) {
      findings.push(
        finding({
          severity: 'insufficient data',
          kind: 'recognition',
          model,
          case: c.id,
          message: `${model} ${c.id} recognition ${before} → ${now}: too few trials to tell a break from chance; raise runs`,
          numbers,
        }),
      );
    } else if (looksBroken && worse) {
      findings.push(
        finding({
          severity: 'warn',
          kind: 'recognition',
          model,
          case: c.id,
          message: `${model} ${c.id} recognition ${before} → ${now} (${pValue(p)}): not significant at ${trials} runs, may be flakiness; raise runs for a firmer answer`,
          numbers,
        }),
      );
    }
  }

  const failsOnBroken = broken.length > gates.max_broken_cases;
  if (broken.length > 0) {
    const tolerated = failsOnBroken ? '' : `; within max_broken_cases ${gates.max_broken_cases}`;
    findings.push(
      finding({
        severity: failsOnBroken ? 'fail' : 'warn',
        kind: 'recognition',
        model,
        case: broken.length === 1 ? broken[0]!.id : null,
        message:
          `${model} recognition ${count(totals.basePasses, totals.baseTrials)} → ${count(totals.passes, totals.trials)}: ` +
          `${broken.length} broken case${broken.length === 1 ? '' : 's'} (${list(broken.map((b) => b.line))})${tolerated}`,
        numbers: {
          broken_cases: broken.length,
          max_broken_cases: gates.max_broken_cases,
          baseline_passes: totals.basePasses,
          baseline_trials: totals.baseTrials,
          passes: totals.passes,
          trials: totals.trials,
        },
      }),
    );
  }

  for (const f of mustPassFailures) {
    // A must_pass case already counted in a failing recognition finding is one regression, not two.
    if (failsOnBroken && broken.some((b) => b.id === f.id)) continue;
    findings.push(
      finding({
        severity: 'fail',
        kind: 'recognition',
        model,
        case: f.id,
        message: `${model} ${f.id} must pass: ${count(f.passes, f.trials)} trials passed`,
        numbers: { passes: f.passes, trials: f.trials },
      }),
    );
  }

  const passes = ctx.cases.reduce((n, c) => n + c.current.passes, 0);
  const trials = ctx.cases.reduce((n, c) => n + c.current.trials, 0);
  if (gates.min_accuracy !== null && trials > 0 && passes / trials < gates.min_accuracy) {
    findings.push(
      finding({
        severity: 'fail',
        kind: 'recognition',
        model,
        case: null,
        message: `${model} accuracy ${percent(passes / trials)} (${count(passes, trials)}) is below min_accuracy ${percent(gates.min_accuracy)}`,
        numbers: { accuracy: passes / trials, min_accuracy: gates.min_accuracy, passes, trials },
      }),
    );
  }

  return { findings, cases };
}
