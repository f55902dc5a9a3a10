// Estimated cost from observed usage and the configured prices. Unknown is null, never $0: a
// missing price or missing usage must not make a route look free.
import type { Price } from '../config/schema.ts';
import type { Trial } from '../report/schema.ts';

const PER_MTOK = 1_000_000;

/** USD for 10,000 calls shaped like the average observed one. */
export function costPer10kCalls(price: Price | undefined, promptAvg: number | null, completionAvg: number | null): number | null {
  if (!price || promptAvg === null || completionAvg === null) return null;
  return (10_000 * (promptAvg * price.input_per_mtok + completionAvg * price.output_per_mtok)) / PER_MTOK;
}

/** What every request that reported usage cost, failures included, divided among the correct answers. */
export function costPerSuccess(price: Price | undefined, trials: readonly Trial[], correct: number): number | null {
  if (!price || correct === 0) return null;
  let total = 0;
  let priced = 0;
  for (const t of trials) {
    const prompt = t.usage?.prompt_tokens;
    const completion = t.usage?.completion_tokens;
    if (prompt == null || completion == null) continue;
    total += (prompt * price.input_per_mtok + completion * price.output_per_mtok) / PER_MTOK;
    priced += 1;
  }
  return priced === 0 ? null : total / correct;
}
