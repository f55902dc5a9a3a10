// Reading the run's GitHub context from the runner's environment and event payload, the warnings
// GitHub failures turn into, the per-request time limit, and where annotations land.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import { findingAnnotations } from '../src/github/annotations.ts';
import { createGitHubClient } from '../src/github/client.ts';
import { readGitHubContext } from '../src/github/context.ts';
import { describeFailure } from '../src/github/errors.ts';
import { stickyMarker } from '../src/github/marker.ts';
import { GitHubPublisher } from '../src/github/publisher.ts';
import type { Finding } from '../src/report/schema.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-context-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function payloadFile(payload: unknown): Promise<string> {
  const file = path.join(dir, `event-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(payload));
  return file;
}

const pullRequest = (headRepo: string | null, user = 'octocat') => ({
  action: 'synchronize',
  number: 7,
  pull_request: {
    number: 7,
    html_url: 'https://github.com/acme/widgets/pull/7',
    user: { login: user },
    head: { ref: 'feature', sha: 'a'.repeat(40), repo: headRepo === null ? null : { full_name: headRepo } },
    base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'acme/widgets' } },
  },
  repository: { full_name: 'acme/widgets', default_branch: 'main' },
});

const runnerEnv = {
  GITHUB_REPOSITORY: 'acme/widgets',
  GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
  GITHUB_SERVER_URL: 'https://ghe.example.com',
  GITHUB_RUN_ID: '1234',
  GITHUB_SHA: 'c'.repeat(40),
};

describe('the GitHub context', () => {
  it('reads a same-repository pull request', async () => {
    const context = readGitHubContext({
      ...runnerEnv,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: await payloadFile(pullRequest('acme/widgets')),
      GITHUB_HEAD_REF: 'feature',
      GITHUB_REF: 'refs/pull/7/merge',
    });
    expect(context).toMatchObject({
      eventName: 'pull_request',
      owner: 'acme',
      repo: 'widgets',
      apiUrl: 'https://ghe.example.com/api/v3',
      branch: 'feature',
      defaultBranch: 'main',
      isDependabot: false,
      runUrl: 'https://ghe.example.com/acme/widgets/actions/runs/1234',
      pullRequest: { number: 7, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), baseRef: 'main', isFork: false },
    });
  });

  it('recognises a fork (also a deleted one) and Dependabot', async () => {
    const fork = readGitHubContext({ ...runnerEnv, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: await payloadFile(pullRequest('mallory/widgets')) });
    expect(fork.pullRequest?.isFork).toBe(true);
    const gone = readGitHubContext({ ...runnerEnv, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: await payloadFile(pullRequest(null)) });
    expect(gone.pullRequest?.isFork).toBe(true);
    const bot = readGitHubContext({
      ...runnerEnv,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_ACTOR: 'dependabot[bot]',
      GITHUB_EVENT_PATH: await payloadFile(pullRequest('acme/widgets', 'dependabot[bot]')),
    });
    expect(bot.isDependabot).toBe(true);
    expect(bot.pullRequest?.isFork).toBe(false);
  });

  it('has no pull request on schedule, and the branch from GITHUB_REF on push', async () => {
    const schedule = readGitHubContext({ ...runnerEnv, GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: await payloadFile({ schedule: '0 3 * * *' }), GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ATTEMPT: '2' });
    expect(schedule.pullRequest).toBeNull();
    expect(schedule.branch).toBe('main');
    expect(schedule.runUrl).toBe('https://ghe.example.com/acme/widgets/actions/runs/1234/attempts/2');
    const tag = readGitHubContext({ ...runnerEnv, GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1' });
    expect(tag.branch).toBeNull();
  });

  it('survives a local run: no payload file, no repository', () => {
    const local = readGitHubContext({ GITHUB_EVENT_PATH: path.join(dir, 'missing.json') });
    expect(local).toMatchObject({ eventName: '', repository: '', pullRequest: null, runUrl: null, apiUrl: 'https://api.github.com' });
  });
});

describe('GitHub failures as warnings', () => {
  const httpError = (status: number, message: string) => Object.assign(new Error(`${message} - https://docs.github.com/rest`), { status, response: { status } });

  it('explains the permission each operation needs, and where the result is', () => {
    expect(describeFailure(httpError(403, 'Resource not accessible by integration'), 'comment').warning).toBe(
      'vision-gate could not post the scorecard comment (HTTP 403: Resource not accessible by integration). ' +
        'The token needs `pull-requests: write`: add `permissions:` with `pull-requests: write` to the job. ' +
        'Pull requests from forks and from Dependabot get a read-only token whatever the workflow asks, so this is expected there. ' +
        'The result is in the job summary of this run; the verdict is unchanged.',
    );
    expect(describeFailure(httpError(404, 'Not Found'), 'issue').warning).toContain('`issues: write`');
    expect(describeFailure(httpError(403, 'Forbidden'), 'commit').warning).toContain('`contents: write`');
    expect(describeFailure(httpError(401, 'Bad credentials'), 'comment').warning).toContain('github-token input was rejected');
    expect(describeFailure(httpError(502, 'Bad Gateway'), 'comment').warning).toContain('server error');
  });
});

describe('the GitHub client', () => {
  it('gives up on a GitHub API that never answers, as a warning', async () => {
    const hung = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const publisher = new GitHubPublisher({ client: createGitHubClient('t', url, 200), owner: 'acme', repo: 'widgets' });
      const started = Date.now();
      const result = await publisher.upsertStickyComment(1, stickyMarker('vision-gate.yml'), 'body');
      expect(result.action).toBe('failed');
      expect(result.warning).toContain('GitHub could not be reached');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });
});

describe('annotations', () => {
  const config = `version: 1
models:
  - id: gpt-4.1-mini
    model: gpt-4.1-mini
    base_url: https://api.example.com/v1
    api_key_env: KEY
  - id: gemini-2.5-flash
    model: gemini-2.5-flash
    base_url: https://api.example.com/v1
    api_key_env: KEY
cases:
  - id: logo_python
    image: images/python.png
    expect: { any: [python] }
  - id: logo_github
    image: images/github.png
    expect: { any: [github] }
`;
  const finding = (f: Partial<Finding>): Finding => ({ severity: 'fail', kind: 'recognition', model: null, case: null, message: 'm', numbers: {}, ...f });

  it('puts a broken case on its case line and a latency regression on its model line', () => {
    const loaded = parseConfig(config, 'vision-gate.yml', {});
    const annotations = findingAnnotations(
      {
        findings: [
          finding({ model: 'gemini-2.5-flash', case: 'logo_github', message: 'gemini-2.5-flash logo_github recognition 3/3 → 0/3' }),
          finding({ kind: 'latency', severity: 'warn', model: 'gpt-4.1-mini', message: 'gpt-4.1-mini p50 1.29 s → 1.92 s (+49%)' }),
          finding({ kind: 'image_path', model: 'gemini-2.5-flash' }),
          finding({ kind: 'coverage', severity: 'pass', model: 'gpt-4.1-mini' }),
        ],
      },
      loaded,
      'configs/vision-gate.yml',
    );
    expect(annotations.map((a) => [a.level, a.startLine, a.title])).toEqual([
      ['error', 15, 'vision-gate: recognition regression'],
      ['warning', 3, 'vision-gate: latency warning'],
      ['error', 7, 'vision-gate: image path regression'],
    ]);
    expect(annotations[0]).toMatchObject({ file: 'configs/vision-gate.yml', message: 'gemini-2.5-flash logo_github recognition 3/3 → 0/3' });
  });
});
