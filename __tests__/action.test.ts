// The bundled action (dist/index.js) as a child process, the way the runner starts it.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/report/schema.ts';
import { runAction } from './helpers/action.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

let suite: Suite | null = null;
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
});

describe('the action entry', () => {
  it('writes the report and scorecard files, the outputs and the job summary', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const run = await runAction({ dir: suite.dir, inputs: { mode: 'report', comment: 'never' }, env: suite.env });
    expect(run.code).toBe(0);
    expect(run.outputs.passed).toBe('true');
    expect(run.outputs.regressions).toBe('0');
    expect(run.outputs['comment-url']).toBe('');
    const report = ReportSchema.parse(JSON.parse(await readFile(run.outputs.report!, 'utf8')));
    expect(report.models.map((m) => m.correct)).toEqual([6, 6]);
    const scorecard = await readFile(run.outputs.scorecard!, 'utf8');
    expect(run.summary).toContain('gpt-4.1-mini');
    expect(run.summary.trim()).toBe(scorecard.trim());
  });

  it('masks API keys with the runner and keeps them out of every output', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'sees' } });
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const run = await runAction({ dir: suite.dir, inputs: { mode: 'report' }, env: suite.env });
    expect(run.stdout).toContain(`::add-mask::${suite.env.SIM_KEY}`);
    expect(run.summary).not.toContain(suite.env.SIM_KEY);
    expect(await readFile(run.outputs.report!, 'utf8')).not.toContain(suite.env.SIM_KEY);
  });

  it('fails the step on a failing gate, after writing the summary, unless fail-on-regression is false', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': { vision: 'sees' }, 'gemini-2.5-flash': { vision: 'blind' } });
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const failing = await runAction({ dir: suite.dir, inputs: { mode: 'gate' }, env: suite.env });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/::error::vision-gate: \d+ regressions?/);
    expect(failing.outputs.passed).toBe('false');
    expect(Number(failing.outputs.regressions)).toBeGreaterThan(0);
    expect(failing.summary).toContain('gemini-2.5-flash');

    const tolerated = await runAction({ dir: suite.dir, inputs: { mode: 'gate', 'fail-on-regression': 'false' }, env: suite.env });
    expect(tolerated.code).toBe(0);
    expect(tolerated.outputs.passed).toBe('false');
  });

  it('rejects a bad input value naming the allowed values', async () => {
    suite = await makeSuite({});
    const run = await runAction({ dir: suite.dir, inputs: { mode: 'gatee' }, env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('input mode: expected one of gate | update-baseline | report | merge, got "gatee"');
  });

  it('fails with a clear message when the config is missing', async () => {
    suite = await makeSuite({});
    const run = await runAction({ dir: suite.dir, inputs: {}, env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*vision-gate\.yml/);
    expect(run.stdout).not.toContain('internal error');
  });
});
