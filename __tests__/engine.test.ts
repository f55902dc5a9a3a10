// The whole pipeline in-process (config → requests → scored report) against the simulator over
// real HTTP: every verdict, calibration, per-model concurrency and the image encoded once.
import { describe, expect, it } from 'vitest';
import { runEngine, type EngineOptions } from '../src/engine.ts';
import type { Fault, ModelBehaviour } from '../src/simulator/server.ts';
import { makeSuite, type Suite } from './helpers/suite.ts';

const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };

async function run(suite: Suite, config: string, options: Partial<EngineOptions> = {}) {
  const file = await suite.write('vision-gate.yml', config);
  return runEngine({ configPath: file, mode: 'report', env: suite.env, cwd: suite.dir, log: quiet, ...options });
}

const oneCase = (models: string, extra = '') => `version: 1
runs: 1
concurrency: 1
timeout_ms: 400
retries: 0
models:
${models}
cases:
  - id: logo_python
    image: images/python.png
    expect: { any: [python], none: [java] }
${extra}`;

const model = (id: string, keyVariable = 'SIM_KEY') => `  - { id: ${id}, model: ${id}, base_url: "\${SIM_URL}", api_key_env: ${keyVariable} }`;

describe('the engine', () => {
  it('gives each kind of answer and failure its verdict', async () => {
    const scripted = (fault: Fault): ModelBehaviour => ({ vision: 'sees', script: [fault] });
    const suite = await makeSuite({
      seeing: { vision: 'sees' },
      blind: { vision: 'blind' },
      wrong: { vision: 'wrong' },
      truncated: scripted('truncated'),
      empty: scripted('empty'),
      nullcontent: scripted('null_content'),
      error500: scripted('server_error'),
      malformed: scripted('malformed'),
      hang: scripted('hang'),
    });
    try {
      const ids = ['seeing', 'blind', 'wrong', 'truncated', 'empty', 'nullcontent', 'error500', 'malformed', 'hang'];
      const { report } = await run(suite, oneCase([...ids.map((id) => model(id)), model('nokey', 'NO_SUCH_KEY')].join('\n')));
      const verdict = Object.fromEntries(report.trials.map((t) => [t.model, t.verdict]));
      expect(verdict).toEqual({
        seeing: 'pass',
        blind: 'no_image',
        wrong: 'wrong',
        truncated: 'truncated',
        empty: 'empty',
        nullcontent: 'empty',
        error500: 'error',
        malformed: 'error',
        hang: 'timeout',
        nokey: 'skipped',
      });
      const trial = (id: string) => report.trials.find((t) => t.model === id)!;
      expect(trial('error500')).toMatchObject({ status: 500, error: 'http' });
      expect(trial('malformed')).toMatchObject({ status: 200, error: 'invalid_response' });
      expect(trial('hang')).toMatchObject({ status: null, error: 'timeout' });
      expect(trial('seeing').answer).toContain('Python');
    } finally {
      await suite.cleanup();
    }
  });

  it('measures the image share with a text-only calibration request when the provider reports no image tokens', async () => {
    const suite = await makeSuite({ seeing: { vision: 'sees' }, blind: { vision: 'blind' }, reporting: { vision: 'sees', reportImageTokens: true }, silent: { vision: 'sees', noUsage: true } });
    try {
      const { report } = await run(suite, oneCase(['seeing', 'blind', 'reporting', 'silent'].map((id) => model(id)).join('\n')));
      const summary = Object.fromEntries(report.models.map((m) => [m.id, m]));
      expect(summary.seeing!.tokens).toMatchObject({ image: 85, image_source: 'calibration' });
      expect(summary.seeing!.image_path).toBe('ok');
      expect(summary.blind!.tokens).toMatchObject({ image: 0, image_source: 'calibration' });
      expect(summary.blind!.image_path).toBe('dropped');
      expect(summary.reporting!.tokens).toMatchObject({ image: 85, image_source: 'reported' });
      expect(summary.silent!.image_path).toBe('unknown');
      // One calibration for each model that needed one (seeing, blind); none for reporting or silent.
      expect(suite.simulator.stats.byModel).toEqual({ seeing: 2, blind: 2, reporting: 1, silent: 1 });
    } finally {
      await suite.cleanup();
    }
  });

  it('keeps each model within its own concurrency limit while models run side by side', async () => {
    const suite = await makeSuite({ a: { vision: 'sees', latencyMs: 60 }, b: { vision: 'sees', latencyMs: 60 } });
    try {
      const cases = Array.from({ length: 8 }, (_, i) => `  - { id: c${i}, image: images/python.png, expect: { any: [python] } }`).join('\n');
      const config = `version: 1\nruns: 1\nconcurrency: 2\nmodels:\n${model('a')}\n${model('b')}\ncases:\n${cases}\n`;
      const { report } = await run(suite, config);
      expect(report.trials.every((t) => t.verdict === 'pass')).toBe(true);
      expect(suite.simulator.stats.maxInFlight).toEqual({ a: 2, b: 2 });
      expect(suite.simulator.stats.maxInFlightTotal).toBe(4);
    } finally {
      await suite.cleanup();
    }
  });

  it('marks requests not run when the run is stopped, and still returns a report of what finished', async () => {
    const suite = await makeSuite({ slow: { vision: 'sees', latencyMs: 150 } });
    try {
      const cases = Array.from({ length: 6 }, (_, i) => `  - { id: c${i}, image: images/python.png, expect: { any: [python] } }`).join('\n');
      const config = `version: 1\nruns: 1\nconcurrency: 1\nmodels:\n${model('slow')}\ncases:\n${cases}\n`;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 250);
      const { report } = await run(suite, config, { signal: controller.signal });
      expect(report.complete).toBe(false);
      expect(report.trials).toHaveLength(6);
      const verdicts = report.trials.map((t) => t.verdict);
      expect(verdicts.filter((v) => v === 'pass').length).toBeGreaterThanOrEqual(1);
      expect(verdicts.filter((v) => v === 'not_run').length).toBeGreaterThanOrEqual(3);
    } finally {
      await suite.cleanup();
    }
  });

  it('stops at the run-level deadline, marks the rest not run, and says the data is incomplete', async () => {
    const suite = await makeSuite({ slow: { vision: 'sees', latencyMs: 150 } });
    try {
      const cases = Array.from({ length: 6 }, (_, i) => `  - { id: c${i}, image: images/python.png, expect: { any: [python] } }`).join('\n');
      const config = `version: 1\nruns: 1\nconcurrency: 1\ndeadline_ms: 400\nmodels:\n${model('slow')}\ncases:\n${cases}\n`;
      const warnings: string[] = [];
      const started = performance.now();
      const { report } = await run(suite, config, { log: { ...quiet, warning: (m) => warnings.push(m) } });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(report.complete).toBe(false);
      expect(report.trials.filter((t) => t.verdict === 'pass').length).toBeGreaterThanOrEqual(1);
      expect(report.trials.filter((t) => t.verdict === 'not_run').length).toBeGreaterThanOrEqual(3);
      expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'coverage', severity: 'warn', model: 'slow' }));
      expect(warnings.join('\n')).toContain('deadline');
    } finally {
      await suite.cleanup();
    }
  });
});
