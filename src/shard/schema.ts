// The partial result a shard writes and the merge reads: the trials of its slice, the
// calibrations it measured, and what identifies the run it belongs to.
import { z } from 'zod';
import { Trial } from '../report/schema.ts';

export const PARTIAL_SCHEMA_VERSION = 1;
export const PARTIAL_KIND = 'vision-gate-partial';

export const PartialSchema = z.strictObject({
  schema_version: z.literal(PARTIAL_SCHEMA_VERSION),
  kind: z.literal(PARTIAL_KIND),
  config_fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  plan_size: z.int().min(0),
  shard: z.strictObject({ index: z.int().min(1), count: z.int().min(1) }),
  started_at: z.iso.datetime(),
  duration_ms: z.number().min(0),
  deadline_reached: z.boolean(),
  /** Model id → why this shard skipped it. */
  skipped: z.record(z.string(), z.string()),
  calibrations: z.array(z.strictObject({ model: z.string(), prompt: z.string(), prompt_tokens: z.int().min(0).nullable() })),
  trials: z.array(Trial),
});

export type PartialResult = z.infer<typeof PartialSchema>;

/** One line for the terminal or the job summary: the shard, its share of the plan, its verdicts. */
export function describePartial(partial: PartialResult): string {
  const tally = new Map<string, number>();
  for (const t of partial.trials) tally.set(t.verdict, (tally.get(t.verdict) ?? 0) + 1);
  const verdicts = [...tally].map(([verdict, n]) => `${n} ${verdict}`).join(' · ') || 'nothing to run';
  return `shard ${partial.shard.index}/${partial.shard.count}: ${partial.trials.length} of ${partial.plan_size} requests (${verdicts})`;
}
