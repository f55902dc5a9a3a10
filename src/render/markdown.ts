// The scorecard: one Markdown document for the PR comment, the job summary and the scorecard
// file. Pure: a Report in, a string out. When the document is too long it folds detail in a
// fixed order (answers → per-case table → chart → model columns → findings → skipped list) and
// only then cuts, so what remains is always valid Markdown with a pointer to the full detail.
import { markdownTable } from 'markdown-table';
import type { Finding, ModelSummary, Report } from '../report/schema.ts';
import { balance, cutMarkdown, details, mdTrusted } from './blocks.ts';
import { answersSection, casesMinChars, perCaseSection, type Detail } from './cases.ts';
import { latencySection } from './chart.ts';
import { errorCount, errorGroups } from './errors.ts';
import { inertText } from './escape.ts';
import { plural } from './format.ts';
import { modelRows, type ModelCell } from './model-rows.ts';
import {
  findingMessage,
  headline,
  incompleteNote,
  orderedFindings,
  recommendRoutes,
  runLine,
  severityTone,
  shownModels,
  type RouteChoice,
  type Tone,
} from './summary.ts';

export interface ScorecardOptions {
  /** Default 65,000 (a GitHub comment holds 65,536); the job summary passes more. */
  maxChars?: number;
  /** A hidden first line, e.g. '<!-- vision-gate config=vision-gate.yml -->'. */
  marker?: string;
  /** Trusted Markdown appended last (run link, sha). */
  footer?: string;
  /** Where the full detail lives when the scorecard is folded. */
  summaryUrl?: string | null;
  /** Trusted Markdown shown near the top when the PR changed the baseline file. */
  baselineChange?: string | null;
}

export const DEFAULT_MAX_CHARS = 65_000;
const ID_CHARS = 60;

const ICON: Record<Tone, string> = { pass: '✅', warn: '⚠️', fail: '❌', skip: '⏭️', info: 'ℹ️', unknown: '❔' };

/** How much detail a rendering keeps; the first fold that fits wins. */
interface Fold {
  answers: Detail;
  perCase: Detail;
  chart: boolean;
  /** How many model columns the table keeps (failing and warning models first). */
  columns: number;
  findings: number;
  skipped: number;
}

const esc = (s: string, max: number): string => inertText(s, max);

function cellText(cell: ModelCell): string {
  const lead = cell.lead ? `${ICON[cell.lead]} ` : '';
  const mark = cell.mark && cell.mark !== cell.lead ? ` ${ICON[cell.mark]}` : '';
  return mdTrusted(`${lead}${cell.text}${mark}`);
}

/** The models a narrowed table keeps: failing, then warning, then the rest, in report order. */
function pickModels(models: readonly ModelSummary[], keep: number): ModelSummary[] {
  if (keep >= models.length) return [...models];
  const rank = (m: ModelSummary): number => (m.verdict === 'fail' ? 0 : m.verdict === 'warn' ? 1 : 2);
  const kept = new Set(
    models
      .map((m, index) => ({ m, index }))
      .sort((a, b) => rank(a.m) - rank(b.m) || a.index - b.index)
      .slice(0, keep)
      .map(({ m }) => m),
  );
  return models.filter((m) => kept.has(m));
}

function modelTable(report: Report, keep: number): string {
  const models = shownModels(report);
  if (models.length === 0) return '### Models\n\nNo model ran.';
  if (keep <= 0) return `### Models\n\n${plural(models.length, 'model')} ran; the table is in the full scorecard.`;
  const picked = pickModels(models, keep);
  const rows = modelRows(picked, report.findings, esc);
  const table = markdownTable(
    [['', ...picked.map((m) => inertText(m.id, ID_CHARS))], ...rows.map((row) => [row.label, ...row.cells.map(cellText)])],
    { alignDelimiters: false },
  );
  const note = picked.length < models.length ? `\n\n<sub>Showing ${picked.length} of ${models.length} models (failing and warning first).</sub>` : '';
  return `### Models\n\n${table}${note}`;
}

function findingLine(finding: Finding): string {
  const who = finding.model ? `**${inertText(finding.model, ID_CHARS)}** ` : '';
  return `- ${ICON[severityTone(finding.severity)]} ${who}${mdTrusted(findingMessage(finding))}`;
}

function findingsList(findings: readonly Finding[], keep: number): string {
  if (findings.length === 0) return '';
  const lines = findings.slice(0, keep).map(findingLine);
  if (keep < findings.length) lines.push(`- … and ${plural(findings.length - keep, 'more finding')}`);
  return lines.join('\n');
}

function routeLine(label: string, choice: RouteChoice): string {
  const who = choice.model ? `**${inertText(choice.model, ID_CHARS)}**` : 'none';
  return `- ${label}: ${who} — ${mdTrusted(choice.reason)}`;
}

function routingSection(report: Report): string {
  const { realtime, bulk } = recommendRoutes(report);
  return ['### Routing', '', routeLine('**Default route** (real-time)', realtime), routeLine('**Bulk route**', bulk)].join('\n');
}

function skippedSection(models: readonly ModelSummary[], keep: number): string {
  if (models.length === 0) return '';
  const lines = models.slice(0, keep).map((m) => `- **${inertText(m.id, ID_CHARS)}** — ${inertText(m.skipped_reason ?? 'skipped', 200)}`);
  if (keep < models.length) lines.push(`- … and ${plural(models.length - keep, 'more skipped model')}`);
  return `### Skipped\n\n${lines.join('\n')}`;
}

const ERROR_MESSAGE_CHARS = 160;

/** Failed requests by model and kind, with a provider message each, in a collapsed table. */
function errorsSection(report: Report): string {
  const groups = errorGroups(report.trials);
  if (groups.length === 0) return '';
  const rows = groups.map((g) => [
    inertText(g.model, ID_CHARS),
    mdTrusted(g.what),
    String(g.requests),
    String(g.attempts),
    g.example === null ? '—' : inertText(g.example, ERROR_MESSAGE_CHARS),
  ]);
  const table = markdownTable([['model', 'what happened', 'requests', 'attempts (max)', 'example message'], ...rows], { alignDelimiters: false });
  return details(`Transport errors (${plural(errorCount(groups), 'request')})`, table);
}

/** Escapes characters that would end a Markdown link destination early. */
function linkTarget(url: string): string {
  return url.replace(/[\s()<>]/g, (c) => encodeURIComponent(c));
}

function foldNote(omitted: readonly string[], maxChars: number, summaryUrl: string | null | undefined): string {
  const where = summaryUrl ? `[the job summary](${linkTarget(summaryUrl)})` : 'the job summary of this run and the JSON report';
  const what = omitted.length > 0 ? `: ${omitted.join(', ')} left out` : '';
  return `> [!NOTE]\n> Folded to fit ${maxChars.toLocaleString('en-US')} characters${what}. Full detail: ${where}.`;
}

function omittedParts(report: Report, fold: Fold, full: Fold, cut: boolean): string[] {
  const omitted: string[] = [];
  if (fold.answers !== full.answers) {
    const errors = errorGroups(report.trials).length > 0 ? ' and transport errors' : '';
    omitted.push(fold.answers === 'none' ? `sample answers${errors}` : 'passing sample answers');
  }
  if (fold.perCase !== full.perCase) omitted.push(fold.perCase === 'none' ? 'per-case results' : 'passing per-case rows');
  if (fold.chart !== full.chart) omitted.push('the latency chart');
  if (fold.columns < full.columns) omitted.push(`${full.columns - fold.columns} of ${full.columns} model columns`);
  if (fold.findings < full.findings) omitted.push(plural(full.findings - fold.findings, 'finding'));
  if (fold.skipped < full.skipped) omitted.push(plural(full.skipped - fold.skipped, 'skipped model'));
  if (cut) omitted.push('the rest of the scorecard');
  return omitted;
}

interface Parts {
  head: string;
  body: string;
  tail: string;
}

/** Sections by their fold setting: the folding loop re-composes often, the sections stay the same. */
type Memo = (key: string, build: () => string) => string;

function memo(): Memo {
  const cache = new Map<string, string>();
  return (key, build) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = build()));
    return value;
  };
}

function compose(report: Report, options: ScorecardOptions, fold: Fold, full: Fold, maxChars: number, cached: Memo): Parts {
  const head: string[] = [];
  if (options.marker) head.push(options.marker);
  const { tone, text } = headline(report);
  head.push(`## ${ICON[tone]} ${text}`);

  const body: string[] = [runLine(report, esc).join(' · ')];
  const incomplete = incompleteNote(report);
  if (incomplete) body.push(`> [!WARNING]\n> ${incomplete}`);
  if (report.mode === 'gate' && report.baseline?.status === 'missing') {
    body.push(
      `> [!NOTE]\n> No baseline at ${inertText(report.baseline.path, 120)} yet, so only absolute checks ran (image path, must_pass cases). ` +
        'Run with mode `update-baseline` and commit the file to compare future runs against it.',
    );
  }
  if (options.baselineChange) body.push(balance(options.baselineChange.trim()));
  const findings = cached(`findings:${fold.findings}`, () => findingsList(orderedFindings(report), fold.findings));
  if (findings) body.push(findings);
  body.push(cached(`columns:${fold.columns}`, () => modelTable(report, fold.columns)));
  body.push(cached('routing', () => routingSection(report)));
  if (fold.chart) body.push(cached('chart', () => latencySection(report.models)));
  body.push(cached(`perCase:${fold.perCase}`, () => perCaseSection(report.cases, fold.perCase)));
  body.push(cached(`answers:${fold.answers}`, () => answersSection(report.cases, fold.answers)));
  // Transport errors are detail of the same weight as the answers, and fold with them.
  if (fold.answers !== 'none') body.push(cached('errors', () => errorsSection(report)));
  body.push(cached(`skipped:${fold.skipped}`, () => skippedSection(report.models.filter((m) => m.verdict === 'skipped'), fold.skipped)));

  const tail: string[] = [];
  const omitted = omittedParts(report, fold, full, false);
  if (omitted.length > 0) tail.push(foldNote(omitted, maxChars, options.summaryUrl));
  if (options.footer) tail.push(balance(options.footer.trim()));
  return { head: head.join('\n'), body: body.filter(Boolean).join('\n\n'), tail: tail.join('\n\n') };
}

const join = (parts: Parts): string => `${[parts.head, parts.body, parts.tail].filter(Boolean).join('\n\n')}\n`;

/** The largest n in [min, max] for which fits(n) holds, given fits is monotone; min if none. */
function largest(min: number, max: number, fits: (n: number) => boolean): number {
  let lo = min;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Lists are first narrowed to these floors (a few model columns, the first findings), and
// only below them when a scorecard still does not fit.
const FLOOR: Record<'columns' | 'findings' | 'skipped', number> = { columns: 6, findings: 25, skipped: 10 };

export function renderScorecard(report: Report, options: ScorecardOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const shown = shownModels(report).length;
  const full: Fold = {
    answers: 'all',
    perCase: 'all',
    chart: true,
    columns: shown,
    findings: orderedFindings(report).length,
    skipped: report.models.length - shown,
  };
  const cached = memo();
  const render = (fold: Fold): string => join(compose(report, options, fold, full, maxChars, cached));
  const fits = (fold: Fold): boolean => render(fold).length <= maxChars;

  // Whole sections first, least useful first.
  const sections: Fold[] = [
    full,
    { ...full, answers: 'failing' },
    { ...full, answers: 'none' },
    { ...full, answers: 'none', perCase: 'failing' },
    { ...full, answers: 'none', perCase: 'none' },
    { ...full, answers: 'none', perCase: 'none', chart: false },
  ];
  for (const fold of sections) {
    if (casesMinChars(report.cases, fold.answers, fold.perCase) > maxChars) continue;
    const text = render(fold);
    if (text.length <= maxChars) return text;
  }

  // Then narrow lists to the longest that fits: first down to their floors, then below.
  let fold = sections[sections.length - 1]!;
  for (const floor of [true, false]) {
    for (const list of ['columns', 'findings', 'skipped'] as const) {
      const base = fold;
      const min = floor ? Math.min(FLOOR[list], full[list]) : 0;
      fold = { ...base, [list]: largest(min, base[list], (n) => fits({ ...base, [list]: n })) };
      const text = render(fold);
      if (text.length <= maxChars) return text;
    }
  }

  // Finally cut the body (oversized trusted blocks can still get here), keeping the headline,
  // the fold note and the footer.
  const parts = compose(report, options, fold, full, maxChars, cached);
  const tail = foldNote(omittedParts(report, fold, full, true), maxChars, options.summaryUrl);
  const footer = options.footer ? cutMarkdown(balance(options.footer.trim()), Math.floor(maxChars / 4)) : '';
  const fixed = [parts.head, tail, footer].filter(Boolean).join('\n\n').length + 8;
  const body = cutMarkdown(parts.body, Math.max(0, maxChars - fixed));
  const text = join({ head: parts.head, body, tail: [tail, footer].filter(Boolean).join('\n\n') });
  // Only an absurdly small limit (below the headline and footer) gets here; the limit still holds.
  return text.length <= maxChars ? text : cutMarkdown(text, maxChars);
}
