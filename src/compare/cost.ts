// Cost per successful image, per model, when `gates.cost.max_increase_pct` is set.
import type { Gates } from '../config/schema.ts';
import type { Finding } from '../report/schema.ts';
import type { ModelContext } from './context.ts';
import { finding, pct, usd } from './format.ts';

export function judgeCost(ctx: ModelContext, gates: Gates['cost']): Finding | null {
  const limit = gates.max_increase_pct;
  if (limit === null || !ctx.baseline) return null;
  const model = ctx.summary.id;
  const base = ctx.baseline.cost_per_success;
  const now = ctx.summary.cost.per_success;
  if (base === null || now === null || base === 0) {
    const why = now === null ? 'no price configured or no successful image now' : 'the baseline has no cost per success';
    return finding({
      severity: 'insufficient data',
      kind: 'cost',
      model,
      case: null,
      message: `${model} cost per successful image not compared: ${why}`,
      numbers: { baseline_usd: base, current_usd: now },
    });
  }
  const relative = now / base - 1;
  return finding({
    severity: relative * 100 > limit ? 'fail' : 'pass',
    kind: 'cost',
    model,
    case: null,
    message: `${model} cost per successful image ${usd(base)} → ${usd(now)} (${pct(relative)}, limit +${limit}%)`,
    numbers: { baseline_usd: base, current_usd: now, increase_pct: relative * 100, max_increase_pct: limit },
  });
}
