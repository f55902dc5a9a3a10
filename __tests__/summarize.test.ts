// Summarising trials per model and per case: the scorecard's numbers. The first tests rebuild
// the published gemini-2.5-flash / gpt-4.1-mini benchmark (HTTP 200 everywhere, one route never
// seeing the image) from hand-made trials and check the figures it reports.
import { describe, expect, it } from 'vitest';
import type { Price } from '../src/config/schema.ts';
import { CaseResult, ModelSummary, type Route, type Trial, type Usage, type Verdict } from '../src/report/schema.ts';
import { caseResults } from '../src/summarize/case-results.ts';
import {
  DROPPED_IMAGE_MAX_TOKENS,
  summarizeModel,
  type Calibration,
  type ModelSummaryInput,
} from '../src/summarize/model-summary.ts';

const PROMPT = 'Identify the main logo or object in this image.';
const route: Route = { model: 'm', host: 'api.example.test', settings: { detail: 'low', max_tokens: 40 } };

const usage = (prompt: number | null, completion: number | null, image: number | null = null): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  cached_tokens: null,
  image_tokens: image,
});

let trialNumber = 0;
function trial(fields: Partial<Trial> & { verdict: Verdict }): Trial {
  const answered = !['error', 'timeout', 'skipped', 'not_run'].includes(fields.verdict);
  const latency = fields.latency_ms ?? (answered ? 1000 : null);
  return {
    model: 'm',
    case: 'logo_python',
    trial: (trialNumber = (trialNumber % 3) + 1),
    status: answered ? 200 : null,
    error: null,
    error_message: null,
    attempts:
      latency === null
        ? []
        : [{ attempt: 1, status: answered ? 200 : null, error: null, message: null, latency_ms: latency, retry_after_ms: null, backoff_ms: 0 }],
    latency_ms: latency,
    answer: answered ? 'an answer' : null,
    finish_reason: answered ? 'stop' : null,
    usage: answered ? usage(100, 10) : null,
    ...fields,
  };
}

const summarize = (trials: Trial[], extra: Partial<ModelSummaryInput> = {}) =>
  ModelSummary.parse(
    summarizeModel({
      id: 'm',
      route,
      price: undefined,
      trials,
      promptOf: () => PROMPT,
      calibrations: [],
      skippedReason: null,
      ...extra,
    }),
  );

describe('the published benchmark, rebuilt from trials', () => {
  // Latencies chosen to reproduce the published avg, median, fastest and slowest exactly; the
  // sample answers, their latencies and prompt tokens are the published ones.
  const gpt = [
    trial({ case: 'logo_python', verdict: 'pass', latency_ms: 1690, answer: 'Python programming language official logo with two snakes.', usage: usage(159, 10) }),
    trial({ case: 'logo_python', verdict: 'pass', latency_ms: 1244, usage: usage(159, 11) }),
    trial({ case: 'logo_python', verdict: 'pass', latency_ms: 1280, usage: usage(159, 10) }),
    trial({ case: 'logo_github', verdict: 'pass', latency_ms: 1239, answer: "GitHub's black cat silhouette logo inside a circle.", usage: usage(159, 11) }),
    trial({ case: 'logo_github', verdict: 'pass', latency_ms: 1304, usage: usage(159, 10) }),
    trial({ case: 'logo_github', verdict: 'pass', latency_ms: 2189, usage: usage(159, 11) }),
  ];
  // Five requests at the text-only 27 prompt tokens (the image never arrived) and one that carried
  // it: 413 / 6 = 68.8 average prompt tokens, as published; 441 / 6 = 73.5 completion tokens.
  const gemini = [
    trial({ case: 'logo_python', verdict: 'no_image', latency_ms: 4402, answer: 'Please upload an image for analysis. No image provided.', usage: usage(27, 70) }),
    trial({ case: 'logo_python', verdict: 'wrong', latency_ms: 3999, answer: 'A generic blue and yellow icon.', usage: usage(27, 72) }),
    trial({ case: 'logo_python', verdict: 'wrong', latency_ms: 4264, usage: usage(27, 75) }),
    trial({ case: 'logo_github', verdict: 'wrong', latency_ms: 9507, answer: 'A logo of the Canadian Broadcasting Corporation (CBC).', usage: usage(27, 74) }),
    trial({ case: 'logo_github', verdict: 'wrong', latency_ms: 1467, usage: usage(27, 78) }),
    trial({ case: 'logo_github', verdict: 'wrong', latency_ms: 6151, usage: usage(278, 72) }),
  ];
  const gptPrice: Price = { input_per_mtok: 0.26, output_per_mtok: 1.04 };
  const geminiPrice: Price = { input_per_mtok: 0.17, output_per_mtok: 0.68 };
  // The benchmark did not publish text-only prompt tokens: 27 is what the image-less gemini
  // requests cost, and 74 for gpt-4.1-mini is illustrative (159 − 74 = 85, a low-detail image).
  const calibrated = (tokens: number): Calibration[] => [{ prompt: PROMPT, prompt_tokens: tokens }];

  it('gpt-4.1-mini: 6/6 over HTTP and recognised, its latency row, $0.5226 per 10k calls', () => {
    const s = summarize(gpt, { price: gptPrice, calibrations: calibrated(74) });
    expect(s).toMatchObject({ requests: 6, http_success: 6, correct: 6, no_image_claims: 0, errors: 0, timeouts: 0, not_run: 0 });
    expect(s.latency_ms.avg).toBeCloseTo(1491, 9);
    expect(s.latency_ms.p50).toBe(1292);
    expect(s.latency_ms.min).toBe(1239);
    expect(s.latency_ms.max).toBe(2189);
    expect(s.tokens.prompt_avg).toBe(159);
    expect(s.tokens.completion_avg).toBe(10.5);
    expect(s.cost.per_10k_calls).toBeCloseTo(0.5226, 12);
    // Every request recognised the logo, so a correct answer costs what an average call costs.
    expect(s.cost.per_success).toBeCloseTo(0.5226 / 10_000, 15);
    expect(s.tokens).toMatchObject({ image: 85, image_source: 'calibration', text_only_prompt: 74 });
    expect(s.image_path).toBe('ok');
    expect(s.verdict).toBe('pass');
    expect(s.baseline).toBeNull();
    expect(s.route).toEqual(route);
  });

  it('gemini-2.5-flash: 6/6 HTTP 200 but 0/6 correct, one no-image reply, $0.6168 per 10k calls', () => {
    const s = summarize(gemini, { price: geminiPrice, calibrations: calibrated(27) });
    expect(s).toMatchObject({ requests: 6, http_success: 6, correct: 0, no_image_claims: 1, errors: 0 });
    expect(s.latency_ms.avg).toBeCloseTo(4965, 9);
    expect(s.latency_ms.p50).toBe(4333);
    expect(s.latency_ms.min).toBe(1467);
    expect(s.latency_ms.max).toBe(9507);
    // Linear-interpolation p95 of six samples lies between the two slowest, not at the slowest.
    expect(s.latency_ms.p95).toBeCloseTo(6151 + 0.75 * (9507 - 6151), 9);
    expect(s.tokens.prompt_avg).toBeCloseTo(68.8, 1);
    expect(s.tokens.completion_avg).toBe(73.5);
    expect(s.cost.per_10k_calls).toBeCloseTo(0.6168, 4);
    expect(s.cost.per_success).toBeNull(); // nothing was recognised: no cost per success
    // Five of six requests cost exactly the text-only prompt: the image path is broken even though
    // the average image share (251 / 6 ≈ 42 tokens) looks like an image.
    expect(s.tokens.image).toBeCloseTo(251 / 6, 9);
    expect(s.tokens.image_source).toBe('calibration');
    expect(s.image_path).toBe('dropped');
  });

  it('costs 27 prompt / 73.5 completion tokens at $0.17 / $0.68 as $0.5457 per 10k calls', () => {
    // 10,000 × (27 × 0.17 + 73.5 × 0.68) / 1e6 = 10,000 × 54.57 / 1e6
    const trials = [trial({ verdict: 'wrong', usage: usage(27, 73) }), trial({ verdict: 'wrong', usage: usage(27, 74) })];
    expect(summarize(trials, { price: geminiPrice }).cost.per_10k_calls).toBeCloseTo(0.5457, 12);
  });

  it('builds the per-case rows: trials, passes, verdicts, latencies and a failing sample answer', () => {
    const rows = caseResults([...gemini.map((t) => ({ ...t, model: 'gemini-2.5-flash' })), ...gpt.map((t) => ({ ...t, model: 'gpt-4.1-mini' }))]);
    expect(rows.map((r) => `${r.model}/${r.case}`)).toEqual([
      'gemini-2.5-flash/logo_python',
      'gemini-2.5-flash/logo_github',
      'gpt-4.1-mini/logo_python',
      'gpt-4.1-mini/logo_github',
    ]);
    expect(rows[0]).toMatchObject({
      trials: 3,
      passes: 0,
      verdicts: ['no_image', 'wrong', 'wrong'],
      latency_ms: [4402, 3999, 4264],
      answer: 'Please upload an image for analysis. No image provided.',
      status: 'ok',
      baseline: null,
      p_value: null,
    });
    expect(rows[1]!.answer).toBe('A logo of the Canadian Broadcasting Corporation (CBC).');
    expect(rows[3]).toMatchObject({ trials: 3, passes: 3, answer: "GitHub's black cat silhouette logo inside a circle." });
    for (const row of rows) CaseResult.parse(row);
  });
});

describe('counting requests', () => {
  const mixed = [
    trial({ verdict: 'pass', latency_ms: 100 }),
    trial({ verdict: 'wrong', latency_ms: 200 }),
    trial({ verdict: 'no_image', latency_ms: 300 }),
    trial({ verdict: 'empty', latency_ms: 400, answer: null }),
    trial({ verdict: 'truncated', latency_ms: 500, finish_reason: 'length' }),
    trial({ verdict: 'error', status: 500, error: 'http', latency_ms: 50 }),
    trial({ verdict: 'error', status: 200, error: 'invalid_response', latency_ms: 60 }),
    trial({ verdict: 'error', status: null, error: 'connection', latency_ms: 5 }),
    trial({ verdict: 'timeout', status: null, error: 'timeout', latency_ms: 30_000 }),
    trial({ verdict: 'not_run', status: null, error: null, latency_ms: null }),
  ];

  it('counts each verdict once and leaves requests that never ran out of the total', () => {
    const s = summarize(mixed);
    expect(s).toMatchObject({
      requests: 9,
      http_success: 5,
      correct: 1,
      no_image_claims: 1,
      errors: 3,
      timeouts: 1,
      not_run: 1,
    });
  });

  it('measures latency over usable 2xx responses only: not errors, timeouts or a 200 with a broken body', () => {
    const s = summarize(mixed);
    expect(s.latency_ms).toEqual({ avg: 300, p50: 300, p95: 480, min: 100, max: 500 });
    expect(caseResults(mixed)[0]!.latency_ms).toEqual([100, 200, 300, 400, 500]);
  });

  it('reports null latency, tokens and cost when nothing succeeded', () => {
    const s = summarize([trial({ verdict: 'timeout', error: 'timeout', status: null, latency_ms: 30_000 })], {
      price: { input_per_mtok: 1, output_per_mtok: 1 },
    });
    expect(s.latency_ms).toEqual({ avg: null, p50: null, p95: null, min: null, max: null });
    expect(s.tokens).toEqual({ prompt_avg: null, completion_avg: null, image: null, image_source: null, text_only_prompt: null });
    expect(s.image_path).toBe('unknown');
    expect(s.cost).toEqual({ per_10k_calls: null, per_success: null });
  });

  it('averages tokens over the trials that reported them, ignoring missing fields', () => {
    const s = summarize([
      trial({ verdict: 'pass', usage: usage(100, 10) }),
      trial({ verdict: 'pass', usage: usage(200, null) }),
      trial({ verdict: 'pass', usage: null }),
    ]);
    expect(s.tokens.prompt_avg).toBe(150);
    expect(s.tokens.completion_avg).toBe(10);
  });
});

describe('a model that was skipped', () => {
  it('is skipped with its reason and no numbers', () => {
    const trials = [trial({ verdict: 'skipped', error_message: 'OPENAI_API_KEY is not set' }), trial({ verdict: 'skipped' })];
    const s = summarize(trials, { skippedReason: 'OPENAI_API_KEY is not set', price: { input_per_mtok: 1, output_per_mtok: 1 } });
    expect(s).toMatchObject({
      verdict: 'skipped',
      skipped_reason: 'OPENAI_API_KEY is not set',
      requests: 0,
      http_success: 0,
      correct: 0,
      not_run: 0,
      image_path: 'unknown',
      cost: { per_10k_calls: null, per_success: null },
    });
    expect(caseResults(trials)[0]).toMatchObject({ trials: 0, passes: 0, verdicts: ['skipped', 'skipped'], latency_ms: [], answer: null });
  });

  it('a model that ran is summarised as pass, for the gate to judge', () => {
    expect(summarize([trial({ verdict: 'wrong' })]).verdict).toBe('pass');
    expect(summarize([trial({ verdict: 'wrong' })]).skipped_reason).toBeNull();
  });
});

describe('the image-path signal', () => {
  const calibrations = (tokens: number | null): Calibration[] => [{ prompt: PROMPT, prompt_tokens: tokens }];

  it('uses the threshold the docs describe: a few tokens of wrapper, far below any real image', () => {
    expect(DROPPED_IMAGE_MAX_TOKENS).toBeGreaterThanOrEqual(5);
    expect(DROPPED_IMAGE_MAX_TOKENS).toBeLessThan(20);
  });

  it('calls a prompt no bigger than the text-only one dropped', () => {
    const s = summarize([trial({ verdict: 'wrong', usage: usage(27, 70) })], { calibrations: calibrations(27) });
    expect(s.tokens).toMatchObject({ image: 0, image_source: 'calibration', text_only_prompt: 27 });
    expect(s.image_path).toBe('dropped');
  });

  it('calls a placeholder of a few tokens dropped, and a real image ok', () => {
    const placeholder = [trial({ verdict: 'wrong', usage: usage(27 + DROPPED_IMAGE_MAX_TOKENS, 70) })];
    expect(summarize(placeholder, { calibrations: calibrations(27) }).image_path).toBe('dropped');
    const oneMore = [trial({ verdict: 'pass', usage: usage(27 + DROPPED_IMAGE_MAX_TOKENS + 1, 70) })];
    expect(summarize(oneMore, { calibrations: calibrations(27) }).image_path).toBe('ok');
    const lowDetail = [trial({ verdict: 'pass', usage: usage(27 + 85, 12) })];
    expect(summarize(lowDetail, { calibrations: calibrations(27) })).toMatchObject({ image_path: 'ok', tokens: { image: 85 } });
  });

  it('calls a route that drops the image on only some requests dropped', () => {
    const trials = [trial({ verdict: 'pass', usage: usage(112, 9) }), trial({ verdict: 'wrong', usage: usage(27, 9) })];
    const s = summarize(trials, { calibrations: calibrations(27) });
    expect(s.tokens.image).toBe(42.5);
    expect(s.image_path).toBe('dropped');
  });

  it('pairs each trial with the calibration of the prompt it was sent with', () => {
    const prompts: Record<string, string> = { logo_python: 'What logo is this?', logo_github: PROMPT };
    const s = summarize(
      [
        trial({ case: 'logo_python', verdict: 'pass', usage: usage(20 + 85, 5) }),
        trial({ case: 'logo_github', verdict: 'pass', usage: usage(27 + 85, 5) }),
      ],
      {
        promptOf: (caseId) => prompts[caseId]!,
        calibrations: [
          { prompt: 'What logo is this?', prompt_tokens: 20 },
          { prompt: PROMPT, prompt_tokens: 27 },
        ],
      },
    );
    expect(s.tokens).toMatchObject({ image: 85, image_source: 'calibration', text_only_prompt: 23.5 });
    expect(s.image_path).toBe('ok');
  });

  it('trusts positive reported image tokens over calibration', () => {
    const trials = [trial({ verdict: 'pass', usage: usage(112, 9, 85) }), trial({ verdict: 'pass', usage: usage(112, 9, 85) })];
    const s = summarize(trials, { calibrations: calibrations(27) });
    expect(s.tokens).toMatchObject({ image: 85, image_source: 'reported', text_only_prompt: 27 });
    expect(s.image_path).toBe('ok');
  });

  it('believes a reported zero from a provider that reports positive counts elsewhere', () => {
    const trials = [trial({ verdict: 'pass', usage: usage(112, 9, 85) }), trial({ verdict: 'wrong', usage: usage(27, 9, 0) })];
    const s = summarize(trials);
    expect(s.tokens).toMatchObject({ image: 42.5, image_source: 'reported' });
    expect(s.image_path).toBe('dropped');
  });

  it('does not take reported zeros as a dropped image: calibration decides', () => {
    const trials = [trial({ verdict: 'pass', usage: usage(159, 10, 0) })];
    expect(summarize(trials, { calibrations: calibrations(74) })).toMatchObject({
      image_path: 'ok',
      tokens: { image: 85, image_source: 'calibration' },
    });
    expect(summarize(trials, { calibrations: calibrations(159) }).image_path).toBe('dropped');
    // Without a calibration, zeros alone say nothing.
    expect(summarize(trials)).toMatchObject({ image_path: 'unknown', tokens: { image: null, image_source: null } });
  });

  it('is unknown without usage, never dropped', () => {
    const trials = [trial({ verdict: 'pass', usage: null }), trial({ verdict: 'wrong', usage: null })];
    const s = summarize(trials, { calibrations: calibrations(27) });
    expect(s.image_path).toBe('unknown');
    expect(s.tokens.image).toBeNull();
  });

  it('is unknown when the calibration itself reported no usage', () => {
    const s = summarize([trial({ verdict: 'pass', usage: usage(112, 9) })], { calibrations: calibrations(null) });
    expect(s).toMatchObject({ image_path: 'unknown', tokens: { image: null, text_only_prompt: null } });
  });
});

describe('cost', () => {
  const price: Price = { input_per_mtok: 2, output_per_mtok: 8 };

  it('is unknown, never $0, without a price', () => {
    const s = summarize([trial({ verdict: 'pass', usage: usage(1000, 100) })]);
    expect(s.cost).toEqual({ per_10k_calls: null, per_success: null });
  });

  it('is unknown without usage, even with a price', () => {
    const s = summarize([trial({ verdict: 'pass', usage: null })], { price });
    expect(s.cost).toEqual({ per_10k_calls: null, per_success: null });
  });

  it('is free only when the price is', () => {
    const s = summarize([trial({ verdict: 'pass', usage: usage(1000, 100) })], { price: { input_per_mtok: 0, output_per_mtok: 0 } });
    expect(s.cost).toEqual({ per_10k_calls: 0, per_success: 0 });
  });

  it('charges every request with usage, failures included, to the correct answers', () => {
    const trials = [
      trial({ verdict: 'pass', usage: usage(1000, 100) }), // 0.002 + 0.0008 = $0.0028
      trial({ verdict: 'wrong', usage: usage(1000, 100) }), // $0.0028
      trial({ verdict: 'no_image', usage: usage(500, 50) }), // 0.001 + 0.0004 = $0.0014
      trial({ verdict: 'error', status: 500, error: 'http', usage: null }), // nothing billed
    ];
    const s = summarize(trials, { price });
    expect(s.cost.per_success).toBeCloseTo(0.007, 15);
    // 10,000 × (833.33… × 2 + 83.33… × 8) / 1e6
    expect(s.cost.per_10k_calls).toBeCloseTo((10_000 * ((2500 / 3) * 2 + (250 / 3) * 8)) / 1e6, 12);
  });

  it('has no cost per success when nothing was correct', () => {
    const s = summarize([trial({ verdict: 'wrong', usage: usage(1000, 100) })], { price });
    expect(s.cost.per_success).toBeNull();
    expect(s.cost.per_10k_calls).toBeCloseTo(28, 9); // $0.0028 a call
  });
});

describe('per-case results', () => {
  it('groups by model and case in first-seen order, even when interleaved', () => {
    const rows = caseResults([
      trial({ model: 'b', case: 'x', verdict: 'pass' }),
      trial({ model: 'a', case: 'x', verdict: 'pass' }),
      trial({ model: 'b', case: 'y', verdict: 'wrong' }),
      trial({ model: 'b', case: 'x', verdict: 'wrong' }),
    ]);
    expect(rows.map((r) => [r.model, r.case, r.verdicts])).toEqual([
      ['b', 'x', ['pass', 'wrong']],
      ['a', 'x', ['pass']],
      ['b', 'y', ['wrong']],
    ]);
  });

  it('shows the first failing answer, skipping failures that have none, else the first answer', () => {
    expect(
      caseResults([
        trial({ verdict: 'pass', answer: 'Python' }),
        trial({ verdict: 'timeout', error: 'timeout', status: null }),
        trial({ verdict: 'wrong', answer: 'Java' }),
        trial({ verdict: 'no_image', answer: 'Please upload an image' }),
      ])[0]!.answer,
    ).toBe('Java');
    expect(caseResults([trial({ verdict: 'pass', answer: 'Python logo' }), trial({ verdict: 'pass', answer: 'Python' })])[0]!.answer).toBe(
      'Python logo',
    );
    expect(caseResults([trial({ verdict: 'error', error: 'http', status: 503 })])[0]!.answer).toBeNull();
  });

  it('counts trials that ran, listing not-run ones among the verdicts', () => {
    const row = caseResults([trial({ verdict: 'pass' }), trial({ verdict: 'not_run', error: 'aborted', status: null })])[0]!;
    expect(row).toMatchObject({ trials: 1, passes: 1, verdicts: ['pass', 'not_run'] });
  });

  it('returns nothing for no trials', () => {
    expect(caseResults([])).toEqual([]);
  });
});
