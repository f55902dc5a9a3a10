// Runs the bundled action (dist/index.js) as the GitHub runner does: inputs as INPUT_* variables,
// outputs and the job summary through the file-command protocol.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './suite.ts';

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses the runner's GITHUB_OUTPUT file (`name<<DELIMITER` … `DELIMITER` blocks). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) value.push(lines[i]!);
    outputs[name!] = value.join('\n');
  }
  return outputs;
}

export async function runAction(options: {
  dir: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
  event?: { name: string; payload: unknown };
  /** The GitHub API (a fake GitHub's url); by default a closed port, so no test reaches github.com. */
  apiUrl?: string;
}): Promise<ActionRun> {
  const outputFile = path.join(options.dir, '.gh-output');
  const summaryFile = path.join(options.dir, '.gh-summary');
  const eventFile = path.join(options.dir, '.gh-event.json');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  await writeFile(eventFile, JSON.stringify(options.event?.payload ?? {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_WORKSPACE: options.dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: options.event?.name ?? 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: path.join(options.dir, '.runner-temp'),
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist', 'index.js')], { cwd: options.dir, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr }),
    );
  });
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}
