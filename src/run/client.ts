// The model client: one chat/completions request shape, sent through the `openai` package to any
// OpenAI-compatible base URL. The package's own retries are off; the policy in retry.ts decides,
// every attempt is recorded, and latency runs from request start to the last byte of the body.
// The package calls fetch.ts, which carries the request over http.ts.
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import type { Detail } from '../config/schema.ts';
import type { Attempt, ErrorClass, Usage } from '../report/schema.ts';
import type { CallOutcome } from '../score/outcome.ts';
import { displayUrl, redact, secretsOf } from '../secrets.ts';
import { ImageAttachments, transportFetch } from './fetch.ts';
import { createHttpTransport, HttpFailure, type HeaderReader } from './http.ts';
import { backoffMs, isRetryable, parseRetryAfter, type RetryPolicy } from './retry.ts';

export interface ChatRequest {
  model: string;
  prompt: string;
  /**
   * An https URL, or a data: URL as its ASCII bytes (the image reader's form); null sends the
   * prompt alone (the calibration request).
   */
  imageUrl: string | Buffer | null;
  detail: Detail;
  maxTokens: number;
  temperature: number;
}

export interface CallResult {
  outcome: CallOutcome;
  attempts: Attempt[];
}

export interface ModelClient {
  send(request: ChatRequest, signal?: AbortSignal): Promise<CallResult>;
}

/** The monotonic clock and the sleep the client waits with; tests and the bench may swap it. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface ModelClientOptions {
  baseUrl: string;
  apiKey: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Responses larger than this are refused rather than buffered. */
  maxBodyBytes?: number;
  clock?: Clock;
  random?: () => number;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_MESSAGE_CHARS = 300;

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;

function usageOf(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  const details = (u.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const usage: Usage = {
    prompt_tokens: num(u.prompt_tokens),
    completion_tokens: num(u.completion_tokens),
    cached_tokens: num(details.cached_tokens),
    image_tokens: num(details.image_tokens ?? u.image_tokens),
  };
  return usage.prompt_tokens === null && usage.completion_tokens === null ? null : usage;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Turns a 2xx body into an outcome; a body that is not a chat completion is an invalid_response. */
export function interpretBody(text: string, status: number): CallOutcome {
  const invalid = (message: string): CallOutcome => ({ kind: 'failure', error: 'invalid_response', status, message });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const preview = text.slice(0, 80).replace(/\s+/g, ' ');
    return invalid(text.trim() === '' ? 'the body is empty' : `the body is not JSON: "${preview}"`);
  }
  const choices = isRecord(data) ? data.choices : undefined;
  if (!Array.isArray(choices) || choices.length === 0) return invalid('the response has no choices');
  // Any shape can arrive here; a choice or message that is not an object is the provider's fault.
  const choice = choices[0];
  if (!isRecord(choice)) return invalid('the first choice is not an object');
  const message = choice.message;
  if (!isRecord(message)) return invalid('the first choice has no message');
  const content = message.content;
  let answer: string | null = null;
  if (typeof content === 'string') answer = content;
  else if (Array.isArray(content)) {
    // Some gateways return content as parts; the text parts are the answer.
    answer = content.map((part: unknown) => (isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return {
    kind: 'response',
    text: answer,
    finish_reason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    refusal: typeof message.refusal === 'string' ? message.refusal : null,
    usage: usageOf((data as { usage?: unknown }).usage),
  };
}

/** Why a redirect was not followed, and where it pointed (credentials and query values hidden). */
function redirectMessage(status: number, headers: HeaderReader, baseUrl: string): string {
  const location = headers.get('location');
  let target = 'no Location';
  if (location !== null) {
    try {
      target = displayUrl(new URL(location, baseUrl).href);
    } catch {
      target = 'an invalid Location';
    }
  }
  return (
    `HTTP ${status} redirect to ${target}; API calls are never redirected (the key and the image would go to an address ` +
    'nobody configured), so set base_url to the final address'
  );
}

const trim = (message: string) => (message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message);

export function createModelClient(options: ModelClientOptions): ModelClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const secrets = secretsOf({ apiKey: options.apiKey, baseUrl: options.baseUrl, headers: options.headers });
  const images = new ImageAttachments();
  // Exactly these headers reach the provider (fetch.ts): the key, and the configured headers,
  // which win over it whatever their case.
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}` };
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  const openai = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    // Stated, so that nothing is read from the OPENAI_* variables a workflow may export for
    // OpenAI itself: they belong to OpenAI, not to whichever provider base_url names.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    // The client's log would print requests, data URLs and all, when OPENAI_LOG asks for it.
    logLevel: 'off',
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: transportFetch({
      baseUrl: options.baseUrl,
      transport: createHttpTransport(),
      headers,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      images,
    }),
  });

  type AttemptResult = { outcome: CallOutcome; latency: number; retryAfter: number | null; status: number | null };
  const attemptOnce = async (request: ChatRequest, signal: AbortSignal | undefined): Promise<AttemptResult> => {
    const failure = (cls: ErrorClass, code: number | null, message: string): CallOutcome => ({
      kind: 'failure',
      error: cls,
      status: code,
      message: trim(redact(message, secrets)),
    });
    const url = request.imageUrl;
    const reference = typeof url === 'string' || url === null ? null : images.lend(url);
    const content: ChatCompletionContentPart[] = [{ type: 'text', text: request.prompt }];
    if (url !== null) content.push({ type: 'image_url', image_url: { url: reference ?? url.toString(), detail: request.detail } });
    const start = clock.now();
    try {
      const response = await openai.chat.completions
        .create(
          { model: request.model, messages: [{ role: 'user', content }], max_tokens: request.maxTokens, temperature: request.temperature },
          { signal },
        )
        .asResponse();
      const body = await response.text();
      const latency = clock.now() - start;
      // Redacted whole, before anything is cut from it: a preview cut in the middle of a key
      // would no longer match it, and an answer that echoes the request would carry it into
      // the report and the PR comment.
      const outcome = interpretBody(redact(body, secrets), response.status);
      const safe = outcome.kind === 'failure' ? failure(outcome.error, outcome.status, outcome.message) : outcome;
      return { outcome: safe, latency, retryAfter: null, status: response.status };
    } catch (error) {
      const latency = clock.now() - start;
      const none = { latency, retryAfter: null, status: null };
      if (error instanceof APIUserAbortError) return { ...none, outcome: failure('aborted', null, 'the run was stopped') };
      // The transport's own failures first: the client calls a failure a timeout when its text
      // says "timed out" (ETIMEDOUT, a connect timeout), which is a connection failure, retried.
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof HttpFailure) {
        const { status } = cause;
        if (cause.kind === 'connection' || status === null) return { ...none, outcome: failure('connection', null, cause.message) };
        if (cause.kind === 'invalid_status' || (status >= 200 && status <= 299)) {
          return { outcome: failure('invalid_response', status, `${cause.message}; refused`), latency, retryAfter: null, status };
        }
        // A body too large on an error status stays an HTTP failure (a 5xx is still worth
        // retrying); the body is not read.
        const retryAfter = cause.headers === null ? null : parseRetryAfter(cause.headers, Date.now());
        return { outcome: failure('http', status, `${status} ${cause.message}`), latency, retryAfter, status };
      }
      if (error instanceof APIConnectionTimeoutError) {
        return { ...none, outcome: failure('timeout', null, `no complete response within ${options.timeoutMs} ms`) };
      }
      if (error instanceof APIError && typeof error.status === 'number') {
        const { status } = error;
        const retryAfter = parseRetryAfter(error.headers, Date.now());
        const message = status >= 300 && status < 400 ? redirectMessage(status, error.headers, options.baseUrl) : error.message;
        return { outcome: failure('http', status, message), latency, retryAfter, status };
      }
      const detail = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
      return { ...none, outcome: failure('connection', null, `connection failed: ${detail}`) };
    } finally {
      if (reference !== null) images.release(reference);
    }
  };

  return {
    async send(request, signal) {
      const attempts: Attempt[] = [];
      for (let attempt = 1; ; attempt += 1) {
        const { outcome, latency, retryAfter, status } = await attemptOnce(request, signal);
        const failed = outcome.kind === 'failure';
        const retry =
          failed && attempt <= options.retry.retries && isRetryable(outcome.error, outcome.status) && !signal?.aborted;
        const wait = retry ? backoffMs(attempt + 1, retryAfter, options.retry, random) : 0;
        attempts.push({
          attempt,
          status,
          error: failed ? outcome.error : null,
          message: failed ? outcome.message : null,
          latency_ms: latency,
          retry_after_ms: retryAfter,
          backoff_ms: wait,
        });
        if (!retry) return { outcome, attempts };
        const waitStart = clock.now();
        await clock.sleep(wait, signal);
        if (signal?.aborted) {
          // Stopped during the wait: the verdict is what the provider last said, and the wait
          // recorded is the time actually waited; no attempt is recorded that was never sent.
          attempts[attempts.length - 1]!.backoff_ms = clock.now() - waitStart;
          return { outcome, attempts };
        }
      }
    },
  };
}
