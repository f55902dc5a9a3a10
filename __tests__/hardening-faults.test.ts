// Provider faults over real HTTP on 127.0.0.1: every way a chat/completions endpoint can go wrong
// becomes the right verdict on the request it hit, the rest of the run goes on, and the
// scorecard says what happened. Nothing crashes, nothing is buffered without limit.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marked, type Token, type Tokens } from 'marked';
import { afterEach, describe, expect, it } from 'vitest';
import { runEngine } from '../src/engine.ts';
import { isBalanced } from '../src/render/blocks.ts';
import { renderScorecard } from '../src/render/markdown.ts';
import { renderTerminal } from '../src/render/terminal.ts';
import { createModelClient, type ChatRequest } from '../src/run/client.ts';
import type { RetryPolicy } from '../src/run/retry.ts';
import { startSimulator, type Fault, type ModelBehaviour, type Simulator } from '../src/simulator/server.ts';
import { makeSuite, type Suite } from './helpers/suite.ts';

const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };
const MiB = 1024 * 1024;

let suite: Suite | null = null;
let simulator: Simulator | null = null;
afterEach(async () => {
  await suite?.cleanup();
  await simulator?.close();
  suite = null;
  simulator = null;
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const modelLine = (id: string, baseUrl = '${SIM_URL}') => `  - { id: ${id}, model: ${id}, base_url: "${baseUrl}", api_key_env: SIM_KEY }`;

const config = (models: string[], extra = '') => `version: 1
runs: 4
concurrency: 1
timeout_ms: 1500
retries: 0
${extra}
models:
${models.join('\n')}
cases:
  - id: logo_python
    image: images/python.png
    expect: { any: [python] }
`;

function tokensOf(markdown: string): Token[] {
  const all: Token[] = [];
  marked.walkTokens(marked.lexer(markdown, { gfm: true }), (t) => void all.push(t));
  return all;
}

/** The one fault each route answers its first request with; the next three are answered well. */
const FIRST_REQUEST_FAULTS: Record<string, { fault: Fault; verdict: string; error: string | null; status: number | null; says: RegExp }> = {
  reset: { fault: 'reset', verdict: 'error', error: 'connection', status: null, says: /connection failed/ },
  hang: { fault: 'hang', verdict: 'timeout', error: 'timeout', status: null, says: /no complete response within 1500 ms/ },
  stall: { fault: 'stall_body', verdict: 'timeout', error: 'timeout', status: null, says: /no complete response within 1500 ms/ },
  notjson: { fault: 'malformed', verdict: 'error', error: 'invalid_response', status: 200, says: /not JSON/ },
  cutjson: { fault: 'cut_json', verdict: 'error', error: 'invalid_response', status: 200, says: /not JSON/ },
  nochoices: { fault: 'no_choices', verdict: 'error', error: 'invalid_response', status: 200, says: /no choices/ },
  nullchoice: { fault: 'bad_choice', verdict: 'error', error: 'invalid_response', status: 200, says: /first choice is not an object/ },
  nullcontent: { fault: 'null_content', verdict: 'empty', error: null, status: 200, says: /^$/ },
  refusal: { fault: 'refusal', verdict: 'empty', error: null, status: 200, says: /^$/ },
  hugebody: { fault: 'huge_body', verdict: 'error', error: 'invalid_response', status: 200, says: /over 4194304 bytes; refused/ },
  hugeerror: { fault: 'huge_error', verdict: 'error', error: 'http', status: 500, says: /over 4194304 bytes/ },
  error500: { fault: 'server_error', verdict: 'error', error: 'http', status: 500, says: /server had an error/ },
  limited: { fault: 'rate_limit', verdict: 'error', error: 'http', status: 429, says: /Rate limit/ },
  redirect: { fault: 'redirect', verdict: 'error', error: 'http', status: 307, says: /redirect to http:\/\/127\.0\.0\.1:\d+\/redirected\/v1\/chat\/completions; API calls are never redirected/ },
};

describe('a provider fault on one request', () => {
  it('becomes that request’s verdict, the other requests of the route still pass, and the scorecard says what happened', async () => {
    const behaviours: Record<string, ModelBehaviour> = {};
    for (const [id, { fault }] of Object.entries(FIRST_REQUEST_FAULTS)) behaviours[id] = { vision: 'sees', script: [fault], hugeBodyBytes: 64 * MiB };
    suite = await makeSuite(behaviours);
    const refusedUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const ids = Object.keys(FIRST_REQUEST_FAULTS);
    const file = await suite.write(
      'vision-gate.yml',
      config([...ids.map((id) => modelLine(id)), modelLine('refused', refusedUrl), modelLine('nodns', 'https://api.vision-gate.invalid/v1')]),
    );
    const started = performance.now();
    const { report } = await runEngine({ configPath: file, mode: 'report', env: suite.env, cwd: suite.dir, log: quiet });
    // Two timeouts of 1.5 s, side by side, and fast failures; nothing waits on a hung socket or a
    // huge body. (The timeout leaves room for a busy machine, where the first burst of requests
    // queues behind the process warming up.)
    expect(performance.now() - started).toBeLessThan(8_000);

    expect(report.trials).toHaveLength((ids.length + 2) * 4);
    for (const [id, expected] of Object.entries(FIRST_REQUEST_FAULTS)) {
      const trials = report.trials.filter((t) => t.model === id).sort((a, b) => a.trial - b.trial);
      expect(trials.map((t) => t.verdict), id).toEqual([expected.verdict, 'pass', 'pass', 'pass']);
      expect(trials[0], id).toMatchObject({ error: expected.error, status: expected.status });
      expect(trials[0]!.error_message ?? '', id).toMatch(expected.says);
    }
    // A route that is down or does not resolve fails every request, each recorded, none thrown.
    for (const id of ['refused', 'nodns']) {
      const trials = report.trials.filter((t) => t.model === id);
      expect(trials.every((t) => t.verdict === 'error' && t.error === 'connection'), id).toBe(true);
    }
    expect(report.trials.find((t) => t.model === 'refused')!.error_message).toMatch(/ECONNREFUSED/);
    expect(report.trials.find((t) => t.model === 'nodns')!.error_message).toMatch(/ENOTFOUND|EAI_AGAIN/);

    // The scorecard names each kind of failure with a provider message, inside intact Markdown.
    const md = renderScorecard(report);
    expect(isBalanced(md)).toBe(true);
    const table = tokensOf(md).find((t): t is Tokens.Table => t.type === 'table' && t.header[1]?.text === 'what happened')!;
    const rows = new Map(table.rows.map((r) => [r[0]!.text, r]));
    expect(rows.get('redirect')![1]!.text).toBe('HTTP 307');
    expect(rows.get('hang')![1]!.text).toBe('timeout');
    expect(rows.get('stall')![1]!.text).toBe('timeout');
    expect(rows.get('notjson')![1]!.text).toBe('invalid response (HTTP 200)');
    expect(rows.get('hugeerror')![1]!.text).toBe('HTTP 500');
    expect(rows.get('limited')![1]!.text).toBe('HTTP 429');
    expect(rows.get('refused')![1]!.text).toBe('connection failed');
    expect(rows.get('refused')![2]!.text).toBe('4');
    for (const r of table.rows) expect(r).toHaveLength(5);
    expect(md).toMatch(/<summary>Transport errors \(\d+ requests\)<\/summary>/);
    // The terminal shows the same, one line per model and kind.
    const terminal = renderTerminal(report, { color: false, width: 120 });
    expect(terminal).toMatch(/Transport errors\n/);
    expect(terminal).toMatch(/✖ redirect: HTTP 307 ×1 — HTTP 307 redirect to/);
  });
});

describe('an enormous response body', () => {
  const request: ChatRequest = { model: 'm', prompt: 'What logo is this?', imageUrl: null, detail: 'low', maxTokens: 40, temperature: 0 };
  const policy: RetryPolicy = { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 };

  it('is cut off while it streams, success or error, and memory stays bounded', async () => {
    // 512 MiB per response, no Content-Length: only a cap applied while reading can stop it.
    simulator = await startSimulator({
      models: {
        body: { vision: 'sees', faultRates: { huge_body: 1 }, hugeBodyBytes: 512 * MiB },
        error: { vision: 'sees', faultRates: { huge_error: 1 }, hugeBodyBytes: 512 * MiB },
      },
      labels: {},
    });
    const client = createModelClient({ baseUrl: simulator.baseUrl, apiKey: 'sk-test-key-123456', headers: {}, timeoutMs: 20_000, retry: policy });
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const started = performance.now();
    try {
      const results = await Promise.all(['body', 'error', 'body', 'error'].map((model) => client.send({ ...request, model })));
      expect(results.map((r) => r.outcome)).toEqual([
        expect.objectContaining({ kind: 'failure', error: 'invalid_response', status: 200 }),
        expect.objectContaining({ kind: 'failure', error: 'http', status: 500 }),
        expect.objectContaining({ kind: 'failure', error: 'invalid_response', status: 200 }),
        expect.objectContaining({ kind: 'failure', error: 'http', status: 500 }),
      ]);
    } finally {
      clearInterval(sampler);
    }
    // 2 GiB were on offer; four 4 MiB caps (and the simulator's own buffers) is what it may cost.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((peak - before) / MiB).toBeLessThan(150);
  });
});

describe('rate-limit storms and 5xx bursts', () => {
  const request: ChatRequest = { model: 'm', prompt: 'What logo is this?', imageUrl: null, detail: 'low', maxTokens: 40, temperature: 0 };

  it('with a huge Retry-After: stops after the allowed retries, each wait cut to the policy maximum', async () => {
    simulator = await startSimulator({ models: { m: { vision: 'sees', faultRates: { rate_limit: 1 }, retryAfterSeconds: 86_400 } }, labels: {} });
    const policy: RetryPolicy = { retries: 3, baseDelayMs: 10, maxDelayMs: 40, maxRetryAfterMs: 60 };
    const client = createModelClient({ baseUrl: simulator.baseUrl, apiKey: 'sk-test-key-123456', headers: {}, timeoutMs: 2_000, retry: policy });
    const started = performance.now();
    const { outcome, attempts } = await client.send(request);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ kind: 'failure', error: 'http', status: 429 });
    expect(attempts).toHaveLength(policy.retries + 1);
    expect(simulator.stats.requests).toBe(policy.retries + 1);
    expect(attempts.map((a) => a.retry_after_ms)).toEqual([86_400_000, 86_400_000, 86_400_000, 86_400_000]);
    expect(attempts.map((a) => a.backoff_ms)).toEqual([60, 60, 60, 0]);
    const waited = attempts.reduce((sum, a) => sum + a.backoff_ms, 0);
    expect(waited).toBeLessThanOrEqual(policy.retries * policy.maxRetryAfterMs);
    expect(elapsed).toBeLessThan(waited + 1_000);
  });

  it('without Retry-After: exponential back-off, never above the policy bound, then the last 429 is the verdict', async () => {
    simulator = await startSimulator({ models: { m: { vision: 'sees', faultRates: { rate_limit: 1 }, retryAfterSeconds: null } }, labels: {} });
    const policy: RetryPolicy = { retries: 4, baseDelayMs: 20, maxDelayMs: 50, maxRetryAfterMs: 1_000 };
    const client = createModelClient({ baseUrl: simulator.baseUrl, apiKey: 'sk-test-key-123456', headers: {}, timeoutMs: 2_000, retry: policy });
    const { outcome, attempts } = await client.send(request);
    expect(outcome).toMatchObject({ kind: 'failure', status: 429 });
    expect(attempts).toHaveLength(5);
    const bounds = [20, 40, 50, 50];
    attempts.slice(0, -1).forEach((a, i) => {
      expect(a.retry_after_ms).toBeNull();
      expect(a.backoff_ms).toBeGreaterThanOrEqual(bounds[i]! / 2);
      expect(a.backoff_ms).toBeLessThanOrEqual(bounds[i]!);
    });
    expect(attempts.at(-1)!.backoff_ms).toBe(0);
  });

  it('through the engine: a storm costs each request its retries and no more, and a burst of 5xx hits only the requests it hit', async () => {
    suite = await makeSuite({
      storm: { vision: 'sees', faultRates: { rate_limit: 1 }, retryAfterSeconds: 0 },
      burst: { vision: 'sees', script: ['server_error', 'server_error'] },
    });
    const file = await suite.write('vision-gate.yml', config([modelLine('storm'), modelLine('burst')]).replace('retries: 0', 'retries: 2'));
    const { report } = await runEngine({ configPath: file, mode: 'report', env: suite.env, cwd: suite.dir, log: quiet });
    const storm = report.trials.filter((t) => t.model === 'storm');
    expect(storm.map((t) => t.verdict)).toEqual(['error', 'error', 'error', 'error']);
    expect(storm.every((t) => t.attempts.length === 3 && t.status === 429)).toBe(true);
    // Every request of the storm was sent exactly retries + 1 times; no calibration for a route that never answered.
    expect(suite.simulator.stats.byModel.storm).toBe(12);
    // The burst's two 500s are retried within the first request, which then succeeds.
    const burst = report.trials.filter((t) => t.model === 'burst').sort((a, b) => a.trial - b.trial);
    expect(burst.map((t) => t.verdict)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(burst[0]!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(burst[0]!.attempts.slice(0, 2).every((a) => a.backoff_ms > 0)).toBe(true);
    expect(renderScorecard(report)).toMatch(/\| storm \| HTTP 429 \| 4 \| 3 \| 429 Rate limit reached \|/);
  });
});
