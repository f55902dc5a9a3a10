// What went wrong at the transport level, per model: "HTTP 500 ×3", "timeout ×1", each with one
// of the provider's messages. Counts alone ("2 errors") do not tell a reviewer whether the route
// is down, rate limited or answering garbage. Messages are provider text: untrusted, escaped by
// the caller's esc like any answer.
import type { Trial } from '../report/schema.ts';

export interface ErrorGroup {
  model: string;
  /** "HTTP 500", "timeout", "connection failed", "invalid response (HTTP 200)". */
  what: string;
  requests: number;
  /** The most attempts any of these requests made (retries included). */
  attempts: number;
  /** The first request's message, as recorded (already free of keys). */
  example: string | null;
}

function what(trial: Trial): string {
  switch (trial.error) {
    case 'http':
      return trial.status === null ? 'HTTP error' : `HTTP ${trial.status}`;
    case 'timeout':
      return 'timeout';
    case 'connection':
      return 'connection failed';
    case 'invalid_response':
      return trial.status === null ? 'invalid response' : `invalid response (HTTP ${trial.status})`;
    default:
      return 'error';
  }
}

/** Failed requests grouped by model and kind, models in report order, larger groups first. */
export function errorGroups(trials: readonly Trial[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  const modelOrder = new Map<string, number>();
  for (const t of trials) {
    if (!modelOrder.has(t.model)) modelOrder.set(t.model, modelOrder.size);
    if (t.verdict !== 'error' && t.verdict !== 'timeout') continue;
    const kind = what(t);
    const key = `${t.model}\u0000${kind}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { model: t.model, what: kind, requests: 0, attempts: 0, example: null }));
    group.requests += 1;
    group.attempts = Math.max(group.attempts, t.attempts.length);
    group.example ??= t.error_message;
  }
  return [...groups.values()].sort(
    (a, b) => modelOrder.get(a.model)! - modelOrder.get(b.model)! || b.requests - a.requests || a.what.localeCompare(b.what),
  );
}

export const errorCount = (groups: readonly ErrorGroup[]): number => groups.reduce((sum, g) => sum + g.requests, 0);
