// The latency chart: a Mermaid bar chart of p50 per model (GitHub renders it), followed by the
// same numbers as a table so the section reads without Mermaid too.
import { markdownTable } from 'markdown-table';
import type { ModelSummary } from '../report/schema.ts';
import { inertMermaidLabel, inertText } from './escape.ts';
import { change, latency, pct, NONE } from './format.ts';
import { mdTrusted } from './blocks.ts';

/** More bars than this are unreadable; the table below the chart still lists every model. */
export const MAX_BARS = 24;
const LABEL_CHARS = 32;

/** Rounds up to two significant digits, so the axis ends on a readable number. */
function axisTop(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Number((Math.ceil(value / magnitude) * magnitude).toPrecision(12));
}

interface Bar {
  label: string;
  ms: number;
}

function mermaid(bars: readonly Bar[], hasBaseline: boolean): string {
  const seconds = Math.max(...bars.map((b) => b.ms)) >= 1000;
  const value = (ms: number): number => (seconds ? Math.round(ms / 10) / 100 : Math.round(ms));
  const top = axisTop(Math.max(...bars.map((b) => value(b.ms))) * 1.1);
  const title = hasBaseline ? 'Median latency (p50), baseline and current' : 'Median latency (p50)';
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis [${bars.map((b) => `"${b.label}"`).join(', ')}]`,
    `    y-axis "p50 (${seconds ? 's' : 'ms'})" 0 --> ${top}`,
    `    bar [${bars.map((b) => value(b.ms)).join(', ')}]`,
    '```',
  ].join('\n');
}

/** The chart section, or '' when no model has a median latency. */
export function latencySection(models: readonly ModelSummary[]): string {
  const timed = models.filter((m) => m.verdict !== 'skipped' && m.latency_ms.p50 !== null);
  if (timed.length === 0) return '';
  const hasBaseline = timed.some((m) => m.baseline?.latency_ms.p50 != null);
  const bars: Bar[] = [];
  // Baseline and current bars side by side: Mermaid draws a second bar series on top of the
  // first, hiding whichever is shorter, so each model gets two labelled categories instead.
  for (const m of timed.slice(0, MAX_BARS)) {
    const label = inertMermaidLabel(m.id, LABEL_CHARS);
    const base = m.baseline?.latency_ms.p50;
    if (base != null) bars.push({ label: `${label} (baseline)`, ms: base });
    bars.push({ label, ms: m.latency_ms.p50! });
  }
  const header = hasBaseline ? ['model', 'baseline p50', 'p50', 'change', 'p95'] : ['model', 'p50', 'p95'];
  const rows = timed.map((m) => {
    const base = m.baseline?.latency_ms.p50 ?? null;
    const cells = hasBaseline
      ? [latency(base), latency(m.latency_ms.p50), base === null ? NONE : pct(change(base, m.latency_ms.p50)), latency(m.latency_ms.p95)]
      : [latency(m.latency_ms.p50), latency(m.latency_ms.p95)];
    return [inertText(m.id, 60), ...cells.map(mdTrusted)];
  });
  const more = timed.length > MAX_BARS ? `\n\n<sub>The chart shows the first ${MAX_BARS} of ${timed.length} models; the table lists all.</sub>` : '';
  const table = markdownTable([header, ...rows], { alignDelimiters: false, align: ['l', ...header.slice(1).map(() => 'r')] });
  return `### Latency\n\n${mermaid(bars, hasBaseline)}\n\n${table}${more}`;
}
