// Reading and writing the baseline file: parse and validate (every problem is a UserError naming
// the file and the field), migrate older versions, and serialise deterministically so a refresh
// diffs only where a number changed.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { describeKind, readUpTo } from '../images/local.ts';
import { isInside } from '../images/paths.ts';
import { writeFileAtomic } from '../publish/files.ts';
import { canonicalJson } from './canonical.ts';
import { BASELINE_SCHEMA_VERSION, BaselineSchema, type Baseline } from './schema.ts';

// update-baseline reads the old file too (to keep history), so a broken one has to go first.
const REGENERATE = 'Restore it from git, or delete it and run `vision-gate run --mode update-baseline` to write a new one.';

type RawBaseline = Record<string, unknown>;

/**
 * schema_version → a function lifting a file of that version to the next one. Empty while 1 is the
 * only version written; a new version adds its predecessor's step here, so old files keep working.
 */
const MIGRATIONS: Readonly<Record<number, (raw: RawBaseline) => RawBaseline>> = {};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A zod issue path as the user would write it: models["gpt-4.1-mini"].cases.logo.passes */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? '(top level)' : out;
}

function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${file}: ${formatPath(first?.path ?? [])}: ${first?.message ?? 'invalid'}${more}. ${REGENERATE}`;
}

function migrate(raw: RawBaseline, file: string): RawBaseline {
  const version = raw.schema_version;
  if (version === undefined) {
    throw new UserError(`${file}: schema_version: missing; this does not look like a vision-gate baseline. ${REGENERATE}`);
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new UserError(`${file}: schema_version: expected a positive integer, got ${JSON.stringify(version)}. ${REGENERATE}`);
  }
  if (version > BASELINE_SCHEMA_VERSION) {
    throw new UserError(
      `${file}: schema_version: ${version} is newer than this vision-gate understands (${BASELINE_SCHEMA_VERSION}); ` +
        'upgrade vision-gate, or delete the file and regenerate it with this version (update-baseline).',
    );
  }
  let current = raw;
  for (let v = version; v < BASELINE_SCHEMA_VERSION; v += 1) {
    const step = MIGRATIONS[v];
    if (!step) throw new UserError(`${file}: schema_version: ${v} cannot be migrated (no vision-gate release wrote it). ${REGENERATE}`);
    current = { ...step(current), schema_version: v + 1 };
  }
  return current;
}

/**
 * Where JSON.parse gave up, without the snippet of the file V8 quotes ("Unexpected token 'r',
 * "root:x:0:0"… is not valid JSON"): a baseline path can be pointed at any file, and its
 * content must not end up in a CI log.
 */
function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/end of JSON input/i.test(message)) return 'it ends too early';
  const at = /line (\d+) column (\d+)/.exec(message);
  if (at) return `unexpected text at line ${at[1]}, column ${at[2]}`;
  const position = /position (\d+)/.exec(message);
  return position ? `unexpected text at offset ${position[1]}` : 'unexpected text';
}

export function parseBaseline(text: string, file: string): Baseline {
  if (text.trim() === '') throw new UserError(`${file}: the baseline file is empty. ${REGENERATE}`);
  if (/^(<{7}|={7}|>{7})( |$)/m.test(text)) {
    throw new UserError(`${file}: contains git merge-conflict markers (<<<<<<<); resolve them, or delete the file and regenerate it with update-baseline.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${jsonProblem(error)}); the file may be truncated. ${REGENERATE}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const got = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
    throw new UserError(`${file}: (top level): expected a JSON object with schema_version, got ${got}. ${REGENERATE}`);
  }
  const parsed = BaselineSchema.safeParse(migrate(raw as RawBaseline, file));
  if (!parsed.success) throw new UserError(describeIssues(file, parsed.error.issues));
  return parsed.data;
}

// Stable rounding: enough precision for every decision the gate makes, no float noise in diffs.
// toFixed rounds the exact binary value, so rounding twice gives the same text (byte-identical rewrites).
const fixed = (digits: number) => (v: number) => Number(v.toFixed(digits));
const ms = fixed(1);
const nullable = (round: (v: number) => number) => (v: number | null) => (v === null ? null : round(v));
const maybeMs = nullable(ms);
const tokens = nullable(fixed(2));
const ratio = nullable(fixed(4));
const money = nullable((v) => Number(v.toPrecision(6)));

function rounded(b: Baseline): Baseline {
  const models: Baseline['models'] = {};
  for (const [id, m] of Object.entries(b.models)) {
    const cases: (typeof m)['cases'] = {};
    for (const [caseId, c] of Object.entries(m.cases)) {
      cases[caseId] = {
        ...c,
        latencies_ms: c.latencies_ms.map(ms).sort((x, y) => x - y),
        tokens: { prompt_avg: tokens(c.tokens.prompt_avg), completion_avg: tokens(c.tokens.completion_avg), image_avg: tokens(c.tokens.image_avg) },
      };
    }
    models[id] = {
      ...m,
      latency_ms: { p50: maybeMs(m.latency_ms.p50), p95: maybeMs(m.latency_ms.p95) },
      tokens: { prompt_avg: tokens(m.tokens.prompt_avg), completion_avg: tokens(m.tokens.completion_avg), image: tokens(m.tokens.image) },
      cost_per_success: money(m.cost_per_success),
      cases,
    };
  }
  const history = b.history.map((entry) => ({
    ...entry,
    models: Object.fromEntries(
      Object.entries(entry.models).map(([id, h]) => [id, { ...h, p50_ms: maybeMs(h.p50_ms), accuracy: ratio(h.accuracy) }]),
    ),
  }));
  return { ...b, models, history };
}

/**
 * The file's exact text: validated (a baseline that could not be read back is never written),
 * rounded, keys sorted, 2-space indent, trailing newline. Throws a plain Error on invalid input:
 * that is a programmer error, not the user's.
 */
export function serializeBaseline(b: Baseline): string {
  const valid = BaselineSchema.parse(rounded(b));
  return `${canonicalJson(valid, 2)}\n`;
}

function displayName(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Far larger than any real baseline (1,000 runs of hundreds of cases); bigger is not one. */
export const MAX_BASELINE_BYTES = 64 * 1024 * 1024;

// O_NONBLOCK: opening a FIFO never waits for a writer. O_NOFOLLOW: the path was resolved by
// realpath just before, so a symlink there now was swapped in since. Neither exists on Windows.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

export interface BaselineFileOptions {
  /**
   * The repository: when given, the baseline must resolve inside it (symlinks followed), so a
   * config from a pull request cannot point it at a file elsewhere on the runner.
   */
  root?: string;
}

async function confined(file: string, root: string | undefined): Promise<string> {
  const real = await realpath(file);
  if (root === undefined) return real;
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  if (!isInside(realRoot, real)) {
    throw new UserError(
      `${displayName(file)}: the baseline resolves to ${real}, outside the repository (${realRoot}); ` +
        'keep the baseline file inside the repository (the `baseline` key is relative to the config file).',
    );
  }
  return real;
}

/** The committed baseline, or null when there is none yet. */
export async function readBaseline(file: string, options: BaselineFileOptions = {}): Promise<Baseline | null> {
  const name = displayName(file);
  let text: string;
  try {
    const real = await confined(file, options.root);
    const handle = await open(real, OPEN_FLAGS);
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw new UserError(`${name}: cannot read the baseline (EISDIR).`);
      if (!stats.isFile()) throw new UserError(`${name}: cannot read the baseline: it is ${describeKind(stats)}, not a regular file.`);
      if (stats.size > MAX_BASELINE_BYTES) {
        throw new UserError(
          `${name}: the baseline is ${(stats.size / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_BASELINE_BYTES / 1024 / 1024} MiB a baseline can be. ${REGENERATE}`,
        );
      }
      text = (await readUpTo(handle, stats.size)).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UserError(`${name}: cannot read the baseline (${code ?? String(error)}).`);
  }
  return parseBaseline(text, name);
}

/**
 * Writes atomically (temp file in the same directory, then rename), creating the directory. A
 * failure is a UserError naming the file; the previous file is never half-written.
 */
export async function writeBaseline(file: string, b: Baseline, options: BaselineFileOptions = {}): Promise<void> {
  // Serialise first: if that throws, the previous file is untouched and no temp file exists.
  const text = serializeBaseline(b);
  const name = displayName(file);
  if (options.root !== undefined) {
    const realRoot = await realpath(options.root).catch(() => path.resolve(options.root!));
    // The nearest existing ancestor, symlinks followed, decides where the file would land.
    let dir = path.dirname(path.resolve(file));
    for (;;) {
      const real = await realpath(dir).catch(() => null);
      if (real !== null) {
        if (!isInside(realRoot, real)) {
          throw new UserError(`${name}: the baseline would be written to ${real}, outside the repository (${realRoot}); keep it inside the repository.`);
        }
        break;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  try {
    await writeFileAtomic(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${name}: cannot write the baseline (${code ?? String(error)}); the previous file, if any, is unchanged.`);
  }
}
