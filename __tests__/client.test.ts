// The model client against the simulator over real HTTP on 127.0.0.1, through the real `openai`
// package: request shape, the retry policy, timeouts and every transport failure class.
import { createServer, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createModelClient, type ChatRequest, type ModelClientOptions } from '../src/run/client.ts';
import { backoffMs, isRetryable, parseRetryAfter } from '../src/run/retry.ts';
import { startSimulator, type ModelBehaviour, type Simulator } from '../src/simulator/server.ts';

const PIXEL = Buffer.from('fake-image-bytes-for-the-label-table');
const PIXEL_URL = `data:image/png;base64,${PIXEL.toString('base64')}`;

let simulator: Simulator | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

async function start(behaviour: ModelBehaviour) {
  const { labelsFor } = await import('../src/simulator/server.ts');
  simulator = await startSimulator({ models: { m: behaviour }, labels: labelsFor([{ bytes: PIXEL, label: 'Python' }]) });
  return simulator;
}

const request = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  prompt: 'What logo is this?',
  imageUrl: PIXEL_URL,
  detail: 'low',
  maxTokens: 40,
  temperature: 0,
  ...overrides,
});

const client = (baseUrl: string, options: Partial<ModelClientOptions> = {}) =>
  createModelClient({
    baseUrl,
    apiKey: 'sk-test-key-123456',
    headers: { 'X-Title': 'vision-gate-tests' },
    timeoutMs: 2_000,
    retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 40, maxRetryAfterMs: 5_000 },
    random: () => 0.5,
    ...options,
  });

describe('the model client', () => {
  it('sends one user message with a text part and an image_url part with detail, and reads the answer and usage', async () => {
    const sim = await start({ vision: 'sees' });
    const { outcome, attempts } = await client(sim.baseUrl).send(request({ detail: 'high', maxTokens: 33, temperature: 0.2 }));
    expect(outcome).toMatchObject({ kind: 'response', finish_reason: 'stop' });
    expect(outcome.kind === 'response' && outcome.text).toContain('Python');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, status: 200, error: null, backoff_ms: 0 });
    const sent = sim.stats.last!;
    expect(sent.headers.authorization).toBe('Bearer sk-test-key-123456');
    expect(sent.headers['x-title']).toBe('vision-gate-tests');
    expect(sent.body).toMatchObject({
      model: 'm',
      max_tokens: 33,
      temperature: 0.2,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What logo is this?' },
            { type: 'image_url', image_url: { url: PIXEL_URL, detail: 'high' } },
          ],
        },
      ],
    });
    // The image's share shows in the prompt tokens (765 for high detail in the simulator).
    expect(outcome.kind === 'response' && outcome.usage?.prompt_tokens).toBeGreaterThan(765);
  });

  it('sends no image part for a text-only (calibration) request', async () => {
    const sim = await start({ vision: 'sees' });
    const { outcome } = await client(sim.baseUrl).send(request({ imageUrl: null }));
    expect(sim.stats.withImage).toBe(0);
    expect(outcome.kind === 'response' && outcome.usage?.prompt_tokens).toBeLessThan(30);
  });

  it('retries a 429, honours Retry-After, records both attempts, and never counts the wait as latency', async () => {
    const sim = await start({ vision: 'sees', script: ['rate_limit'], retryAfterSeconds: 1 });
    const started = performance.now();
    const { outcome, attempts } = await client(sim.baseUrl).send(request());
    const elapsed = performance.now() - started;
    expect(outcome.kind).toBe('response');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ status: 429, error: 'http', retry_after_ms: 1000, backoff_ms: 1000 });
    expect(attempts[1]).toMatchObject({ status: 200, error: null });
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(attempts[1]!.latency_ms).toBeLessThan(500);
  });

  it('caps a long Retry-After at the policy maximum', async () => {
    const sim = await start({ vision: 'sees', script: ['rate_limit'], retryAfterSeconds: 3600 });
    const { attempts } = await client(sim.baseUrl, {
      retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 50 },
    }).send(request());
    expect(attempts[0]).toMatchObject({ retry_after_ms: 3_600_000, backoff_ms: 50 });
    expect(attempts).toHaveLength(2);
  });

  it('retries 5xx with exponential back-off until the retries run out', async () => {
    const sim = await start({ vision: 'sees', script: ['server_error', 'server_error', 'server_error', 'server_error'] });
    const { outcome, attempts } = await client(sim.baseUrl).send(request());
    expect(outcome).toMatchObject({ kind: 'failure', error: 'http', status: 500 });
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 500]);
    expect(attempts.map((a) => a.backoff_ms)).toEqual([15, 30, 0]);
    expect(sim.stats.requests).toBe(3);
  });

  it('does not retry a 400', async () => {
    const sim = await start({ vision: 'sees', script: ['bad_request'] });
    const { outcome, attempts } = await client(sim.baseUrl).send(request());
    expect(outcome).toMatchObject({ kind: 'failure', error: 'http', status: 400 });
    expect(outcome.kind === 'failure' && outcome.message).toContain('image_url is not supported');
    expect(attempts).toHaveLength(1);
  });

  it('times out a server that never answers, within the per-attempt timeout, without retrying', async () => {
    const sim = await start({ vision: 'sees', script: ['hang'] });
    const { outcome, attempts } = await client(sim.baseUrl, { timeoutMs: 300 }).send(request());
    expect(outcome).toMatchObject({ kind: 'failure', error: 'timeout', status: null });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.latency_ms).toBeGreaterThanOrEqual(290);
    expect(attempts[0]!.latency_ms).toBeLessThan(1_500);
  });

  it('times out a server that sends headers and then stalls the body', async () => {
    const sim = await start({ vision: 'sees', script: ['stall_body'] });
    const { outcome } = await client(sim.baseUrl, { timeoutMs: 300 }).send(request());
    expect(outcome).toMatchObject({ kind: 'failure', error: 'timeout' });
  });

  it('records a 200 whose body is not JSON, or has no choices, as an invalid response', async () => {
    const sim = await start({ vision: 'sees', script: ['malformed', 'no_choices'] });
    const c = client(sim.baseUrl);
    const first = await c.send(request());
    expect(first.outcome).toMatchObject({ kind: 'failure', error: 'invalid_response', status: 200 });
    expect(first.outcome.kind === 'failure' && first.outcome.message).toContain('not JSON');
    const second = await c.send(request());
    expect(second.outcome).toMatchObject({ kind: 'failure', error: 'invalid_response' });
    expect(second.outcome.kind === 'failure' && second.outcome.message).toContain('no choices');
  });

  it('reads content: null, a refusal and a truncated answer as responses for the scorer to judge', async () => {
    const sim = await start({ vision: 'sees', script: ['null_content', 'refusal', 'truncated'] });
    const c = client(sim.baseUrl);
    expect((await c.send(request())).outcome).toMatchObject({ kind: 'response', text: null, refusal: null });
    expect((await c.send(request())).outcome).toMatchObject({ kind: 'response', text: null, refusal: 'I cannot help with that request.' });
    expect((await c.send(request())).outcome).toMatchObject({ kind: 'response', finish_reason: 'length' });
  });

  it('keeps usage null when the provider sends none', async () => {
    const sim = await start({ vision: 'sees', noUsage: true });
    expect((await client(sim.baseUrl).send(request())).outcome).toMatchObject({ kind: 'response', usage: null });
  });

  it('reads provider-reported image tokens', async () => {
    const sim = await start({ vision: 'sees', reportImageTokens: true });
    const { outcome } = await client(sim.baseUrl).send(request());
    expect(outcome.kind === 'response' && outcome.usage?.image_tokens).toBe(85);
  });

  it('retries a connection reset mid-body and a refused connection as connection errors', async () => {
    const sim = await start({ vision: 'sees', script: ['reset'] });
    const reset = await client(sim.baseUrl).send(request());
    expect(reset.attempts[0]).toMatchObject({ error: 'connection', status: null });
    expect(reset.outcome.kind).toBe('response');

    // A port that was just closed refuses connections.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const refused = await client(`http://127.0.0.1:${port}/v1`).send(request());
    expect(refused.outcome).toMatchObject({ kind: 'failure', error: 'connection' });
    expect(refused.attempts).toHaveLength(3);
  });

  it('never puts the API key in an error message, even when the provider echoes it', async () => {
    const server = createServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization}` } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { outcome } = await client(`http://127.0.0.1:${port}/v1`).send(request());
      expect(outcome).toMatchObject({ kind: 'failure', status: 401 });
      expect(JSON.stringify(outcome)).not.toContain('sk-test-key-123456');
      expect(outcome.kind === 'failure' && outcome.message).toContain('***');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('stops retrying and reports aborted when the run is stopped', async () => {
    const sim = await start({ vision: 'sees', script: ['hang'] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { outcome, attempts } = await client(sim.baseUrl, { timeoutMs: 5_000 }).send(request(), controller.signal);
    expect(outcome).toMatchObject({ kind: 'failure', error: 'aborted' });
    expect(attempts).toHaveLength(1);
  });

  it('stopped during a back-off: keeps what the provider said, records the wait actually waited and no attempt never sent', async () => {
    const sim = await start({ vision: 'sees', script: ['server_error', 'server_error', 'server_error'] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const retry = { retries: 2, baseDelayMs: 1_000, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
    const { outcome, attempts } = await client(sim.baseUrl, { retry }).send(request(), controller.signal);
    expect(sim.stats.requests).toBe(1);
    expect(outcome).toMatchObject({ kind: 'failure', error: 'http', status: 500 });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.backoff_ms).toBeGreaterThan(50);
    expect(attempts[0]!.backoff_ms).toBeLessThan(750);
  });

  it('counts a connection that times out in the operating system (ETIMEDOUT) as a connection failure, and retries it', async () => {
    // The client takes any failure whose text says "timed out" for its own timeout; this one is
    // the network's, and worth another attempt.
    const sim = await start({ vision: 'sees' });
    const http = process.getBuiltinModule('node:http');
    const original = http.request;
    let failed = 0;
    const spy = vi.spyOn(http, 'request').mockImplementation(((...args: unknown[]) => {
      const sent = Reflect.apply(original, http, args) as ClientRequest;
      if (failed < 2) {
        failed += 1;
        setImmediate(() => sent.destroy(Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT' })));
      }
      return sent;
    }) as typeof http.request);
    try {
      const { outcome, attempts } = await client(sim.baseUrl, { timeoutMs: 60_000 }).send(request());
      expect(attempts.map((a) => a.error)).toEqual(['connection', 'connection', null]);
      expect(attempts[0]!.message).toBe('connection failed: ETIMEDOUT');
      expect(outcome).toMatchObject({ kind: 'response' });
    } finally {
      spy.mockRestore();
    }
  });

  it('records a status no HTTP response may have (700) as an invalid response, not retried', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(700, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { outcome, attempts } = await client(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`).send(request());
      expect(outcome).toMatchObject({ kind: 'failure', error: 'invalid_response', status: 700 });
      expect(attempts).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the retry policy', () => {
  it('retries only 408, 409, 429, 5xx and connection failures', () => {
    expect([408, 409, 429, 500, 502, 503, 599].every((s) => isRetryable('http', s))).toBe(true);
    expect([400, 401, 403, 404, 413, 422].some((s) => isRetryable('http', s))).toBe(false);
    expect(isRetryable('connection', null)).toBe(true);
    expect(isRetryable('timeout', null)).toBe(false);
    expect(isRetryable('invalid_response', 200)).toBe(false);
  });

  it('reads Retry-After as seconds, as an HTTP date and as retry-after-ms', () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    expect(parseRetryAfter(headers({ 'retry-after': '2' }), 0)).toBe(2000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '150', 'retry-after': '9' }), 0)).toBe(150);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), 0)).toBeNull();
    expect(parseRetryAfter(headers({}), 0)).toBeNull();
  });

  it('doubles the back-off per attempt up to the maximum, with jitter in the upper half', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 350, maxRetryAfterMs: 1000 };
    expect([2, 3, 4, 5].map((n) => backoffMs(n, null, policy, () => 0.999999))).toEqual([
      expect.closeTo(100, 0),
      expect.closeTo(200, 0),
      expect.closeTo(350, 0),
      expect.closeTo(350, 0),
    ]);
    expect(backoffMs(2, null, policy, () => 0)).toBe(50);
    expect(backoffMs(2, 5000, policy, () => 0)).toBe(1000);
  });
});
