// What a run is asked to do, from the mode, shard and partials settings that the CLI and the
// action both take: run the whole plan, run one shard of it, or merge the shards' partial results.
import { UserError } from '../errors.ts';
import type { Report } from '../report/schema.ts';
import { parseShard, type Shard } from './slice.ts';

type Mode = Report['mode'];

export type Invocation =
  | { kind: 'run'; mode: Mode }
  | { kind: 'shard'; shard: Shard }
  | { kind: 'merge'; mode: Mode; partials: string };

export interface InvocationSettings {
  /** gate | update-baseline | report | merge */
  mode: string;
  /** `i/n`, or empty when not sharded. */
  shard: string;
  /** The folder of partial results, or empty. */
  partials: string;
}

const MODES: readonly string[] = ['gate', 'update-baseline', 'report', 'merge'];

/** `names` spells each setting as the user wrote it (`--shard`, `input shard`). Throws UserError. */
export function resolveInvocation(settings: InvocationSettings, names: Record<keyof InvocationSettings, string>): Invocation {
  const { mode, shard, partials } = settings;
  if (!MODES.includes(mode)) throw new UserError(`${names.mode} must be one of ${MODES.join(' | ')}, got "${mode}".`);
  if (shard !== '') {
    if (mode === 'merge' || partials !== '') {
      throw new UserError(
        `${names.shard} runs one slice of the plan; merge the partial results in a separate step (${names.mode} merge with ${names.partials}).`,
      );
    }
    return { kind: 'shard', shard: parseShard(shard, names.shard) };
  }
  if (mode === 'merge' && partials === '') {
    throw new UserError(`${names.mode} merge needs ${names.partials}: the folder the shards' partial results were downloaded into.`);
  }
  // merge is gate over the shards' partial results; the other modes may merge them too.
  const resolved = (mode === 'merge' ? 'gate' : mode) as Mode;
  return partials === '' ? { kind: 'run', mode: resolved } : { kind: 'merge', mode: resolved, partials };
}
