// Merging partial results into the outcome one job would have produced: every file from this
// config and images, one file per shard, every planned request exactly once and in plan order.
// Pure: the files are read at the edge (store.ts).
import { UserError } from '../errors.ts';
import type { Plan } from '../plan/plan.ts';
import type { Trial } from '../report/schema.ts';
import type { RunOutcome } from '../run/outcome.ts';
import { needsCalibration, type Calibration } from '../summarize/image-signal.ts';
import type { PartialResult } from './schema.ts';
import { inShard, shardName, type Shard } from './slice.ts';

export interface PartialFile {
  /** How messages name the file. */
  file: string;
  partial: PartialResult;
}

const RERUN = 'Re-run every shard of the same commit (or download all of their artifacts) and merge again.';

const requestKey = (t: { model: string; case: string; trial: number }) => `${t.model}\u0000${t.case}\u0000${t.trial}`;

/** Throws UserError naming the files; `where` names the folder they came from. */
export function mergePartials(plan: Plan, fingerprint: string, files: readonly PartialFile[], where: string): RunOutcome {
  if (files.length === 0) throw new UserError(`${where}: no partial results found (files written by \`vision-gate run --shard i/n\`). ${RERUN}`);
  for (const { file, partial } of files) {
    if (partial.config_fingerprint !== fingerprint) {
      throw new UserError(
        `${file} was written for a different config or different images than the ones being merged ` +
          `(config fingerprint ${partial.config_fingerprint.slice(0, 12)}…, here ${fingerprint.slice(0, 12)}…). ${RERUN}`,
      );
    }
    if (partial.plan_size !== plan.requests.length) {
      throw new UserError(`${file} belongs to a plan of ${partial.plan_size} requests; this config plans ${plan.requests.length}. ${RERUN}`);
    }
  }
  const count = files[0]!.partial.shard.count;
  const byIndex = new Map<number, PartialFile>();
  for (const entry of files) {
    const { shard } = entry.partial;
    if (shard.count !== count || shard.index > count) {
      throw new UserError(`${entry.file} is shard ${shardName(shard)}, but ${files[0]!.file} is one of ${count} shards. ${RERUN}`);
    }
    const twin = byIndex.get(shard.index);
    if (twin) throw new UserError(`shard ${shardName(shard)} is there twice: ${twin.file} and ${entry.file}. Keep one of them.`);
    byIndex.set(shard.index, entry);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    const names = missing.map((index) => `${index}/${count}`).join(', ');
    throw new UserError(
      `${where}: shard${missing.length === 1 ? '' : 's'} ${names} ${missing.length === 1 ? 'is' : 'are'} missing ` +
        `(found ${files.map((f) => f.file).join(', ')}). Did a shard job fail, or its artifact not upload? ${RERUN}`,
    );
  }

  const ordered = [...byIndex.keys()].sort((a, b) => a - b).map((index) => byIndex.get(index)!);
  const position = new Map(plan.requests.map((request, i) => [requestKey(request), i]));
  const trials = new Array<Trial | undefined>(plan.requests.length);
  const from = new Array<string>(plan.requests.length);
  for (const { file, partial } of ordered) {
    const shard: Shard = partial.shard;
    for (const trial of partial.trials) {
      const at = position.get(requestKey(trial));
      const what = `${trial.model} · ${trial.case} #${trial.trial}`;
      if (at === undefined || !inShard(at, shard)) {
        throw new UserError(`${file} holds ${what}, which is not in shard ${shardName(shard)} of this plan. ${RERUN}`);
      }
      if (trials[at] !== undefined) throw new UserError(`${what} is in ${from[at]} and again in ${file}. ${RERUN}`);
      trials[at] = trial;
      from[at] = file;
    }
  }
  const absent = plan.requests.flatMap((request, i) => (trials[i] === undefined ? [i] : []));
  if (absent.length > 0) {
    const first = plan.requests[absent[0]!]!;
    const file = ordered[absent[0]! % count]!.file;
    throw new UserError(
      `${file} lacks ${absent.length} of its requests (the first: ${first.model} · ${first.case} #${first.trial}); was it cut short or edited? ${RERUN}`,
    );
  }
  const complete = trials as Trial[];

  return {
    trials: complete,
    calibrations: mergeCalibrations(plan, complete, ordered),
    skipped: mergeSkipped(plan, ordered),
    ...span(ordered),
    deadlineReached: ordered.some(({ partial }) => partial.deadline_reached),
  };
}

/**
 * One calibration per (model, prompt), from the lowest shard that measured it, and none for a
 * model whose merged trials do not need them: the rule one job applies to all of its trials.
 */
function mergeCalibrations(plan: Plan, trials: readonly Trial[], ordered: readonly PartialFile[]): Map<string, Calibration[]> {
  const calibrations = new Map<string, Calibration[]>();
  for (const model of plan.models) {
    const mine = trials.filter((t) => t.model === model.id);
    const measured: Calibration[] = [];
    if (needsCalibration(mine)) {
      for (const planned of plan.calibrations.filter((c) => c.model === model.id)) {
        const found = ordered
          .flatMap(({ partial }) => partial.calibrations)
          .find((c) => c.model === model.id && c.prompt === planned.settings.prompt);
        if (found) measured.push({ prompt: found.prompt, prompt_tokens: found.prompt_tokens });
      }
    }
    calibrations.set(model.id, measured);
  }
  return calibrations;
}

/** A model is skipped when every shard that had its requests skipped it (all jobs share the secrets). */
function mergeSkipped(plan: Plan, ordered: readonly PartialFile[]): Map<string, string> {
  const skipped = new Map<string, string>();
  for (const model of plan.models) {
    const holders = ordered.filter(({ partial }) => partial.trials.some((t) => t.model === model.id));
    const reasons = holders.map(({ partial }) => partial.skipped[model.id]);
    if (reasons.length > 0 && reasons.every((r) => r !== undefined)) skipped.set(model.id, reasons[0]!);
  }
  return skipped;
}

/** From the first shard's start to the last shard's end: how long the sharded run took. */
function span(ordered: readonly PartialFile[]): { startedAt: Date; durationMs: number } {
  const starts = ordered.map(({ partial }) => Date.parse(partial.started_at));
  const ends = ordered.map(({ partial }, i) => starts[i]! + partial.duration_ms);
  const start = Math.min(...starts);
  return { startedAt: new Date(start), durationMs: Math.max(...ends) - start };
}
