// Event payloads shaped like the ones the runner writes to GITHUB_EVENT_PATH (trimmed to the
// fields a reader would recognise), with the GITHUB_* variables that come with each event.
const REPOSITORY = 'acme/widgets';
export const MERGE_SHA = 'deadbeef'.repeat(5);

const repo = (fullName: string) => {
  const [owner, name] = fullName.split('/');
  return {
    id: fullName === REPOSITORY ? 1296269 : 7654321,
    name,
    full_name: fullName,
    private: false,
    fork: fullName !== REPOSITORY,
    owner: { login: owner, type: 'Organization' },
    html_url: `https://github.com/${fullName}`,
    default_branch: 'main',
  };
};

export interface RunnerEvent {
  event: { name: string; payload: unknown };
  env: Record<string, string>;
}

export interface PullRequestEventOptions {
  number?: number;
  headSha?: string;
  baseSha?: string;
  headRef?: string;
  /** The head repository; another full name makes it a fork PR. */
  headRepo?: string;
  author?: string;
}

export function pullRequestEvent(options: PullRequestEventOptions = {}): RunnerEvent {
  const number = options.number ?? 1;
  const headRepo = options.headRepo ?? REPOSITORY;
  const headRef = options.headRef ?? 'feature/new-route';
  const author = options.author ?? 'octocat';
  const headSha = options.headSha ?? 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';
  const baseSha = options.baseSha ?? 'ba5eba5eba5eba5eba5eba5eba5eba5eba5eba5e';
  const payload = {
    action: 'synchronize',
    number,
    pull_request: {
      url: `https://api.github.com/repos/${REPOSITORY}/pulls/${number}`,
      id: 1000 + number,
      number,
      state: 'open',
      title: 'Switch the default route to the gateway',
      html_url: `https://github.com/${REPOSITORY}/pull/${number}`,
      user: { login: author, type: author.endsWith('[bot]') ? 'Bot' : 'User' },
      draft: false,
      head: { label: `${headRepo.split('/')[0]}:${headRef}`, ref: headRef, sha: headSha, user: { login: headRepo.split('/')[0] }, repo: repo(headRepo) },
      base: { label: 'acme:main', ref: 'main', sha: baseSha, user: { login: 'acme' }, repo: repo(REPOSITORY) },
    },
    repository: repo(REPOSITORY),
    sender: { login: author, type: 'User' },
  };
  return {
    event: { name: 'pull_request', payload },
    env: {
      GITHUB_REF: `refs/pull/${number}/merge`,
      GITHUB_HEAD_REF: headRef,
      GITHUB_BASE_REF: 'main',
      GITHUB_ACTOR: author,
      // The runner checks out (and GITHUB_SHA names) the merge commit, not the head.
      GITHUB_SHA: MERGE_SHA,
    },
  };
}

export function scheduleEvent(): RunnerEvent {
  return {
    event: { name: 'schedule', payload: { schedule: '17 3 * * *', repository: repo(REPOSITORY) } },
    env: { GITHUB_REF: 'refs/heads/main', GITHUB_ACTOR: 'octocat' },
  };
}

export function pushEvent(branch = 'main', sha = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff'): RunnerEvent {
  return {
    event: {
      name: 'push',
      payload: { ref: `refs/heads/${branch}`, before: '0'.repeat(40), after: sha, repository: repo(REPOSITORY), pusher: { name: 'octocat' } },
    },
    env: { GITHUB_REF: `refs/heads/${branch}`, GITHUB_SHA: sha, GITHUB_ACTOR: 'octocat' },
  };
}
