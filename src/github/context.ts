// The GitHub run context, read once from the runner's environment and the event payload into a
// typed object. Nothing else reads GITHUB_* variables or the payload file, so tests can hand the
// action any event by writing a payload and setting a few variables.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Repo = z.object({ full_name: z.string() }).loose();
const Ref = z.object({ ref: z.string(), sha: z.string(), repo: Repo.nullable().optional() }).loose();

/** The parts of a pull_request payload vision-gate uses; the rest is ignored. */
const PullRequestPayload = z
  .object({
    number: z.number().int(),
    html_url: z.string().optional(),
    user: z.object({ login: z.string() }).loose().nullable().optional(),
    head: Ref,
    base: Ref,
  })
  .loose();

const Payload = z
  .object({
    pull_request: PullRequestPayload.optional(),
    repository: z.object({ full_name: z.string(), default_branch: z.string().optional() }).loose().optional(),
  })
  .loose();

export interface PullRequestInfo {
  number: number;
  url: string | null;
  author: string | null;
  headSha: string;
  headRef: string;
  /** owner/name of the head repository; null when the fork was deleted. */
  headRepo: string | null;
  baseSha: string;
  baseRef: string;
  /** The head lives in another repository: the token is read-only and secrets are withheld. */
  isFork: boolean;
}

export interface GitHubContext {
  eventName: string;
  owner: string;
  repo: string;
  /** owner/name; empty owner and repo when GITHUB_REPOSITORY is unset (a local run). */
  repository: string;
  apiUrl: string;
  serverUrl: string;
  /** The commit the run checked out (on pull_request: the merge commit). */
  sha: string | null;
  /** The branch the run is on: the PR's head branch, or GITHUB_REF's branch; null on tags. */
  branch: string | null;
  defaultBranch: string | null;
  actor: string | null;
  pullRequest: PullRequestInfo | null;
  /** Dependabot's PRs get a read-only token and only Dependabot secrets. */
  isDependabot: boolean;
  runUrl: string | null;
  workspace: string | null;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
const DEPENDABOT = 'dependabot[bot]';

function readPayload(file: string | undefined): z.infer<typeof Payload> {
  if (!file) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // A missing or unreadable payload (a local run) means no PR details, not a failure.
    return {};
  }
  const parsed = Payload.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

const nonEmpty = (value: string | undefined): string | null => (value && value.trim() !== '' ? value.trim() : null);

export function readGitHubContext(env: Record<string, string | undefined>): GitHubContext {
  const eventName = nonEmpty(env.GITHUB_EVENT_NAME) ?? '';
  const payload = readPayload(nonEmpty(env.GITHUB_EVENT_PATH) ?? undefined);
  const repository = nonEmpty(env.GITHUB_REPOSITORY) ?? payload.repository?.full_name ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const serverUrl = (nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com').replace(/\/+$/, '');

  const pr = PULL_REQUEST_EVENTS.has(eventName) ? payload.pull_request : undefined;
  const pullRequest: PullRequestInfo | null = pr
    ? {
        number: pr.number,
        url: pr.html_url ?? null,
        author: pr.user?.login ?? null,
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        headRepo: pr.head.repo?.full_name ?? null,
        baseSha: pr.base.sha,
        baseRef: pr.base.ref,
        isFork: (pr.head.repo?.full_name ?? null) !== (pr.base.repo?.full_name ?? repository),
      }
    : null;

  const ref = nonEmpty(env.GITHUB_REF);
  const branch = pullRequest
    ? (nonEmpty(env.GITHUB_HEAD_REF) ?? pullRequest.headRef)
    : ref?.startsWith('refs/heads/')
      ? ref.slice('refs/heads/'.length)
      : null;
  const actor = nonEmpty(env.GITHUB_ACTOR);
  const runId = nonEmpty(env.GITHUB_RUN_ID);
  const attempt = nonEmpty(env.GITHUB_RUN_ATTEMPT);
  const runUrl =
    runId && repository
      ? `${serverUrl}/${repository}/actions/runs/${runId}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
      : null;

  return {
    eventName,
    owner,
    repo,
    repository,
    apiUrl,
    serverUrl,
    sha: nonEmpty(env.GITHUB_SHA),
    branch,
    defaultBranch: payload.repository?.default_branch ?? null,
    actor,
    pullRequest,
    isDependabot: actor === DEPENDABOT || pullRequest?.author === DEPENDABOT,
    runUrl,
    workspace: nonEmpty(env.GITHUB_WORKSPACE),
  };
}

/** The commit a reader of the PR recognises: the head commit, not the merge commit the run tests. */
export const displaySha = (context: GitHubContext): string | null => context.pullRequest?.headSha ?? context.sha;
