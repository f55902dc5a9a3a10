// What the action does on GitHub for each event (CONTRACT §6), after the report, the scorecard
// file and the job summary are safely written: the sticky PR comment, the tracking issue of
// scheduled runs, and the baseline commit. Each step reports what it did; a GitHub failure is a
// warning and a note in the job summary, never an exception and never a change of verdict.
import { readFile } from 'node:fs/promises';
import type { Log } from '../engine.ts';
import { displaySha, type GitHubContext } from '../github/context.ts';
import type { GitHubPublisher } from '../github/publisher.ts';
import { inertText } from '../render/escape.ts';
import { plural } from '../render/format.ts';
import type { Report } from '../report/schema.ts';
import { baselineChangeMarkdown } from './baseline-change.ts';
import type { ActionInputs } from './inputs.ts';
import type { Scorecards } from './scorecards.ts';

const SCHEDULED_EVENTS = new Set(['schedule', 'workflow_dispatch']);

export interface GitHubSteps {
  inputs: ActionInputs;
  context: GitHubContext;
  report: Report;
  scorecards: Scorecards;
  /** null when there is no token or no repository (a local run). */
  publisher: GitHubPublisher | null;
  baseline: {
    /** Absolute path of the baseline file in the checkout. */
    file: string;
    /** The same, relative to the repository. */
    repoPath: string;
    /** update-baseline wrote it in this run. */
    written: boolean;
  };
  log: Log;
}

export interface StepsOutcome {
  commentUrl: string;
  baselineCommit: string;
  /** Markdown lines for the end of the job summary: what happened on GitHub. */
  notes: string[];
}

const warningNote = (warning: string): string => `> [!WARNING]\n> ${inertText(warning, 1_000)}`;

function reportWarning(log: Log, notes: string[], warning: string | null): void {
  if (warning === null) return;
  log.warning(warning);
  notes.push(warningNote(warning));
}

const missingToken = (what: string): string =>
  `vision-gate: no github-token (or no GITHUB_REPOSITORY), so the ${what} is skipped; the result is in the job summary.`;

/** The "baseline changed in this PR" block, read against the base branch; null when unchanged. */
export async function baselineChange(
  context: GitHubContext,
  publisher: GitHubPublisher | null,
  baseline: { file: string; repoPath: string },
  mode: Report['mode'],
  log: Log,
): Promise<string | null> {
  const pr = context.pullRequest;
  // In update-baseline mode the run itself rewrote the file; comparing would only show that.
  if (!pr || !publisher || mode === 'update-baseline') return null;
  const after = await readFile(baseline.file, 'utf8').catch(() => null);
  const before = await publisher.readFileAtRef(baseline.repoPath, pr.baseSha);
  if (before.warning) {
    log.warning(before.warning);
    return null;
  }
  return baselineChangeMarkdown({ path: baseline.repoPath, baseRef: pr.baseRef, before: before.content, after });
}

async function stickyComment(steps: GitHubSteps, notes: string[]): Promise<string> {
  const { inputs, context, publisher, scorecards, log } = steps;
  const wanted = inputs.comment === 'always' || (inputs.comment === 'auto' && context.pullRequest !== null);
  if (!wanted) return '';
  if (!publisher) {
    log.notice(missingToken('scorecard comment'));
    return '';
  }
  let pr = context.pullRequest?.number ?? null;
  if (pr === null && context.sha) {
    const found = await publisher.pullRequestForCommit(context.sha, context.branch);
    reportWarning(log, notes, found.warning);
    pr = found.number;
  }
  if (pr === null) {
    log.notice('vision-gate: comment is `always`, but no open pull request has this commit as its head; no comment posted.');
    return '';
  }
  const result = await publisher.upsertStickyComment(pr, scorecards.marker, scorecards.comment, scorecards.shortComment);
  reportWarning(log, notes, result.warning);
  if (result.url) {
    const deleted = result.duplicatesDeleted > 0 ? ` (${plural(result.duplicatesDeleted, 'duplicate')} deleted)` : '';
    log.info(`vision-gate: scorecard comment ${result.action}: ${result.url}${deleted}`);
  }
  return result.url ?? '';
}

async function trackingIssue(steps: GitHubSteps, notes: string[]): Promise<void> {
  const { context, report, publisher, scorecards, log } = steps;
  if (!SCHEDULED_EVENTS.has(context.eventName) || report.mode !== 'gate') return;
  if (!publisher) {
    log.notice(missingToken('tracking issue'));
    return;
  }
  if (!report.passed) {
    const title = `vision-gate: ${plural(report.regressions, 'regression')} in ${report.config}`;
    const result = await publisher.upsertTrackingIssue(scorecards.marker, title, scorecards.comment, scorecards.shortComment);
    reportWarning(log, notes, result.warning);
    if (result.url) {
      log.info(`vision-gate: tracking issue ${result.action}: ${result.url}`);
      notes.push(`Tracking issue ${result.action === 'created' ? 'opened' : result.action}: ${result.url}`);
    }
    return;
  }
  // A pass in which nothing ran (every key missing) or the run was cut short proves nothing.
  const ran = report.models.some((m) => m.verdict !== 'skipped');
  if (!ran || !report.complete) {
    log.notice('vision-gate: passed, but not every request ran; a tracking issue, if open, stays open.');
    return;
  }
  const sha = displaySha(context);
  const where = [context.runUrl ? `[workflow run](${context.runUrl})` : null, sha ? `commit ${sha.slice(0, 7)}` : null].filter(Boolean).join(', ');
  const comment = `✅ vision-gate passes again${where ? ` (${where})` : ''}. Closing this issue.`;
  const result = await publisher.closeTrackingIssue(scorecards.marker, comment);
  reportWarning(log, notes, result.warning);
  if (result.action === 'closed') {
    log.info(`vision-gate: tracking issue closed: ${result.url}`);
    notes.push(`Tracking issue closed: ${result.url}`);
  }
}

async function commitBaseline(steps: GitHubSteps, notes: string[]): Promise<string> {
  const { inputs, context, publisher, baseline, log } = steps;
  if (!inputs.commitBaseline) return '';
  if (inputs.mode !== 'update-baseline') {
    log.notice('vision-gate: commit-baseline only applies in update-baseline mode; nothing committed.');
    return '';
  }
  if (!baseline.written) return '';
  if (!publisher) {
    log.notice(missingToken('baseline commit'));
    return '';
  }
  const problem = !context.branch
    ? 'this run is not on a branch (a tag or a detached commit)'
    : context.pullRequest?.isFork
      ? "the pull request comes from a fork, whose branch this repository's token cannot write"
      : null;
  if (problem) {
    const warning = `vision-gate: commit-baseline skipped: ${problem}. The baseline was written to ${baseline.repoPath} in the workspace.`;
    reportWarning(log, notes, warning);
    return '';
  }
  const content = await readFile(baseline.file, 'utf8');
  const message = `vision-gate: refresh baseline ${baseline.repoPath}`;
  const result = await publisher.commitFile(baseline.repoPath, content, context.branch!, message);
  reportWarning(log, notes, result.warning);
  if (result.action === 'unchanged') {
    log.info(`vision-gate: ${baseline.repoPath} on ${context.branch} already has this content; nothing committed.`);
    notes.push(`Baseline unchanged on ${inertText(context.branch!, 100)}; nothing committed.`);
  } else if (result.action === 'committed') {
    log.info(`vision-gate: committed ${baseline.repoPath} to ${context.branch}: ${result.url ?? result.commitSha}`);
    notes.push(`Baseline committed to ${inertText(context.branch!, 100)}: ${result.url ?? result.commitSha}`);
  }
  return result.commitSha ?? '';
}

/** Runs the GitHub steps of this event in order; never throws for a GitHub failure. */
export async function publishToGitHub(steps: GitHubSteps): Promise<StepsOutcome> {
  const notes: string[] = [];
  const commentUrl = await stickyComment(steps, notes);
  await trackingIssue(steps, notes);
  const baselineCommit = await commitBaseline(steps, notes);
  return { commentUrl, baselineCommit, notes };
}
