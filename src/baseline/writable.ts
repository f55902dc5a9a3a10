// Whether a run may become the new baseline. A baseline is what every later pull request is
// judged against, so a run that could not measure what it was asked to (stopped early, or a
// model that never answered) must not replace it: the previous file stays as it was.
import { UserError } from '../errors.ts';
import type { ModelSummary, Trial } from '../report/schema.ts';

export interface WritableInput {
  models: readonly Pick<ModelSummary, 'id' | 'verdict' | 'requests' | 'http_success'>[];
  trials: readonly Pick<Trial, 'model' | 'verdict' | 'error' | 'status'>[];
}

/** "HTTP 401 ×6, timeout ×1": what the failed requests of one model ran into. */
function failures(trials: WritableInput['trials'], model: string): string {
  const counts = new Map<string, number>();
  for (const t of trials) {
    if (t.model !== model || (t.verdict !== 'error' && t.verdict !== 'timeout')) continue;
    const kind = t.error === 'http' && t.status !== null ? `HTTP ${t.status}` : t.verdict === 'timeout' ? 'timeout' : (t.error ?? 'error').replace('_', ' ');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
}

/** Why this run must not be written as the baseline, or null when it may be. */
export function baselineRefusal(input: WritableInput): string | null {
  const reasons: string[] = [];
  const notRun = input.trials.filter((t) => t.verdict === 'not_run').length;
  if (notRun > 0) {
    reasons.push(
      `the run is incomplete: ${notRun} request${notRun === 1 ? '' : 's'} of ${input.trials.length} did not run (stopped by deadline_ms or a signal); ` +
        'give the run more time or stop it less early',
    );
  }
  for (const m of input.models) {
    if (m.verdict === 'skipped' || m.requests === 0 || m.http_success > 0) continue;
    const what = failures(input.trials, m.id);
    reasons.push(`model ${m.id} got no answer to any of its ${m.requests} requests${what ? ` (${what})` : ''}; fix its route (key, base_url) first`);
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}

/**
 * Throws a UserError (exit 2) when the run must not become the baseline. Call it before writing;
 * `file` names the baseline in the message.
 */
export function assertBaselineWritable(input: WritableInput, file?: string): void {
  const reason = baselineRefusal(input);
  if (reason === null) return;
  const which = file ? `${file} was not written` : 'the baseline was not written';
  throw new UserError(`${which}, and the previous baseline is unchanged: ${reason}.`);
}
