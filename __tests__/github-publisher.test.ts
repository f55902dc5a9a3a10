// The GitHub publisher against a loopback fake GitHub: what a user sees on the PR, the tracking
// issue and the branch, and that every GitHub failure comes back as a warning, never a throw.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../src/github/client.ts';
import { stickyMarker } from '../src/github/marker.ts';
import { GitHubPublisher, gitBlobSha } from '../src/github/publisher.ts';
import { blobSha, startFakeGitHub, type FakeGitHub } from './helpers/github-server.ts';

let github: FakeGitHub;
const MARKER = stickyMarker('vision-gate.yml');
const publisher = (token = 'ghs_actions_token') =>
  new GitHubPublisher({ client: createGitHubClient(token, github.url), owner: 'acme', repo: 'widgets', where: 'the job summary' });
const scorecard = (text: string) => `${MARKER}\n## ✅ vision-gate passed\n\n${text}\n`;

beforeEach(async () => {
  github = await startFakeGitHub();
});
afterEach(async () => {
  await github.close();
});

describe('the sticky scorecard comment', () => {
  it('is created once, then updated in place without a second comment', async () => {
    const pr = github.addPullRequest();
    const first = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('run 1'));
    expect(first).toMatchObject({ action: 'created', warning: null });
    expect(first.url).toMatch(/\/pull\/1#issuecomment-\d+$/);
    expect(github.comments(pr.number)).toHaveLength(1);

    const second = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('run 2'));
    expect(second).toMatchObject({ action: 'updated', url: first.url, warning: null });
    expect(github.comments(pr.number)).toHaveLength(1);
    expect(github.comments(pr.number)[0]!.body).toContain('run 2');
    expect(github.calls('POST', /\/comments$/)).toHaveLength(1);
  });

  it('sends no PATCH when the body has not changed', async () => {
    const pr = github.addPullRequest();
    github.addComment(pr.number, scorecard('same'));
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('same'));
    expect(result.action).toBe('unchanged');
    expect(github.calls('PATCH', /comments/)).toHaveLength(0);
    expect(github.calls('POST', /comments/)).toHaveLength(0);
  });

  it('deletes the newer of two copies left by racing runs and keeps the oldest', async () => {
    const pr = github.addPullRequest();
    const oldest = github.addComment(pr.number, scorecard('racer A'));
    github.addComment(pr.number, 'an unrelated review comment', { login: 'octocat', type: 'User' });
    const newer = github.addComment(pr.number, scorecard('racer B'));
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('run 3'));
    expect(result).toMatchObject({ action: 'updated', duplicatesDeleted: 1 });
    expect(github.calls('DELETE', new RegExp(`/comments/${newer.id}$`))).toHaveLength(1);
    const left = github.comments(pr.number);
    expect(left.map((c) => c.id)).toEqual([oldest.id, left[1]!.id]);
    expect(left[0]!.body).toContain('run 3');
    expect(left[1]!.body).toBe('an unrelated review comment');
  });

  it('does not adopt a copy of the marker posted by a human', async () => {
    const pr = github.addPullRequest();
    const forged = github.addComment(pr.number, scorecard('✅ all good, trust me'), { login: 'mallory', type: 'User' });
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('the real result'));
    expect(result.action).toBe('created');
    expect(github.calls('PATCH', /comments/)).toHaveLength(0);
    expect(github.calls('DELETE', /comments/)).toHaveLength(0);
    expect(github.comments(pr.number).find((c) => c.id === forged.id)!.body).toContain('trust me');
    expect(github.comments(pr.number)).toHaveLength(2);
  });

  it("with a personal token, recognises the token's own login (GET /user) and still ignores others", async () => {
    await github.close();
    github = await startFakeGitHub({ tokens: { ghp_personal: { login: 'release-bot', type: 'User', canReadUser: true } } });
    const pr = github.addPullRequest();
    const own = github.addComment(pr.number, scorecard('old'), { login: 'release-bot', type: 'User' });
    github.addComment(pr.number, scorecard('forged'), { login: 'mallory', type: 'User' });
    const result = await publisher('ghp_personal').upsertStickyComment(pr.number, MARKER, scorecard('new'));
    expect(result.action).toBe('updated');
    expect(github.comments(pr.number).find((c) => c.id === own.id)!.body).toContain('new');
    expect(github.calls('GET', /^\/user$/).map((r) => r.status)).toEqual([200]);
  });

  it('keeps one comment per config file', async () => {
    const pr = github.addPullRequest();
    const other = stickyMarker('configs/nightly.yml');
    github.addComment(pr.number, `${other}\n## other config\n`);
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('main config'));
    expect(result.action).toBe('created');
    expect(github.comments(pr.number)).toHaveLength(2);
    expect(stickyMarker('a b>c.yml')).toBe('<!-- vision-gate config=a%20b%3Ec.yml -->');
  });

  it('finds its comment on page 2 of a PR with more than 100 comments', async () => {
    const pr = github.addPullRequest();
    for (let i = 0; i < 130; i += 1) github.addComment(pr.number, `chatter ${i}`, { login: 'octocat', type: 'User' });
    const ours = github.addComment(pr.number, scorecard('page two'));
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('updated'));
    expect(result.action).toBe('updated');
    expect(github.comments(pr.number).find((c) => c.id === ours.id)!.body).toContain('updated');
    const pages = github.calls('GET', /\/issues\/1\/comments$/);
    expect(pages.map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
    expect(pages.every((r) => r.query.per_page === '100')).toBe(true);
  });

  it('returns a warning naming pull-requests: write on 403, and does not throw', async () => {
    const pr = github.addPullRequest();
    github.fail({ method: 'POST', route: /\/comments$/, status: 403 });
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('x'));
    expect(result).toMatchObject({ action: 'failed', url: null });
    expect(result.warning).toContain('HTTP 403: Resource not accessible by integration');
    expect(result.warning).toContain('`pull-requests: write`');
    expect(result.warning).toContain('the job summary');
  });

  it('returns a warning on 404 and on an unreachable API', async () => {
    const result404 = await publisher().upsertStickyComment(999, MARKER, scorecard('x'));
    expect(result404.action).toBe('failed');
    expect(result404.warning).toContain('HTTP 404');
    expect(result404.warning).toContain('`pull-requests: write`');

    const dead = new GitHubPublisher({ client: createGitHubClient('t', 'http://127.0.0.1:9'), owner: 'acme', repo: 'widgets' });
    const unreachable = await dead.upsertStickyComment(1, MARKER, scorecard('x'));
    expect(unreachable.action).toBe('failed');
    expect(unreachable.warning).toContain('could not be reached');
  });

  it('on 422 retries once with the shortened body that links to the summary', async () => {
    const pr = github.addPullRequest();
    const huge = scorecard('x'.repeat(70_000));
    const result = await publisher().upsertStickyComment(pr.number, MARKER, huge, `${MARKER}\n## ✅ passed\n\n[Full scorecard](https://example.test/run)\n`);
    expect(result).toMatchObject({ action: 'created', shortened: true });
    expect(result.warning).toContain('HTTP 422');
    const posts = github.calls('POST', /\/comments$/);
    expect(posts.map((r) => r.status)).toEqual([422, 201]);
    expect(github.comments(pr.number)[0]!.body).toContain('[Full scorecard](https://example.test/run)');
  });

  it('on 422 without a given short body, posts the headline and where the result is', async () => {
    const pr = github.addPullRequest();
    github.fail({ method: 'POST', route: /\/comments$/, status: 422, times: 1 });
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('detail'));
    expect(result.shortened).toBe(true);
    const body = github.comments(pr.number)[0]!.body;
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain('## ✅ vision-gate passed');
    expect(body).toContain('it is in the job summary');
  });

  it('on a racing create, the later run folds its body into the oldest comment', async () => {
    const pr = github.addPullRequest();
    // Another run's comment lands between this run's lookup and its create.
    github.before('POST', /\/issues\/1\/comments$/, () => github.addComment(pr.number, scorecard('the other run')));
    const result = await publisher().upsertStickyComment(pr.number, MARKER, scorecard('this run'));
    expect(result).toMatchObject({ action: 'created', duplicatesDeleted: 1 });
    const left = github.comments(pr.number);
    expect(left).toHaveLength(1);
    expect(left[0]!.body).toContain('this run');
    expect(result.url).toContain(`#issuecomment-${left[0]!.id}`);
  });
});

describe('the tracking issue', () => {
  const body = (text: string) => `${MARKER}\n## ❌ vision-gate: 1 regression\n\n${text}\n`;

  it('is opened once with the vision-gate label, updated while failing, and closed with a comment', async () => {
    const opened = await publisher().upsertTrackingIssue(MARKER, 'vision-gate: regression', body('night 1'));
    expect(opened).toMatchObject({ action: 'created', number: 1, warning: null });
    expect(github.issues.get(1)).toMatchObject({ state: 'open', labels: ['vision-gate'] });
    expect(github.labels.get('vision-gate')?.description).toContain('vision-gate');

    const updated = await publisher().upsertTrackingIssue(MARKER, 'vision-gate: regression', body('night 2'));
    expect(updated).toMatchObject({ action: 'updated', number: 1 });
    expect(github.issues.size).toBe(1);
    expect(github.issues.get(1)!.body).toContain('night 2');

    const same = await publisher().upsertTrackingIssue(MARKER, 'vision-gate: regression', body('night 2'));
    expect(same.action).toBe('unchanged');

    const closed = await publisher().closeTrackingIssue(MARKER, 'vision-gate passes again in run X.');
    expect(closed).toMatchObject({ action: 'closed', number: 1 });
    expect(github.issues.get(1)).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(github.comments(1).map((c) => c.body)).toEqual(['vision-gate passes again in run X.']);

    const nothing = await publisher().closeTrackingIssue(MARKER, 'again');
    expect(nothing.action).toBe('none');
    const reopened = await publisher().upsertTrackingIssue(MARKER, 'vision-gate: regression', body('night 4'));
    expect(reopened).toMatchObject({ action: 'created', number: 2 });
  });

  it('ignores issues with the label that a human wrote, and pull requests', async () => {
    github.addIssue({ title: 'copy', body: body('forged'), labels: ['vision-gate'], user: { login: 'mallory', type: 'User' } });
    github.addPullRequest({ body: body('a PR'), labels: ['vision-gate'], user: { login: 'github-actions[bot]', type: 'Bot' } });
    const result = await publisher().upsertTrackingIssue(MARKER, 't', body('real'));
    expect(result).toMatchObject({ action: 'created', number: 3 });
  });

  it('returns a warning naming issues: write on 403', async () => {
    github.fail({ method: 'POST', route: /\/issues$/, status: 403 });
    const result = await publisher().upsertTrackingIssue(MARKER, 't', body('x'));
    expect(result.action).toBe('failed');
    expect(result.warning).toContain('`issues: write`');
  });
});

describe('commitFile', () => {
  const PATH = '.vision-gate/baseline.json';

  it('makes one PUT with the previous sha, without author or committer, so GitHub verifies it', async () => {
    github.setFile('main', PATH, '{"old":true}\n');
    const result = await publisher().commitFile(PATH, '{"new":true}\n', 'main', 'vision-gate: refresh baseline');
    expect(result).toMatchObject({ action: 'committed', attempts: 1, warning: null });
    const puts = github.calls('PUT', /\/contents\//);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.path).toBe(`/repos/acme/widgets/contents/${PATH}`);
    expect(puts[0]!.body).toMatchObject({ sha: blobSha(Buffer.from('{"old":true}\n')), branch: 'main' });
    expect(puts[0]!.body).not.toHaveProperty('author');
    expect(puts[0]!.body).not.toHaveProperty('committer');
    expect(github.getFile('main', PATH)).toBe('{"new":true}\n');
    expect(result.commitSha).toBe(github.commits[0]!.sha);
  });

  it('makes no commit when the content is unchanged', async () => {
    github.setFile('main', PATH, 'same\n');
    const result = await publisher().commitFile(PATH, 'same\n', 'main', 'm');
    expect(result).toMatchObject({ action: 'unchanged', attempts: 0 });
    expect(github.calls('PUT', /contents/)).toHaveLength(0);
  });

  it('creates a missing file without a sha', async () => {
    const result = await publisher().commitFile(PATH, 'new\n', 'main', 'm');
    expect(result.action).toBe('committed');
    expect(github.calls('PUT', /contents/)[0]!.body).not.toHaveProperty('sha');
  });

  it('retries once when another commit lands between the read and the write (409)', async () => {
    github.setFile('main', PATH, 'v1\n');
    github.before('PUT', /contents/, () => github.setFile('main', PATH, 'v2 from someone else\n'));
    const result = await publisher().commitFile(PATH, 'v3\n', 'main', 'm');
    expect(result).toMatchObject({ action: 'committed', attempts: 2 });
    const puts = github.calls('PUT', /contents/);
    expect(puts.map((r) => r.status)).toEqual([409, 200]);
    expect((puts[1]!.body as { sha: string }).sha).toBe(blobSha(Buffer.from('v2 from someone else\n')));
    expect(github.getFile('main', PATH)).toBe('v3\n');
  });

  it('gives up with a warning after repeated conflicts, and names contents: write on 403', async () => {
    github.setFile('main', PATH, 'v1\n');
    github.fail({ method: 'PUT', route: /contents/, status: 409 });
    const conflicted = await publisher().commitFile(PATH, 'v2\n', 'main', 'm');
    expect(conflicted).toMatchObject({ action: 'failed', attempts: 3 });
    expect(conflicted.warning).toContain('HTTP 409');

    await github.close();
    github = await startFakeGitHub();
    github.fail({ method: 'PUT', route: /contents/, status: 403 });
    const forbidden = await publisher().commitFile(PATH, 'v2\n', 'main', 'm');
    expect(forbidden.action).toBe('failed');
    expect(forbidden.warning).toContain('`contents: write`');
  });

  it('computes the same blob sha as GitHub', () => {
    expect(gitBlobSha('héllo\n')).toBe(blobSha(Buffer.from('héllo\n')));
    // `git hash-object` of an empty file
    expect(gitBlobSha('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });
});

describe('readFileAtRef', () => {
  it("reads the base branch's file as text, and null when it is absent", async () => {
    github.setFile('base-sha-1', '.vision-gate/baseline.json', '{"schema_version":1}\n');
    const found = await publisher().readFileAtRef('.vision-gate/baseline.json', 'base-sha-1');
    expect(found).toEqual({ content: '{"schema_version":1}\n', warning: null });
    const absent = await publisher().readFileAtRef('.vision-gate/baseline.json', 'main');
    expect(absent).toEqual({ content: null, warning: null });
  });

  it('returns a warning when the token cannot read contents', async () => {
    github.fail({ method: 'GET', route: /contents/, status: 403 });
    const result = await publisher().readFileAtRef('x.json', 'main');
    expect(result.content).toBeNull();
    expect(result.warning).toContain('`contents: read`');
  });
});
