// GitHub API failures turned into warnings a user can act on: what could not be done, why (the
// status GitHub gave), which workflow permission fixes it, and where the result is instead.
// A failure here never becomes the verdict; the publisher returns these as values.

/** What vision-gate was doing when GitHub refused, and the permission that operation needs. */
export type GitHubOperation = 'comment' | 'issue' | 'commit' | 'read';

const WHAT: Record<GitHubOperation, string> = {
  comment: 'post the scorecard comment',
  issue: 'open or update the tracking issue',
  commit: 'commit the baseline file',
  read: "read the base branch's baseline",
};

const PERMISSION: Record<GitHubOperation, string> = {
  comment: 'pull-requests: write',
  issue: 'issues: write',
  commit: 'contents: write',
  read: 'contents: read',
};

export interface GitHubFailure {
  operation: GitHubOperation;
  /** The HTTP status, or null when no response arrived. */
  status: number | null;
  /** GitHub's own message, without its documentation link. */
  detail: string;
  /** The warning for the log: what failed, why, what to do, where the result is. */
  warning: string;
}

/** The HTTP status of an Octokit error, or null for network failures and non-HTTP errors. */
export function statusOf(error: unknown): number | null {
  if (error === null || typeof error !== 'object') return null;
  const { status, response } = error as { status?: unknown; response?: unknown };
  // Octokit reports a network failure or timeout as status 500 without a response.
  if (response === undefined || response === null) return null;
  return typeof status === 'number' && status > 0 ? status : null;
}

function detailOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Octokit appends " - https://docs.github.com/…"; the status and our advice say more.
  return message.replace(/ - https:\/\/docs\.github\.com\S*$/, '').replace(/\s+/g, ' ').trim().slice(0, 300);
}

function advice(operation: GitHubOperation, status: number | null): string {
  const permission = `\`${PERMISSION[operation]}\``;
  switch (status) {
    case 401:
      return 'The github-token input was rejected; check that it is set and has not expired.';
    case 403:
    case 404:
      return (
        `The token needs ${permission}: add \`permissions:\` with ${permission} to the job. ` +
        'Pull requests from forks and from Dependabot get a read-only token whatever the workflow asks, so this is expected there.'
      );
    case 409:
      return operation === 'commit' ? 'The branch moved while committing (or it is protected); re-run the job.' : 'GitHub reported a conflict; re-run the job.';
    case 422:
      return operation === 'commit'
        ? 'GitHub rejected the change (a protected branch, or a required status check or signature rule).'
        : 'GitHub rejected the content.';
    case null:
      return 'GitHub could not be reached.';
    default:
      return status >= 500 ? 'GitHub had a server error; re-run the job.' : 'See the detail above.';
  }
}

/** Classifies an API error from `operation`; `where` says where the result can be read instead. */
export function describeFailure(error: unknown, operation: GitHubOperation, where = 'the job summary of this run'): GitHubFailure {
  const status = statusOf(error);
  const detail = detailOf(error);
  const because = status === null ? detail : `HTTP ${status}: ${detail}`;
  const warning = `vision-gate could not ${WHAT[operation]} (${because}). ${advice(operation, status)} The result is in ${where}; the verdict is unchanged.`;
  return { operation, status, detail, warning };
}

/** A 422 on a comment or issue body is worth one retry with a shorter body. */
export const isRejectedBody = (error: unknown): boolean => statusOf(error) === 422;

/** A 409, or a 422 about the sha: someone else committed the file between our read and write. */
export const isShaConflict = (error: unknown): boolean => {
  const status = statusOf(error);
  return status === 409 || (status === 422 && /\bsha\b/i.test(detailOf(error)));
};
