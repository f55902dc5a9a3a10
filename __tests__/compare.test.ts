// The gate's rules on plain data: what fails, what only warns, what is reported as not compared,
// and what never fails (insufficient data, new/changed/removed cases, skipped models).
import { describe, expect, it } from 'vitest';
import type { Baseline } from '../src/baseline/schema.ts';
import { runGate } from '../src/compare/index.ts';
import type { Finding, Trial } from '../src/report/schema.ts';
import { createRng } from '../src/stats/rng.ts';
import { caseResults } from '../src/summarize/case-results.ts';
import {
  baselineFrom,
  caseTrials,
  DEFAULT_GATES,
  fp,
  gate,
  gateCases,
  gates,
  passing,
  route,
  summaryOf,
  trial,
} from './helpers/gate.ts';

const M = 'gpt-4.1-mini';
const G = 'gemini-2.5-flash';
const TWO = gateCases(['logo_python', 'logo_github']);

const jitter = (seed: number, base: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => base * (1 + 0.3 * (2 * rng.next() - 1)));
};

/** runs × cases passing trials of a model, each case at its own base latency times `factor`. */
function run(model: string, seed: number, factor = 1, runs = 5, bases = [1290, 1500]): Trial[] {
  return TWO.flatMap((c, i) => passing(model, c.id, runs, runs, jitter(seed * 100 + i, bases[i]! * factor, runs)));
}

const only = (findings: Finding[], kind: Finding['kind'], model: string | null = M) => findings.filter((f) => f.kind === kind && f.model === model);
const severities = (findings: Finding[]) => findings.map((f) => `${f.severity} ${f.kind}`);

describe('an unchanged setup', () => {
  it('passes, with every case ok and the baseline numbers beside the current ones', () => {
    const result = gate({ baseline: run(M, 1), current: run(M, 2), cases: TWO });
    expect(result.passed).toBe(true);
    expect(result.regressions).toBe(0);
    expect(result.models[0]!.verdict).toBe('pass');
    expect(result.caseResults.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(result.caseResults[0]!.baseline).toEqual({ trials: 5, passes: 5 });
    expect(result.caseResults[0]!.p_value).toBe(1);
    const view = result.models[0]!.baseline!;
    expect(view).toMatchObject({ requests: 10, correct: 10, errors: 0, route_changed: false, route: route(M) });
    expect(view.latency_ms.p50).toBeGreaterThan(1000);
    const [latency] = only(result.findings, 'latency');
    expect(latency!.severity).toBe('pass');
  });

  it('gives the same result every time for the same input and seed', () => {
    const input = { baseline: run(M, 1), current: run(M, 2, 1.4), cases: TWO };
    expect(gate(input)).toEqual(gate(input));
    expect(gate({ ...input, seed: 9 }).findings.map((f) => f.severity)).toEqual(gate(input).findings.map((f) => f.severity));
  });
});

describe('recognition', () => {
  const base = [...passing(M, 'logo_python', 3, 3), ...passing(M, 'logo_github', 3, 3)];

  it('fails when a model goes from 6/6 to 0/6, with the numbers in one line', () => {
    const current = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 0, 3)];
    const result = gate({ baseline: base, current, cases: TWO });
    expect(result.passed).toBe(false);
    expect(result.regressions).toBe(1);
    const [f] = only(result.findings, 'recognition');
    expect(f!.severity).toBe('fail');
    expect(f!.message).toBe(`${M} recognition 6/6 → 0/6: 2 broken cases (logo_python 3/3 → 0/3 (p = 0.05), logo_github 3/3 → 0/3 (p = 0.05))`);
    expect(f!.numbers).toMatchObject({ broken_cases: 2, max_broken_cases: 0, baseline_passes: 6, passes: 0 });
    expect(result.caseResults.map((r) => [r.status, r.p_value])).toEqual([
      ['broken', 0.05],
      ['broken', 0.05],
    ]);
    expect(result.models[0]!.verdict).toBe('fail');
  });

  it('treats 3/3 → 1/3 as a warning (p = 0.2): one or two misses may be flakiness', () => {
    const current = [...passing(M, 'logo_python', 1, 3), ...passing(M, 'logo_github', 3, 3)];
    const result = gate({ baseline: base, current, cases: TWO });
    expect(result.passed).toBe(true);
    const [f] = only(result.findings, 'recognition');
    expect(f).toMatchObject({ severity: 'warn', case: 'logo_python' });
    expect(f!.message).toContain('3/3 → 1/3 (p = 0.2)');
    expect(result.caseResults[0]).toMatchObject({ status: 'flaky', p_value: 0.2, baseline: { trials: 3, passes: 3 } });
    expect(result.models[0]!.verdict).toBe('warn');
  });

  it('does not call a case broken that already failed in the baseline', () => {
    const was = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 3, 3)];
    const result = gate({ baseline: was, current: was, cases: TWO });
    expect(result.passed).toBe(true);
    expect(only(result.findings, 'recognition')).toEqual([]);
    expect(result.caseResults[0]!.status).toBe('flaky');
  });

  it('marks a case that recovered as fixed', () => {
    const was = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 3, 3)];
    const result = gate({ baseline: was, current: base, cases: TWO });
    expect(result.caseResults[0]!.status).toBe('fixed');
    expect(result.passed).toBe(true);
  });

  it('tolerates up to max_broken_cases broken cases as a warning', () => {
    const oneBroken = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 3, 3)];
    const twoBroken = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 0, 3)];
    const g = gates({ recognition: { max_broken_cases: 1 } });
    const tolerated = gate({ baseline: base, current: oneBroken, cases: TWO, gates: g });
    expect(tolerated.passed).toBe(true);
    expect(only(tolerated.findings, 'recognition')[0]!.message).toMatch(/within max_broken_cases 1$/);
    expect(gate({ baseline: base, current: twoBroken, cases: TWO, gates: g }).passed).toBe(false);
  });

  it('says "insufficient data" instead of failing when the baseline has too few trials to test against', () => {
    const thin = [...passing(M, 'logo_python', 2, 2), ...passing(M, 'logo_github', 2, 2)];
    const current = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 3, 3)];
    const result = gate({ baseline: thin, current, cases: TWO });
    expect(result.passed).toBe(true);
    expect(severities(only(result.findings, 'recognition'))).toEqual(['insufficient data recognition']);
  });

  it('fails a must_pass case on any failed trial, with or without a baseline, counting it once', () => {
    const cases = gateCases(['logo_python', 'logo_github'], ['logo_python']);
    const oneMiss = [...passing(M, 'logo_python', 2, 3), ...passing(M, 'logo_github', 3, 3)];
    const withBaseline = gate({ baseline: base, current: oneMiss, cases });
    expect(withBaseline.regressions).toBe(1);
    expect(only(withBaseline.findings, 'recognition')[0]).toMatchObject({
      severity: 'fail',
      case: 'logo_python',
      message: `${M} logo_python must pass: 2/3 trials passed`,
    });
    expect(withBaseline.caseResults[0]!.status).toBe('broken');
    expect(gate({ baseline: null, current: oneMiss, cases }).passed).toBe(false);

    const allMissed = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 3, 3)];
    expect(gate({ baseline: base, current: allMissed, cases }).regressions).toBe(1);
  });

  it('fails when accuracy falls below min_accuracy, even without a baseline', () => {
    const current = [...passing(M, 'logo_python', 2, 3), ...passing(M, 'logo_github', 3, 3)];
    const g = gates({ recognition: { min_accuracy: 0.9 } });
    const result = gate({ baseline: null, current, cases: TWO, gates: g });
    expect(result.passed).toBe(false);
    expect(only(result.findings, 'recognition')[0]!.message).toBe(`${M} accuracy 83.3% (5/6) is below min_accuracy 90%`);
  });
});

describe('the image path', () => {
  const blind = (model: string) =>
    TWO.flatMap((c) => caseTrials(model, c.id, ['no_image', 'no_image', 'no_image'], [4402, 4120, 3999]));
  const blindSummary = (trials: Trial[]) =>
    summaryOf(G, trials, { image_path: 'dropped', tokens: { prompt_avg: 27, completion_avg: 73.5, image: 0, image_source: 'calibration', text_only_prompt: 27 } });

  it('fails a route that drops the image even with HTTP 200 and no baseline at all', () => {
    const current = [...run(M, 1, 1, 3), ...blind(G)];
    const result = gate({ baseline: null, current, cases: TWO, models: [summaryOf(M, current), blindSummary(current)] });
    expect(result.passed).toBe(false);
    expect(result.regressions).toBe(1);
    const [f] = only(result.findings, 'image_path', G);
    expect(f!.message).toBe(`${G} image path: 6 of 6 answers say no image was given; the prompt tokens show the image was dropped (0 image tokens)`);
    expect(severities(only(result.findings, 'recognition', G))).toEqual(['warn recognition', 'warn recognition']);
    expect(result.findings[0]).toMatchObject({ kind: 'coverage', severity: 'insufficient data', model: null });
    expect(result.models.map((m) => m.verdict)).toEqual(['pass', 'fail']);
  });

  it('fails on both recognition and image path once a baseline shows it used to work', () => {
    const before = [...run(M, 1, 1, 3), ...run(G, 2, 1, 3)];
    const current = [...run(M, 3, 1, 3), ...blind(G)];
    const result = gate({ baseline: before, current, cases: TWO, models: [summaryOf(M, current), blindSummary(current)] });
    expect(result.regressions).toBe(2);
    expect(result.findings.filter((f) => f.severity === 'fail').map((f) => f.message)).toEqual([
      `${G} image path: 6 of 6 answers say no image was given; the prompt tokens show the image was dropped (0 image tokens)`,
      `${G} recognition 6/6 → 0/6: 2 broken cases (logo_python 3/3 → 0/3 (p = 0.05), logo_github 3/3 → 0/3 (p = 0.05))`,
    ]);
  });

  it('warns instead with image_path: warn, and says nothing with off', () => {
    const current = blind(G);
    const models = [blindSummary(current)];
    const warned = gate({ baseline: null, current, cases: TWO, models, gates: gates({ image_path: 'warn' }) });
    expect(warned.passed).toBe(true);
    expect(only(warned.findings, 'image_path', G)[0]!.severity).toBe('warn');
    expect(only(gate({ baseline: null, current, cases: TWO, models, gates: gates({ image_path: 'off' }) }).findings, 'image_path', G)).toEqual([]);
  });

  it('fails closed on a single no-image claim', () => {
    const current = [...caseTrials(M, 'logo_python', ['pass', 'no_image', 'pass']), ...passing(M, 'logo_github', 3, 3)];
    const result = gate({ baseline: null, current, cases: TWO });
    expect(only(result.findings, 'image_path')[0]!.message).toBe(`${M} image path: 1 of 6 answers say no image was given`);
  });
});

describe('latency', () => {
  it('fails a model made 3× slower, with the change and its interval in one line', () => {
    const result = gate({ baseline: run(M, 1), current: run(M, 2, 3), cases: TWO });
    expect(result.passed).toBe(false);
    const [f] = only(result.findings, 'latency');
    expect(f!.severity).toBe('fail');
    expect(f!.message).toMatch(new RegExp(`^${M} p50 1\\.\\d\\d s → 4\\.\\d\\d s \\(\\+\\d+%, 95% CI \\+\\d+…\\+\\d+%\\)$`));
    expect(f!.numbers.ci_low_pct!).toBeGreaterThan(0);
    expect(f!.numbers.increase_pct!).toBeGreaterThan(150);
    expect(f!.numbers).toMatchObject({ baseline_samples: 10, current_samples: 10, min_samples: 10 });
  });

  it('writes the message as the scorecard shows it', () => {
    const steady = (model: string, ms: number) => TWO.flatMap((c) => passing(model, c.id, 5, 5, [ms, ms, ms, ms, ms]));
    const result = gate({ baseline: steady(M, 1290), current: steady(M, 1920), cases: TWO });
    expect(only(result.findings, 'latency')[0]!.message).toBe(`${M} p50 1.29 s → 1.92 s (+49%, 95% CI +49…+49%)`);
  });

  it('passes an increase below max_increase_pct or min_increase_ms', () => {
    expect(only(gate({ baseline: run(M, 1), current: run(M, 2, 1.1), cases: TWO }).findings, 'latency')[0]!.severity).toBe('pass');
    // +200%, but only +200 ms: too small to matter to a user.
    const fast = (seed: number, factor: number) => run(M, seed, factor, 5, [100, 100]);
    expect(only(gate({ baseline: fast(1, 1), current: fast(2, 3), cases: TWO }).findings, 'latency')[0]!.severity).toBe('pass');
  });

  it('warns when the increase is large but the interval still includes no change', () => {
    const noisy = (model: string, latencies: number[]) => passing(model, 'logo_python', latencies.length, latencies.length, latencies);
    const before = noisy(M, [1000, 1000, 1000, 1000, 1000, 2000, 2000, 2000, 2000, 2000]);
    const after = noisy(M, [1000, 1000, 1000, 1000, 2000, 2000, 2000, 2000, 2000, 2000]);
    const result = gate({ baseline: before, current: after, cases: gateCases(['logo_python']) });
    const [f] = only(result.findings, 'latency');
    expect(f!.severity).toBe('warn');
    expect(f!.message).toMatch(/\(\+33%, 95% CI [-+]\d+…\+\d+%\): over the thresholds .* but the interval includes no change$/);
    expect(result.passed).toBe(true);
  });

  it('reports insufficient data, never a failure, below min_samples (and below 40 a side for p95)', () => {
    const result = gate({ baseline: run(M, 1, 1, 3), current: run(M, 2, 3, 3), cases: TWO });
    const [f] = only(result.findings, 'latency');
    expect(f!.severity).toBe('insufficient data');
    expect(f!.message).toBe(`${M} p50: 6 samples in the baseline, 6 now; the latency gate needs 10 a side (raise runs or add cases)`);
    expect(result.passed).toBe(true);
    const p95 = gate({ baseline: run(M, 1, 1, 10), current: run(M, 2, 3, 10), cases: TWO, gates: gates({ latency: { metric: 'p95' } }) });
    expect(only(p95.findings, 'latency')[0]!.message).toContain('needs 40 a side');
    const enough = gate({ baseline: run(M, 1, 1, 20), current: run(M, 2, 3, 20), cases: TWO, gates: gates({ latency: { metric: 'p95' } }) });
    expect(only(enough.findings, 'latency')[0]!.severity).toBe('fail');
  });

  it('counts transport failures as neither samples nor latency', () => {
    const before = run(M, 1);
    const current = TWO.flatMap((c, i) =>
      caseTrials(M, c.id, ['pass', 'pass', 'pass', 'pass', 'timeout'], jitter(50 + i, 1290, 4).concat([30_000])),
    );
    const [f] = only(gate({ baseline: before, current, cases: TWO }).findings, 'latency');
    expect(f!.severity).toBe('insufficient data');
    expect(f!.numbers.current_samples).toBe(8);
  });
});

describe('transport errors and cost', () => {
  const withErrors = (errors: number) =>
    TWO.flatMap((c, i) => caseTrials(M, c.id, Array.from({ length: 3 }, (_, k) => (k + i * 3 < errors ? 'error' : 'pass'))));

  it('fails a significant rise in transport errors and only warns about one unlucky request', () => {
    const all = gate({ baseline: withErrors(0), current: withErrors(6), cases: TWO });
    const [f] = only(all.findings, 'errors');
    expect(f!.severity).toBe('fail');
    expect(f!.message).toBe(`${M} transport errors 0/6 → 6/6 (0% → 100%, limit +5%; p = 0.0011)`);
    const one = gate({ baseline: withErrors(0), current: withErrors(1), cases: TWO });
    expect(only(one.findings, 'errors')[0]!.severity).toBe('warn');
    expect(only(gate({ baseline: withErrors(1), current: withErrors(1), cases: TWO }).findings, 'errors')).toEqual([]);
  });

  it('fails a cost per successful image over the configured increase, and is silent when not configured', () => {
    const trials = run(M, 1);
    const cases = TWO;
    const priced = (usd: number) => summaryOf(M, trials, { cost: { per_10k_calls: 0.5, per_success: usd } });
    const baseline = baselineFrom(trials, cases, [priced(0.0001)]);
    const g = gates({ cost: { max_increase_pct: 20 } });
    const dearer = gate({ baseline, current: trials, cases, models: [priced(0.00015)], gates: g });
    expect(only(dearer.findings, 'cost')[0]).toMatchObject({ severity: 'fail', message: `${M} cost per successful image $0.0001 → $0.00015 (+50%, limit +20%)` });
    expect(only(gate({ baseline, current: trials, cases, models: [priced(0.00011)], gates: g }).findings, 'cost')[0]!.severity).toBe('pass');
    expect(only(gate({ baseline, current: trials, cases, models: [priced(0.00015)] }).findings, 'cost')).toEqual([]);
    const unpriced = gate({ baseline, current: trials, cases, models: [summaryOf(M, trials)], gates: g });
    expect(only(unpriced.findings, 'cost')[0]!.severity).toBe('insufficient data');
  });
});

describe('what is not compared', () => {
  it('reports new, changed and removed cases without gating them, and keeps a new slow case out of the latency', () => {
    const old = { id: 'logo_old', must_pass: false, fingerprint: fp('logo_old') };
    const before = [...run(M, 1), ...passing(M, old.id, 5, 5)];
    const cases = [
      { id: 'logo_python', must_pass: false, fingerprint: fp('logo_python', 1) }, // changed prompt
      TWO[1]!,
      { id: 'logo_rust', must_pass: false, fingerprint: fp('logo_rust') }, // new
    ];
    const current = [
      ...passing(M, 'logo_python', 0, 5),
      ...passing(M, 'logo_github', 5, 5, jitter(7, 1500, 5)),
      ...passing(M, 'logo_rust', 0, 5, [9000, 9000, 9000, 9000, 9000]),
    ];
    const baseline = baselineFrom(before, [...TWO, old]);
    const result = runGate({ gates: DEFAULT_GATES, cases, baseline, models: [summaryOf(M, current)], caseResults: caseResults(current), trials: current });
    expect(result.passed).toBe(true);
    expect(result.caseResults.map((r) => [r.case, r.status])).toEqual([
      ['logo_python', 'changed'],
      ['logo_github', 'ok'],
      ['logo_rust', 'new'],
      ['logo_old', 'removed'],
    ]);
    expect(result.caseResults[3]).toMatchObject({ trials: 0, baseline: { trials: 5, passes: 5 } });
    const coverage = result.findings.filter((f) => f.kind === 'coverage').map((f) => `${f.severity}: ${f.message}`);
    expect(coverage).toEqual([
      'warn: logo_python changed since the baseline (image, prompt or expectations): not compared; update the baseline',
      'pass: logo_rust is new: not in the baseline, not compared; update the baseline to track it',
      'pass: logo_old is in the baseline but no longer configured: removed, not compared',
    ]);
    // The new and changed cases fail every trial, but with no baseline to compare with they only warn.
    expect(severities(only(result.findings, 'recognition'))).toEqual(['warn recognition', 'warn recognition']);
    expect(only(result.findings, 'latency')[0]!.numbers).toMatchObject({ baseline_samples: 5, current_samples: 5 });
  });

  it('reports a removed case when its id is gone from the config', () => {
    const baseline = baselineFrom(run(M, 1), TWO);
    const current = run(M, 2).filter((t) => t.case === 'logo_python');
    const result = gate({ baseline, current, cases: [TWO[0]!] });
    expect(result.findings.find((f) => f.case === 'logo_github')).toMatchObject({
      severity: 'pass',
      kind: 'coverage',
      message: 'logo_github is in the baseline but no longer configured: removed, not compared',
    });
    expect(result.caseResults.at(-1)).toMatchObject({ case: 'logo_github', status: 'removed' });
  });

  it('reports new and removed models, never failing on them', () => {
    const baseline = baselineFrom(run('old-model', 1), TWO);
    const current = [...passing(M, 'logo_python', 0, 3), ...passing(M, 'logo_github', 0, 3)];
    const result = gate({ baseline, current, cases: TWO });
    expect(result.passed).toBe(true);
    expect(result.findings.filter((f) => f.kind === 'coverage').map((f) => f.message)).toEqual([
      `${M} is new: not in the baseline, so only the absolute checks ran (image path, must_pass, min_accuracy)`,
      'old-model is in the baseline but no longer configured: removed, not compared',
    ]);
    expect(result.caseResults.map((r) => r.status)).toEqual(['new', 'new']);
  });

  it('still compares a model whose route changed, and shows what changed', () => {
    const before = run(M, 1);
    const baseline: Baseline = baselineFrom(before, TWO, [summaryOf(M, before, { route: route('gpt-4.1-mini', { detail: 'low', max_tokens: 40 }) })]);
    const current = run(M, 2, 3);
    const moved = summaryOf(M, current, { route: { model: 'gpt-4.1-mini-2026', host: 'gateway.example.com', settings: { detail: 'high', max_tokens: 40 } } });
    const result = gate({ baseline, current, cases: TWO, models: [moved] });
    expect(result.models[0]!.baseline!.route_changed).toBe(true);
    expect(only(result.findings, 'latency')[0]!.severity).toBe('fail');
    expect(only(result.findings, 'coverage')[0]!.message).toBe(
      `${M} route changed since the baseline (model gpt-4.1-mini → gpt-4.1-mini-2026; host api.example.com → gateway.example.com; detail low → high): compared as usual`,
    );
  });

  it('never fails a skipped model: a note, the verdict skipped, the baseline shown', () => {
    const baseline = baselineFrom([...run(M, 1), ...run(G, 2)], TWO);
    const current = [...run(M, 3), ...TWO.flatMap((c) => [1, 2, 3].map((k) => trial(G, c.id, k, { verdict: 'skipped' })))];
    const result = gate({ baseline, current, cases: TWO });
    expect(result.passed).toBe(true);
    const gemini = result.models.find((m) => m.id === G)!;
    expect(gemini.verdict).toBe('skipped');
    expect(gemini.baseline).not.toBeNull();
    expect(result.findings.filter((f) => f.model === G)).toEqual([
      { severity: 'insufficient data', kind: 'coverage', model: G, case: null, message: `${G} skipped: KEY is not set; not compared`, numbers: {} },
    ]);
    expect(result.caseResults.filter((r) => r.model === G).map((r) => r.status)).toEqual(['skipped', 'skipped']);
  });
});

describe('verdicts', () => {
  it('set each model to its worst finding and count the failures as regressions', () => {
    const baseline = baselineFrom([...run(M, 1), ...run(G, 2)], TWO);
    const current = [...run(M, 3, 3), ...run(G, 4, 1.1)];
    const result = gate({ baseline, current, cases: TWO });
    expect(result.models.map((m) => [m.id, m.verdict])).toEqual([
      [M, 'fail'],
      [G, 'pass'],
    ]);
    expect(result.regressions).toBe(result.findings.filter((f) => f.severity === 'fail').length);
    expect(result.regressions).toBe(1);
  });
});
