// The action's inputs, read once and validated into a typed settings object. This file is the
// only caller of core.getInput; nothing downstream touches inputs.
import * as core from '@actions/core';
import { z } from 'zod';
import { UserError } from '../errors.ts';

const booleanInput = z
  .enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])
  .transform((value) => value.toLowerCase() === 'true');

export const ActionInputsSchema = z.object({
  config: z.string().min(1),
  mode: z.enum(['gate', 'update-baseline', 'report', 'merge']),
  githubToken: z.string(),
  comment: z.enum(['auto', 'always', 'never']),
  failOnRegression: booleanInput,
  commitBaseline: booleanInput,
  /** `i/n` in a matrix job that runs one shard; empty otherwise. */
  shard: z.string(),
  /** The folder of downloaded partial results, for mode merge. */
  partials: z.string(),
});

export type ActionInputs = z.infer<typeof ActionInputsSchema>;

const NAMES: Record<keyof ActionInputs, string> = {
  config: 'config',
  mode: 'mode',
  githubToken: 'github-token',
  comment: 'comment',
  failOnRegression: 'fail-on-regression',
  commitBaseline: 'commit-baseline',
  shard: 'shard',
  partials: 'partials',
};

const DEFAULTS: Record<keyof ActionInputs, string> = {
  config: 'vision-gate.yml',
  mode: 'gate',
  githubToken: '',
  comment: 'auto',
  failOnRegression: 'true',
  commitBaseline: 'false',
  shard: '',
  partials: '',
};

export function readInputs(): ActionInputs {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(NAMES)) {
    raw[key] = core.getInput(name).trim() || DEFAULTS[key as keyof ActionInputs];
  }
  const parsed = ActionInputsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0]) as keyof ActionInputs;
    const allowed =
      issue.code === 'invalid_value' ? `one of ${issue.values.map(String).join(' | ')}` : 'a non-empty value';
    return `input ${NAMES[key]}: expected ${allowed}, got "${raw[key]}"`;
  });
  throw new UserError(`${problems.join('\n')}\nFix the \`with:\` block of the vision-gate step in your workflow.`);
}
