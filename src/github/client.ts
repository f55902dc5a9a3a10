// The Octokit the publisher uses: @actions/github's (REST methods + pagination, the runner's
// proxy settings), pointed at the run's API URL and with a time limit per request.
import { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** A hung GitHub API must not hold the job until its timeout; the result is already on disk. */
export const GITHUB_REQUEST_TIMEOUT_MS = 30_000;

export function createGitHubClient(token: string, apiUrl: string, timeoutMs = GITHUB_REQUEST_TIMEOUT_MS): GitHubClient {
  // @actions/github reads GITHUB_API_URL when it is imported; passing baseUrl keeps the context
  // (and the tests' loopback server) the single source.
  const client = getOctokit(token, { baseUrl: apiUrl, userAgent: 'vision-gate' });
  client.hook.before('request', (options) => {
    options.request = { ...options.request, signal: options.request?.signal ?? AbortSignal.timeout(timeoutMs) };
  });
  return client;
}
