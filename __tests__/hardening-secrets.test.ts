// API keys (and the other credentials a model's settings can carry: a token header, a key in the
// base URL's query) never appear in anything vision-gate writes, even when a provider quotes the
// whole request back in its error; nothing from the environment meant for OpenAI goes to other
// providers; a redirect never carries them elsewhere; and plain http to another host is refused.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEngine } from '../src/engine.ts';
import { UserError } from '../src/errors.ts';
import { renderScorecard } from '../src/render/markdown.ts';
import { displayUrl, redact, secretsOf } from '../src/secrets.ts';
import { cli } from './helpers/cli.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };

let suite: Suite | null = null;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
  for (const close of closers.splice(0)) await close();
});

const GATEWAY_TOKEN = 'gw-token-7f3a9c21e8';
const QUERY_KEY = 'AIzaQueryKey-55aa66bb';

/** Both models behind a gateway URL with a key in its query and a token header, from the environment. */
const GATEWAY_CONFIG = TWO_MODEL_CONFIG()
  .replaceAll('base_url: ${SIM_URL}', 'base_url: "${SIM_URL}?key=${GW_QUERY_KEY}"\n    headers: { X-Gateway-Token: "${GW_TOKEN}", X-Title: vision-gate }');

describe('a provider that quotes the request back in its error', () => {
  it('never gets a key, token or query key into the report, the scorecard, the baseline or the terminal', async () => {
    suite = await makeSuite({
      'gpt-4.1-mini': { vision: 'sees', script: ['echo'] },
      'gemini-2.5-flash': { vision: 'sees', script: ['echo'] },
    });
    await suite.write('vision-gate.yml', GATEWAY_CONFIG);
    const env = { ...suite.env, GW_TOKEN: GATEWAY_TOKEN, GW_QUERY_KEY: QUERY_KEY };
    const run = await cli(['run', '--mode', 'update-baseline', '--json', 'r.json', '--markdown', 's.md'], { dir: suite.dir, env });
    expect(run.code, run.stderr).toBe(0);
    // The echo really happened, and really quoted the credentials, which were then hidden.
    const report = JSON.parse(await readFile(path.join(suite.dir, 'r.json'), 'utf8')) as { trials: { error_message: string | null }[] };
    const echoed = report.trials.map((t) => t.error_message).filter((m): m is string => m !== null);
    expect(echoed).toHaveLength(2);
    for (const message of echoed) {
      expect(message).toMatch(/authorization: Bearer \*\*\*/);
      expect(message).toMatch(/x-gateway-token: \*\*\*/);
      expect(message).toMatch(/key=\*\*\*/);
    }
    const everything = [
      run.stdout,
      run.stderr,
      await readFile(path.join(suite.dir, 'r.json'), 'utf8'),
      await readFile(path.join(suite.dir, 's.md'), 'utf8'),
      await readFile(path.join(suite.dir, '.vision-gate', 'baseline.json'), 'utf8'),
    ].join('\n');
    for (const secret of [suite.env.SIM_KEY, GATEWAY_TOKEN, QUERY_KEY, encodeURIComponent(QUERY_KEY)]) expect(everything).not.toContain(secret);
    // The route recorded for the gate is the host alone.
    expect(everything).toMatch(/"host": "127\.0\.0\.1:\d+"/);
  });

  it('hides the key when the provider quotes it in a 200 that is not a chat completion, too', async () => {
    const server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`debug: got ${request.headers.authorization} for ${request.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    suite = await makeSuite({});
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1?key=${QUERY_KEY}`;
    const file = await suite.write('vision-gate.yml', TWO_MODEL_CONFIG().replaceAll('base_url: ${SIM_URL}', `base_url: "${base}"`));
    const { report } = await runEngine({ configPath: file, mode: 'report', env: suite.env, cwd: suite.dir, log: quiet });
    const message = report.trials[0]!.error_message!;
    expect(message).toMatch(/^the body is not JSON: "debug: got Bearer \*\*\* for \/v1\/chat\/completions\?key=\*\*\*"$/);
    const written = JSON.stringify(report) + renderScorecard(report);
    expect(written).not.toContain(suite.env.SIM_KEY);
    expect(written).not.toContain(QUERY_KEY);
  });
});

describe('a model that repeats the key in its answer', () => {
  it('has it hidden in the answer before the answer is judged, stored or shown', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    suite.simulator.setBehaviour('gpt-4.1-mini', { vision: 'sees', answer: `The Python logo. (debug: Authorization: Bearer ${suite.env.SIM_KEY})` });
    const file = await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const { report } = await runEngine({ configPath: file, mode: 'report', env: suite.env, cwd: suite.dir, log: quiet });
    const answer = report.trials.find((t) => t.model === 'gpt-4.1-mini' && t.case === 'logo_python')!;
    expect(answer).toMatchObject({ verdict: 'pass', answer: 'The Python logo. (debug: Authorization: Bearer ***)' });
    expect(JSON.stringify(report) + renderScorecard(report)).not.toContain(suite.env.SIM_KEY);
  });
});

describe('what is sent to a provider', () => {
  it('is the model’s key and its configured headers, never OpenAI settings from the environment', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const env = {
      ...suite.env,
      // What a workflow may export for its OpenAI steps; none of it is for the simulator here.
      OPENAI_API_KEY: 'sk-openai-real-key-0001',
      OPENAI_ORG_ID: 'org-leak',
      OPENAI_PROJECT_ID: 'proj-leak',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      OPENAI_CUSTOM_HEADERS: 'X-Leak: yes\nAuthorization: Bearer sk-openai-real-key-0001',
      OPENAI_LOG: 'debug',
    };
    const run = await cli(['run', '--mode', 'report', '--json', 'r.json'], { dir: suite.dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(suite.simulator.stats.requests).toBe(14);
    const sent = suite.simulator.stats.last!.headers;
    expect(sent.authorization).toBe(`Bearer ${suite.env.SIM_KEY}`);
    expect(Object.keys(sent).filter((name) => /openai|leak/i.test(name))).toEqual([]);
    expect(`${run.stdout}${run.stderr}`).not.toContain('sk-openai-real-key');
  });

  it('never follows a redirect: the key, headers and image stay with the configured host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"choices":[{"message":{"content":"Python"}}]}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => elsewhere.close(() => resolve())));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/collect/chat/completions?session=abc123secret`;
    suite = await makeSuite({
      'gpt-4.1-mini': { vision: 'sees', faultRates: { redirect: 1 }, redirectTo: target },
      'gemini-2.5-flash': { vision: 'sees' },
    });
    const file = await suite.write('vision-gate.yml', GATEWAY_CONFIG);
    const env = { ...suite.env, GW_TOKEN: GATEWAY_TOKEN, GW_QUERY_KEY: QUERY_KEY };
    const { report } = await runEngine({ configPath: file, mode: 'report', env, cwd: suite.dir, log: quiet });
    expect(seen).toEqual([]);
    const redirected = report.trials.filter((t) => t.model === 'gpt-4.1-mini');
    expect(redirected.every((t) => t.verdict === 'error' && t.status === 307 && t.attempts.length === 1)).toBe(true);
    expect(redirected[0]!.error_message).toMatch(
      /^HTTP 307 redirect to http:\/\/127\.0\.0\.1:\d+\/collect\/chat\/completions\?session=\*\*\*; API calls are never redirected/,
    );
  });
});

describe('plain http', () => {
  const attempt = async (baseUrl: string, allow = false) => {
    const s = suite!;
    const file = await s.write(
      'vision-gate.yml',
      TWO_MODEL_CONFIG().replace('base_url: ${SIM_URL}', `base_url: "${baseUrl}"${allow ? '\n    allow_insecure_http: true' : ''}`),
    );
    return runEngine({ configPath: file, mode: 'report', env: s.env, cwd: s.dir, log: quiet }).then(
      () => null,
      (error: unknown) => error,
    );
  };

  it.each([
    ['another host', 'http://models.example.com/v1'],
    ['a host that only starts like localhost', 'http://localhost.vision-gate.invalid/v1'],
    ['a name that embeds a loopback address', 'http://127.0.0.1.vision-gate.invalid/v1'],
    ['a host behind user info that looks like localhost', 'http://localhost@models.example.com/v1'],
  ])('to %s is refused before any request, naming the model', async (_name, baseUrl) => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const error = await attempt(baseUrl);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/model gpt-4\.1-mini would send its API key over plain http to .*allow_insecure_http: true/);
    expect(suite.simulator.stats.requests).toBe(0);
  });

  it('shows the refused URL without its user info or query values', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const error = (await attempt('http://admin:hunter2@models.example.com/v1?key=sk-in-query-123#frag-secret')) as UserError;
    expect(error.message).toContain('http://models.example.com/v1?key=***');
    expect(error.message).not.toMatch(/hunter2|sk-in-query|frag-secret/);
  });

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/v1`],
    ['localhost', (port: number) => `http://localhost:${port}/v1`],
  ])('to loopback (%s) is allowed, as for a local Ollama or vLLM', async (_name, url) => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    const port = Number(new URL(suite.simulator.baseUrl).port);
    expect(await attempt(url(port))).toBeNull();
    expect(suite.simulator.stats.byModel['gpt-4.1-mini']).toBeGreaterThan(0);
  });

  it('to another host is allowed only with allow_insecure_http: true on that model', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    expect(await attempt('http://models.vision-gate.invalid/v1', true)).toBeNull();
  });
});

describe('the secrets of a model’s settings', () => {
  it('are its key, user info and credential-like query values in the base URL, and credential-like header values', () => {
    const secrets = secretsOf({
      apiKey: 'sk-main-key-1234',
      baseUrl: 'https://botuser:p%40ss-word@gw.example/v1?key=AIza-abc-123&api-version=2024-06-01&sig=sv%2Bsig',
      headers: { Authorization: 'Bearer tok-from-header-9', 'api-key': 'azure-key-77', 'X-Title': 'my-app', 'X-Team': 'vision' },
    });
    expect(secrets.sort()).toEqual(['AIza-abc-123', 'Bearer tok-from-header-9', 'azure-key-77', 'botuser', 'p@ss-word', 'sk-main-key-1234', 'sv+sig', 'tok-from-header-9'].sort());
  });

  it('are hidden as written, URL-encoded and JSON-escaped', () => {
    const key = 'sk/with+odd=chars"1';
    const text = `raw ${key} · url ${encodeURIComponent(key)} · json ${JSON.stringify({ k: key })} · php ${JSON.stringify(key).replace(/\//g, '\\/')}`;
    const out = redact(text, [key]);
    expect(out).not.toContain('sk/with');
    expect(out).not.toContain('sk%2Fwith');
    expect(out).not.toContain('sk\\/with');
    expect(out.match(/\*\*\*/g)).toHaveLength(4);
  });

  it('are left out of displayed URLs, fragment included', () => {
    expect(displayUrl('https://u:p@h.example/v1?key=abc&x=1#tok')).toBe('https://h.example/v1?key=***&x=***');
  });
});
