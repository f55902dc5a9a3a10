// ${VAR} expansion. The contract allows it in exactly two places, models[].base_url and
// models[].headers values, so a gateway URL or a header token can come from a secret. Never in
// api_key_env: that is the *name* of a variable, read later by the engine.
import { pathKey, type KeyPath } from './issues.ts';

type Env = Record<string, string | undefined>;

export interface ExpansionProblem {
  path: KeyPath;
  message: string;
}

export interface ExpandedConfig {
  /** The input with the two expandable fields replaced; everything else is shared, not copied. */
  value: unknown;
  /** pathKey(path) → the template as written, for each field that had a variable in it. Errors
   *  show the template, never the expanded value, which may hold a secret. */
  templates: Map<string, string>;
  problems: ExpansionProblem[];
}

// $${ is a literal ${; ${NAME} is a variable; any other ${ is a mistake worth naming.
const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/gu;
const SNIPPET_CHARS = 30;

/** Expands one template; a message per problem (an unset or empty variable, a malformed reference). */
export function expandTemplate(template: string, env: Env, tolerateUnset = false): { value: string; problems: string[] } {
  const problems: string[] = [];
  const value = template.replace(TOKEN, (match, name: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      const snippet = template.slice(offset, offset + SNIPPET_CHARS);
      problems.push(
        `expected \${NAME} with a variable name of letters, digits and _, got ${JSON.stringify(snippet)}; write $\${ for a literal \${`,
      );
      return match;
    }
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      if (tolerateUnset) return match;
      const state = resolved === undefined ? 'is not set' : 'is empty';
      problems.push(`the environment variable ${name} ${state} (used as \${${name}}); set it in the environment of the step`);
      return match;
    }
    return resolved;
  });
  return { value, problems };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Expands models[].base_url and models[].headers values; anything of the wrong shape is left to the schema. */
export function expandConfig(input: unknown, env: Env): ExpandedConfig {
  const templates = new Map<string, string>();
  const problems: ExpansionProblem[] = [];
  if (!isRecord(input) || !Array.isArray(input.models)) return { value: input, templates, problems };

  const expandAt = (path: KeyPath, template: unknown, tolerateUnset: boolean): unknown => {
    // Only strings contain templates; a "$" alone needs no work.
    if (typeof template !== 'string' || !template.includes('$')) return template;
    const result = expandTemplate(template, env, tolerateUnset);
    for (const message of result.problems) problems.push({ path, message });
    if (result.value !== template) templates.set(pathKey(path), template);
    return result.value;
  };

  // New objects, never in-place edits: a YAML alias can make two models the same object.
  const models = input.models.map((model: unknown, index) => {
    if (!isRecord(model)) return model;
    const out: Record<string, unknown> = { ...model };
    // A model without its key is skipped (fork PRs get no secrets): its other variables are
    // probably unset for the same reason, so they are left as written rather than reported.
    const keyVariable = model.api_key_env;
    const skipped = typeof keyVariable === 'string' && !env[keyVariable]?.trim();
    if ('base_url' in model) out.base_url = expandAt(['models', index, 'base_url'], model.base_url, skipped);
    if (isRecord(model.headers)) {
      out.headers = Object.fromEntries(
        Object.entries(model.headers).map(([name, value]) => [name, expandAt(['models', index, 'headers', name], value, skipped)]),
      );
    }
    return out;
  });
  return { value: { ...input, models }, templates, problems };
}
