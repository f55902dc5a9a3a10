// The baseline file: what a refresh records, that it is written deterministically and atomically,
// and that every way a committed file can be broken gives an error naming the file and the field.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBaseline } from '../src/baseline/build.ts';
import { caseFingerprint } from '../src/baseline/fingerprint.ts';
import { BaselineSchema, HISTORY_LIMIT, type Baseline } from '../src/baseline/schema.ts';
import { parseBaseline, readBaseline, serializeBaseline, writeBaseline } from '../src/baseline/store.ts';
import { Expectation } from '../src/config/schema.ts';
import { isUserError, UserError } from '../src/errors.ts';
import { baselineFrom, caseTrials, gateCases, passing, summaryOf, trial } from './helpers/gate.ts';

const FILE = '.vision-gate/baseline.json';
const cases = gateCases(['logo_python', 'logo_github']);

function sample(): Baseline {
  const trials = [
    ...passing('gpt-4.1-mini', 'logo_python', 3, 3, [1292.345, 1187.66, 1403.06]),
    ...caseTrials('gpt-4.1-mini', 'logo_github', ['pass', 'pass', 'error'], [1500.04, 1321.9]),
    ...caseTrials('gemini-2.5-flash', 'logo_python', ['no_image', 'no_image', 'no_image'], [4402.1, 4120, 3999.99]),
    ...caseTrials('gemini-2.5-flash', 'logo_github', ['no_image', 'timeout', 'no_image'], [4333.3, 0, 9507.2]),
  ];
  return baselineFrom(trials, cases);
}

/** Parses a text and returns the UserError it throws. */
function problem(text: string): UserError {
  try {
    parseBaseline(text, FILE);
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

/** The sample's JSON after a hand edit; the casts let an edit write what the type forbids. */
const edited = (edit: (raw: Baseline) => void): string => {
  const raw = JSON.parse(serializeBaseline(sample())) as Baseline;
  edit(raw);
  return JSON.stringify(raw, null, 2);
};

describe('case fingerprints', () => {
  const expect_ = Expectation.parse({ any: ['python'], none: ['java'] });
  const base = { imageSha256: 'a'.repeat(64), prompt: 'What logo is this?', expect: expect_ };

  it('are a stable sha256 of the question', () => {
    expect(caseFingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(caseFingerprint(base)).toBe(caseFingerprint({ ...base }));
  });

  it('change when the image, the prompt or the expectations change', () => {
    const original = caseFingerprint(base);
    expect(caseFingerprint({ ...base, imageSha256: 'b'.repeat(64) })).not.toBe(original);
    expect(caseFingerprint({ ...base, prompt: 'What is this?' })).not.toBe(original);
    expect(caseFingerprint({ ...base, expect: Expectation.parse({ any: ['python'] }) })).not.toBe(original);
    expect(caseFingerprint({ ...base, expect: Expectation.parse({ any: ['python'], none: ['java'], regex: 'py' }) })).not.toBe(original);
  });

  it('do not change when terms are only reordered or re-cased (matching ignores both)', () => {
    const a = caseFingerprint({ ...base, expect: Expectation.parse({ any: ['python', 'py'], none: ['java'] }) });
    const b = caseFingerprint({ ...base, expect: Expectation.parse({ any: ['Py', 'Python'], none: ['JAVA'] }) });
    expect(a).toBe(b);
  });
});

describe('building a baseline', () => {
  it('records per case the trials, passes, transport errors, answered latencies and tokens', () => {
    const b = sample();
    expect(b.schema_version).toBe(1);
    expect(b.provenance).toEqual({ created_at: '2026-06-21T13:36:32.000Z', commit: 'abc1234', config: 'vision-gate.yml', runs: 3 });
    const github = b.models['gpt-4.1-mini']!.cases.logo_github!;
    expect(github).toMatchObject({ fingerprint: cases[1]!.fingerprint, trials: 3, passes: 2, errors: 1 });
    expect(github.latencies_ms).toEqual([1321.9, 1500.04]);
    expect(github.tokens.prompt_avg).toBe(100);
    const blind = b.models['gemini-2.5-flash']!.cases.logo_github!;
    expect(blind).toMatchObject({ trials: 3, passes: 0, errors: 1 });
    expect(b.models['gpt-4.1-mini']!.route).toEqual({ model: 'gpt-4.1-mini', host: 'api.example.com', settings: { detail: 'low', max_tokens: 40 } });
    expect(b.history).toHaveLength(1);
    expect(b.history[0]!.models['gpt-4.1-mini']).toEqual({ p50_ms: b.models['gpt-4.1-mini']!.latency_ms.p50, accuracy: 5 / 6, samples: 5 });
  });

  it('keeps a history of the last refreshes, oldest dropped first', () => {
    const trials = passing('m', 'logo_python', 3, 3);
    let b: Baseline | null = null;
    for (let i = 0; i < HISTORY_LIMIT + 5; i += 1) {
      b = buildBaseline({
        previous: b,
        now: `2026-07-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`,
        commit: `c${i}`,
        configPath: 'vision-gate.yml',
        runs: 3,
        models: [summaryOf('m', trials)],
        trials,
        fingerprints: { logo_python: cases[0]!.fingerprint },
      });
    }
    expect(b!.history).toHaveLength(HISTORY_LIMIT);
    expect(b!.history.at(-1)!.commit).toBe(`c${HISTORY_LIMIT + 4}`);
    expect(b!.history[0]!.commit).toBe('c5');
    expect(() => BaselineSchema.parse(b)).not.toThrow();
  });

  it('keeps the last measurement of a model skipped in this refresh (no key), and drops models no longer configured', () => {
    const previous = sample();
    const skippedTrials = [trial('gpt-4.1-mini', 'logo_python', 1, { verdict: 'skipped' })];
    const fresh = passing('gemini-2.5-flash', 'logo_python', 3, 3);
    const next = buildBaseline({
      previous,
      now: '2026-07-01T00:00:00.000Z',
      commit: null,
      configPath: 'vision-gate.yml',
      runs: 3,
      models: [summaryOf('gpt-4.1-mini', skippedTrials), summaryOf('gemini-2.5-flash', fresh)],
      trials: [...skippedTrials, ...fresh],
      fingerprints: { logo_python: cases[0]!.fingerprint },
    });
    expect(next.models['gpt-4.1-mini']).toEqual(previous.models['gpt-4.1-mini']);
    expect(Object.keys(next.models['gemini-2.5-flash']!.cases)).toEqual(['logo_python']);
    expect(next.models['gemini-2.5-flash']!.cases.logo_python!.passes).toBe(3);
    expect(Object.keys(next.history.at(-1)!.models)).toEqual(['gemini-2.5-flash']);
  });
});

describe('serialising a baseline', () => {
  it('sorts keys, rounds latencies to 0.1 ms, indents by 2 and ends with a newline', () => {
    const text = serializeBaseline(sample());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "history": [')).toBe(true);
    const raw = JSON.parse(text);
    expect(Object.keys(raw)).toEqual(['history', 'models', 'provenance', 'schema_version']);
    expect(Object.keys(raw.models)).toEqual(['gemini-2.5-flash', 'gpt-4.1-mini']);
    expect(raw.models['gpt-4.1-mini'].cases.logo_python.latencies_ms).toEqual([1187.7, 1292.3, 1403.1]);
    expect(raw.models['gpt-4.1-mini'].cases.logo_github.latencies_ms).toEqual([1321.9, 1500]);
  });

  it('does not depend on the order the data was built in', () => {
    const b = sample();
    const reversed: Baseline = { ...b, models: Object.fromEntries(Object.entries(b.models).reverse()) };
    expect(serializeBaseline(reversed)).toBe(serializeBaseline(b));
  });

  it('refuses to produce a file it could not read back', () => {
    const b = sample();
    b.models['gpt-4.1-mini']!.cases.logo_python!.passes = 7;
    expect(() => serializeBaseline(b)).toThrow();
  });
});

describe('the baseline file on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-baseline-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('written, read back and written again is byte-identical', async () => {
    const file = path.join(dir, '.vision-gate', 'baseline.json');
    await writeBaseline(file, sample());
    const first = await readFile(file, 'utf8');
    const read = await readBaseline(file);
    expect(read).not.toBeNull();
    await writeBaseline(file, read!);
    expect(await readFile(file, 'utf8')).toBe(first);
    expect(parseBaseline(first, FILE)).toEqual(read);
  });

  it('is null when there is no baseline yet', async () => {
    expect(await readBaseline(path.join(dir, 'nothing', 'baseline.json'))).toBeNull();
  });

  it('creates the directory and leaves no temporary files', async () => {
    const file = path.join(dir, 'deep', 'er', 'baseline.json');
    await writeBaseline(file, sample());
    await writeBaseline(file, sample());
    expect(await readdir(path.dirname(file))).toEqual(['baseline.json']);
  });

  it('keeps the previous file intact when the new baseline cannot be serialised', async () => {
    const file = path.join(dir, 'baseline.json');
    await writeBaseline(file, sample());
    const before = await readFile(file, 'utf8');
    const broken = sample();
    broken.models['gpt-4.1-mini']!.cases.logo_python!.latencies_ms = [Number.NaN];
    await expect(writeBaseline(file, broken)).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['baseline.json']);
  });

  it('reports a baseline path that is a directory as a user error naming it', async () => {
    const file = path.join(dir, 'baseline.json');
    await mkdir(file);
    await expect(readBaseline(file)).rejects.toThrow(UserError);
    await expect(readBaseline(file)).rejects.toThrow(/baseline\.json: cannot read the baseline \(EISDIR\)/);
  });

  it('names the file in errors found while reading it', async () => {
    const file = path.join(dir, 'baseline.json');
    await writeFile(file, '{"schema_version": 1, "models": ');
    await expect(readBaseline(file)).rejects.toThrow(/baseline\.json: not valid JSON/);
  });
});

describe('a corrupt or unexpected baseline file', () => {
  it.each([
    ['empty', '', /the baseline file is empty/],
    ['only whitespace', ' \n\n', /the baseline file is empty/],
    ['truncated', serializeBaseline(sample()).slice(0, 200), /not valid JSON .*truncated/],
    ['left with merge-conflict markers', `<<<<<<< HEAD\n${serializeBaseline(sample())}=======\n{}\n>>>>>>> main\n`, /merge-conflict markers/],
    ['an array', '[]', /\(top level\): expected a JSON object with schema_version, got an array/],
    ['without schema_version', '{"models": {}}', /schema_version: missing/],
    ['with a non-numeric schema_version', '{"schema_version": "1"}', /schema_version: expected a positive integer, got "1"/],
    ['from a future version', edited((raw) => ((raw as { schema_version: number }).schema_version = 3)), /schema_version: 3 is newer than this vision-gate understands \(1\); upgrade vision-gate/],
    ['from a version no release wrote', edited((raw) => ((raw as { schema_version: number }).schema_version = 0)), /schema_version: expected a positive integer, got 0/],
  ])('is a clear error when %s', (_name, text, message) => {
    const error = problem(text);
    expect(error.exitCode).toBe(2);
    expect(error.message.startsWith(`${FILE}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it.each([
    [
      'more passes than trials',
      (raw: Baseline) => (raw.models['gpt-4.1-mini']!.cases.logo_python!.passes = 4),
      'models["gpt-4.1-mini"].cases.logo_python.passes: 4 passes out of 3 trials; passes cannot exceed trials',
    ],
    [
      'a negative latency',
      (raw: Baseline) => (raw.models['gpt-4.1-mini']!.cases.logo_python!.latencies_ms[1] = -5),
      'models["gpt-4.1-mini"].cases.logo_python.latencies_ms[1]: Too small',
    ],
    [
      'more latencies than answered trials',
      (raw: Baseline) => raw.models['gpt-4.1-mini']!.cases.logo_github!.latencies_ms.push(1000),
      'models["gpt-4.1-mini"].cases.logo_github.latencies_ms: 3 latencies but only 2 answered trials',
    ],
    [
      'a passing trial that also errored',
      (raw: Baseline) => (raw.models['gpt-4.1-mini']!.cases.logo_github!.errors = 2),
      'models["gpt-4.1-mini"].cases.logo_github.errors: 2 passes plus 2 errors exceed 3 trials',
    ],
    [
      'a mangled fingerprint',
      (raw: Baseline) => (raw.models['gemini-2.5-flash']!.cases.logo_python!.fingerprint = 'abc'),
      'models["gemini-2.5-flash"].cases.logo_python.fingerprint: expected a sha256 hex digest',
    ],
    [
      'a number written as text',
      (raw: Baseline) => ((raw.models['gpt-4.1-mini'] as unknown as Record<string, unknown>).requests = '6'),
      'models["gpt-4.1-mini"].requests: Invalid input: expected number, received string',
    ],
    ['an unknown key', (raw: Baseline) => ((raw.provenance as Record<string, unknown>).comitt = 'x'), 'provenance: Unrecognized key: "comitt"'],
    ['a missing section', (raw: Baseline) => delete (raw as Partial<Baseline>).provenance, 'provenance: Invalid input'],
  ])('names the field when a hand edit left %s', (_name, edit, message) => {
    const error = problem(edited(edit));
    expect(error.message).toContain(`${FILE}: ${message}`);
    expect(error.message).toMatch(/update-baseline/);
  });
});
