// Which requests of the plan a shard runs. Round-robin over the plan's order: the plan lists each
// model's requests together, so every shard gets an even share of every model (and of every case
// and trial within it), the shard sizes differ by at most one, and the slice depends on nothing
// but the plan and i/n.
import { UserError } from '../errors.ts';
import type { Plan } from '../plan/plan.ts';

export interface Shard {
  /** 1-based, as written: `2/3` is index 2 of count 3. */
  index: number;
  count: number;
}

/** Generous for any CI matrix (GitHub allows 256 jobs), and keeps a typo like `1/1000000` out. */
export const MAX_SHARDS = 256;

export const shardName = (shard: Shard): string => `${shard.index}/${shard.count}`;

/** Parses `i/n`; `where` names the flag or input in the message. */
export function parseShard(text: string, where: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || count < 1 || index > count || count > MAX_SHARDS) {
    throw new UserError(
      `${where}: expected i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (this job's shard and the number of shards, e.g. 2/3), got ${JSON.stringify(text)}.`,
    );
  }
  return { index, count };
}

/** Whether the request at this position of the plan belongs to the shard. */
export const inShard = (position: number, shard: Shard): boolean => position % shard.count === shard.index - 1;

/**
 * The plan a shard runs: its requests, and the calibrations of the models it has requests for
 * (each shard measures the models it ran; merging keeps one per model and prompt).
 */
export function slicePlan(plan: Plan, shard: Shard): Plan {
  const requests = plan.requests.filter((_, position) => inShard(position, shard));
  const models = new Set(requests.map((r) => r.model));
  return { ...plan, requests, calibrations: plan.calibrations.filter((c) => models.has(c.model)) };
}
