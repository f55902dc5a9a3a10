// The committed baseline is state every later run trusts. A broken file is a clear error (exit 2)
// naming the file and the field — the parse-level cases live in baseline.test.ts — and a file
// that is not a file at all (a device, a FIFO, a link to elsewhere) is refused before it can hang
// or flood the run. Above all, a run that failed never replaces the previous baseline.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BASELINE_BYTES, readBaseline, writeBaseline } from '../src/baseline/store.ts';
import { assertBaselineWritable, baselineRefusal } from '../src/baseline/writable.ts';
import { runEngine } from '../src/engine.ts';
import { UserError } from '../src/errors.ts';
import { cli } from './helpers/cli.ts';
import { baselineFrom, gateCases, passing } from './helpers/gate.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

const posixOnly = it.skipIf(process.platform === 'win32');
const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };
const STACK = /\n\s+at .+:\d+/;
const BASELINE = '.vision-gate/baseline.json';

let suite: Suite | null = null;
const temps: string[] = [];
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-state-'));
  temps.push(dir);
  return dir;
}

/** A suite with a baseline written by a healthy update-baseline run; returns its exact text. */
async function baselined(extra = ''): Promise<{ s: Suite; before: string }> {
  const s = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees', latencyMs: 5 }, 'gemini-2.5-flash': { vision: 'sees', latencyMs: 5 } });
  suite = s;
  await s.write('vision-gate.yml', TWO_MODEL_CONFIG(extra));
  // In process, to save a CLI start; the runs under test go through the CLI.
  const refresh = await runEngine({ configPath: 'vision-gate.yml', mode: 'update-baseline', env: s.env, cwd: s.dir, log: quiet });
  expect(refresh.written).not.toBeNull();
  return { s, before: await readFile(path.join(s.dir, BASELINE), 'utf8') };
}

const sample = () => {
  const cases = gateCases(['logo_python']);
  return baselineFrom(passing('gpt-4.1-mini', 'logo_python', 3, 3), cases);
};

describe('a failed run never replaces the previous baseline', () => {
  it('update-baseline cut short by its deadline: exit 2, the file is unchanged, and the message says why', async () => {
    const { s, before } = await baselined();
    s.simulator.setBehaviour('gpt-4.1-mini', { vision: 'sees', latencyMs: 400 });
    s.simulator.setBehaviour('gemini-2.5-flash', { vision: 'sees', latencyMs: 400 });
    await s.write('vision-gate.yml', TWO_MODEL_CONFIG('deadline_ms: 500\n'));
    const run = await cli(['run', '--mode', 'update-baseline'], s);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the baseline was not written, and the previous baseline is unchanged: the run is incomplete: \d+ requests of 12 did not run/);
    expect(run.stderr).not.toMatch(STACK);
    expect(await readFile(path.join(s.dir, BASELINE), 'utf8')).toBe(before);
  });

  it('update-baseline where a model never answered (a revoked key): exit 2, the file is unchanged', async () => {
    const { s, before } = await baselined();
    s.simulator.setBehaviour('gemini-2.5-flash', { vision: 'sees', faultRates: { echo: 1 } }); // 401 for every request
    const run = await cli(['run', '--mode', 'update-baseline'], s);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('model gemini-2.5-flash got no answer to any of its 6 requests (HTTP 401 ×6); fix its route (key, base_url) first');
    expect(run.stderr).not.toContain(s.env.SIM_KEY);
    expect(await readFile(path.join(s.dir, BASELINE), 'utf8')).toBe(before);
  });

  it('update-baseline with a few transport errors still refreshes: errors are part of what the baseline measures', async () => {
    const { s, before } = await baselined();
    s.simulator.setBehaviour('gemini-2.5-flash', { vision: 'sees', script: ['bad_request'] });
    const run = await cli(['run', '--mode', 'update-baseline'], s);
    expect(run.code, run.stderr).toBe(0);
    const after = await readFile(path.join(s.dir, BASELINE), 'utf8');
    expect(after).not.toBe(before);
    expect(JSON.parse(after).models['gemini-2.5-flash'].errors).toBe(1);
  });

  it('the rule, as a pure check the engine runs before writing', () => {
    const ok = { verdict: 'pass' as const, error: null, status: 200 };
    const models = [{ id: 'a', verdict: 'pass' as const, requests: 2, http_success: 2 }];
    expect(baselineRefusal({ models, trials: [{ model: 'a', ...ok }, { model: 'a', ...ok }] })).toBeNull();
    // Skipped models (no key) keep their previous entry; they are not a reason to refuse.
    expect(baselineRefusal({ models: [...models, { id: 'b', verdict: 'skipped', requests: 0, http_success: 0 }], trials: [] })).toBeNull();
    const stopped = { models, trials: [{ model: 'a', ...ok }, { model: 'a', verdict: 'not_run' as const, error: null, status: null }] };
    expect(baselineRefusal(stopped)).toMatch(/^the run is incomplete: 1 request of 2 did not run/);
    const dead = {
      models: [{ id: 'a', verdict: 'fail' as const, requests: 2, http_success: 0 }],
      trials: [
        { model: 'a', verdict: 'timeout' as const, error: 'timeout' as const, status: null },
        { model: 'a', verdict: 'error' as const, error: 'connection' as const, status: null },
      ],
    };
    expect(baselineRefusal(dead)).toBe('model a got no answer to any of its 2 requests (timeout ×1, connection ×1); fix its route (key, base_url) first');
    expect(() => assertBaselineWritable(dead, '.vision-gate/baseline.json')).toThrow(UserError);
    expect(() => assertBaselineWritable(dead, '.vision-gate/baseline.json')).toThrow(/^\.vision-gate\/baseline\.json was not written, and the previous baseline is unchanged: model a/);
  });
});

describe('a broken baseline', () => {
  it('update-baseline refuses it too, and says to delete it; after that, a refresh works', async () => {
    const { s } = await baselined();
    const file = path.join(s.dir, BASELINE);
    await writeFile(file, '{"schema_version": 1, "models": {');
    const gate = await cli(['run'], s);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toMatch(
      /\.vision-gate\/baseline\.json: not valid JSON \((it ends too early|unexpected text at line 1, column \d+)\); the file may be truncated\. Restore it from git, or delete it and run `vision-gate run --mode update-baseline`/,
    );
    const refresh = await cli(['run', '--mode', 'update-baseline'], s);
    expect(refresh.code).toBe(2);
    expect(await readFile(file, 'utf8')).toBe('{"schema_version": 1, "models": {');
    await rm(file);
    expect((await cli(['run', '--mode', 'update-baseline'], s)).code).toBe(0);
  });

  posixOnly('a committed symlink to /dev/zero is refused at once, not read until memory runs out', async () => {
    const { s } = await baselined();
    const file = path.join(s.dir, BASELINE);
    await rm(file);
    await symlink('/dev/zero', file);
    const started = performance.now();
    const run = await cli(['run'], s);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.vision-gate/baseline.json: cannot read the baseline: it is a device file, not a regular file.');
    expect(run.stderr).not.toMatch(STACK);
  });

  posixOnly('a symlink to a file with secrets is refused without quoting a byte of it', async () => {
    const { s } = await baselined();
    const file = path.join(s.dir, BASELINE);
    const secret = path.join(await tempDir(), 'env');
    await writeFile(secret, 'SECRET_TOKEN=ghp_0123456789abcdef\nPATH=/usr/bin\n');
    await rm(file);
    await symlink(secret, file);
    const run = await cli(['run'], s);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/baseline\.json: not valid JSON \(unexpected text/);
    expect(run.stderr).not.toMatch(/SECRET|ghp_|PATH=/);
  });

  posixOnly('a FIFO is refused without waiting for a writer', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'baseline.json');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    await expect(readBaseline(fifo)).rejects.toThrow(/baseline\.json: cannot read the baseline: it is a named pipe \(FIFO\), not a regular file/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('a file larger than any baseline is refused before it is read', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'baseline.json');
    await writeFile(file, '{');
    await truncate(file, MAX_BASELINE_BYTES + 1); // sparse: costs no disk
    await expect(readBaseline(file)).rejects.toThrow(/baseline\.json: the baseline is 64\.0 MiB, over the 64 MiB a baseline can be/);
  });
});

describe('the baseline stays inside the repository', () => {
  posixOnly('given the repository, a baseline that resolves outside it is neither read nor written', async () => {
    const root = await tempDir();
    const elsewhere = await tempDir();
    await writeBaseline(path.join(elsewhere, 'baseline.json'), sample());
    await symlink(path.join(elsewhere, 'baseline.json'), path.join(root, 'linked.json'));
    await symlink(elsewhere, path.join(root, 'linked-dir'));
    await expect(readBaseline(path.join(root, 'linked.json'), { root })).rejects.toThrow(/the baseline resolves to .*, outside the repository/);
    await expect(readBaseline(path.join(root, '..', path.basename(elsewhere), 'baseline.json'), { root })).rejects.toThrow(/outside the repository/);
    await expect(writeBaseline(path.join(root, 'linked-dir', 'new.json'), sample(), { root })).rejects.toThrow(
      /the baseline would be written to .*, outside the repository/,
    );
    // Inside, both work, including a folder that does not exist yet.
    await writeBaseline(path.join(root, '.vision-gate', 'deep', 'baseline.json'), sample(), { root });
    expect(await readBaseline(path.join(root, '.vision-gate', 'deep', 'baseline.json'), { root })).not.toBeNull();
  });

  posixOnly('validate, which knows the repository, refuses a baseline linked from outside it', async () => {
    const { s } = await baselined();
    const file = path.join(s.dir, BASELINE);
    const elsewhere = path.join(await tempDir(), 'baseline.json');
    await writeFile(elsewhere, await readFile(file));
    await rm(file);
    await symlink(elsewhere, file);
    const run = await cli(['validate'], s);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.vision-gate\/baseline\.json: the baseline resolves to .*, outside the repository/);
  });

  it('a baseline that cannot be written is a user error naming the file, and leaves nothing behind', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'notes.txt'), 'a file where a folder should be');
    const error = await writeBaseline(path.join(dir, 'notes.txt', 'baseline.json'), sample()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/notes\.txt\/baseline\.json: cannot write the baseline \((ENOTDIR|EEXIST)\)/);
    await mkdir(path.join(dir, 'taken'));
    const intoDirectory = await writeBaseline(path.join(dir, 'taken'), sample()).catch((e: unknown) => e);
    expect((intoDirectory as UserError).message).toMatch(/taken: cannot write the baseline \(EISDIR\)/);
  });
});

describe('result files the CLI cannot write', () => {
  it('are a clear error (exit 2), not a crash', async () => {
    const { s } = await baselined();
    await mkdir(path.join(s.dir, 'taken.json'));
    const run = await cli(['run', '--json', 'taken.json'], s);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/vision-gate: cannot write taken\.json \(EISDIR\); choose another path with --json or --markdown\./);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stderr).not.toContain('internal error');
  });
});
