// Latency, per model: a regression must be big (relative AND absolute), measured on enough
// samples, and significant (the seeded bootstrap interval of the per-case log-ratio of medians lies
// above zero). Size without significance warns; too few samples is "insufficient data", never a
// failure. Only comparable cases count, so adding a slow case is not a slowdown.
import type { Gates } from '../config/schema.ts';
import type { Finding } from '../report/schema.ts';
import { latencyRatioInterval } from '../stats/bootstrap.ts';
import { quantile } from '../stats/quantile.ts';
import { deriveSeed } from '../stats/rng.ts';
import { comparableCases, type ModelContext } from './context.ts';
import { finding, latency, pct, pctRange } from './format.ts';

/** A p95 from fewer samples is mostly the single slowest request. */
export const P95_MIN_SAMPLES = 40;

export function judgeLatency(ctx: ModelContext, gates: Gates['latency'], seed: number): Finding | null {
  if (!ctx.baseline) return null;
  const model = ctx.summary.id;
  const metric = gates.metric;
  const cases = comparableCases(ctx).map((c) => ({ baseline: c.baseline.latencies_ms, current: c.current.latencies_ms }));
  const before = cases.flatMap((c) => c.baseline);
  const after = cases.flatMap((c) => c.current);
  const needed = metric === 'p95' ? Math.max(gates.min_samples, P95_MIN_SAMPLES) : gates.min_samples;
  const base = quantile(before, metric === 'p95' ? 0.95 : 0.5);
  const now = quantile(after, metric === 'p95' ? 0.95 : 0.5);
  const counts = { baseline_samples: before.length, current_samples: after.length, min_samples: needed };

  const insufficient = () =>
    finding({
      severity: 'insufficient data',
      kind: 'latency',
      model,
      case: null,
      message:
        `${model} ${metric}: ${before.length} samples in the baseline, ${after.length} now; ` +
        `the latency gate needs ${needed} a side (raise runs or add cases)`,
      numbers: { baseline_ms: base, current_ms: now, ...counts },
    });
  if (base === null || now === null || before.length < needed || after.length < needed) return insufficient();
  // Each model draws from its own stream, so adding a model never changes another's interval.
  const interval = latencyRatioInterval(cases, { seed: deriveSeed(seed, model) });
  if (!interval) return insufficient();

  const relative = now / base - 1;
  const absolute = now - base;
  const low = Math.expm1(interval.low);
  const high = Math.expm1(interval.high);
  const large = relative > 0 && relative * 100 >= gates.max_increase_pct && absolute >= gates.min_increase_ms;
  const significant = interval.low > 0;
  const severity = large ? (significant ? 'fail' : 'warn') : 'pass';
  const detail = `${pct(relative)}, 95% CI ${pctRange(low, high)}`;
  const note =
    severity === 'warn'
      ? `: over the thresholds (+${gates.max_increase_pct}% and ${gates.min_increase_ms} ms) but the interval includes no change`
      : '';
  return finding({
    severity,
    kind: 'latency',
    model,
    case: null,
    message: `${model} ${metric} ${latency(base)} → ${latency(now)} (${detail})${note}`,
    numbers: {
      baseline_ms: base,
      current_ms: now,
      increase_pct: relative * 100,
      increase_ms: absolute,
      per_case_change_pct: Math.expm1(interval.estimate) * 100,
      ci_low_pct: low * 100,
      ci_high_pct: high * 100,
      max_increase_pct: gates.max_increase_pct,
      min_increase_ms: gates.min_increase_ms,
      ...counts,
    },
  });
}
