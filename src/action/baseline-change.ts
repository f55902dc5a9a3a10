// The "this pull request changes the baseline" block: when a PR edits the committed baseline, the
// gate compares against the PR's own numbers, so merging it quietly accepts whatever they say.
// The block makes that visible: per model, accuracy and p50 on the base branch and in the PR.
// Pure: two file texts in, trusted Markdown out (everything taken from the files is escaped).
import { markdownTable } from 'markdown-table';
import { parseBaseline } from '../baseline/store.ts';
import type { Baseline, BaselineModel } from '../baseline/schema.ts';
import { isUserError } from '../errors.ts';
import { inertText } from '../render/escape.ts';
import { count, latency, NONE, versus } from '../render/format.ts';

export interface BaselineChangeInput {
  /** Repository-relative path of the baseline file. */
  path: string;
  /** The base branch's name, for the reader. */
  baseRef: string;
  /** The file on the base branch; null when it does not exist there. */
  before: string | null;
  /** The file in the pull request; null when the PR deletes it. */
  after: string | null;
}

const ID_CHARS = 60;
// Latency always moves a little between refreshes; a p50 is flagged only when it rose by a
// tenth and by a noticeable absolute amount.
const SLOWER = 0.1;
const SLOWER_MS = 50;

const normalised = (text: string | null): string | null => (text === null ? null : text.replace(/\r\n/g, '\n').trimEnd());

/** Whether the PR's file differs from the base branch's. */
export const baselineChanged = (before: string | null, after: string | null): boolean => normalised(before) !== normalised(after);

type Parsed = { baseline: Baseline; problem: null } | { baseline: null; problem: string | null };

function parse(text: string | null, label: string): Parsed {
  if (text === null) return { baseline: null, problem: null };
  try {
    return { baseline: parseBaseline(text, label), problem: null };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { baseline: null, problem: error.message };
  }
}

const accuracyOf = (m: BaselineModel | undefined): number | null => (m && m.requests > 0 ? m.correct / m.requests : null);

function accuracyText(m: BaselineModel | undefined): string {
  const value = accuracyOf(m);
  return m && value !== null ? `${Math.round(value * 100)}% (${count(m.correct, m.requests)})` : NONE;
}

const routeText = (m: BaselineModel): string => inertText(`${m.route.host} ${m.route.model}`, 80);

function modelRow(id: string, before: BaselineModel | undefined, after: BaselineModel | undefined, showRoute: boolean): string[] {
  const accuracyBefore = accuracyOf(before);
  const accuracyAfter = accuracyOf(after);
  const p50Before = before?.latency_ms.p50 ?? null;
  const p50After = after?.latency_ms.p50 ?? null;
  const worse =
    (accuracyBefore !== null && accuracyAfter !== null && accuracyAfter < accuracyBefore) ||
    (p50Before !== null && p50After !== null && p50After - p50Before >= Math.max(p50Before * SLOWER, SLOWER_MS));
  const status = !before ? ' (new)' : !after ? ' (removed)' : '';
  const row = [
    `${worse ? '⚠️ ' : ''}${inertText(id, ID_CHARS)}${status}`,
    `${accuracyText(before)} → ${accuracyText(after)}`,
    versus(before?.latency_ms.p50, after?.latency_ms.p50, latency),
  ];
  if (showRoute) {
    const from = before ? routeText(before) : NONE;
    const to = after ? routeText(after) : NONE;
    row.push(from === to ? 'unchanged' : `${from} → ${to}`);
  }
  return row;
}

function table(before: Baseline | null, after: Baseline | null): string {
  const ids = [...new Set([...Object.keys(after?.models ?? {}), ...Object.keys(before?.models ?? {})])];
  if (ids.length === 0) return 'Neither file lists a model.';
  const showRoute = ids.some((id) => {
    const b = before?.models[id];
    const a = after?.models[id];
    return b !== undefined && a !== undefined && (b.route.host !== a.route.host || b.route.model !== a.route.model);
  });
  const header = ['model', 'accuracy (base → PR)', 'p50 (base → PR)', ...(showRoute ? ['route (base → PR)'] : [])];
  const rows = ids.map((id) => modelRow(id, before?.models[id], after?.models[id], showRoute));
  return markdownTable([header, ...rows], { alignDelimiters: false });
}

/** The block for the scorecard, or null when the PR leaves the baseline as it is. */
export function baselineChangeMarkdown(input: BaselineChangeInput): string | null {
  if (!baselineChanged(input.before, input.after)) return null;
  const file = `\`${input.path.replace(/`/g, '')}\``;
  const base = inertText(input.baseRef, 100);
  if (input.after === null) {
    return `> [!WARNING]\n> **This pull request deletes the baseline** ${file}. After merging, runs have nothing to compare against and only the absolute checks run.`;
  }
  const before = parse(input.before, `${input.baseRef}:${input.path}`);
  const after = parse(input.after, input.path);
  const lead =
    input.before === null
      ? `> [!WARNING]\n> **This pull request adds the baseline** ${file}. Merging it makes these numbers what later runs are compared against.`
      : `> [!WARNING]\n> **This pull request changes the baseline** ${file}. This run was compared against the PR's version; merging it accepts these numbers instead of those on ${base}.`;
  const problems = [
    before.problem ? `The base branch's file could not be read: ${inertText(before.problem, 300)}` : null,
    after.problem ? `The PR's file could not be read: ${inertText(after.problem, 300)}` : null,
  ].filter((p): p is string => p !== null);
  return [lead, table(before.baseline, after.baseline), ...problems].join('\n\n');
}
