// The retry policy, owned here rather than by the HTTP library so that every attempt is recorded
// and the wait between attempts is never counted as latency.
import type { ErrorClass } from '../report/schema.ts';

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First back-off; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After is honoured up to this much; a longer request is cut to it. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy = (retries: number): RetryPolicy => ({
  retries,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
});

/** 408, 409, 429, 5xx and connection failures are worth another attempt; nothing else is. */
export function isRetryable(error: ErrorClass, status: number | null): boolean {
  if (error === 'connection') return true;
  if (error !== 'http' || status === null) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads the server's requested wait: `retry-after-ms` (OpenAI's extension), then `retry-after`
 * as seconds or an HTTP date. Returns null when absent or unparseable.
 */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined, nowMs: number): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** Wait before attempt `nextAttempt` (2 = the first retry). `random` in [0, 1) spreads retries. */
export function backoffMs(nextAttempt: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, nextAttempt - 2));
  return exponential * (0.5 + random() / 2);
}
