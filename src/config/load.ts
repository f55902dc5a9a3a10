// Reads vision-gate.yml: YAML with positions → ${VAR} expansion → zod. Every problem found is
// reported at once, each with file:line:column and its key path; nothing but a UserError escapes.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, Lexer, parseDocument, type Document, type Node } from 'yaml';
import { isUserError, UserError } from '../errors.ts';
import { describeKind, readUpTo } from '../images/local.ts';
import { expandConfig } from './expand.ts';
import {
  configError,
  fromZodIssue,
  pathKey,
  showValue,
  type ConfigIssue,
  type KeyPath,
  type SourcePosition,
} from './issues.ts';
import { ConfigSchema, type Config } from './schema.ts';

export type { SourcePosition } from './issues.ts';

export interface LoadedConfig {
  /** Validated, defaults applied, ${VAR} expanded. */
  config: Config;
  /** The absolute path of the config file. */
  file: string;
  /** The path as the user gave it (used in messages and reports). */
  displayPath: string;
  /** The absolute directory of the config file; images and the baseline resolve against it. */
  dir: string;
  /**
   * Position of a key path like ['cases', 2, 'image'] in the file, or of its nearest existing
   * parent; null if unknown. A mapping entry is found at its key, a list entry at its item.
   */
  locate(path: readonly (string | number)[]): SourcePosition | null;
}

type Env = Record<string, string | undefined>;

const MAX_BYTES = 1024 * 1024;
// A real config nests about six levels deep; far deeper is an attack on the parser's recursion.
const MAX_DEPTH = 64;
// yaml counts the nodes each alias expands to; a few shared anchors stay far below this.
const MAX_ALIAS_COUNT = 100;
// The YAML 1.2 core tags; an explicit one (`!!str 123`) is a legitimate way to force a type.
// Others (!!binary, !!timestamp, custom !tags) would produce values no key accepts.
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

const TOP_LEVEL = 'a mapping with version, models and cases';

/** Validates config text. `displayPath` names the file in messages. Throws UserError only. */
export function parseConfig(text: string, displayPath: string, env: Env): Omit<LoadedConfig, 'file' | 'dir'> {
  try {
    return parse(text, displayPath, env);
  } catch (error) {
    if (isUserError(error)) throw error;
    // A parser limit (e.g. the stack) hit by hostile input; still the file's fault, not ours.
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`${displayPath} could not be read as a config file (${reason}). Check that it is the right file.`);
  }
}

/** Reads and validates the config file at `file` (relative to `cwd`). Throws UserError only. */
export async function loadConfig(file: string, env: Env, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const absolute = path.resolve(cwd, file);
  const text = await readConfigText(absolute, file);
  return { ...parseConfig(text, file, env), file: absolute, dir: path.dirname(absolute) };
}

// O_NONBLOCK: opening a FIFO never waits for a writer (Windows has no such flag).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

async function readConfigText(absolute: string, displayPath: string): Promise<string> {
  let bytes: Buffer;
  try {
    // Type and size from the open file: a config committed as a symlink to /dev/zero, or a FIFO
    // passed as --config, must be refused, not read until memory runs out or a writer appears.
    const handle = await open(absolute, OPEN_FLAGS);
    try {
      const info = await handle.stat();
      if (info.isDirectory()) {
        throw new UserError(`${displayPath} is a directory; pass the path of the YAML config file, e.g. --config ${path.join(displayPath, 'vision-gate.yml')}.`);
      }
      if (!info.isFile()) throw new UserError(`${displayPath} is ${describeKind(info)}, not a regular file; pass the path of the YAML config file.`);
      if (info.size > MAX_BYTES) throw tooLarge(displayPath, info.size);
      bytes = await readUpTo(handle, info.size);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isUserError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(
        `${displayPath} not found (looked for ${absolute}). Create it (see "The config file" in the README), ` +
          'or pass the path of your config with --config PATH (in the action: the `config` input).',
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new UserError(`${displayPath} cannot be read: permission denied (${absolute}).`);
    }
    if (code === 'EISDIR') {
      throw new UserError(`${displayPath} is a directory; pass the path of the YAML config file, e.g. --config ${path.join(displayPath, 'vision-gate.yml')}.`);
    }
    throw new UserError(`${displayPath} cannot be read (${absolute}): ${(error as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${displayPath} is not UTF-8 text; is --config pointing at the right file?`);
  }
}

const tooLarge = (displayPath: string, bytes: number): UserError =>
  new UserError(
    `${displayPath} is ${(bytes / MAX_BYTES).toFixed(1)} MiB; a config file may be at most 1 MiB. Is it the right file?`,
  );

function parse(source: string, displayPath: string, env: Env): Omit<LoadedConfig, 'file' | 'dir'> {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_BYTES) throw tooLarge(displayPath, bytes);
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const lineCounter = new LineCounter();
  const positionOf = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const tooDeep = flowDepthOffset(text);
  if (tooDeep !== null) {
    const message = `brackets nested more than ${MAX_DEPTH} levels deep; refusing to parse`;
    throw configError(displayPath, [{ path: null, message, position: positionFromText(text, tooDeep) }]);
  }

  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false, // we format positions ourselves; the pretty form quotes file text
    uniqueKeys: false, // duplicates are reported below, with their key path
    schema: 'core', // YAML 1.2: `yes`, `on` and dates stay strings; no `<<` merges
    merge: false,
    strict: true,
  });

  const syntax: ConfigIssue[] = doc.errors.map((error) => ({
    path: null,
    message: error.code === 'MULTIPLE_DOCS' ? 'the file holds more than one YAML document (---); keep one' : `YAML syntax error: ${error.message}`,
    position: positionOf(error.pos[0]),
  }));
  if (syntax.length > 0) throw configError(displayPath, syntax);

  const structure = checkStructure(doc, positionOf);
  if (structure.fatal) throw configError(displayPath, structure.issues);

  const locate = (keyPath: KeyPath): SourcePosition | null => {
    const offset = offsetOf(doc, keyPath);
    return offset === null ? null : positionOf(offset);
  };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/iu.test(error.message)) {
      const message = `YAML aliases expand to too much data (over ${MAX_ALIAS_COUNT} aliased nodes); write the values out instead`;
      throw configError(displayPath, [{ path: null, message, position: structure.firstAlias ?? { line: 1, column: 1 } }]);
    }
    throw error;
  }

  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    const message =
      raw === null || raw === undefined ? `the file is empty; expected ${TOP_LEVEL}` : `expected ${TOP_LEVEL}, got ${showValue(raw)}`;
    throw configError(displayPath, [...structure.issues, { path: null, message, position: locate([]) ?? { line: 1, column: 1 } }]);
  }

  const expanded = expandConfig(raw, env);
  const issues: ConfigIssue[] = [...structure.issues];
  for (const problem of expanded.problems) issues.push({ ...problem, position: locate(problem.path) });

  const result = ConfigSchema.safeParse(expanded.value);
  if (result.success && issues.length === 0) return { config: result.data, displayPath, locate };

  // A key already reported (a bad tag, an unset variable) would only fail again, less clearly.
  const reported = issues.flatMap((issue) => (issue.path ? [issue.path] : []));
  const alreadyReported = (keyPath: KeyPath): boolean =>
    reported.some((prefix) => prefix.length <= keyPath.length && prefix.every((segment, i) => segment === keyPath[i]));
  const got = (keyPath: KeyPath, value: unknown): string => {
    const template = expanded.templates.get(pathKey(keyPath));
    if (template !== undefined) return showValue(template);
    // Someone may paste the key itself here; never echo it into a CI log.
    if (keyPath.at(-1) === 'api_key_env' && typeof value === 'string') {
      return 'a value that is not a variable name (not shown, in case it is the key itself)';
    }
    return showValue(value);
  };
  for (const zodIssue of result.success ? [] : result.error.issues) {
    for (const issue of fromZodIssue(zodIssue, { input: expanded.value, locate, got })) {
      // An unknown key is about the key, not its value, so it is worth saying even then.
      if (!issue.path || zodIssue.code === 'unrecognized_keys' || !alreadyReported(issue.path)) issues.push(issue);
    }
  }
  throw configError(displayPath, issues);
}

// The lexer's marker tokens (document start, flow end, scalar start); they stand for no text.
const LEXER_CONTROL = new Set(['\x02', '\x18', '\x1f']);

/** The offset of the first flow bracket nested deeper than MAX_DEPTH, or null. Lexing is fast; parsing that deep is slow. */
function flowDepthOffset(text: string): number | null {
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth += 1;
      if (depth > MAX_DEPTH) return offset;
    } else if (token === ']' || token === '}') {
      depth -= 1;
    }
    if (!LEXER_CONTROL.has(token)) offset += token.length;
  }
  return null;
}

function positionFromText(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** A mapping key as toJS makes it: plain scalars become strings, null becomes "". */
const keyString = (key: unknown): string | null => {
  if (!isScalar(key)) return null;
  return key.value === null ? '' : String(key.value);
};

const nodeOffset = (node: unknown): number | null =>
  node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? (node.range[0] as number) : null;

/** The offset of a key path: the key for mapping entries, the item for list entries, else the nearest parent's. */
function offsetOf(doc: Document, keyPath: KeyPath): number | null {
  let node: unknown = doc.contents;
  let offset = nodeOffset(node);
  for (const segment of keyPath) {
    if (isAlias(node)) node = node.resolve(doc);
    if (typeof segment === 'number' && isSeq(node)) {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = nodeOffset(item) ?? offset;
    } else if (typeof segment === 'string' && isMap(node)) {
      // The last of duplicate keys is the one toJS keeps.
      const pair = node.items.findLast((p) => keyString(p.key) === segment);
      if (pair === undefined) break;
      node = pair.value;
      offset = nodeOffset(pair.key) ?? offset;
    } else {
      break;
    }
  }
  return offset ?? (keyPath.length === 0 ? 0 : null);
}

interface StructureCheck {
  issues: ConfigIssue[];
  /** Issues that make the document unusable (toJS would throw or recurse too deep). */
  fatal: boolean;
  firstAlias: SourcePosition | null;
}

/**
 * Walks the YAML tree once, without following aliases (so an alias bomb costs nothing here), for
 * what YAML allows and a config cannot mean: duplicate keys, non-scalar keys, unknown tags,
 * aliases without an anchor, absurd depth.
 */
function checkStructure(doc: Document, positionOf: (offset: number) => SourcePosition): StructureCheck {
  const issues: ConfigIssue[] = [];
  let fatal = false;
  let firstAlias: SourcePosition | null = null;
  const at = (node: unknown, keyPath: KeyPath | null, message: string): void => {
    const offset = nodeOffset(node);
    issues.push({ path: keyPath, message, position: offset === null ? null : positionOf(offset) });
  };
  // `where` is what a message about the node points at: its key in a mapping, else the node.
  type Entry = { node: unknown; path: KeyPath; where: unknown };
  const stack: Entry[] = [{ node: doc.contents, path: [], where: doc.contents }];
  while (stack.length > 0) {
    const { node, path: keyPath, where } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (keyPath.length > MAX_DEPTH) {
      at(where, null, `the file is nested more than ${MAX_DEPTH} levels deep; refusing to read it`);
      return { issues, fatal: true, firstAlias };
    }
    if (isAlias(node)) {
      firstAlias ??= positionOf(nodeOffset(node) ?? 0);
      if (node.resolve(doc) === undefined) {
        at(node, keyPath, `unknown alias *${node.source}; define the anchor &${node.source} before using it`);
        fatal = true;
      }
      continue;
    }
    const { tag } = node as Node;
    if (tag !== undefined && !CORE_TAGS.has(tag)) at(where, keyPath, `YAML tags are not supported (${shortTag(tag)}); remove the tag`);
    if (isMap(node)) {
      const seen = new Map<string, number>();
      const children: Entry[] = [];
      for (const pair of node.items) {
        const key = keyString(pair.key);
        if (key === null) {
          at(pair.key, keyPath, 'a key must be a plain word, not a list or a mapping');
          fatal = true; // toJS would stringify it and warn on the console
          continue;
        }
        const first = seen.get(key);
        if (first === undefined) seen.set(key, nodeOffset(pair.key) ?? 0);
        else at(pair.key, [...keyPath, key], `duplicate key; already set on line ${positionOf(first).line}`);
        const keyTag = (pair.key as Node).tag;
        if (keyTag !== undefined && !CORE_TAGS.has(keyTag)) {
          at(pair.key, [...keyPath, key], `YAML tags are not supported (${shortTag(keyTag)}); remove the tag`);
        }
        children.push({ node: pair.value, path: [...keyPath, key], where: pair.key });
      }
      stack.push(...children.reverse());
    } else if (isSeq(node)) {
      stack.push(...node.items.map((item, index) => ({ node: item, path: [...keyPath, index], where: item })).reverse());
    }
  }
  return { issues, fatal, firstAlias };
}

const shortTag = (tag: string): string => tag.replace(/^tag:yaml\.org,2002:/u, '!!');
