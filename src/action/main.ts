// The action: inputs and context → engine → files → outputs, job summary and annotations →
// GitHub (comment, tracking issue, baseline commit) → outcome. The only place that calls
// core.setFailed. Everything that keeps the result (files, outputs, summary) is written before
// anything is posted or the step fails, so a GitHub API error can never lose it.
import * as core from '@actions/core';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.ts';
import { mergeShards, runEngine, runShard, type EngineOptions, type Log } from '../engine.ts';
import { isUserError } from '../errors.ts';
import { findingAnnotations } from '../github/annotations.ts';
import { readGitHubContext, type GitHubContext } from '../github/context.ts';
import type { GitHubPublisher } from '../github/publisher.ts';
import { reportJson, writeFileAtomic } from '../publish/files.ts';
import { plural } from '../render/format.ts';
import type { Report } from '../report/schema.ts';
import { resolveInvocation } from '../shard/invocation.ts';
import { describePartial } from '../shard/schema.ts';
import type { Shard } from '../shard/slice.ts';
import { partialJson } from '../shard/store.ts';
import { baselineChange, publishToGitHub } from './events.ts';
import { readInputs, type ActionInputs } from './inputs.ts';
import { repoPath } from './repo-path.ts';
import { renderScorecards } from './scorecards.ts';

const actionLog: Log = {
  info: (m) => core.info(m),
  notice: (m) => core.notice(m),
  warning: (m) => core.warning(m),
};

/** Says up front why a fork or Dependabot run may skip models and not comment. */
function announceRestrictions(context: GitHubContext): void {
  if (context.pullRequest?.isFork) {
    core.notice(
      'vision-gate: pull request from a fork. GitHub withholds secrets and gives a read-only token, so models without an API key are skipped ' +
        'and the comment may not be posted; the result is in the job summary.',
    );
  } else if (context.isDependabot) {
    core.notice(
      'vision-gate: Dependabot pull request. It gets a read-only token and only Dependabot secrets, so models without an API key are skipped ' +
        'and the comment may not be posted; the result is in the job summary.',
    );
  }
}

/**
 * The publisher, loaded only once the run is over: Octokit and its HTTP stack are a third of the
 * action's code, and parsing them before the first request would delay every run.
 */
async function createPublisher(inputs: ActionInputs, context: GitHubContext): Promise<GitHubPublisher | null> {
  if (inputs.githubToken === '' || context.owner === '' || context.repo === '') return null;
  const { GitHubPublisher } = await import('../github/publisher.ts');
  return GitHubPublisher.fromContext(inputs.githubToken, context);
}

function annotate(report: Report, loaded: LoadedConfig, workspace: string): void {
  for (const a of findingAnnotations(report, loaded, repoPath(loaded.file, workspace))) {
    const properties = { title: a.title, file: a.file, startLine: a.startLine, startColumn: a.startColumn };
    // Only the gate enforces; in report and update-baseline modes a regression is information.
    if (a.level === 'error' && report.mode === 'gate') core.error(a.message, properties);
    else core.warning(a.message, properties);
  }
}

/** A matrix job's shard: its partial result as a file and the `partial` output; no comment, no verdict. */
async function runShardStep(options: EngineOptions, shard: Shard, outDir: string): Promise<void> {
  const { partial } = await runShard(options, shard);
  const file = path.join(outDir, `partial-${shard.index}-of-${shard.count}.json`);
  await writeFileAtomic(file, partialJson(partial));
  core.setOutput('partial', file);
  core.info(`vision-gate: ${describePartial(partial)}; partial result: ${file}`);
  await core.summary.addRaw(`vision-gate ${describePartial(partial)}. The merge job gates and reports.\n`, true).write();
}

export async function run(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    const inputs = readInputs();
    const invocation = resolveInvocation(inputs, { mode: 'input mode', shard: 'input shard', partials: 'input partials' });
    // A shard neither gates nor writes a baseline: the mode is the merge's to apply.
    const mode = invocation.kind === 'shard' ? 'report' : invocation.mode;
    const context = readGitHubContext(env);
    const workspace = context.workspace ?? process.cwd();
    const outDir = path.join(env.RUNNER_TEMP || path.join(workspace, '.vision-gate'), 'vision-gate');
    announceRestrictions(context);
    const options: EngineOptions = {
      configPath: inputs.config,
      mode,
      env,
      cwd: workspace,
      log: actionLog,
      commit: context.sha,
      onSecret: (secret) => core.setSecret(secret),
      onProgress: (done, total) => {
        if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0) core.info(`vision-gate: ${done}/${total} requests`);
      },
    };
    if (invocation.kind === 'shard') return await runShardStep(options, invocation.shard, outDir);
    const result = invocation.kind === 'merge' ? await mergeShards(options, invocation.partials) : await runEngine(options);
    const { report } = result;
    // The result is kept first: the report, then the scorecard, outputs and summary. Nothing
    // below them can lose it; the only GitHub call before them is a read.
    const jsonFile = path.join(outDir, 'report.json');
    const markdownFile = path.join(outDir, 'scorecard.md');
    await writeFileAtomic(jsonFile, reportJson(report));
    const publisher = await createPublisher(inputs, context);
    const baseline = { file: result.baselineFile, repoPath: repoPath(result.baselineFile, workspace), written: result.written !== null };
    const scorecards = renderScorecards(report, context, await baselineChange(context, publisher, baseline, report.mode, actionLog));
    await writeFileAtomic(markdownFile, scorecards.summary);
    core.setOutput('report', jsonFile);
    core.setOutput('scorecard', markdownFile);
    core.setOutput('passed', String(report.passed));
    core.setOutput('regressions', String(report.regressions));
    core.setOutput('baseline', baseline.written ? result.baselineFile : '');
    if (baseline.written) core.info(`vision-gate: baseline written to ${baseline.repoPath}`);
    await core.summary.addRaw(scorecards.summary, true).write();
    annotate(report, result.loaded, workspace);

    const outcome = await publishToGitHub({ inputs: { ...inputs, mode }, context, report, scorecards, publisher, baseline, log: actionLog });
    core.setOutput('comment-url', outcome.commentUrl);
    core.setOutput('baseline-commit', outcome.baselineCommit);
    if (outcome.notes.length > 0) await core.summary.addRaw(`\n${outcome.notes.join('\n\n')}\n`, true).write();

    if (mode === 'gate' && !report.passed) {
      const message = `vision-gate: ${plural(report.regressions, 'regression')}; see the job summary.`;
      if (inputs.failOnRegression) core.setFailed(message);
      else core.warning(`${message} (fail-on-regression is false)`);
    }
  } catch (error) {
    if (isUserError(error)) core.setFailed(error.message);
    else core.setFailed(`vision-gate internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
