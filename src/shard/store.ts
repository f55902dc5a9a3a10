// Partial result files: serialised for a shard to write, read back by the merge from the folder
// the workflow downloaded the artifacts into (flat, or one subfolder per artifact).
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatPath } from '../baseline/store.ts';
import { UserError } from '../errors.ts';
import type { PartialFile } from './merge.ts';
import { PARTIAL_KIND, PARTIAL_SCHEMA_VERSION, PartialSchema, type PartialResult } from './schema.ts';

/** Far above a 100,000-request plan with long answers; a bigger file is not one of ours. */
const MAX_PARTIAL_BYTES = 512 * 1024 * 1024;

/** Compact: a partial result is read by the merge, not by people, and travels as an artifact. */
export const partialJson = (partial: PartialResult): string => `${JSON.stringify(partial)}\n`;

/** The partial result as validated data, or a UserError naming the file and the problem. */
export function parsePartial(text: string, file: string): PartialResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not valid JSON; was it cut short while uploading or downloading?`);
  }
  const header = (raw ?? {}) as { kind?: unknown; schema_version?: unknown };
  if (header.kind !== PARTIAL_KIND) {
    throw new UserError(`${file} is not a vision-gate partial result (written by \`vision-gate run --shard i/n\`); keep only partial results in that folder.`);
  }
  if (typeof header.schema_version === 'number' && header.schema_version > PARTIAL_SCHEMA_VERSION) {
    throw new UserError(`${file} was written by a newer vision-gate (partial schema ${header.schema_version}); merge with the version the shards ran.`);
  }
  const parsed = PartialSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${formatPath(issue.path)}: ${issue.message}; the file is damaged. Re-run that shard.`);
  }
  return parsed.data;
}

/** Every *.json file under `dir`, parsed; `cwd` shortens the names in messages. */
export async function readPartials(dir: string, cwd: string): Promise<PartialFile[]> {
  const shown = (file: string) => path.relative(cwd, file) || file;
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${code})`;
    throw new UserError(`the partials folder ${shown(dir)} ${why}; pass the folder the shards' artifacts were downloaded into.`);
  }
  const files = names.filter((name) => name.endsWith('.json')).sort().map((name) => path.join(dir, name));
  return Promise.all(
    files.map(async (file) => {
      const info = await stat(file);
      if (!info.isFile()) throw new UserError(`${shown(file)} is not a file.`);
      if (info.size > MAX_PARTIAL_BYTES) throw new UserError(`${shown(file)} is ${info.size} bytes, too large for a partial result.`);
      return { file: shown(file), partial: parsePartial(await readFile(file, 'utf8'), shown(file)) };
    }),
  );
}
