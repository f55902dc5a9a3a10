// The gate end to end: `update-baseline` against the simulator, then `run --mode gate` after the
// routes change, through the bundled CLI and real HTTP. Every request below returns HTTP 200
// unless the test says otherwise — the point is that status codes prove nothing.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBaseline, serializeBaseline } from '../src/baseline/store.ts';
import { ReportSchema, type Report } from '../src/report/schema.ts';
import { cli } from './helpers/cli.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

let suite: Suite | null = null;
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
});

// 2 cases × 5 runs = 10 successful samples per model: the latency gate's default minimum.
const CONFIG = TWO_MODEL_CONFIG().replace('runs: 3', 'runs: 5');
const STEADY = { vision: 'sees' as const, latencyMs: 200, jitter: 0.1 };

async function baselined(): Promise<Suite> {
  const s = await makeSuite({ 'gpt-4.1-mini': STEADY, 'gemini-2.5-flash': STEADY });
  await s.write('vision-gate.yml', CONFIG);
  const refresh = await cli(['run', '--mode', 'update-baseline', '--json', 'refresh.json'], s);
  expect(refresh.code, refresh.stderr).toBe(0);
  expect(refresh.stderr).toContain('baseline written');
  return s;
}

async function gate(s: Suite): Promise<{ code: number; stdout: string; stderr: string; report: Report; markdown: string }> {
  const run = await cli(['run', '--json', 'gate.json', '--markdown', 'gate.md'], s);
  const report = ReportSchema.parse(JSON.parse(await readFile(path.join(s.dir, 'gate.json'), 'utf8')));
  return { ...run, report, markdown: await readFile(path.join(s.dir, 'gate.md'), 'utf8') };
}

const failures = (report: Report) => report.findings.filter((f) => f.severity === 'fail').map((f) => `${f.model} ${f.kind}`);

describe('the gate against a committed baseline', () => {
  it('passes an unchanged setup (exit 0)', async () => {
    suite = await baselined();
    const result = await gate(suite);
    expect(failures(result.report)).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.report).toMatchObject({ passed: true, regressions: 0, baseline: { status: 'compared' } });
    expect(result.markdown).toContain('passed');
  });

  it('fails a route that starts dropping the image — recognition and image path — although every request returned 200', async () => {
    suite = await baselined();
    suite.simulator.setBehaviour('gemini-2.5-flash', { ...STEADY, vision: 'blind' });
    const result = await gate(suite);
    expect(result.code).toBe(1);
    const gemini = result.report.models.find((m) => m.id === 'gemini-2.5-flash')!;
    expect(gemini).toMatchObject({ http_success: 10, correct: 0, image_path: 'dropped', verdict: 'fail' });
    expect(failures(result.report).sort()).toEqual(['gemini-2.5-flash image_path', 'gemini-2.5-flash recognition']);
    expect(result.report.regressions).toBe(2);
    expect(result.markdown).toMatch(/gemini-2\.5-flash.*10\/10 → 0\/10/);
    expect(result.report.cases.filter((c) => c.model === 'gemini-2.5-flash').map((c) => c.status)).toEqual(['broken', 'broken']);
  });

  it('fails a model made 3× slower on latency, with the numbers and the interval in the finding', async () => {
    suite = await baselined();
    suite.simulator.setBehaviour('gpt-4.1-mini', { ...STEADY, latencyMs: 600 });
    const result = await gate(suite);
    expect(result.code).toBe(1);
    expect(failures(result.report)).toEqual(['gpt-4.1-mini latency']);
    const finding = result.report.findings.find((f) => f.kind === 'latency' && f.severity === 'fail')!;
    expect(finding.message).toMatch(/p50 .* → .* \(\+\d+%, 95% CI \+\d+…\+\d+%\)/);
    expect(finding.numbers.increase_pct).toBeGreaterThan(100);
  });

  it('without a baseline, tells the user to run update-baseline and gates only on absolute checks', async () => {
    suite = await makeSuite({ 'gpt-4.1-mini': STEADY, 'gemini-2.5-flash': STEADY });
    await suite.write('vision-gate.yml', CONFIG);
    const result = await gate(suite);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('update-baseline');
    expect(result.report.baseline).toMatchObject({ status: 'missing' });
  });

  it('refuses a corrupt baseline with exit 2, naming the file and the problem', async () => {
    suite = await baselined();
    const file = path.join(suite.dir, '.vision-gate', 'baseline.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.length / 2));
    const run = await cli(['run'], suite);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('baseline.json');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes a deterministic baseline that reads back and serialises byte for byte', async () => {
    suite = await baselined();
    const file = path.join(suite.dir, '.vision-gate', 'baseline.json');
    const text = await readFile(file, 'utf8');
    expect(serializeBaseline(parseBaseline(text, file))).toBe(text);
    const baseline = parseBaseline(text, file);
    expect(Object.keys(baseline.models)).toEqual(['gemini-2.5-flash', 'gpt-4.1-mini']);
    expect(baseline.models['gpt-4.1-mini']!.cases.logo_python).toMatchObject({ trials: 5, passes: 5 });
    expect(JSON.stringify(baseline)).not.toContain(suite.env.SIM_KEY);
  });

  it('reports an edited case as changed instead of comparing it', async () => {
    suite = await baselined();
    suite.simulator.setBehaviour('gpt-4.1-mini', { ...STEADY, vision: 'wrong' });
    await suite.write('vision-gate.yml', CONFIG.replace('prompt: What logo is this?\n    expect: { any: [python]', 'prompt: Which brand is shown?\n    expect: { any: [python]'));
    const result = await gate(suite);
    const python = result.report.cases.find((c) => c.model === 'gpt-4.1-mini' && c.case === 'logo_python')!;
    expect(python.status).toBe('changed');
    // The unchanged case is still compared, and its break still fails the gate.
    expect(result.report.cases.find((c) => c.model === 'gpt-4.1-mini' && c.case === 'logo_github')!.status).toBe('broken');
    expect(result.code).toBe(1);
  });
});
