// The per-model table as data (rows of cells with a tone), shared by the Markdown and terminal
// renderers. When the report carries the baseline view, cells read "baseline → current (Δ)".
import type { Finding, ModelSummary, Route } from '../report/schema.ts';
import { count, latency, tokens, usd, versus, UNKNOWN } from './format.ts';
import type { Tone } from './summary.ts';

/** Escapes an untrusted fragment for the renderer's medium, cut to max characters. */
export type Escape = (untrusted: string, max: number) => string;

export interface ModelCell {
  text: string;
  /** An icon before the text (verdict, image path). */
  lead: Tone | null;
  /** A finding of this row's kind concerns the model: an icon after the text. */
  mark: 'fail' | 'warn' | null;
}

export interface ModelRow {
  label: string;
  cells: ModelCell[];
}

type LatencyMetric = 'avg' | 'p50' | 'p95';

interface RowSpec {
  label: string;
  /** Findings of these kinds mark the cell. */
  kinds: readonly Finding['kind'][];
  /** For latency rows: only findings about this metric mark the cell. */
  metric?: LatencyMetric;
  cell(m: ModelSummary, esc: Escape): { text: string; lead?: Tone };
}

const ID_CHARS = 80;

/** Which latency metric a latency finding is about (the gate's `metric`, p50 by default). */
function latencyMetric(finding: Finding): LatencyMetric {
  if (/\bp95\b/i.test(finding.message)) return 'p95';
  if (/\b(avg|average|mean)\b/i.test(finding.message)) return 'avg';
  return 'p50';
}

export function routeText(route: Route, esc: Escape): string {
  return `${esc(route.model, ID_CHARS)} @ ${esc(route.host, ID_CHARS)}`;
}

/** What differs between two routes' request settings: "detail low → high". */
function settingsChanges(before: Route, after: Route, esc: Escape): string[] {
  const keys = [...new Set([...Object.keys(before.settings), ...Object.keys(after.settings)])].sort();
  const show = (v: unknown): string => (v === undefined ? 'unset' : esc(String(v), 40));
  return keys
    .filter((k) => before.settings[k] !== after.settings[k])
    .map((k) => `${esc(k, 40)} ${show(before.settings[k])} → ${show(after.settings[k])}`);
}

const VERDICT_TONE: Record<ModelSummary['verdict'], Tone> = { pass: 'pass', warn: 'warn', fail: 'fail', skipped: 'skip' };
const PATH_TONE: Record<ModelSummary['image_path'], Tone> = { ok: 'pass', dropped: 'fail', unknown: 'unknown' };

function latencyRow(label: string, metric: LatencyMetric | null, pick: (m: ModelSummary) => number | null, base?: (m: ModelSummary) => number | null): RowSpec {
  return {
    label,
    kinds: metric ? ['latency'] : [],
    ...(metric ? { metric } : {}),
    cell: (m) => ({ text: m.baseline && base ? versus(base(m), pick(m), latency) : latency(pick(m)) }),
  };
}

const ROWS: readonly RowSpec[] = [
  { label: 'verdict', kinds: [], cell: (m) => ({ text: m.verdict, lead: VERDICT_TONE[m.verdict] }) },
  {
    label: 'route',
    kinds: [],
    cell: (m, esc) => {
      const now = routeText(m.route, esc);
      const b = m.baseline;
      if (!b?.route_changed) return { text: now };
      const was = routeText(b.route, esc);
      const settings = settingsChanges(b.route, m.route, esc);
      const what = was === now ? now : `${was} → ${now}`;
      return { text: `route changed: ${what}${settings.length ? ` (${settings.join(', ')})` : ''}`, lead: 'warn' };
    },
  },
  {
    label: 'HTTP success',
    kinds: ['errors'],
    cell: (m) => {
      const extra: string[] = [];
      if (m.errors > 0) extra.push(`${m.errors} errors`);
      if (m.timeouts > 0) extra.push(`${m.timeouts} timeouts`);
      if (m.not_run > 0) extra.push(`${m.not_run} not run`);
      if (m.baseline && m.baseline.errors !== m.errors) extra.push(`baseline ${m.baseline.errors} errors`);
      return { text: `${count(m.http_success, m.requests)}${extra.length ? ` (${extra.join(', ')})` : ''}` };
    },
  },
  {
    label: 'correct recognition',
    kinds: ['recognition'],
    cell: (m) => {
      const now = count(m.correct, m.requests);
      return { text: m.baseline ? `${count(m.baseline.correct, m.baseline.requests)} → ${now}` : now };
    },
  },
  { label: 'no-image claims', kinds: ['image_path'], cell: (m) => ({ text: String(m.no_image_claims) }) },
  latencyRow('latency avg', 'avg', (m) => m.latency_ms.avg),
  latencyRow('latency p50', 'p50', (m) => m.latency_ms.p50, (m) => m.baseline?.latency_ms.p50 ?? null),
  latencyRow('latency p95', 'p95', (m) => m.latency_ms.p95, (m) => m.baseline?.latency_ms.p95 ?? null),
  latencyRow('fastest', null, (m) => m.latency_ms.min),
  latencyRow('slowest', null, (m) => m.latency_ms.max),
  {
    label: 'avg prompt tokens',
    kinds: [],
    cell: (m) => ({ text: m.baseline ? versus(m.baseline.prompt_avg, m.tokens.prompt_avg, tokens) : tokens(m.tokens.prompt_avg) }),
  },
  { label: 'avg completion tokens', kinds: [], cell: (m) => ({ text: tokens(m.tokens.completion_avg) }) },
  {
    label: 'image tokens',
    kinds: ['image_path'],
    cell: (m) => {
      const image = m.tokens.image;
      if (image === null && !m.baseline) return { text: UNKNOWN };
      const value = m.baseline ? versus(m.baseline.image_tokens, image, tokens) : tokens(image);
      const source = m.tokens.image_source === 'reported' ? 'reported' : m.tokens.image_source === 'calibration' ? 'by calibration' : null;
      return { text: source ? `${value} (${source})` : value };
    },
  },
  { label: 'image path', kinds: ['image_path'], cell: (m) => ({ text: m.image_path, lead: PATH_TONE[m.image_path] }) },
  { label: 'est. cost / 10k calls', kinds: [], cell: (m) => ({ text: usd(m.cost.per_10k_calls) }) },
  {
    label: 'cost / successful image',
    kinds: ['cost'],
    cell: (m) => {
      // With a price but nothing recognised, the cost per success is not unknown: there is none.
      if (m.cost.per_success === null && m.cost.per_10k_calls !== null && m.correct === 0) return { text: '— (0 correct)' };
      return { text: m.baseline ? versus(m.baseline.cost_per_success, m.cost.per_success, usd) : usd(m.cost.per_success) };
    },
  },
];

function markFor(spec: RowSpec, model: ModelSummary, findings: readonly Finding[]): ModelCell['mark'] {
  let mark: ModelCell['mark'] = null;
  for (const f of findings) {
    if (f.model !== model.id || !spec.kinds.includes(f.kind)) continue;
    if (spec.metric && latencyMetric(f) !== spec.metric) continue;
    if (f.severity === 'fail') return 'fail';
    if (f.severity === 'warn') mark = 'warn';
  }
  return mark;
}

export function modelRows(models: readonly ModelSummary[], findings: readonly Finding[], esc: Escape): ModelRow[] {
  return ROWS.map((spec) => ({
    label: spec.label,
    cells: models.map((m) => {
      const { text, lead } = spec.cell(m, esc);
      return { text, lead: lead ?? null, mark: markFor(spec, m, findings) };
    }),
  }));
}
