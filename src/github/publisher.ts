// The one place that owns the token and writes to GitHub: the sticky scorecard comment, the
// tracking issue, baseline commits, and reading the base branch's baseline. Every method returns
// a result value; a GitHub failure comes back as a warning for the caller to log, never as an
// exception, so it cannot change the verdict or lose the report.
import { createHash } from 'node:crypto';
import type { GitHubContext } from './context.ts';
import { createGitHubClient, type GitHubClient } from './client.ts';
import { describeFailure, isRejectedBody, isShaConflict, statusOf, type GitHubOperation } from './errors.ts';

export const ACTIONS_BOT = 'github-actions[bot]';
export const TRACKING_LABEL = 'vision-gate';
/** Attempts at a contents PUT when someone else commits the file in between. */
export const COMMIT_ATTEMPTS = 3;

const PER_PAGE = 100;


export interface CommentResult {
  action: 'created' | 'updated' | 'unchanged' | 'failed';
  url: string | null;
  /** True when GitHub refused the full body (422) and the shortened one was posted. */
  shortened: boolean;
  /** Newer copies of the comment (from racing runs) that were deleted. */
  duplicatesDeleted: number;
  /** For the log: why it failed or what was degraded; null when all went well. */
  warning: string | null;
}

export interface IssueResult {
  action: 'created' | 'updated' | 'unchanged' | 'closed' | 'none' | 'failed';
  url: string | null;
  number: number | null;
  warning: string | null;
}

export interface CommitResult {
  action: 'committed' | 'unchanged' | 'failed';
  /** The new commit's sha. */
  commitSha: string | null;
  url: string | null;
  /** PUT requests made (more than one after a conflict). */
  attempts: number;
  warning: string | null;
}

export interface ReadResult {
  /** The file's text; null when it does not exist at that ref (or could not be read). */
  content: string | null;
  warning: string | null;
}

interface Authored {
  id: number;
  body?: string | null;
  html_url: string;
  user: { login: string; type?: string } | null;
}

interface Identity {
  logins: Set<string>;
  /** GET /user was refused (an installation token): any bot account may be ours. */
  anyBot: boolean;
}

/** The git blob sha of some text, as the contents API reports a file's sha. */
export const gitBlobSha = (content: string): string => {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
};

// GitHub keeps bodies as sent; compare without line-ending noise.
const sameBody = (a: string | null | undefined, b: string): boolean =>
  (a ?? '').replace(/\r\n/g, '\n').trimEnd() === b.replace(/\r\n/g, '\n').trimEnd();

/** A body short enough for any GitHub limit: the marker, the headline, and where the rest is. */
export function shortenedBody(body: string, marker: string, where: string): string {
  const headline = body.split('\n').find((line) => line.startsWith('## ')) ?? '## vision-gate';
  return `${marker}\n${headline}\n\nGitHub did not accept the full scorecard here; it is in ${where}.\n`;
}

export interface PublisherOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  /** Where the result can be read when a write fails, as Markdown (e.g. a link to the run). */
  where?: string;
}

export class GitHubPublisher {
  readonly #client: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;
  readonly #where: string;
  #identity: Promise<Identity> | null = null;

  constructor(options: PublisherOptions) {
    this.#client = options.client;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#where = options.where ?? 'the job summary of this run';
  }

  static fromContext(token: string, context: GitHubContext): GitHubPublisher {
    return new GitHubPublisher({
      client: createGitHubClient(token, context.apiUrl),
      owner: context.owner,
      repo: context.repo,
      where: context.runUrl ? `the job summary of this run (${context.runUrl})` : undefined,
    });
  }

  get #repoParams(): { owner: string; repo: string } {
    return { owner: this.#owner, repo: this.#repo };
  }

  #fail(error: unknown, operation: GitHubOperation): string {
    return describeFailure(error, operation, this.#where).warning;
  }

  /** Who may have written our comments: the Actions bot and the token's own account. */
  #whoAmI(): Promise<Identity> {
    this.#identity ??= (async () => {
      const logins = new Set([ACTIONS_BOT]);
      try {
        const { data } = await this.#client.rest.users.getAuthenticated();
        logins.add(data.login);
        return { logins, anyBot: false };
      } catch {
        // GITHUB_TOKEN and app installation tokens cannot read /user; the author is then a bot
        // account, which no human can post as, so a human's copy of the marker is still ignored.
        return { logins, anyBot: true };
      }
    })();
    return this.#identity;
  }

  #ours(item: Authored, marker: string, identity: Identity): boolean {
    if (!(item.body ?? '').startsWith(marker) || !item.user) return false;
    return identity.logins.has(item.user.login) || (identity.anyBot && item.user.type === 'Bot');
  }

  /** Our comments carrying `marker` on issue or PR `number`, oldest first. */
  async #markedComments(number: number, marker: string): Promise<Authored[]> {
    const identity = await this.#whoAmI();
    const all = await this.#client.paginate(this.#client.rest.issues.listComments, { ...this.#repoParams, issue_number: number, per_page: PER_PAGE });
    return all.filter((c) => this.#ours(c, marker, identity)).sort((a, b) => a.id - b.id);
  }

  /** Deletes comments; one already gone (a racing run deleted it) counts as deleted. */
  async #deleteComments(comments: readonly Authored[]): Promise<number> {
    let deleted = 0;
    for (const comment of comments) {
      try {
        await this.#client.rest.issues.deleteComment({ ...this.#repoParams, comment_id: comment.id });
        deleted += 1;
      } catch (error) {
        if (statusOf(error) === 404) deleted += 1;
        else throw error;
      }
    }
    return deleted;
  }

  /** The body to retry with after a 422: the caller's short body if it is shorter, else a minimal one. */
  #shortFor(body: string, marker: string, shortBody: string | undefined): string {
    return shortBody !== undefined && !sameBody(shortBody, body) ? shortBody : shortenedBody(body, marker, this.#where);
  }

  /** Writes `body`; when GitHub rejects it (422), writes `short` instead, once. */
  async #withShortRetry<T>(body: string, short: string, write: (text: string) => Promise<T>): Promise<{ value: T; shortened: boolean; rejected: unknown }> {
    try {
      return { value: await write(body), shortened: false, rejected: null };
    } catch (error) {
      if (!isRejectedBody(error) || sameBody(short, body)) throw error;
      return { value: await write(short), shortened: true, rejected: error };
    }
  }

  #shortWarning(rejected: unknown, operation: GitHubOperation): string {
    const status = statusOf(rejected);
    return `GitHub rejected the full ${operation === 'comment' ? 'scorecard comment' : 'tracking issue'} (HTTP ${status ?? '?'}); posted a shortened one that points to ${this.#where}.`;
  }

  /**
   * Creates or updates the one comment on PR `pr` that starts with `marker` and was written by
   * this token's account: created once, updated in place, untouched when the body is the same.
   * Copies left by racing runs are deleted, keeping the oldest (the one people may have linked).
   * `shortBody` replaces the body if GitHub rejects it (422).
   */
  async upsertStickyComment(pr: number, marker: string, body: string, shortBody?: string): Promise<CommentResult> {
    const short = this.#shortFor(body, marker, shortBody);
    let duplicatesDeleted = 0;
    try {
      const [oldest, ...newer] = await this.#markedComments(pr, marker);
      duplicatesDeleted += await this.#deleteComments(newer);
      if (oldest) {
        if (sameBody(oldest.body, body)) return { action: 'unchanged', url: oldest.html_url, shortened: false, duplicatesDeleted, warning: null };
        const updated = await this.#withShortRetry(body, short, (text) =>
          this.#client.rest.issues.updateComment({ ...this.#repoParams, comment_id: oldest.id, body: text }),
        );
        return this.#commentResult('updated', updated.value.data.html_url, updated, duplicatesDeleted);
      }
      const created = await this.#withShortRetry(body, short, (text) =>
        this.#client.rest.issues.createComment({ ...this.#repoParams, issue_number: pr, body: text }),
      );
      // A run racing this one may have created its own copy meanwhile: every run keeps the
      // oldest, deletes the rest, and puts its body on the oldest if that is not its own.
      const [first, ...others] = await this.#markedComments(pr, marker);
      duplicatesDeleted += await this.#deleteComments(others);
      let url = created.value.data.html_url;
      if (first && first.id !== created.value.data.id) {
        const text = created.shortened ? short : body;
        if (!sameBody(first.body, text)) await this.#client.rest.issues.updateComment({ ...this.#repoParams, comment_id: first.id, body: text });
        url = first.html_url;
      }
      return this.#commentResult('created', url, created, duplicatesDeleted);
    } catch (error) {
      return { action: 'failed', url: null, shortened: false, duplicatesDeleted, warning: this.#fail(error, 'comment') };
    }
  }

  #commentResult(action: 'created' | 'updated', url: string, write: { shortened: boolean; rejected: unknown }, duplicatesDeleted: number): CommentResult {
    return { action, url, shortened: write.shortened, duplicatesDeleted, warning: write.shortened ? this.#shortWarning(write.rejected, 'comment') : null };
  }

  /** Open issues labelled vision-gate that start with `marker` and are ours, oldest first. */
  async #trackingIssues(marker: string): Promise<Authored[]> {
    const identity = await this.#whoAmI();
    const all = await this.#client.paginate(this.#client.rest.issues.listForRepo, {
      ...this.#repoParams,
      state: 'open',
      labels: TRACKING_LABEL,
      per_page: PER_PAGE,
    });
    return all
      .filter((issue) => !issue.pull_request)
      .map((issue) => ({ ...issue, id: issue.number }))
      .filter((issue) => this.#ours(issue, marker, identity))
      .sort((a, b) => a.id - b.id);
  }

  async #ensureLabel(): Promise<void> {
    try {
      await this.#client.rest.issues.getLabel({ ...this.#repoParams, name: TRACKING_LABEL });
    } catch (error) {
      if (statusOf(error) !== 404) return; // creating the issue will say what is wrong
      try {
        await this.#client.rest.issues.createLabel({
          ...this.#repoParams,
          name: TRACKING_LABEL,
          color: '8250df',
          description: 'A scheduled vision-gate run found a regression',
        });
      } catch {
        // A racing run created it, or labels are read-only: GitHub still creates it with the issue.
      }
    }
  }

  /** Opens the tracking issue for `marker`, or updates the open one; newer duplicates are closed. */
  async upsertTrackingIssue(marker: string, title: string, body: string, shortBody?: string): Promise<IssueResult> {
    const short = this.#shortFor(body, marker, shortBody);
    try {
      const [oldest, ...newer] = await this.#trackingIssues(marker);
      for (const duplicate of newer) {
        await this.#client.rest.issues.update({ ...this.#repoParams, issue_number: duplicate.id, state: 'closed', state_reason: 'not_planned' });
      }
      if (oldest) {
        if (sameBody(oldest.body, body)) return { action: 'unchanged', url: oldest.html_url, number: oldest.id, warning: null };
        const updated = await this.#withShortRetry(body, short, (text) =>
          this.#client.rest.issues.update({ ...this.#repoParams, issue_number: oldest.id, title, body: text }),
        );
        return { action: 'updated', url: updated.value.data.html_url, number: oldest.id, warning: updated.shortened ? this.#shortWarning(updated.rejected, 'issue') : null };
      }
      await this.#ensureLabel();
      const created = await this.#withShortRetry(body, short, (text) =>
        this.#client.rest.issues.create({ ...this.#repoParams, title, body: text, labels: [TRACKING_LABEL] }),
      );
      const { data } = created.value;
      return { action: 'created', url: data.html_url, number: data.number, warning: created.shortened ? this.#shortWarning(created.rejected, 'issue') : null };
    } catch (error) {
      return { action: 'failed', url: null, number: null, warning: this.#fail(error, 'issue') };
    }
  }

  /** Comments on and closes the open tracking issue for `marker`, if there is one. */
  async closeTrackingIssue(marker: string, comment: string): Promise<IssueResult> {
    try {
      const open = await this.#trackingIssues(marker);
      if (open.length === 0) return { action: 'none', url: null, number: null, warning: null };
      for (const issue of open) {
        await this.#client.rest.issues.createComment({ ...this.#repoParams, issue_number: issue.id, body: comment });
        await this.#client.rest.issues.update({ ...this.#repoParams, issue_number: issue.id, state: 'closed', state_reason: 'completed' });
      }
      return { action: 'closed', url: open[0]!.html_url, number: open[0]!.id, warning: null };
    } catch (error) {
      return { action: 'failed', url: null, number: null, warning: this.#fail(error, 'issue') };
    }
  }

  /** The blob sha of `path` on `branch`, or null when the file does not exist there. */
  async #blobSha(path: string, branch: string): Promise<string | null> {
    try {
      const { data } = await this.#client.rest.repos.getContent({ ...this.#repoParams, path, ref: branch });
      if (Array.isArray(data) || data.type !== 'file') throw new Error(`${path} on ${branch} is not a file`);
      return data.sha;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /**
   * Commits `content` to `path` on `branch` through the contents API. No author or committer is
   * sent, so GitHub signs the commit as verified. The file's current sha is sent with the write
   * (optimistic concurrency); when another commit lands in between, the read and write repeat.
   * Nothing is committed when the file already has this content.
   */
  async commitFile(path: string, content: string, branch: string, message: string): Promise<CommitResult> {
    const wanted = gitBlobSha(content);
    let attempts = 0;
    try {
      for (;;) {
        const sha = await this.#blobSha(path, branch);
        if (sha === wanted) return { action: 'unchanged', commitSha: null, url: null, attempts, warning: null };
        attempts += 1;
        try {
          const { data } = await this.#client.rest.repos.createOrUpdateFileContents({
            ...this.#repoParams,
            path,
            branch,
            message,
            content: Buffer.from(content, 'utf8').toString('base64'),
            ...(sha === null ? {} : { sha }),
          });
          return { action: 'committed', commitSha: data.commit.sha ?? null, url: data.commit.html_url ?? null, attempts, warning: null };
        } catch (error) {
          if (!isShaConflict(error) || attempts >= COMMIT_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      return { action: 'failed', commitSha: null, url: null, attempts, warning: this.#fail(error, 'commit') };
    }
  }

  /**
   * The open pull request whose head is commit `sha` (preferring one from `branch`), for
   * `comment: always` on events that carry no pull request, such as a push to a PR's branch.
   */
  async pullRequestForCommit(sha: string, branch: string | null): Promise<{ number: number | null; warning: string | null }> {
    try {
      const { data } = await this.#client.rest.repos.listPullRequestsAssociatedWithCommit({ ...this.#repoParams, commit_sha: sha, per_page: PER_PAGE });
      const open = data.filter((pr) => pr.state === 'open');
      const pick = open.find((pr) => pr.head.ref === branch) ?? open[0];
      return { number: pick?.number ?? null, warning: null };
    } catch (error) {
      return { number: null, warning: this.#fail(error, 'comment') };
    }
  }

  /** The text of `path` at `ref` (a branch or a commit sha); null content when it is absent. */
  async readFileAtRef(path: string, ref: string): Promise<ReadResult> {
    try {
      const { data } = await this.#client.rest.repos.getContent({ ...this.#repoParams, path, ref, mediaType: { format: 'raw' } });
      // The raw format answers with the text; a directory still comes back as a JSON listing.
      return { content: typeof data === 'string' ? data : null, warning: null };
    } catch (error) {
      if (statusOf(error) === 404) return { content: null, warning: null };
      return { content: null, warning: this.#fail(error, 'read') };
    }
  }
}
