import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { jsonSchemas } from '../src/schemas.ts';
import { sampleReport } from './helpers/render-fixture.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = (name: string): string => readFileSync(path.join(ROOT, 'schema', name), 'utf8');

/** A validator built from the committed JSON Schema, as an editor or a report consumer reads it. */
const validatorFor = (name: string) => z.fromJSONSchema(JSON.parse(committed(name)) as z.core.JSONSchema.JSONSchema);

describe('the shipped JSON Schemas', () => {
  it('are exactly what the zod schemas generate (run `npm run schema` after changing a schema)', () => {
    const generated = jsonSchemas();
    expect(Object.keys(generated).sort()).toEqual(['report.schema.json', 'vision-gate.schema.json']);
    for (const [name, text] of Object.entries(generated)) {
      expect(committed(name), `schema/${name} is stale: run \`npm run schema\` and commit the result`).toBe(text);
    }
  });

  it('are deterministic text with an id, a title and a trailing newline', () => {
    const first = jsonSchemas();
    expect(jsonSchemas()).toEqual(first);
    for (const [name, text] of Object.entries(first)) {
      expect(text.endsWith('}\n')).toBe(true);
      const schema = JSON.parse(text) as { $id: string; title: string };
      expect(schema.$id).toMatch(new RegExp(`/schema/${name.replace(/\./gu, '\\.')}$`, 'u'));
      expect(schema.title).toMatch(/^vision-gate /u);
    }
  });
});

describe('the config JSON Schema, as an editor applies it', () => {
  const validate = validatorFor('vision-gate.schema.json');
  const contract = parseYaml(readFileSync(path.join(ROOT, '__tests__', 'fixtures', 'config', 'contract-example.yml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const minimal = {
    version: 1,
    models: [{ id: 'm', model: 'gpt-4.1-mini', base_url: '${GATEWAY_URL}', api_key_env: 'GATEWAY_KEY' }],
    cases: [{ id: 'c', image: 'images/a.png', expect: { any: ['python'] } }],
  };

  it('accepts the CONTRACT example, and a minimal file that relies on defaults and ${VAR}', () => {
    expect(validate.safeParse(contract).success).toBe(true);
    expect(validate.safeParse(minimal).success).toBe(true);
  });

  it.each([
    ['an unknown key', { ...minimal, promt: 'x' }],
    ['a missing required key', { version: 1, models: minimal.models }],
    ['another version', { ...minimal, version: 2 }],
    ['a wrong type', { ...minimal, runs: 'three' }],
    ['a value out of range', { ...minimal, concurrency: 0 }],
    ['a bad enum value', { ...minimal, defaults: { detail: 'medium' } }],
    ['an empty model list', { ...minimal, models: [] }],
    ['a bad id', { ...minimal, cases: [{ ...minimal.cases[0], id: 'has space' }] }],
    ['an unknown key in a model', { ...minimal, models: [{ ...minimal.models[0], api_key: 'sk-…' }] }],
  ])('refuses %s', (_what, config) => {
    expect(validate.safeParse(config).success).toBe(false);
  });
});

describe('the report JSON Schema, as a consumer applies it', () => {
  const validate = validatorFor('report.schema.json');
  const report = JSON.parse(JSON.stringify(sampleReport())) as Record<string, unknown>;

  it('accepts a report vision-gate writes', () => {
    expect(validate.safeParse(report).success).toBe(true);
  });

  it('accepts fields added later, as the contract allows, and refuses a missing or mistyped one', () => {
    expect(validate.safeParse({ ...report, added_later: true }).success).toBe(true);
    const { passed: _passed, ...withoutPassed } = report;
    expect(validate.safeParse(withoutPassed).success).toBe(false);
    expect(validate.safeParse({ ...report, regressions: 'two' }).success).toBe(false);
  });
});
