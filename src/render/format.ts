// Number formatting shared by the Markdown scorecard and the terminal, so both say "1.29 s",
// "+49%" and "$0.6168" for the same numbers. Missing values are "—"; a missing price is
// "unknown", never "$0" (a free-looking route that is really unpriced misleads).

export const NONE = '—';
export const UNKNOWN = 'unknown';

const significant4 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const cents = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const tenths = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

const isNumber = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** Latency: "850 ms" under a second, "1.29 s" from there on. */
export function latency(ms: number | null | undefined): string {
  if (!isNumber(ms)) return NONE;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A run's wall time: "850 ms", "34.5 s", "2 min 05 s". */
export function duration(ms: number | null | undefined): string {
  if (!isNumber(ms)) return NONE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** The relative change from before to after (0.49 for +49%), or null when it has no meaning. */
export function change(before: number | null | undefined, after: number | null | undefined): number | null {
  if (!isNumber(before) || !isNumber(after) || before === 0) return null;
  return (after - before) / before;
}

/** A signed percentage of a fraction: 0.49 → "+49%", -0.125 → "-13%", 0.004 → "+0.4%". */
export function pct(fraction: number | null | undefined): string {
  if (!isNumber(fraction)) return NONE;
  const percent = fraction * 100;
  const rounded = Math.abs(percent) < 1 ? Math.round(percent * 10) / 10 : Math.round(percent);
  if (rounded === 0) return '±0%';
  return `${rounded > 0 ? '+' : '-'}${Math.abs(rounded)}%`;
}

/** USD: cents from $1 up ("$12.35"), four significant digits below ("$0.6168", "$0.0001235"). */
export function usd(amount: number | null | undefined): string {
  if (!isNumber(amount)) return UNKNOWN;
  if (amount === 0) return '$0.00';
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}$${abs >= 1 ? cents.format(abs) : significant4.format(abs)}`;
}

/** "6/6". */
export function count(n: number, total: number): string {
  return `${n}/${total}`;
}

/** Token counts: whole numbers stay whole, averages keep one decimal ("68.8"). */
export function tokens(n: number | null | undefined): string {
  if (!isNumber(n)) return NONE;
  return tenths.format(n);
}

/** "p = 0.05", "p < 0.001". */
export function pValue(p: number | null | undefined): string {
  if (!isNumber(p)) return NONE;
  if (p < 0.001) return 'p < 0.001';
  return `p = ${Number(p.toPrecision(2))}`;
}

/** "1 regression", "2 regressions". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/**
 * A baseline → current cell: "1.29 s → 1.92 s (+49%)". The change is shown when both numbers
 * exist and the baseline is not zero.
 */
export function versus(
  before: number | null | undefined,
  after: number | null | undefined,
  format: (n: number | null | undefined) => string,
): string {
  const delta = change(before, after);
  return `${format(before)} → ${format(after)}${delta === null ? '' : ` (${pct(delta)})`}`;
}
