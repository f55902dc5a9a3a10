// Turns what is wrong with a config file into lines a user can act on:
// `vision-gate.yml:14:7 models[1].price.input_per_mtok: expected a number ≥ 0, got "cheap"`.
// Zod says what failed; the generated JSON Schema says what the key accepts, so both the
// messages and the shipped schema come from the one zod schema.
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { configJsonSchema } from '../schemas.ts';

/** 1-based. */
export interface SourcePosition {
  line: number;
  column: number;
}

export type KeyPath = readonly (string | number)[];

export interface ConfigIssue {
  /** The key path the issue is about; null when it has none (a YAML syntax error). */
  path: KeyPath | null;
  message: string;
  position: SourcePosition | null;
}

/** How a value that failed is shown after "got"; the loader hides secrets and expanded values. */
export type ShowGot = (path: KeyPath, value: unknown) => string;

type JsonSchema = z.core.JSONSchema.BaseSchema;

const MAX_SHOWN_CHARS = 60;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/u;

/** `models[1].price.input_per_mtok`; keys that are not plain words are quoted: `headers["X Y"]`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export const pathKey = (path: KeyPath): string => JSON.stringify(path);

/** A value as the user wrote it, short enough for one line. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${plural(value.length, 'item')}`;
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function valueAt(root: unknown, path: KeyPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// What a key accepts, read from the generated JSON Schema.

/** The JSON Schema of the value at a key path, or undefined when the path leaves the schema. */
export function schemaAt(path: KeyPath, root: JsonSchema = configJsonSchema()): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const segment of path) {
    node = node && childSchema(node, segment);
  }
  return node;
}

function childSchema(node: JsonSchema, segment: string | number): JsonSchema | undefined {
  for (const option of [node, ...(node.anyOf ?? [])]) {
    if (typeof option !== 'object') continue;
    if (typeof segment === 'number') {
      if (typeof option.items === 'object' && !Array.isArray(option.items)) return option.items;
    } else {
      const property = option.properties?.[segment];
      if (typeof property === 'object') return property;
      if (typeof option.additionalProperties === 'object') return option.additionalProperties;
    }
  }
  return undefined;
}

/** The keys a mapping at this path may have, in schema order. */
export function allowedKeys(path: KeyPath): string[] {
  const node = schemaAt(path);
  const options = node ? [node, ...(node.anyOf ?? [])] : [];
  for (const option of options) {
    if (typeof option === 'object' && option.properties) return Object.keys(option.properties);
  }
  return [];
}

/** "an integer between 1 and 1000", "one of low | high | auto", "a number ≥ 0 or null". */
export function describeSchema(node: JsonSchema): string {
  if (node.anyOf) return unique(node.anyOf.map((o) => (typeof o === 'object' ? describeSchema(o) : 'anything'))).join(' or ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return `one of ${node.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' | ')}`;
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.length === 0) return 'a value';
  return unique(types.map((type) => describeType(type, node))).join(' or ');
}

const unique = (items: string[]): string[] => [...new Set(items)];

function describeType(type: string, node: JsonSchema): string {
  switch (type) {
    case 'integer':
    case 'number': {
      const range = describeRange(node);
      return `${type === 'integer' ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`;
    }
    case 'string':
      return (node.minLength ?? 0) >= 1 ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'array': {
      const items = node.items;
      return typeof items === 'object' && !Array.isArray(items) && items.type === 'string' ? 'a list of strings' : 'a list';
    }
    case 'object':
      return 'a mapping';
    case 'null':
      return 'null';
    default:
      return `a ${type}`;
  }
}

function describeRange(node: JsonSchema): string {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = node;
  if (minimum !== undefined && maximum !== undefined) return `between ${minimum} and ${maximum}`;
  const parts: string[] = [];
  if (minimum !== undefined) parts.push(`≥ ${minimum}`);
  if (typeof exclusiveMinimum === 'number') parts.push(`> ${exclusiveMinimum}`);
  if (maximum !== undefined) parts.push(`≤ ${maximum}`);
  if (typeof exclusiveMaximum === 'number') parts.push(`< ${exclusiveMaximum}`);
  return parts.join(' and ');
}

// ---------------------------------------------------------------------------------------------
// Zod issues → messages.

export interface IssueContext {
  /** The parsed YAML (after ${VAR} expansion) that zod validated. */
  input: unknown;
  locate(path: KeyPath): SourcePosition | null;
  got: ShowGot;
}

const REQUEST_SETTINGS = new Set(['prompt', 'max_tokens', 'temperature', 'detail', 'media']);

/** One or more user-facing issues per zod issue (an unknown-keys issue names each key). */
export function fromZodIssue(issue: z.core.$ZodIssue, context: IssueContext): ConfigIssue[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  const at = (where: KeyPath, message: string): ConfigIssue => ({ path: where, message, position: context.locate(where) });
  const value = valueAt(context.input, path);
  const got = (): string => context.got(path, value);

  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        // The key is absent: point at the mapping that should hold it.
        return [{ path, message: 'missing required key', position: context.locate(path.slice(0, -1)) }];
      }
      const node = schemaAt(path);
      const expected = node ? describeSchema(node) : article(issue.expected);
      const quoteHint =
        node?.type === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? ' (put it in quotes to make it text)'
          : '';
      return [at(path, `expected ${expected}, got ${got()}${quoteHint}`)];
    }
    case 'too_small':
    case 'too_big':
      return [at(path, `expected ${describeBound(issue, path)}, got ${describeSize(issue.origin, value, got)}`)];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const expected = allowed.length === 1 ? allowed[0]! : `one of ${allowed.join(' | ')}`;
      return [at(path, `expected ${expected}, got ${got()}`)];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...path, key], unknownKeyMessage(path, key)));
    case 'invalid_key': {
      const inner = issue.issues[0];
      const expected = inner && isOwnMessage(inner.message) ? inner.message : 'expected a valid key';
      return [at(path, `${expected}, got ${showValue(path.at(-1))}`)];
    }
    case 'invalid_format':
      if (isOwnMessage(issue.message)) return [at(path, withGot(issue.message, value, got))];
      return [at(path, `expected a string matching ${issue.pattern ?? issue.format}, got ${got()}`)];
    case 'custom':
      return [at(path, withGot(issue.message, value, got))];
    default: {
      const node = schemaAt(path);
      return [at(path, node ? `expected ${describeSchema(node)}, got ${got()}` : issue.message)];
    }
  }
}

// Our own messages (from schema.ts) start with "expected"; zod's defaults do not.
const isOwnMessage = (message: string): boolean => message.startsWith('expected ');

/** Adds ", got <value>" to an "expected …" message about a scalar; a mapping or list says nothing useful. */
function withGot(message: string, value: unknown, got: () => string): string {
  if (!isOwnMessage(message) || message.includes(', got ')) return message;
  if (value !== null && typeof value === 'object') return message;
  return `${message}, got ${got()}`;
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/u.test(type) ? `an ${type}` : `a ${type}`;
}

function describeBound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, path: KeyPath): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const n = Number(bound);
  switch (issue.origin) {
    case 'string':
      if (small && n === 1) return 'a non-empty string';
      return `a string of ${small ? 'at least' : 'at most'} ${plural(n, 'character')}`;
    case 'array':
      if (small && n === 1) return 'a non-empty list';
      return `a list of ${small ? 'at least' : 'at most'} ${plural(n, 'item')}`;
    default: {
      const op = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      const node = schemaAt(path);
      const integer = [node, ...(node?.anyOf ?? [])].some((o) => typeof o === 'object' && o.type === 'integer');
      const noun = integer || issue.origin === 'int' ? 'an integer' : 'a number';
      return `${noun} ${op} ${bound}`;
    }
  }
}

function describeSize(origin: string, value: unknown, got: () => string): string {
  if (origin === 'array' && Array.isArray(value)) return value.length === 0 ? 'an empty list' : plural(value.length, 'item');
  return got();
}

function unknownKeyMessage(parent: KeyPath, key: string): string {
  if (key === '<<') return 'YAML merge keys (<<) are not supported; write the keys out';
  // max-tokens and Max_Tokens are near misses of max_tokens, whatever the edit distance says.
  const normalise = (k: string): string => k.toLowerCase().replace(/-/gu, '_');
  const wanted = normalise(key);
  if (parent.length === 0 && REQUEST_SETTINGS.has(wanted)) {
    return `unknown key at the top level; request settings go under defaults (defaults.${wanted})`;
  }
  const allowed = allowedKeys(parent);
  if (allowed.length === 0) return 'unknown key';
  const best = closest(wanted, allowed.map(normalise));
  const tolerance = Math.max(1, Math.min(3, Math.floor(key.length / 2)));
  const suggestion = allowed.find((k) => normalise(k) === best);
  if (suggestion !== undefined && distance(wanted, best) <= tolerance) return `unknown key; did you mean ${suggestion}?`;
  return `unknown key; expected one of ${allowed.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// The error a user sees.

const HINT =
  'See "The config file" in the README for every key, or point your editor at schema/vision-gate.schema.json to check the file as you type.';

function compare(a: ConfigIssue, b: ConfigIssue): number {
  const la = a.position?.line ?? Number.POSITIVE_INFINITY;
  const lb = b.position?.line ?? Number.POSITIVE_INFINITY;
  if (la !== lb) return la - lb;
  const ca = a.position?.column ?? 0;
  const cb = b.position?.column ?? 0;
  if (ca !== cb) return ca - cb;
  const pa = a.path ? formatPath(a.path) : '';
  const pb = b.path ? formatPath(b.path) : '';
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** `vision-gate.yml:14:7 models[1].price.input_per_mtok: expected …` */
export function formatIssue(displayPath: string, issue: ConfigIssue): string {
  const where = issue.position ? `${displayPath}:${issue.position.line}:${issue.position.column}` : displayPath;
  const key = issue.path && issue.path.length > 0 ? ` ${formatPath(issue.path)}:` : '';
  return `${where}${key} ${issue.message}`;
}

/** Every issue, one a line, sorted by position, under a count and above a pointer to the reference. */
export function formatIssues(displayPath: string, issues: readonly ConfigIssue[]): string {
  const sorted = [...issues].sort(compare);
  const lines = sorted.map((issue) => formatIssue(displayPath, issue));
  return [`${displayPath} has ${plural(sorted.length, 'error')}:`, ...lines, HINT].join('\n');
}

export const configError = (displayPath: string, issues: readonly ConfigIssue[]): UserError =>
  new UserError(formatIssues(displayPath, issues));
