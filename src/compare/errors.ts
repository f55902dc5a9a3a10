// Transport errors, per model: the share of trials that failed at the transport level (HTTP
// errors, timeouts) against the baseline's. Over max_rate_increase AND significant (one-sided
// Fisher on the success counts) fails; over it but explainable by one unlucky request warns.
import type { Gates } from '../config/schema.ts';
import type { Finding } from '../report/schema.ts';
import { fisherOneSidedWorse } from '../stats/fisher.ts';
import type { ModelContext } from './context.ts';
import { count, finding, percent, pValue } from './format.ts';
import { SIGNIFICANCE } from './recognition.ts';

export function judgeErrors(ctx: ModelContext, gates: Gates['errors']): Finding | null {
  if (!ctx.baseline) return null;
  const model = ctx.summary.id;
  const sum = (values: { errors: number; trials: number }[]) =>
    values.reduce((acc, v) => ({ errors: acc.errors + v.errors, trials: acc.trials + v.trials }), { errors: 0, trials: 0 });
  // The transport is the route's, not the question's: every case counts, comparable or not.
  const before = sum(Object.values(ctx.baseline.cases));
  const now = sum(ctx.cases.map((c) => c.current));
  if (before.trials === 0 || now.trials === 0) return null;
  const baseRate = before.errors / before.trials;
  const rate = now.errors / now.trials;
  const increase = rate - baseRate;
  if (increase <= gates.max_rate_increase) return null;
  const p = fisherOneSidedWorse(
    { passes: before.trials - before.errors, trials: before.trials },
    { passes: now.trials - now.errors, trials: now.trials },
  );
  const significant = p <= SIGNIFICANCE;
  const note = significant ? '' : ': may be chance at this many requests';
  return finding({
    severity: significant ? 'fail' : 'warn',
    kind: 'errors',
    model,
    case: null,
    message:
      `${model} transport errors ${count(before.errors, before.trials)} → ${count(now.errors, now.trials)} ` +
      `(${percent(baseRate)} → ${percent(rate)}, limit +${percent(gates.max_rate_increase)}; ${pValue(p)})${note}`,
    numbers: {
      baseline_errors: before.errors,
      baseline_trials: before.trials,
      errors: now.errors,
      trials: now.trials,
      rate_increase: increase,
      max_rate_increase: gates.max_rate_increase,
      p_value: p,
    },
  });
}
