import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandTemplate } from '../src/config/expand.ts';
import { loadConfig, parseConfig } from '../src/config/load.ts';
import { DEFAULT_PROMPT } from '../src/config/schema.ts';
import { UserError } from '../src/errors.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'config');
const FILE = 'vision-gate.yml';
const HINT =
  'See "The config file" in the README for every key, or point your editor at schema/vision-gate.schema.json to check the file as you type.';

/** Lines joined with \n, so a test reads like the file (line numbers are what the assertions check). */
const yaml = (...lines: string[]): string => lines.join('\n') + '\n';

const MODEL = ['  - id: m1', '    model: gpt-4.1-mini', '    base_url: https://api.example.com/v1', '    api_key_env: M1_KEY'];
const CASE = ['  - id: c1', '    image: images/a.png', '    expect: { any: [python] }'];
/** A valid file whose lines 1–10 are fixed; tests append what they break after it. */
const VALID = ['version: 1', 'models:', ...MODEL, 'cases:', ...CASE];

function thrown(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError, but nothing was thrown');
}

/** The issue lines of the error (without the count header and the README hint). */
function issues(text: string, env: Record<string, string | undefined> = {}): string[] {
  const error = thrown(() => parseConfig(text, FILE, env));
  const lines = error.message.split('\n');
  expect(lines[0]).toBe(`${FILE} has ${lines.length - 2} error${lines.length === 3 ? '' : 's'}:`);
  expect(lines.at(-1)).toBe(HINT);
  expect(error.exitCode).toBe(2);
  return lines.slice(1, -1);
}

describe('a valid config', () => {
  it('loads the CONTRACT example with every default filled in', async () => {
    const loaded = await loadConfig('contract-example.yml', {}, FIXTURES);
    expect(loaded.file).toBe(path.join(FIXTURES, 'contract-example.yml'));
    expect(loaded.dir).toBe(FIXTURES);
    expect(loaded.displayPath).toBe('contract-example.yml');
    const { config } = loaded;
    expect(config).toMatchObject({
      version: 1,
      baseline: '.vision-gate/baseline.json',
      runs: 3,
      concurrency: 4,
      timeout_ms: 30000,
      retries: 2,
      max_image_mb: 20, // not in the example: the default
      deadline_ms: null,
      defaults: { prompt: DEFAULT_PROMPT, max_tokens: 40, temperature: 0, detail: 'low', media: 'inline' },
      no_image_patterns: [],
    });
    expect(config.models).toEqual([
      {
        id: 'gpt-4.1-mini',
        model: 'gpt-4.1-mini',
        base_url: 'https://api.openai.com/v1',
        api_key_env: 'OPENAI_API_KEY',
        headers: { 'X-Title': 'my-app' },
        price: { input_per_mtok: 0.26, output_per_mtok: 1.04 },
      },
    ]);
    expect(config.cases).toEqual([
      {
        id: 'logo_python',
        image: 'images/python.png',
        prompt: 'What logo is this?',
        expect: { any: ['python'], all: [], none: ['java'], regex: null },
        must_pass: false,
      },
    ]);
    expect(config.gates).toEqual({
      recognition: { max_broken_cases: 0, min_accuracy: null },
      latency: { metric: 'p50', max_increase_pct: 25, min_increase_ms: 250, min_samples: 10 },
      image_path: 'fail',
      errors: { max_rate_increase: 0.05 },
      cost: { max_increase_pct: null },
    });
  });

  it('fills in defaults for a minimal file', () => {
    const { config } = parseConfig(yaml(...VALID), FILE, {});
    expect(config.runs).toBe(3);
    expect(config.defaults).toEqual({ prompt: DEFAULT_PROMPT, max_tokens: 100, temperature: 0, detail: 'low', media: 'inline' });
    expect(config.cases[0]).toEqual({
      id: 'c1',
      image: 'images/a.png',
      expect: { any: ['python'], all: [], none: [], regex: null },
      must_pass: false,
    });
    expect(config.gates.latency.metric).toBe('p50');
  });

  it('locates key paths, or their nearest existing parent', () => {
    const { locate } = parseConfig(yaml(...VALID), FILE, {});
    expect(locate([])).toEqual({ line: 1, column: 1 });
    expect(locate(['models', 0, 'base_url'])).toEqual({ line: 5, column: 5 });
    expect(locate(['cases', 0, 'image'])).toEqual({ line: 9, column: 5 });
    expect(locate(['cases', 0, 'expect', 'any', 0])).toEqual({ line: 10, column: 21 });
    expect(locate(['cases', 0, 'prompt'])).toEqual({ line: 8, column: 5 }); // absent: the case itself
    expect(locate(['gates', 'latency'])).toEqual({ line: 1, column: 1 }); // absent: the top level
  });

  it('follows YAML aliases, and a shared anchor is fine', () => {
    const text = yaml(
      'version: 1',
      'models:',
      ...MODEL,
      '    price: &price { input_per_mtok: 1, output_per_mtok: 2 }',
      '  - id: m2',
      '    model: m',
      '    base_url: https://api.example.com/v1',
      '    api_key_env: M2_KEY',
      '    price: *price',
      'cases:',
      ...CASE,
    );
    const { config, locate } = parseConfig(text, FILE, {});
    expect(config.models[1]!.price).toEqual({ input_per_mtok: 1, output_per_mtok: 2 });
    expect(locate(['models', 1, 'price', 'output_per_mtok'])).toEqual({ line: 7, column: 40 });
  });

  it('accepts a UTF-8 byte order mark and explicit core tags', () => {
    const text = '\uFEFF' + yaml(...VALID.slice(0, 3), '    model: !!str 4', ...VALID.slice(4));
    expect(parseConfig(text, FILE, {}).config.models[0]!.model).toBe('4');
  });
});

describe('config errors name file:line:column, the key path, what was expected and what was found', () => {
  it('formats the whole error: count, every issue sorted by position, then where to look', () => {
    const text = yaml(...VALID, 'runs: 0', 'retries: many');
    const error = thrown(() => parseConfig(text, FILE, {}));
    expect(error.message).toBe(
      [
        `${FILE} has 2 errors:`,
        `${FILE}:11:1 runs: expected an integer ≥ 1, got 0`,
        `${FILE}:12:1 retries: expected an integer between 0 and 10, got "many"`,
        HINT,
      ].join('\n'),
    );
  });

  it('matches the example in the README and the contract', () => {
    const text = yaml(
      'version: 1',
      'models:',
      ...MODEL,
      '  - id: b',
      '    model: m',
      '    base_url: https://api.example.com/v1',
      '    api_key_env: B_KEY',
      '    price:',
      '      output_per_mtok: 1',
      '      # USD per 1M tokens',
      '      input_per_mtok: cheap',
      'cases:',
      ...CASE,
    );
    const error = thrown(() => parseConfig(text, FILE, {}));
    expect(error.message).toBe(
      [`${FILE} has 1 error:`, `${FILE}:14:7 models[1].price.input_per_mtok: expected a number ≥ 0, got "cheap"`, HINT].join('\n'),
    );
  });

  it('reports a YAML syntax error at its position', () => {
    expect(issues(yaml('version: 1', 'models:', '  - id: a', '   model: [1, 2'))).toEqual([
      `${FILE}:4:1 YAML syntax error: Sequence item without - indicator`,
      `${FILE}:5:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
    expect(issues(yaml('version: 1', '\truns: 2'))).toEqual([`${FILE}:2:1 YAML syntax error: Tabs are not allowed as indentation`]);
  });

  it('refuses more than one YAML document', () => {
    expect(issues(yaml(...VALID, '---', 'version: 1'))).toEqual([
      `${FILE}:11:1 the file holds more than one YAML document (---); keep one`,
    ]);
  });

  it('reports a duplicate key with the line of the first', () => {
    expect(issues(yaml(...VALID, 'runs: 2', 'gates:', '  image_path: warn', '  image_path: off', 'runs: 3'))).toEqual([
      `${FILE}:14:3 gates.image_path: duplicate key; already set on line 13`,
      `${FILE}:15:1 runs: duplicate key; already set on line 11`,
    ]);
  });

  it('reports an empty file, and a file that is not a mapping', () => {
    expect(issues('')).toEqual([`${FILE}:1:1 the file is empty; expected a mapping with version, models and cases`]);
    expect(issues(yaml('# just a comment', ''))).toEqual([
      `${FILE}:1:1 the file is empty; expected a mapping with version, models and cases`,
    ]);
    expect(issues(yaml('', '- version: 1', '- models: []'))).toEqual([
      `${FILE}:2:1 expected a mapping with version, models and cases, got a list of 2 items`,
    ]);
    expect(issues(yaml('just some text'))).toEqual([
      `${FILE}:1:1 expected a mapping with version, models and cases, got "just some text"`,
    ]);
  });

  it('reports a missing required key at the mapping that should hold it', () => {
    expect(issues(yaml('# header', 'version: 1', 'cases:', ...CASE))).toEqual([`${FILE}:2:1 models: missing required key`]);
    expect(issues(yaml('version: 1', 'models:', ...MODEL.slice(0, 3), 'cases:', ...CASE))).toEqual([
      `${FILE}:3:5 models[0].api_key_env: missing required key`,
    ]);
    expect(issues(yaml(...VALID.slice(0, 7), '  - id: c1', '    expect: { any: [x] }'))).toEqual([
      `${FILE}:8:5 cases[0].image: missing required key`,
    ]);
  });

  it('reports a value of the wrong type', () => {
    expect(
      issues(
        yaml(
          'version: 1',
          'models:',
          '  - id: m1',
          '    model: 4',
          '    base_url: [https://api.example.com/v1]',
          '    api_key_env: M1_KEY',
          'cases:',
          ...CASE,
          'concurrency: 2.5',
          'defaults: high',
          'gates:',
          '  recognition: { min_accuracy: high }',
        ),
      ),
    ).toEqual([
      `${FILE}:4:5 models[0].model: expected a non-empty string, got 4 (put it in quotes to make it text)`,
      `${FILE}:5:5 models[0].base_url: expected a non-empty string, got a list of 1 item`,
      `${FILE}:11:1 concurrency: expected an integer between 1 and 256, got 2.5`,
      `${FILE}:12:1 defaults: expected a mapping, got "high"`,
      `${FILE}:14:18 gates.recognition.min_accuracy: expected a number between 0 and 1 or null, got "high"`,
    ]);
    expect(issues(yaml(...VALID.slice(0, 9), '    expect:'))).toEqual([
      `${FILE}:10:5 cases[0].expect: expected a mapping, got an empty value (null)`,
    ]);
  });

  it('reports a value out of range with the bound', () => {
    expect(
      issues(yaml(...VALID, 'max_image_mb: 0', 'timeout_ms: 900000', 'defaults: { temperature: 2.5, max_tokens: 0 }', 'deadline_ms: -5')),
    ).toEqual([
      `${FILE}:11:1 max_image_mb: expected a number > 0, got 0`,
      `${FILE}:12:1 timeout_ms: expected an integer ≤ 600000, got 900000`,
      `${FILE}:13:13 defaults.temperature: expected a number ≤ 2, got 2.5`,
      `${FILE}:13:31 defaults.max_tokens: expected an integer ≥ 1, got 0`,
      `${FILE}:14:1 deadline_ms: expected an integer ≥ 1, got -5`,
    ]);
    expect(issues(yaml('version: 1', 'models: []', 'cases:', ...CASE))).toEqual([
      `${FILE}:2:1 models: expected a non-empty list, got an empty list`,
    ]);
  });

  it('lists the allowed values of an enum', () => {
    expect(issues(yaml(...VALID, 'defaults:', '  detail: medium', 'gates: { image_path: maybe }'))).toEqual([
      `${FILE}:12:3 defaults.detail: expected one of low | high | auto, got "medium"`,
      `${FILE}:13:10 gates.image_path: expected one of fail | warn | off, got "maybe"`,
    ]);
  });

  it('suggests the closest key for an unknown one, else lists the allowed keys', () => {
    expect(
      issues(
        yaml(
          ...VALID.slice(0, 7),
          '  - id: c1',
          '    image: images/a.png',
          '    promt: What is this?',
          '    expect: { any: [python], regexp: x }',
          '    colour: red',
          'max-tokens: 3',
          'timeout: 5',
          'prompt: Hi',
          'cases_list: []',
        ),
      ),
    ).toEqual([
      `${FILE}:10:5 cases[0].promt: unknown key; did you mean prompt?`,
      `${FILE}:11:30 cases[0].expect.regexp: unknown key; did you mean regex?`,
      `${FILE}:12:5 cases[0].colour: unknown key; expected one of id, image, expect, must_pass, prompt, max_tokens, temperature, detail, media`,
      `${FILE}:13:1 max-tokens: unknown key at the top level; request settings go under defaults (defaults.max_tokens)`,
      `${FILE}:14:1 timeout: unknown key; did you mean timeout_ms?`,
      `${FILE}:15:1 prompt: unknown key at the top level; request settings go under defaults (defaults.prompt)`,
      `${FILE}:16:1 cases_list: unknown key; expected one of version, baseline, runs, concurrency, timeout_ms, retries, max_image_mb, deadline_ms, defaults, models, cases, gates, no_image_patterns`,
    ]);
  });

  it('reports duplicate model and case ids, along with the other errors of the list', () => {
    expect(
      issues(
        yaml(
          'version: 1',
          'models:',
          ...MODEL,
          ...MODEL.slice(0, 2),
          'cases:',
          ...CASE,
          ...CASE,
        ),
      ),
    ).toEqual([
      `${FILE}:7:5 models[1].api_key_env: missing required key`,
      `${FILE}:7:5 models[1].base_url: missing required key`,
      `${FILE}:7:5 models[1].id: duplicate id "m1": models[0] already uses it; ids must be unique`,
      `${FILE}:13:5 cases[1].id: duplicate id "c1": cases[0] already uses it; ids must be unique`,
    ]);
  });

  it('reports an invalid regular expression with the reason', () => {
    expect(
      issues(yaml(...VALID.slice(0, 9), '    expect: { regex: "(python" }', 'no_image_patterns:', '  - no image', '  - "[abc"')),
    ).toEqual([
      `${FILE}:10:15 cases[0].expect.regex: expected a valid regular expression (Unterminated group), got "(python"`,
      `${FILE}:13:5 no_image_patterns[1]: expected a valid regular expression (Unterminated character class), got "[abc"`,
    ]);
  });

  it('accepts only version 1', () => {
    expect(issues(yaml('version: 2', ...VALID.slice(1)))).toEqual([`${FILE}:1:1 version: expected 1, got 2`]);
    expect(issues(yaml('version: "1"', ...VALID.slice(1)))).toEqual([`${FILE}:1:1 version: expected 1, got "1"`]);
  });

  it('refuses an expectation that checks nothing', () => {
    expect(issues(yaml(...VALID.slice(0, 9), '    expect: { any: [], regex: null }'))).toEqual([
      `${FILE}:10:5 cases[0].expect: expected at least one of any, all, none or regex`,
    ]);
  });

  it('refuses a base_url that is not an http(s) URL, showing the template rather than the value', () => {
    const text = yaml(...VALID.slice(0, 4), '    base_url: ${GATEWAY}/v1', ...VALID.slice(5));
    expect(issues(text, { GATEWAY: 'ftp://user:hunter2@internal' })).toEqual([
      `${FILE}:5:5 models[0].base_url: expected an http(s) URL such as https://api.openai.com/v1, got "\${GATEWAY}/v1"`,
    ]);
    expect(parseConfig(text, FILE, { GATEWAY: 'http://127.0.0.1:8080' }).config.models[0]!.base_url).toBe('http://127.0.0.1:8080/v1');
    expect(issues(yaml(...VALID.slice(0, 4), '    base_url: api.example.com', ...VALID.slice(5)))).toEqual([
      `${FILE}:5:5 models[0].base_url: expected an http(s) URL such as https://api.openai.com/v1, got "api.example.com"`,
    ]);
  });

  it('refuses an image over plain http (or any scheme but https)', () => {
    const text = (image: string) => yaml(...VALID.slice(0, 8), `    image: ${image}`, VALID[9]!);
    expect(issues(text('http://example.com/logo.png'))).toEqual([
      `${FILE}:9:5 cases[0].image: expected an https URL or a path relative to the config file, got "http://example.com/logo.png"`,
    ]);
    expect(issues(text('ftp://example.com/logo.png'))).toHaveLength(1);
    expect(parseConfig(text('https://example.com/logo.png'), FILE, {}).config.cases[0]!.image).toBe('https://example.com/logo.png');
    expect(parseConfig(text('C:/images/logo.png'), FILE, {}).config.cases[0]!.image).toBe('C:/images/logo.png');
  });

  it('refuses a header name or value that would break the request', () => {
    const text = yaml(...VALID.slice(0, 6), '    headers: { "X Title": a, X-Ok: "a\\nb" }', ...VALID.slice(6));
    expect(issues(text)).toEqual([
      `${FILE}:7:16 models[0].headers["X Title"]: expected a header name of letters, digits and ! # $ % & ' * + - . ^ _ \` | ~, got "X Title"`,
      `${FILE}:7:30 models[0].headers.X-Ok: expected a header value without line breaks or control characters, got "a\\nb"`,
    ]);
  });

  it('never echoes what looks like a pasted API key in api_key_env', () => {
    const key = 'sk-proj-abcdefghijklmnop';
    const lines = issues(yaml(...VALID.slice(0, 5), `    api_key_env: ${key}`, ...VALID.slice(6)));
    expect(lines).toEqual([
      `${FILE}:6:5 models[0].api_key_env: expected an environment variable name such as OPENAI_API_KEY, got a value that is not a variable name (not shown, in case it is the key itself)`,
    ]);
    expect(lines.join('\n')).not.toContain(key);
  });

  it('refuses YAML tags other than the core ones', () => {
    expect(issues(yaml(...VALID, 'runs: !custom 3', 'baseline: !!binary aGk='))).toEqual([
      `${FILE}:11:1 runs: YAML tags are not supported (!custom); remove the tag`,
      `${FILE}:12:1 baseline: YAML tags are not supported (!!binary); remove the tag`,
    ]);
  });

  it('reports a key that is a list or a mapping, and an alias with no anchor', () => {
    expect(issues(yaml(...VALID, '? [a, b]', ': 1'))).toEqual([`${FILE}:11:3 a key must be a plain word, not a list or a mapping`]);
    expect(issues(yaml(...VALID, 'baseline: *nowhere'))).toEqual([
      `${FILE}:11:11 baseline: unknown alias *nowhere; define the anchor &nowhere before using it`,
    ]);
  });

  it('names a YAML merge key instead of guessing', () => {
    expect(issues(yaml(...VALID.slice(0, 6), '    <<: { price: { input_per_mtok: 1, output_per_mtok: 1 } }', ...VALID.slice(6)))).toEqual([
      `${FILE}:7:5 models[0]["<<"]: YAML merge keys (<<) are not supported; write the keys out`,
    ]);
  });
});

describe('${VAR} expansion', () => {
  const withModel = (...lines: string[]) => yaml('version: 1', 'models:', ...MODEL.slice(0, 2), ...lines, 'cases:', ...CASE);

  it('expands base_url and header values from the environment', () => {
    const text = withModel(
      '    base_url: https://${HOST}/v1',
      '    api_key_env: GATEWAY_KEY',
      '    headers: { Authorization: "Bearer ${TOKEN}", X-Literal: "$${NOT_A_VAR}", X-Price: "5$" }',
    );
    const { config } = parseConfig(text, FILE, { HOST: 'gw.example.com', TOKEN: 't0ken', GATEWAY_KEY: 'k' });
    expect(config.models[0]).toMatchObject({
      base_url: 'https://gw.example.com/v1',
      api_key_env: 'GATEWAY_KEY',
      headers: { Authorization: 'Bearer t0ken', 'X-Literal': '${NOT_A_VAR}', 'X-Price': '5$' },
    });
  });

  it('expands nothing else: api_key_env is a variable name, prompts are text', () => {
    const text = yaml(...VALID.slice(0, 8), '    image: images/${NAME}.png', '    prompt: Costs ${PRICE}?', VALID[9]!);
    const { config } = parseConfig(text, FILE, { NAME: 'x', PRICE: '1' });
    expect(config.cases[0]).toMatchObject({ image: 'images/${NAME}.png', prompt: 'Costs ${PRICE}?' });
    expect(issues(yaml(...VALID.slice(0, 5), '    api_key_env: ${KEY_NAME}', ...VALID.slice(6)), { KEY_NAME: 'K' })).toEqual([
      `${FILE}:6:5 models[0].api_key_env: expected an environment variable name such as OPENAI_API_KEY, got a value that is not a variable name (not shown, in case it is the key itself)`,
    ]);
  });

  it('names an unset or empty variable, and a malformed reference', () => {
    const text = withModel(
      '    base_url: ${GATEWAY_URL}',
      '    api_key_env: GATEWAY_KEY',
      '    headers:',
      '      X-Team: ${TEAM}',
      '      X-Bad: ${not-a-name}',
    );
    expect(issues(text, { TEAM: '', GATEWAY_KEY: 'k' })).toEqual([
      `${FILE}:5:5 models[0].base_url: the environment variable GATEWAY_URL is not set (used as \${GATEWAY_URL}); set it in the environment of the step`,
      `${FILE}:8:7 models[0].headers.X-Team: the environment variable TEAM is empty (used as \${TEAM}); set it in the environment of the step`,
      `${FILE}:9:7 models[0].headers.X-Bad: expected \${NAME} with a variable name of letters, digits and _, got "\${not-a-name}"; write $\${ for a literal \${`,
    ]);
  });

  it('shows the template, never the expanded secret, when an expanded value is invalid', () => {
    const secret = 'hunter2-top-secret';
    const text = withModel('    base_url: https://api.example.com/v1', '    api_key_env: K', '    headers: { X-Token: "${TOKEN}" }');
    const lines = issues(text, { TOKEN: `${secret}\r\nX-Evil: 1` });
    expect(lines).toEqual([
      `${FILE}:7:16 models[0].headers.X-Token: expected a header value without line breaks or control characters, got "\${TOKEN}"`,
    ]);
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('leaves the variables of a model without its key unexpanded, since that model is skipped (fork pull requests)', () => {
    const text = withModel('    base_url: ${GATEWAY_URL}/v1', '    api_key_env: GATEWAY_KEY', '    headers: { X-Team: "${TEAM}" }');
    const { config } = parseConfig(text, FILE, {});
    expect(config.models[0]).toMatchObject({ base_url: '${GATEWAY_URL}/v1', headers: { 'X-Team': '${TEAM}' } });
    // With the key present the same file is an error: that model would really be called.
    expect(issues(text, { GATEWAY_KEY: 'k' })).toHaveLength(2);
  });

  it('treats $${ as a literal ${ and leaves other dollars alone', () => {
    expect(expandTemplate('a$${B}c${D}$e$$', { D: 'd' })).toEqual({ value: 'a${B}cd$e$$', problems: [] });
  });
});

describe('hostile input', () => {
  it('refuses a file over 1 MiB before parsing it', () => {
    const error = thrown(() => parseConfig(yaml(...VALID) + '#'.repeat(1024 * 1024), FILE, {}));
    expect(error.message).toBe(`${FILE} is 1.0 MiB; a config file may be at most 1 MiB. Is it the right file?`);
  });

  it('counts bytes, not characters, against the limit', () => {
    const error = thrown(() => parseConfig(yaml(...VALID) + '# ' + 'é'.repeat(600 * 1024), FILE, {}));
    expect(error.message).toMatch(/^vision-gate\.yml is 1\.2 MiB; a config file may be at most 1 MiB\./u);
  });

  it('refuses an alias bomb quickly', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 30; i++) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(issues(yaml(...levels))).toEqual([
      `${FILE}:2:10 YAML aliases expand to too much data (over 100 aliased nodes); write the values out instead`,
    ]);
  });

  it('refuses absurdly deep nesting', () => {
    expect(issues(yaml(...VALID, 'runs: ' + '['.repeat(100_000)))).toEqual([
      `${FILE}:11:71 brackets nested more than 64 levels deep; refusing to parse`,
    ]);
    const block = Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i)}k${i}:`);
    expect(issues(yaml(...block))).toEqual([`${FILE}:65:129 the file is nested more than 64 levels deep; refusing to read it`]);
  });

  it('never throws anything but a UserError, whatever the text', () => {
    const valid = yaml(...VALID);
    const mutated = fc
      .tuple(fc.nat({ max: valid.length }), fc.nat({ max: 20 }), fc.string({ unit: 'binary', maxLength: 20 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), mutated), (text) => {
        try {
          parseConfig(text, FILE, {});
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          expect(error.message.startsWith(`${FILE}`)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vision-gate-config-'));
    mkdirSync(path.join(dir, 'suite'));
    writeFileSync(path.join(dir, 'suite', 'gate.yml'), yaml(...VALID));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the path against cwd and keeps the path as given for messages', async () => {
    const loaded = await loadConfig('suite/gate.yml', {}, dir);
    expect(loaded).toMatchObject({ file: path.join(dir, 'suite', 'gate.yml'), dir: path.join(dir, 'suite'), displayPath: 'suite/gate.yml' });
  });

  it('says what is missing, where it looked and what to do', async () => {
    await expect(loadConfig('vision-gate.yml', {}, dir)).rejects.toThrow(
      new UserError(
        `vision-gate.yml not found (looked for ${path.join(dir, 'vision-gate.yml')}). Create it (see "The config file" in the README), ` +
          'or pass the path of your config with --config PATH (in the action: the `config` input).',
      ),
    );
  });

  it('refuses a directory, an oversized file and a file that is not UTF-8', async () => {
    await expect(loadConfig('suite', {}, dir)).rejects.toThrow(/^suite is a directory; pass the path of the YAML config file/u);
    writeFileSync(path.join(dir, 'big.yml'), Buffer.alloc(2 * 1024 * 1024, 0x23));
    await expect(loadConfig('big.yml', {}, dir)).rejects.toThrow('big.yml is 2.0 MiB; a config file may be at most 1 MiB.');
    writeFileSync(path.join(dir, 'binary.yml'), Buffer.from([0x76, 0xff, 0xfe, 0x00]));
    await expect(loadConfig('binary.yml', {}, dir)).rejects.toThrow('binary.yml is not UTF-8 text');
  });
});
