// The bundled CLI (dist/cli.js) run as a user runs it, against the simulator over real HTTP.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/report/schema.ts';
import { cli } from './helpers/cli.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

let suite: Suite | null = null;
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
});

const BLIND_AND_SEEING = { 'gpt-4.1-mini': { vision: 'sees' as const, latencyMs: 5 }, 'gemini-2.5-flash': { vision: 'blind' as const, latencyMs: 5 } };

describe('vision-gate run', () => {
  it('scores a seeing route 6/6 and an image-dropping route 0/6 with no-image claims and a dropped signal, despite HTTP 200', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const run = await cli(['run', '--mode', 'report', '--json', 'out/report.json', '--markdown', 'out/scorecard.md'], suite);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(suite.dir, 'out/report.json'), 'utf8')));
    const [seeing, blind] = report.models;
    expect(seeing).toMatchObject({ id: 'gpt-4.1-mini', requests: 6, http_success: 6, correct: 6, no_image_claims: 0, image_path: 'ok' });
    expect(blind).toMatchObject({ id: 'gemini-2.5-flash', requests: 6, http_success: 6, correct: 0, no_image_claims: 6, image_path: 'dropped', verdict: 'fail' });
    expect(blind!.cost.per_success).toBeNull();
    expect(seeing!.cost.per_10k_calls).toBeGreaterThan(0);
    expect(report.trials).toHaveLength(12);
    expect(report.findings.some((f) => f.kind === 'image_path' && f.model === 'gemini-2.5-flash' && f.severity === 'fail')).toBe(true);
    // The scorecard went to the terminal and to the file.
    expect(run.stdout).toContain('gemini-2.5-flash');
    expect(run.stdout).toContain('dropped');
    const markdown = await readFile(path.join(suite.dir, 'out/scorecard.md'), 'utf8');
    expect(markdown).toContain('6/6');
    expect(markdown).toContain('0/6');
    // Images are encoded once per run: 2 images, 12 image requests, plus text-only calibrations.
    expect(suite.simulator.stats.withImage).toBe(12);
    expect(suite.simulator.stats.requests).toBe(14);
  });

  it('writes the report to .vision-gate/ beside the config by default', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const run = await cli(['run', '--mode', 'report'], suite);
    expect(run.code).toBe(0);
    expect((await stat(path.join(suite.dir, '.vision-gate', 'report.json'))).isFile()).toBe(true);
    expect((await stat(path.join(suite.dir, '.vision-gate', 'scorecard.md'))).isFile()).toBe(true);
  });

  it('skips a model whose key variable is empty, with a notice, and still runs the others', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    // As on a fork pull request: the key and the gateway URL both come from secrets that are absent.
    await suite.write(
      'vision-gate.yml',
      TWO_MODEL_CONFIG().replace(
        'base_url: ${SIM_URL}\n    api_key_env: SIM_KEY\n    price: { input_per_mtok: 0.17',
        'base_url: ${FORK_GATEWAY_URL}\n    api_key_env: MISSING_KEY\n    price: { input_per_mtok: 0.17',
      ),
    );
    const run = await cli(['run', '--mode', 'report', '--json', 'r.json'], suite);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('MISSING_KEY');
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(suite.dir, 'r.json'), 'utf8')));
    expect(report.models[1]).toMatchObject({ verdict: 'skipped', requests: 0 });
    expect(report.trials.filter((t) => t.model === 'gemini-2.5-flash').every((t) => t.verdict === 'skipped')).toBe(true);
    expect(suite.simulator.stats.byModel['gemini-2.5-flash']).toBeUndefined();
  });

  it('records an unreachable endpoint as per-request errors and goes on', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG().replace(/base_url: \$\{SIM_URL\}/, 'base_url: http://127.0.0.1:9/v1'));
    const run = await cli(['run', '--mode', 'report', '--json', 'r.json'], suite);
    expect(run.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(await readFile(path.join(suite.dir, 'r.json'), 'utf8')));
    expect(report.models[0]).toMatchObject({ errors: 6, http_success: 0 });
    expect(report.trials.find((t) => t.model === 'gpt-4.1-mini')).toMatchObject({ verdict: 'error', error: 'connection' });
    expect(report.models[1]).toMatchObject({ http_success: 6 });
  });

  it('never writes the API key into the report, the scorecard or the terminal', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const run = await cli(['run', '--mode', 'report', '--json', 'r.json', '--markdown', 's.md'], suite);
    const everything = [run.stdout, run.stderr, await readFile(path.join(suite.dir, 'r.json'), 'utf8'), await readFile(path.join(suite.dir, 's.md'), 'utf8')].join('\n');
    expect(everything).not.toContain(suite.env.SIM_KEY);
  });
});

describe('exit code 2 with one clear paragraph, never a stack trace', () => {
  it('for a missing config', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    const run = await cli(['run', '--config', 'nope.yml'], suite);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope.yml');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('for an invalid config, naming the line and column', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG().replace('runs: 3', 'runs: three'));
    const run = await cli(['run'], suite);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/vision-gate\.yml:2:1 runs: expected an integer between 1 and 1000, got "three"/);
  });

  it('for a missing image, naming the case', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG().replace('images/github.png', 'images/gitlab.png'));
    const run = await cli(['validate'], suite);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('logo_github');
    expect(run.stderr).toContain('images/gitlab.png');
  });

  it('for a bad command or option', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    expect((await cli(['frobnicate'], suite)).code).toBe(2);
    expect((await cli(['run', '--mode', 'gatee'], suite)).stderr).toContain('gate | update-baseline | report');
    expect((await cli(['run', '--bogus'], suite)).code).toBe(2);
  });

  it('for a key that would travel over plain http to another host', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG().replace(/base_url: \$\{SIM_URL\}/, 'base_url: http://models.example.com/v1'));
    const run = await cli(['run', '--mode', 'report'], suite);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('allow_insecure_http');
    expect(suite.simulator.stats.requests).toBe(0);
  });
});

describe('vision-gate validate', () => {
  it('checks the config and images and prints the plan without calling any model', async () => {
    suite = await makeSuite(BLIND_AND_SEEING);
    await suite.write('vision-gate.yml', TWO_MODEL_CONFIG());
    const run = await cli(['validate'], suite);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('12 requests');
    expect(run.stdout).toMatch(/png 256×256/);
    expect(suite.simulator.stats.requests).toBe(0);
  });
});
