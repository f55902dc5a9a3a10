// Sharding: a deterministic, balanced slice per matrix job, and a merge that refuses anything but
// one complete run and then gates exactly as a single job would — against the simulator over HTTP.
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import { mergeShards, runEngine, runShard, type EngineOptions } from '../src/engine.ts';
import { buildPlan } from '../src/plan/plan.ts';
import { renderScorecard } from '../src/render/markdown.ts';
import type { Report } from '../src/report/schema.ts';
import { systemClock } from '../src/run/client.ts';
import { parseShard, slicePlan } from '../src/shard/slice.ts';
import { partialJson } from '../src/shard/store.ts';
import { runAction } from './helpers/action.ts';
import { cli } from './helpers/cli.ts';
import { makeSuite, TWO_MODEL_CONFIG, type Suite } from './helpers/suite.ts';

const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };

// Latency is real time and differs between any two runs; a frozen clock makes every recorded
// latency 0 in both, so what remains to compare is everything the shards could get wrong.
const frozen = { now: () => 0, sleep: systemClock.sleep };

let suite: Suite | null = null;
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
});

// A third model reports image tokens itself (no calibration), a fourth has no key (skipped).
const CONFIG = TWO_MODEL_CONFIG(`  - id: logo_python_again
    image: images/python.png
    expect: { any: [python] }
`).replace(
  'cases:',
  `  - { id: reporting, model: reporting, base_url: "\${SIM_URL}", api_key_env: SIM_KEY }
  - { id: keyless, model: keyless, base_url: "\${SIM_URL}", api_key_env: NO_SUCH_KEY }
cases:`,
);

async function setup(): Promise<Suite> {
  suite = await makeSuite({
    'gpt-4.1-mini': { vision: 'sees' },
    'gemini-2.5-flash': { vision: 'sees' },
    reporting: { vision: 'sees', reportImageTokens: true },
  });
  await suite.write('vision-gate.yml', CONFIG);
  return suite;
}

const options = (s: Suite, mode: EngineOptions['mode'] = 'gate'): EngineOptions => ({
  configPath: 'vision-gate.yml',
  mode,
  env: s.env,
  cwd: s.dir,
  log: quiet,
  clock: frozen,
  now: () => new Date('2026-01-01T00:00:00Z'),
});

/** Runs shards `indexes` of `count` and writes their partial results into `dir`, as a workflow would. */
async function shards(s: Suite, count: number, indexes: number[], dir = 'partials'): Promise<string[]> {
  const files: string[] = [];
  for (const index of indexes) {
    const { partial } = await runShard(options(s), { index, count });
    files.push(await s.write(`${dir}/partial-${index}-of-${count}.json`, partialJson(partial)));
  }
  return files;
}

/** The report without what only the clock decides: when it ran and for how long. */
const untimed = (report: Report): Report => ({ ...report, started_at: 'T', duration_ms: 0 });

describe('sharding', () => {
  it('merges three shards into the same findings, report and scorecard as one job running the same plan', async () => {
    const s = await setup();
    await runEngine(options(s, 'update-baseline'));
    // Regress one route so the gate has something to find: it now drops the image.
    s.simulator.setBehaviour('gemini-2.5-flash', { vision: 'blind' });

    const single = await runEngine(options(s));
    await shards(s, 3, [1, 2, 3]);
    const merged = await mergeShards(options(s), 'partials');

    expect(single.report.passed).toBe(false);
    expect(merged.report.findings).toEqual(single.report.findings);
    expect(untimed(merged.report)).toEqual(untimed(single.report));
    expect(renderScorecard(untimed(merged.report))).toBe(renderScorecard(untimed(single.report)));
    // The calibrations were merged, not lost: the text-only prompt is known where it was measured.
    const tokens = Object.fromEntries(merged.report.models.map((m) => [m.id, m.tokens]));
    expect(tokens['gpt-4.1-mini']).toMatchObject({ image_source: 'calibration', image: 85 });
    expect(tokens.reporting).toMatchObject({ image_source: 'reported', text_only_prompt: null });
    expect(merged.report.models.find((m) => m.id === 'keyless')?.verdict).toBe('skipped');
  });

  it('refreshes the baseline from merged shards exactly as one job would', async () => {
    const s = await setup();
    await runEngine(options(s, 'update-baseline'));
    const single = await readFile(path.join(s.dir, '.vision-gate', 'baseline.json'), 'utf8');
    await rm(path.join(s.dir, '.vision-gate', 'baseline.json'));
    await shards(s, 2, [1, 2]);
    await mergeShards(options(s, 'update-baseline'), 'partials');
    expect(await readFile(path.join(s.dir, '.vision-gate', 'baseline.json'), 'utf8')).toBe(single);
  });

  it('refuses a missing shard, naming it and the files it found', async () => {
    const s = await setup();
    await shards(s, 3, [1, 3]);
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(
      /partials: shard 2\/3 is missing \(found partials\/partial-1-of-3\.json, partials\/partial-3-of-3\.json\)/,
    );
  });

  it('refuses a shard that is there twice, naming both files', async () => {
    const s = await setup();
    await shards(s, 2, [1, 2]);
    await mkdir(path.join(s.dir, 'partials', 'again'));
    await copyFile(path.join(s.dir, 'partials', 'partial-1-of-2.json'), path.join(s.dir, 'partials', 'again', 'copy.json'));
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(
      'shard 1/2 is there twice: partials/again/copy.json and partials/partial-1-of-2.json',
    );
  });

  it('refuses a shard run on a different config, and a merge of shards split differently', async () => {
    const s = await setup();
    await shards(s, 2, [1]);
    await s.write('vision-gate.yml', CONFIG.replace('runs: 3', 'runs: 4'));
    await shards(s, 2, [2]);
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(
      /partials\/partial-1-of-2\.json was written for a different config or different images/,
    );

    await s.write('vision-gate.yml', CONFIG);
    await rm(path.join(s.dir, 'partials'), { recursive: true });
    await shards(s, 2, [1]);
    await shards(s, 3, [2, 3]);
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(/partial-2-of-3\.json is shard 2\/3, but .* is one of 2 shards/);
  });

  it('refuses a changed image under the same config, and a folder with no partial results', async () => {
    const s = await setup();
    await shards(s, 2, [1, 2]);
    await copyFile(path.join(s.dir, 'images', 'github.png'), path.join(s.dir, 'images', 'python.png'));
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(/different config or different images/);
    await mkdir(path.join(s.dir, 'empty'));
    await expect(mergeShards(options(s), 'empty')).rejects.toThrow(/empty: no partial results found/);
    await expect(mergeShards(options(s), 'nowhere')).rejects.toThrow(/the partials folder nowhere does not exist/);
  });

  it('refuses a damaged or foreign file in the partials folder, naming it', async () => {
    const s = await setup();
    await shards(s, 1, [1]);
    const file = path.join(s.dir, 'partials', 'partial-1-of-1.json');
    const text = await readFile(file, 'utf8');
    await s.write('partials/partial-1-of-1.json', text.slice(0, text.length / 2));
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow('partials/partial-1-of-1.json is not valid JSON');
    await s.write('partials/partial-1-of-1.json', text.replace('"verdict":"', '"verdict":"x'));
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(/partials\/partial-1-of-1\.json: trials\[0\]\.verdict: .*damaged/);
    await s.write('partials/partial-1-of-1.json', '{"schema_version":1,"passed":true}');
    await expect(mergeShards(options(s), 'partials')).rejects.toThrow(/is not a vision-gate partial result/);
  });
});

describe('the slice of a shard', () => {
  const config = (models: number, cases: number, runs: number) =>
    parseConfig(
      `version: 1
runs: ${runs}
models:
${Array.from({ length: models }, (_, i) => `  - { id: m${i}, model: m${i}, base_url: "https://example.com/v1", api_key_env: K }`).join('\n')}
cases:
${Array.from({ length: cases }, (_, i) => `  - { id: c${i}, image: a.png, expect: { any: [x] } }`).join('\n')}
`,
      'vision-gate.yml',
      {},
    ).config;

  it('is balanced, gives every shard every model, and covers the plan exactly once', () => {
    for (const [models, cases, runs, count] of [
      [3, 7, 5, 4],
      [2, 2, 3, 3],
      [1, 1, 1, 2],
      [5, 1, 10, 16],
    ] as const) {
      const plan = buildPlan(config(models, cases, runs));
      const slices = Array.from({ length: count }, (_, i) => slicePlan(plan, { index: i + 1, count }));
      const sizes = slices.map((s) => s.requests.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      const seen = slices.flatMap((s) => s.requests.map((r) => `${r.model}/${r.case}/${r.trial}`));
      expect(seen.sort()).toEqual(plan.requests.map((r) => `${r.model}/${r.case}/${r.trial}`).sort());
      for (const slice of slices) {
        for (const model of plan.models) {
          const share = slice.requests.filter((r) => r.model === model.id).length;
          const perModel = cases * runs;
          if (perModel >= count) expect(share).toBeGreaterThanOrEqual(Math.floor(perModel / count));
          // A shard that runs a model also measures it.
          expect(slice.calibrations.some((c) => c.model === model.id)).toBe(share > 0);
        }
      }
    }
  });

  it('is the same on every machine: it depends only on the config and i/n', () => {
    const a = slicePlan(buildPlan(config(3, 4, 5)), { index: 2, count: 3 });
    const b = slicePlan(buildPlan(config(3, 4, 5)), { index: 2, count: 3 });
    expect(a.requests).toEqual(b.requests);
    expect(a.requests.slice(0, 4).map((r) => `${r.model}/${r.case}/${r.trial}`)).toEqual(['m0/c1/1', 'm0/c0/2', 'm0/c3/2', 'm0/c2/3']);
  });

  it('is written i/n, and anything else is a clear error', () => {
    expect(parseShard('2/3', '--shard')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ', '--shard')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '3', '1/0', 'a/b', '1/300', '-1/2', '1.5/3']) {
      expect(() => parseShard(bad, 'input shard')).toThrow(`input shard: expected i/n with 1 ≤ i ≤ n ≤ 256`);
    }
  });
});

describe('sharding in the CLI', () => {
  it('writes a partial result per shard and merges them into the report, scorecard and exit code of one run', async () => {
    const s = await setup();
    const env = { ...s.env };
    expect((await cli(['run', '--mode', 'update-baseline'], { dir: s.dir, env })).code).toBe(0);
    s.simulator.setBehaviour('gemini-2.5-flash', { vision: 'blind' });

    const first = await cli(['run', '--shard', '1/2'], { dir: s.dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^shard 1\/2: \d+ of \d+ requests \(/);
    expect(first.stderr).toContain('partial result: .vision-gate/partial-1-of-2.json');
    const second = await cli(['run', '--shard', '2/2', '--partial', 'partials/two.json'], { dir: s.dir, env });
    expect(second.code, second.stderr).toBe(0);

    const missing = await cli(['run', '--mode', 'merge', '--partials', 'partials'], { dir: s.dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('shard 1/2 is missing');

    // As download-artifact leaves them: one folder per artifact.
    await mkdir(path.join(s.dir, 'partials', 'shard-1'));
    await copyFile(path.join(s.dir, '.vision-gate', 'partial-1-of-2.json'), path.join(s.dir, 'partials', 'shard-1', 'partial-1-of-2.json'));
    const merged = await cli(['run', '--mode', 'merge', '--partials', 'partials'], { dir: s.dir, env });
    expect(merged.code, merged.stderr).toBe(1);
    const report = JSON.parse(await readFile(path.join(s.dir, '.vision-gate', 'report.json'), 'utf8')) as Report;
    expect(report.mode).toBe('gate');
    expect(report.findings.some((f) => f.severity === 'fail' && f.model === 'gemini-2.5-flash')).toBe(true);

    const usage = await cli(['run', '--shard', '1/2', '--mode', 'merge'], { dir: s.dir, env });
    expect(usage.code).toBe(2);
    expect((await cli(['run', '--mode', 'merge'], { dir: s.dir, env })).stderr).toContain('--mode merge needs --partials: the folder');
    expect((await cli(['run', '--shard', '3/2'], { dir: s.dir, env })).stderr).toContain('--shard: expected i/n');
  });
});

describe('sharding in the action', () => {
  it('runs a shard per matrix job with a partial output, then merges them in mode merge, failing the step as one job would', async () => {
    const s = await setup();
    expect((await cli(['run', '--mode', 'update-baseline'], { dir: s.dir, env: s.env })).code).toBe(0);
    s.simulator.setBehaviour('gemini-2.5-flash', { vision: 'blind' });

    // As download-artifact with merge-multiple leaves them: all in one folder.
    await mkdir(path.join(s.dir, 'downloaded'));
    for (const index of [1, 2]) {
      const job = await runAction({ dir: s.dir, inputs: { shard: `${index}/2`, comment: 'never' }, env: s.env });
      expect(job.code, job.stdout).toBe(0);
      expect(job.outputs.partial).toMatch(new RegExp(`partial-${index}-of-2\\.json$`));
      expect(job.outputs.passed).toBeUndefined();
      expect(job.summary).toMatch(new RegExp(`shard ${index}/2: \\d+ of \\d+ requests`));
      await copyFile(job.outputs.partial!, path.join(s.dir, 'downloaded', path.basename(job.outputs.partial!)));
    }

    const merged = await runAction({ dir: s.dir, inputs: { mode: 'merge', partials: 'downloaded', comment: 'never' }, env: s.env });
    expect(merged.code).toBe(1);
    expect(merged.outputs.passed).toBe('false');
    expect(merged.stdout).toContain('::error::vision-gate:');
    const report = JSON.parse(await readFile(merged.outputs.report!, 'utf8')) as Report;
    expect(report.trials).toHaveLength(3 * 4 * 3);

    const bad = await runAction({ dir: s.dir, inputs: { mode: 'merge', comment: 'never' }, env: s.env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('input mode merge needs input partials');
  });
});
