// The action: inputs → engine → files → outputs and job summary → outcome. The only place that
// calls core.setFailed. Files and the summary are written before anything can fail the step.
import * as core from '@actions/core';
import path from 'node:path';
import { runEngine, type Log } from '../engine.ts';
import { isUserError } from '../errors.ts';
import { reportJson, writeFileAtomic } from '../publish/files.ts';
import { renderScorecard } from '../render/markdown.ts';
import { readInputs } from './inputs.ts';

/** The job summary limit is 1 MiB; characters can take up to 4 bytes, so stay well below. */
export const SUMMARY_MAX_CHARS = 250_000;

const actionLog: Log = {
  info: (m) => core.info(m),
  notice: (m) => core.notice(m),
  warning: (m) => core.warning(m),
};

export async function run(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    const inputs = readInputs();
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const result = await runEngine({
      configPath: inputs.config,
      mode: inputs.mode,
      env,
      cwd: workspace,
      log: actionLog,
      commit: env.GITHUB_SHA ?? null,
      onSecret: (secret) => core.setSecret(secret),
      onProgress: (done, total) => {
        if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0) core.info(`vision-gate: ${done}/${total} requests`);
      },
    });
    const { report } = result;
    const outDir = path.join(env.RUNNER_TEMP || path.join(workspace, '.vision-gate'), 'vision-gate');
    const jsonFile = path.join(outDir, 'report.json');
    const markdownFile = path.join(outDir, 'scorecard.md');
    const summary = renderScorecard(report, { maxChars: SUMMARY_MAX_CHARS });
    await writeFileAtomic(jsonFile, reportJson(report));
    await writeFileAtomic(markdownFile, summary);
    core.setOutput('report', jsonFile);
    core.setOutput('scorecard', markdownFile);
    core.setOutput('passed', String(report.passed));
    core.setOutput('regressions', String(report.regressions));
    core.setOutput('comment-url', '');
    if (result.written) core.info(`vision-gate: baseline written to ${path.relative(workspace, result.baselineFile)}`);
    await core.summary.addRaw(summary, true).write();
    if (inputs.mode === 'gate' && !report.passed) {
      const message = `vision-gate: ${report.regressions} regression${report.regressions === 1 ? '' : 's'}; see the job summary.`;
      if (inputs.failOnRegression) core.setFailed(message);
      else core.warning(`${message} (fail-on-regression is false)`);
    }
  } catch (error) {
    if (isUserError(error)) core.setFailed(error.message);
    else core.setFailed(`vision-gate internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
