// The gate's finding lines (`gpt-4.1-mini p50 1.29 s → 1.92 s (+49%, 95% CI +31…+70%)`). Numbers
// are formatted by the scorecard's own formatters, so a finding and the table beside it agree.
import { pct } from '../render/format.ts';
import type { Finding } from '../report/schema.ts';

export { count, latency, pct, pValue, usd } from '../render/format.ts';

/** An interval of relative changes, the % written once: "+31…+70%". */
export const pctRange = (low: number, high: number): string => `${pct(low).replace(/%$/, '')}…${pct(high)}`;

/** An unsigned share: 0.8333 → "83.3%". */
export const percent = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`;

/** Lists up to `max` items, then "and N more". */
export function list(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export const finding = (f: Omit<Finding, 'numbers'> & { numbers?: Finding['numbers'] }): Finding => ({ numbers: {}, ...f });
