// The model client: one chat/completions request shape, sent through the `openai` package to any
// OpenAI-compatible base URL. The package's own retries are off; the policy in retry.ts decides,
// every attempt is recorded, and latency runs from request start to the last byte of the body.
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Detail } from '../config/schema.ts';
import type { Attempt, ErrorClass, Usage } from '../report/schema.ts';
import type { CallOutcome } from '../score/outcome.ts';
import { redact } from '../secrets.ts';
import { backoffMs, isRetryable, parseRetryAfter, type RetryPolicy } from './retry.ts';

export interface ChatRequest {
  model: string;
  prompt: string;
  /** A data: URL or an https URL; null sends the prompt alone (the calibration request). */
  imageUrl: string | null;
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

class BodyTooLarge extends Error {}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLarge(`response body of ${declared} bytes`);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(`response body over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

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

/** Turns a 2xx body into an outcome; a body that is not a chat completion is an invalid_response. */
export function interpretBody(text: string, status: number): CallOutcome {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const preview = text.slice(0, 80).replace(/\s+/g, ' ');
    return { kind: 'failure', error: 'invalid_response', status, message: `the body is not JSON: "${preview}"` };
  }
  const choices = (data as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    return { kind: 'failure', error: 'invalid_response', status, message: 'the response has no choices' };
  }
  const choice = choices[0] as { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown };
  const content = choice.message?.content;
  let text_: string | null = null;
  if (typeof content === 'string') text_ = content;
  else if (Array.isArray(content)) {
    // Some gateways return content as parts; the text parts are the answer.
    text_ = content
      .map((part: { type?: unknown; text?: unknown }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  return {
    kind: 'response',
    text: text_,
    finish_reason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    refusal: typeof choice.message?.refusal === 'string' ? choice.message.refusal : null,
    usage: usageOf((data as { usage?: unknown }).usage),
  };
}

const trim = (message: string) => (message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message);

export function createModelClient(options: ModelClientOptions): ModelClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const secrets = [options.apiKey];
  const openai = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    maxRetries: 0,
    timeout: options.timeoutMs,
    defaultHeaders: options.headers,
  });

  const attemptOnce = async (
    request: ChatRequest,
    outer: AbortSignal | undefined,
  ): Promise<{ outcome: CallOutcome; latency: number; retryAfter: number | null; status: number | null }> => {
    const controller = new AbortController();
    let timedOut = false;
    // One timer covers headers and body: a server that sends headers and then stalls still times out.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const onAbort = () => controller.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    const content: OpenAI.Chat.ChatCompletionContentPart[] = [{ type: 'text', text: request.prompt }];
    if (request.imageUrl !== null) content.push({ type: 'image_url', image_url: { url: request.imageUrl, detail: request.detail } });
    const start = clock.now();
    try {
      const response = await openai.chat.completions
        .create(
          {
            model: request.model,
            messages: [{ role: 'user', content }],
            max_tokens: request.maxTokens,
            temperature: request.temperature,
          },
          { signal: controller.signal, maxRetries: 0, timeout: options.timeoutMs },
        )
        .asResponse();
      const body = await readCapped(response, maxBodyBytes);
      const latency = clock.now() - start;
      return { outcome: interpretBody(body, response.status), latency, retryAfter: null, status: response.status };
    } catch (error) {
      const latency = clock.now() - start;
      const failure = (cls: ErrorClass, status: number | null, message: string): CallOutcome => ({
        kind: 'failure',
        error: cls,
        status,
        message: trim(redact(message, secrets)),
      });
      if (timedOut || error instanceof APIConnectionTimeoutError) {
        const outcome = failure('timeout', null, `no complete response within ${options.timeoutMs} ms`);
        return { outcome, latency, retryAfter: null, status: null };
      }
      if (outer?.aborted) return { outcome: failure('aborted', null, 'the run was stopped'), latency, retryAfter: null, status: null };
      if (error instanceof BodyTooLarge) {
        return { outcome: failure('invalid_response', 200, `${error.message}; refused`), latency, retryAfter: null, status: 200 };
      }
      if (error instanceof APIError && !(error instanceof APIUserAbortError) && typeof error.status === 'number') {
        const retryAfter = parseRetryAfter(error.headers, Date.now());
        return { outcome: failure('http', error.status, error.message), latency, retryAfter, status: error.status };
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      return { outcome: failure('connection', null, `connection failed: ${detail}`), latency, retryAfter: null, status: null };
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
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
        await clock.sleep(wait, signal);
      }
    },
  };
}
