// The CLI's view of a report: the scorecard's sections (headline, findings, per-model table,
// routing, skipped models) as aligned plain text, coloured only when asked; and the progress
// line shown while a run is under way.
import { styleText } from 'node:util';
import type { Report } from '../report/schema.ts';
import { errorGroups } from './errors.ts';
import { inertTerminal } from './escape.ts';
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

type Style = Parameters<typeof styleText>[0];
type Color = Exclude<Style, readonly unknown[]>;

const ICON: Record<Tone, string> = { pass: '✔', warn: '▲', fail: '✖', skip: '–', info: 'i', unknown: '?' };
const COLOR: Record<Tone, Color> = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'gray', info: 'cyan', unknown: 'gray' };

const DEFAULT_WIDTH = 100;
const MAX_CELL = 44;
const GAP = '  ';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

// East Asian wide and fullwidth blocks; emoji are handled by their presentation below.
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F/u;

/** Terminal columns a string takes: wide CJK and emoji count two, combining marks none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += WIDE.test(segment) || EMOJI.test(segment) ? 2 : 1;
  return width;
}

/** Cuts to at most `columns` terminal columns, ending in "…" when cut. */
export function fitWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = '';
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (width + w > columns - 1) break;
    out += segment;
    width += w;
  }
  return `${out}…`;
}

const pad = (text: string, columns: number): string => text + ' '.repeat(Math.max(0, columns - displayWidth(text)));

export function renderTerminal(report: Report, options: { color: boolean; width?: number }): string {
  const width = Math.max(40, options.width ?? DEFAULT_WIDTH);
  const paint = (style: Style, text: string): string => (options.color ? styleText(style, text, { validateStream: false }) : text);
  const tone = (t: Tone, text: string): string => paint(COLOR[t], text);
  const esc = (s: string, max: number): string => inertTerminal(s, max);
  const out: string[] = [];

  const head = headline(report);
  out.push(paint(['bold', COLOR[head.tone]], `${ICON[head.tone]} ${head.text}`));
  out.push(paint('dim', runLine(report, esc).join(' · ')));
  const incomplete = incompleteNote(report);
  if (incomplete) out.push(tone('warn', `${ICON.warn} ${incomplete}`));

  const findings = orderedFindings(report);
  if (findings.length > 0) {
    out.push('');
    for (const f of findings) {
      const t = severityTone(f.severity);
      const who = f.model ? `${paint('bold', esc(f.model, 80))} ` : '';
      // Messages carry Markdown code spans for the scorecard; the terminal shows the plain text.
      const message = esc(findingMessage(f).replace(/`|\*\*/g, ''), 400);
      out.push(`${tone(t, ICON[t])} ${who}${message}`);
    }
  }

  out.push('', paint('bold', 'Models'));
  const models = shownModels(report);
  if (models.length === 0) {
    out.push('  No model ran.');
  } else {
    const rows = modelRows(models, report.findings, esc);
    const labelWidth = Math.max(...rows.map((r) => displayWidth(r.label)));
    const maxCell = Math.max(12, Math.min(MAX_CELL, width - labelWidth - 2 - GAP.length));
    const cellText = (c: ModelCell): string =>
      fitWidth(`${c.lead ? `${ICON[c.lead]} ` : ''}${c.text}${c.mark && c.mark !== c.lead ? ` ${ICON[c.mark]}` : ''}`, maxCell);
    const cellTone = (c: ModelCell): Tone | null => c.mark ?? (c.lead === 'pass' || c.lead === 'info' ? null : c.lead);
    const headers = models.map((m) => fitWidth(esc(m.id, 80), maxCell));
    const widths = models.map((_, i) => Math.max(displayWidth(headers[i]!), ...rows.map((r) => displayWidth(cellText(r.cells[i]!)))));
    // Models that do not fit side by side continue in another block, with the labels repeated.
    const groups: number[][] = [];
    let used = Infinity;
    widths.forEach((w, i) => {
      if (used + GAP.length + w > width) {
        groups.push([]);
        used = 2 + labelWidth;
      }
      groups[groups.length - 1]!.push(i);
      used += GAP.length + w;
    });
    groups.forEach((group, g) => {
      if (g > 0) out.push('');
      // Padding stays outside the colour codes so trailing spaces can be trimmed.
      const line = (label: string, cells: string[], plain: string[]): string => {
        let text = `  ${pad(label, labelWidth)}`;
        cells.forEach((cell, k) => {
          text += GAP + cell + (k < cells.length - 1 ? ' '.repeat(Math.max(0, widths[group[k]!]! - displayWidth(plain[k]!))) : '');
        });
        return text.trimEnd();
      };
      const heads = group.map((i) => headers[i]!);
      out.push(line('', heads.map((h) => paint('bold', h)), heads));
      for (const row of rows) {
        const plain = group.map((i) => cellText(row.cells[i]!));
        const styled = group.map((i, k) => {
          const t = cellTone(row.cells[i]!);
          return t ? tone(t, plain[k]!) : plain[k]!;
        });
        out.push(line(row.label, styled, plain));
      }
    });
  }

  const { realtime, bulk } = recommendRoutes(report);
  const route = (label: string, choice: RouteChoice): string =>
    `  ${label}: ${choice.model ? paint('bold', esc(choice.model, 80)) : 'none'} — ${choice.reason}`;
  out.push('', paint('bold', 'Routing'), route('default route (real-time)', realtime), route('bulk route', bulk));

  const errors = errorGroups(report.trials);
  if (errors.length > 0) {
    out.push('', paint('bold', 'Transport errors'));
    for (const g of errors) {
      const example = g.example === null ? '' : ` — ${esc(g.example, 200)}`;
      // Fitted as plain text, coloured after: a cut must never fall inside an escape sequence.
      const line = fitWidth(`${ICON.fail} ${esc(g.model, 80)}: ${g.what} ×${g.requests}${example}`, width - 2);
      out.push(`  ${tone('fail', ICON.fail)}${line.slice(ICON.fail.length)}`);
    }
  }

  const skipped = report.models.filter((m) => m.verdict === 'skipped');
  if (skipped.length > 0) {
    out.push('', paint('bold', 'Skipped'));
    for (const m of skipped) out.push(`  ${tone('skip', ICON.skip)} ${esc(m.id, 80)} — ${esc(m.skipped_reason ?? 'skipped', 200)}`);
  }
  return out.join('\n');
}

export interface ProgressLine {
  update(done: number, total: number, detail: string): void;
  done(): void;
}

/** A TTY line is redrawn at most this often; faster redraws only cost CPU and flicker. */
const TTY_INTERVAL_MS = 100;

/**
 * Progress while a run is under way. On a TTY: one line rewritten in place (\r), throttled to
 * about ten redraws a second, always showing the last update. Elsewhere (CI logs, pipes): a
 * plain line at each new tenth of the work at most, so a log gets eleven lines, not thousands.
 */
export function progressLine(stream: { isTTY?: boolean; write(s: string): boolean; columns?: number }, now: () => number): ProgressLine {
  const tty = stream.isTTY === true;
  let lastDraw = -Infinity;
  let drawn = false;
  let pending: [number, number, string] | null = null;
  let lastTenth = -1;

  const text = (done: number, total: number, detail: string): string => {
    const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
    const what = detail ? ` · ${inertTerminal(detail, 200)}` : '';
    return `vision-gate ${done}/${total} requests (${percent}%)${what}`;
  };
  const draw = (done: number, total: number, detail: string): void => {
    const columns = Math.max(20, (stream.columns ?? 80) - 1);
    // \x1b[K clears what a longer previous line left behind.
    stream.write(`\r${fitWidth(text(done, total, detail), columns)}\x1b[K`);
    drawn = true;
    pending = null;
  };

  return {
    update(done, total, detail) {
      if (tty) {
        const t = now();
        if (done < total && t - lastDraw < TTY_INTERVAL_MS) {
          pending = [done, total, detail];
          return;
        }
        lastDraw = t;
        draw(done, total, detail);
        return;
      }
      if (total <= 0) return;
      const tenth = Math.min(10, Math.floor((done / total) * 10));
      if (tenth <= lastTenth) return;
      lastTenth = tenth;
      stream.write(`${text(done, total, '')}\n`);
    },
    done() {
      if (!tty) return;
      if (pending) draw(...pending);
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
