// The bundled action (dist/index.js) run as the runner runs it, on real-shaped events, with the
// simulator as the models and a loopback fake GitHub as the API: what a user sees on the PR, in
// the job summary, in the tracking issue and on the branch.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stickyMarker } from '../src/github/marker.ts';
import { ReportSchema } from '../src/report/schema.ts';
import { runAction, type ActionRun } from './helpers/action.ts';
import { pullRequestEvent, pushEvent, scheduleEvent, type RunnerEvent } from './helpers/events.ts';
import { startFakeGitHub, type FakeGitHub } from './helpers/github-server.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

let suite: Suite | null = null;
let github: FakeGitHub | null = null;
afterEach(async () => {
  await suite?.cleanup();
  await github?.close();
  suite = null;
  github = null;
});

const TOKEN = 'ghs_0123456789abcdefghijklmnopqrstuvwxyz';
const MARKER = stickyMarker('vision-gate.yml');
const BASELINE = '.vision-gate/baseline.json';

async function setUp(models: Parameters<typeof makeSuite>[0], config = TWO_MODEL_CONFIG()): Promise<{ suite: Suite; github: FakeGitHub }> {
  suite = await makeSuite(models);
  github = await startFakeGitHub();
  await suite.write('vision-gate.yml', config);
  return { suite, github };
}

function act(
  on: RunnerEvent,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction({
    dir: suite!.dir,
    inputs: { 'github-token': TOKEN, ...inputs },
    env: { ...suite!.env, ...on.env, ...env },
    event: on.event,
    apiUrl: github!.url,
  });
}

const lines = (run: ActionRun) => run.stdout.split('\n');
const indexOf = (run: ActionRun, pattern: RegExp) => lines(run).findIndex((line) => pattern.test(line));

describe('the action on pull_request', () => {
  it('creates one sticky comment on the first run and updates that same comment on the second', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const pr = github.addPullRequest();
    const first = await act(pullRequestEvent({ number: pr.number }));
    expect(first.code).toBe(0);
    const comments = github.comments(pr.number);
    expect(comments).toHaveLength(1);
    expect(first.outputs['comment-url']).toBe(`https://github.com/acme/widgets/pull/1#issuecomment-${comments[0]!.id}`);
    const body = comments[0]!.body;
    expect(body.startsWith(`${MARKER}\n## ✅ vision-gate passed`)).toBe(true);
    // The footer names the PR's head commit (not the merge commit the runner checked out) and the run.
    expect(body).toContain('commit [f00dfee](https://github.com/acme/widgets/commit/f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed)');
    expect(body).toContain('[workflow run](https://github.com/acme/widgets/actions/runs/42)');
    expect(first.summary).toContain('## ✅ vision-gate passed');
    expect(first.summary).not.toContain(MARKER);
    expect(first.stdout).toContain('vision-gate: scorecard comment created');

    const second = await act(pullRequestEvent({ number: pr.number, headSha: 'abcdef0'.padEnd(40, '1') }), {}, { GITHUB_RUN_ID: '43' });
    expect(second.code).toBe(0);
    expect(github.comments(pr.number)).toHaveLength(1);
    expect(github.comments(pr.number)[0]!.id).toBe(comments[0]!.id);
    expect(github.comments(pr.number)[0]!.body).toContain('actions/runs/43');
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
    expect(github.calls('POST', /\/issues\/\d+\/comments$/)).toHaveLength(1);
    expect(github.calls('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(1);
    // The token went to the API as the Authorization header, and nowhere into the outputs.
    expect(github.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(second.outputs) + second.summary).not.toContain(TOKEN);
  });

  it('fails the step on a regression only after the summary and the comment are written, with annotations on the config', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'blind' } });
    const pr = github.addPullRequest();
    const run = await act(pullRequestEvent({ number: pr.number }));
    expect(run.code).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(run.summary).toContain('gemini-2.5-flash');
    const body = github.comments(pr.number)[0]!.body;
    expect(body).toMatch(/^<!-- vision-gate config=vision-gate\.yml -->\n## ❌ vision-gate failed/);
    expect(run.outputs['comment-url']).toContain('#issuecomment-');
    const failedAt = indexOf(run, /^::error::vision-gate: \d+ regressions?; see the job summary\.$/);
    expect(failedAt).toBeGreaterThan(indexOf(run, /scorecard comment created/));
    expect(failedAt).toBe(lines(run).filter((l) => l !== '').length - 1);
    // gemini-2.5-flash is the second model: its `- id:` line is line 12 of the config.
    expect(run.stdout).toMatch(/^::error title=vision-gate%3A image path regression,file=vision-gate\.yml,line=12,col=\d+::gemini-2\.5-flash image path/m);
  });

  it('keeps the verdict and the summary when commenting is forbidden (403), with a warning naming the permission', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const pr = github.addPullRequest();
    github.fail({ method: 'POST', route: /\/issues\/\d+\/comments$/, status: 403 });
    const passing = await act(pullRequestEvent({ number: pr.number }));
    expect(passing.code).toBe(0);
    expect(passing.outputs.passed).toBe('true');
    expect(passing.outputs['comment-url']).toBe('');
    expect(passing.stdout).toMatch(/^::warning::vision-gate could not post the scorecard comment \(HTTP 403: Resource not accessible by integration\)\. The token needs `pull-requests: write`/m);
    expect(passing.summary).toContain('## ✅ vision-gate passed');
    expect(passing.summary).toContain('could not post the scorecard comment');

    suite!.simulator.setBehaviour('gemini-2.5-flash', { vision: 'blind' });
    const failing = await act(pullRequestEvent({ number: pr.number }));
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^::error::vision-gate: \d+ regressions?/m);
    expect(failing.summary).toContain('❌');
  });

  it('passes a fork PR without keys as skipped, and degrades the read-only token to a warning', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'blind' } });
    const pr = github.addPullRequest();
    // What GitHub gives a fork: no secrets, a token that cannot write.
    github.fail({ method: 'POST', route: /comments$/, status: 403 });
    const run = await act(pullRequestEvent({ number: pr.number, headRepo: 'mallory/widgets' }), {}, { SIM_KEY: '' });
    expect(run.code).toBe(0);
    expect(run.outputs.passed).toBe('true');
    expect(run.stdout).toMatch(/^::notice::vision-gate: pull request from a fork/m);
    expect(run.stdout).toMatch(/^::notice::vision-gate: model gpt-4\.1-mini skipped: the environment variable SIM_KEY is empty or not set/m);
    expect(run.stdout).toMatch(/^::warning::vision-gate could not post the scorecard comment \(HTTP 403/m);
    const report = ReportSchema.parse(JSON.parse(await readFile(run.outputs.report!, 'utf8')));
    expect(report.models.map((m) => m.verdict)).toEqual(['skipped', 'skipped']);
    expect(run.summary).toContain('SIM_KEY is not set');
  });

  it('posts a shortened comment that links to the summary when GitHub rejects the body (422)', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const pr = github.addPullRequest();
    github.fail({ method: 'POST', route: /comments$/, status: 422, times: 1 });
    const run = await act(pullRequestEvent({ number: pr.number }));
    expect(run.code, run.stdout).toBe(0);
    const [comment] = github.comments(pr.number);
    // The full scorecard is short here, so the retry is the minimal body: headline and where the rest is.
    expect(comment!.body).toBe(
      `${MARKER}\n## ✅ vision-gate passed\n\nGitHub did not accept the full scorecard here; it is in the job summary of this run (https://github.com/acme/widgets/actions/runs/42).\n`,
    );
    expect(run.outputs['comment-url']).toContain(`#issuecomment-${comment!.id}`);
    expect(run.stdout).toMatch(/^::warning::GitHub rejected the full scorecard comment \(HTTP 422\)/m);
  });

  it('says prominently when the PR changes the baseline, with accuracy and p50 from the base branch and the PR', async () => {
    const { suite, github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    // The base branch's baseline: both models see the image.
    const refresh = await act(pushEvent(), { mode: 'update-baseline' });
    expect(refresh.code).toBe(0);
    const baseFile = await readFile(path.join(suite.dir, BASELINE), 'utf8');
    const pr = github.addPullRequest();
    const event = pullRequestEvent({ number: pr.number });
    github.setFile((event.event.payload as { pull_request: { base: { sha: string } } }).pull_request.base.sha, BASELINE, baseFile);

    // The PR re-records the baseline with gemini blind, accepting 0/6.
    suite.simulator.setBehaviour('gemini-2.5-flash', { vision: 'blind' });
    expect((await act(pushEvent('feature/new-route'), { mode: 'update-baseline' })).code).toBe(0);
    const run = await act(event, { mode: 'report' });
    expect(run.code).toBe(0);
    // Report mode never enforces: the regression is annotated as a warning, not an error.
    expect(run.stdout).toMatch(/^::warning title=vision-gate%3A image path regression,file=vision-gate\.yml,/m);
    expect(run.stdout).not.toMatch(/^::error/m);
    const body = github.comments(pr.number)[0]!.body;
    expect(body).toContain('**This pull request changes the baseline** `.vision-gate/baseline.json`');
    expect(body).toMatch(/\| ⚠️ gemini-2\.5-flash \| 100% \(6\/6\) → 0% \(0\/6\) \| [\d.]+ (ms|s) → [\d.]+ (ms|s)/);
    expect(body).toMatch(/\| gpt-4\.1-mini \| 100% \(6\/6\) → 100% \(6\/6\) \|/);
    expect(run.summary).toContain('This pull request changes the baseline');
    expect(body.indexOf('changes the baseline')).toBeLessThan(body.indexOf('### Models'));
    expect(github.calls('GET', /\/contents\//).map((r) => r.query.ref)).toEqual([(event.event.payload as { pull_request: { base: { sha: string } } }).pull_request.base.sha]);

    // The same file on both sides: no block.
    github.setFile('ba5eba5eba5eba5eba5eba5eba5eba5eba5eba5e', BASELINE, await readFile(path.join(suite.dir, BASELINE), 'utf8'));
    await act(event, { mode: 'report' });
    expect(github.comments(pr.number)[0]!.body).not.toContain('changes the baseline');
  });

  it('with comment: always, comments on the open PR of a pushed commit; with never, does not comment', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const sha = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff';
    const pr = github.addPullRequest({ headSha: sha, headRef: 'feature/x' });
    const never = await act(pullRequestEvent({ number: pr.number }), { comment: 'never' });
    expect(never.outputs['comment-url']).toBe('');
    expect(github.comments(pr.number)).toHaveLength(0);
    const always = await act(pushEvent('feature/x', sha), { comment: 'always' });
    expect(github.comments(pr.number)).toHaveLength(1);
    expect(always.outputs['comment-url']).toContain('/pull/1#issuecomment-');
    const auto = await act(pushEvent('feature/x', sha));
    expect(auto.outputs['comment-url']).toBe('');
  });
});

describe('the action on schedule', () => {
  it('opens one tracking issue when the gate fails, updates it on the next failure, and closes it when a run passes', async () => {
    const { suite, github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'blind' } });
    const first = await act(scheduleEvent(), {}, { GITHUB_RUN_ID: '100' });
    expect(first.code).toBe(1);
    expect(github.issues.size).toBe(1);
    const issue = github.issues.get(1)!;
    expect(issue).toMatchObject({ state: 'open', labels: ['vision-gate'], user: { login: 'github-actions[bot]' } });
    expect(issue.title).toMatch(/^vision-gate: \d+ regressions? in vision-gate\.yml$/);
    expect(issue.body.startsWith(`${MARKER}\n## ❌`)).toBe(true);
    expect(first.summary).toContain('Tracking issue opened: https://github.com/acme/widgets/issues/1');

    const second = await act(scheduleEvent(), {}, { GITHUB_RUN_ID: '101' });
    expect(second.code).toBe(1);
    expect(github.issues.size).toBe(1);
    expect(github.issues.get(1)!.body).toContain('actions/runs/101');
    expect(github.calls('POST', /\/issues$/)).toHaveLength(1);

    suite.simulator.setBehaviour('gemini-2.5-flash', { vision: 'sees' });
    const passing = await act(scheduleEvent(), {}, { GITHUB_RUN_ID: '102' });
    expect(passing.code).toBe(0);
    expect(github.issues.get(1)).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(github.comments(1).map((c) => c.body)).toEqual([
      expect.stringMatching(/^✅ vision-gate passes again \(\[workflow run\]\(https:\/\/github\.com\/acme\/widgets\/actions\/runs\/102\), commit 0123456\)/),
    ]);
    expect(passing.summary).toContain('Tracking issue closed');
    expect(github.comments(1)).toHaveLength(1);
  });

  it('does not close the issue on a pass in which no model ran', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'blind' } });
    await act(scheduleEvent());
    const run = await act(scheduleEvent(), {}, { SIM_KEY: '' });
    expect(run.code).toBe(0);
    expect(github.issues.get(1)!.state).toBe('open');
    expect(run.stdout).toContain('a tracking issue, if open, stays open');
  });

  it('warns naming issues: write when the token cannot open the issue, and still fails on the gate', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'blind' } });
    github.fail({ method: 'POST', route: /\/issues$/, status: 403 });
    const run = await act(scheduleEvent());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::warning::vision-gate could not open or update the tracking issue \(HTTP 403.*`issues: write`/m);
  });
});

describe('the action in update-baseline mode', () => {
  it('with commit-baseline, makes one PUT with the previous sha, and none when the branch already has the content', async () => {
    const { suite, github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    github.setFile('main', BASELINE, '{"schema_version":1,"an":"older baseline"}\n');
    const run = await act(pushEvent(), { mode: 'update-baseline', 'commit-baseline': 'true' });
    expect(run.code).toBe(0);
    const puts = github.calls('PUT', /\/contents\//);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.path).toBe(`/repos/acme/widgets/contents/${BASELINE}`);
    expect(puts[0]!.body).toMatchObject({ branch: 'main', sha: expect.stringMatching(/^[0-9a-f]{40}$/), message: `vision-gate: refresh baseline ${BASELINE}` });
    expect(puts[0]!.body).not.toHaveProperty('author');
    expect(puts[0]!.body).not.toHaveProperty('committer');
    const written = await readFile(path.join(suite.dir, BASELINE), 'utf8');
    expect(github.getFile('main', BASELINE)).toBe(written);
    expect(run.outputs['baseline-commit']).toBe(github.commits[0]!.sha);
    expect(run.outputs.baseline).toBe(path.join(suite.dir, BASELINE));
    expect(run.summary).toContain('Baseline committed to main');

    // A re-run whose branch already holds exactly the file it writes (e.g. after a lost response).
    github.before('GET', /\/contents\//, () => {
      github!.setFile('main', BASELINE, readFileSync(path.join(suite.dir, BASELINE), 'utf8'));
    });
    const again = await act(pushEvent(), { mode: 'update-baseline', 'commit-baseline': 'true' });
    expect(again.code).toBe(0);
    expect(github.calls('PUT', /\/contents\//)).toHaveLength(1);
    expect(again.outputs['baseline-commit']).toBe('');
    expect(again.stdout).toContain('already has this content; nothing committed');
  });

  it('without commit-baseline, writes the file and says where, touching nothing on GitHub', async () => {
    const { suite, github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const run = await act(pushEvent(), { mode: 'update-baseline' });
    expect(run.code).toBe(0);
    expect(run.outputs.baseline).toBe(path.join(suite.dir, BASELINE));
    expect(run.stdout).toContain(`vision-gate: baseline written to ${BASELINE}`);
    expect(github.requests).toHaveLength(0);
  });

  it('warns naming contents: write when the commit is refused', async () => {
    const { github } = await setUp({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    github.fail({ method: 'PUT', route: /contents/, status: 403 });
    const run = await act(pushEvent(), { mode: 'update-baseline', 'commit-baseline': 'true' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^::warning::vision-gate could not commit the baseline file \(HTTP 403.*`contents: write`/m);
  });
});

describe('a scorecard too long for a comment', () => {
  it('is folded below 65,536 characters with valid Markdown, while the summary keeps the detail', async () => {
    const cases = Array.from(
      { length: 150 },
      (_, i) => `  - id: case_${String(i).padStart(3, '0')}_a_long_descriptive_case_identifier\n    image: images/python.png\n    expect: { any: [python] }\n`,
    ).join('');
    const models = ['gpt-4.1-mini', 'gemini-2.5-flash']
      .map((id) => `  - id: ${id}\n    model: ${id}\n    base_url: \${SIM_URL}\n    api_key_env: SIM_KEY\n`)
      .join('');
    const config = `version: 1\nruns: 1\nconcurrency: 8\ntimeout_ms: 5000\nretries: 0\ndefaults: { max_tokens: 500 }\nmodels:\n${models}cases:\n${cases}`;
    const shapes = 'It has a blue and a yellow snake, drawn as interlocking shapes. '.repeat(6);
    // gemini answers wrong every time, so its 150 long sample answers are kept as long as they fit.
    const { github } = await setUp(
      { 'gpt-4.1-mini': { vision: 'sees', answer: `This is the python logo. ${shapes}` }, 'gemini-2.5-flash': { vision: 'sees', answer: `A java logo, <b>@octocat</b>. ${shapes}` } },
      config,
    );
    const pr = github.addPullRequest();
    const run = await act(pullRequestEvent({ number: pr.number }), { mode: 'report' });
    expect(run.code, run.stdout).toBe(0);
    const body = github.comments(pr.number)[0]!.body;
    const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;
    expect(body.length).toBeLessThan(65_536);
    expect(run.summary.length).toBeGreaterThan(65_536);
    expect(count(body, /<details>/g)).toBe(count(body, /<\/details>/g));
    expect(count(body, /^ {0,3}(`{3,}|~{3,})/gm) % 2).toBe(0);
    expect(body).toContain('Folded to fit 65,000 characters');
    expect(body).toContain('[the job summary](https://github.com/acme/widgets/actions/runs/42)');
    expect(body.trimEnd().endsWith('</sub>')).toBe(true); // the footer survives folding
    expect(body).not.toContain('<b>');
    expect(run.summary).toContain('case\\_149\\_a\\_long\\_descriptive\\_case\\_identifier');
  });
});
