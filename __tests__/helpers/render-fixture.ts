// Reports for the rendering tests, shaped like a real gate run and validated with ReportSchema
// so they cannot drift from the report the engine writes. The two models mirror the case the
// product exists for: one route sees the image 6/6; the other answers HTTP 200 every time but
// drops the image (0/6 correct, no-image claims, zero image tokens by calibration).
import { ReportSchema, type CaseResult, type Finding, type ModelSummary, type Report, type Trial, type Verdict } from '../../src/report/schema.ts';

interface CaseSpec {
  model: string;
  case: string;
  verdicts: Verdict[];
  latency: number[];
  answers: string[];
  prompt: number;
  completion: number;
  status?: CaseResult['status'];
  baseline?: { trials: number; passes: number } | null;
  p_value?: number | null;
}

function trialsOf(spec: CaseSpec): Trial[] {
  return spec.verdicts.map((verdict, i) => ({
    model: spec.model,
    case: spec.case,
    trial: i + 1,
    verdict,
    status: 200,
    error: null,
    error_message: null,
    attempts: [{ attempt: 1, status: 200, error: null, message: null, latency_ms: spec.latency[i]!, retry_after_ms: null, backoff_ms: 0 }],
    latency_ms: spec.latency[i]!,
    answer: spec.answers[i]!,
    finish_reason: 'stop',
    usage: { prompt_tokens: spec.prompt, completion_tokens: spec.completion, cached_tokens: null, image_tokens: null },
  }));
}

function caseOf(spec: CaseSpec): CaseResult {
  const firstFailing = spec.verdicts.findIndex((v) => v !== 'pass');
  return {
    model: spec.model,
    case: spec.case,
    trials: spec.verdicts.length,
    passes: spec.verdicts.filter((v) => v === 'pass').length,
    verdicts: spec.verdicts,
    latency_ms: spec.latency,
    answer: spec.answers[firstFailing === -1 ? 0 : firstFailing]!,
    status: spec.status ?? 'ok',
    baseline: spec.baseline ?? null,
    p_value: spec.p_value ?? null,
  };
}

const SPECS: CaseSpec[] = [
  {
    model: 'gemini-2.5-flash',
    case: 'logo_python',
    verdicts: ['no_image', 'no_image', 'no_image'],
    latency: [4402, 4120, 3999],
    answers: Array(3).fill('Please upload an image for analysis. No image provided.'),
    prompt: 27,
    completion: 74,
    status: 'broken',
    baseline: { trials: 3, passes: 3 },
    p_value: 0.05,
  },
  {
    model: 'gemini-2.5-flash',
    case: 'logo_github',
    verdicts: ['no_image', 'no_image', 'no_image'],
    latency: [9507, 1467, 4333],
    answers: Array(3).fill('I cannot see any image attached. Could you upload it again?'),
    prompt: 27,
    completion: 73,
    status: 'broken',
    baseline: { trials: 3, passes: 3 },
    p_value: 0.05,
  },
  {
    model: 'gpt-4.1-mini',
    case: 'logo_python',
    verdicts: ['pass', 'pass', 'pass'],
    latency: [1690, 1920, 2189],
    answers: Array(3).fill('Python programming language official logo with two snakes.'),
    prompt: 159,
    completion: 11,
    baseline: { trials: 3, passes: 3 },
  },
  {
    model: 'gpt-4.1-mini',
    case: 'logo_github',
    verdicts: ['pass', 'pass', 'pass'],
    latency: [1239, 1950, 2010],
    answers: Array(3).fill("GitHub's black cat silhouette logo inside a circle."),
    prompt: 159,
    completion: 10,
    baseline: { trials: 3, passes: 3 },
  },
];

const settings = { detail: 'low', media: 'inline', max_tokens: 40, temperature: 0 };

const MODELS: ModelSummary[] = [
  {
    id: 'gemini-2.5-flash',
    verdict: 'fail',
    skipped_reason: null,
    route: { model: 'gemini-2.5-flash', host: 'gateway.example.com', settings: { ...settings, media: 'url' } },
    requests: 6,
    http_success: 6,
    correct: 0,
    no_image_claims: 6,
    errors: 0,
    timeouts: 0,
    not_run: 0,
    latency_ms: { avg: 4638, p50: 4166, p95: 8213, min: 1467, max: 9507 },
    tokens: { prompt_avg: 27, completion_avg: 73.5, image: 0, image_source: 'calibration', text_only_prompt: 27 },
    image_path: 'dropped',
    cost: { per_10k_calls: 0.6168, per_success: null },
    baseline: {
      requests: 6,
      correct: 6,
      errors: 0,
      latency_ms: { p50: 3980, p95: 7900 },
      prompt_avg: 112,
      image_tokens: 85,
      cost_per_success: 0.00007,
      route: { model: 'gemini-2.5-flash', host: 'generativelanguage.googleapis.com', settings },
      route_changed: true,
    },
  },
  {
    id: 'gpt-4.1-mini',
    verdict: 'fail',
    skipped_reason: null,
    route: { model: 'gpt-4.1-mini', host: 'api.openai.com', settings },
    requests: 6,
    http_success: 6,
    correct: 6,
    no_image_claims: 0,
    errors: 0,
    timeouts: 0,
    not_run: 0,
    latency_ms: { avg: 1833, p50: 1920, p95: 2145, min: 1239, max: 2189 },
    tokens: { prompt_avg: 159, completion_avg: 10.5, image: 85, image_source: 'calibration', text_only_prompt: 74 },
    image_path: 'ok',
    cost: { per_10k_calls: 0.5226, per_success: 0.00005226 },
    baseline: {
      requests: 6,
      correct: 6,
      errors: 0,
      latency_ms: { p50: 1292, p95: 2100 },
      prompt_avg: 159,
      image_tokens: 85,
      cost_per_success: 0.00005226,
      route: { model: 'gpt-4.1-mini', host: 'api.openai.com', settings },
      route_changed: false,
    },
  },
  {
    id: 'claude-haiku',
    verdict: 'skipped',
    skipped_reason: 'ANTHROPIC_API_KEY is not set',
    route: { model: 'claude-3-5-haiku', host: 'api.anthropic.com', settings },
    requests: 0,
    http_success: 0,
    correct: 0,
    no_image_claims: 0,
    errors: 0,
    timeouts: 0,
    not_run: 0,
    latency_ms: { avg: null, p50: null, p95: null, min: null, max: null },
    tokens: { prompt_avg: null, completion_avg: null, image: null, image_source: null, text_only_prompt: null },
    image_path: 'unknown',
    cost: { per_10k_calls: null, per_success: null },
    baseline: null,
  },
];

const FINDINGS: Finding[] = [
  {
    severity: 'fail',
    kind: 'recognition',
    model: 'gemini-2.5-flash',
    case: 'logo_python',
    message: 'recognition on `logo_python` 3/3 → 0/3 (p = 0.05)',
    numbers: { baseline_passes: 3, baseline_trials: 3, passes: 0, trials: 3, p_value: 0.05 },
  },
  {
    severity: 'fail',
    kind: 'recognition',
    model: 'gemini-2.5-flash',
    case: 'logo_github',
    message: 'recognition on `logo_github` 3/3 → 0/3 (p = 0.05)',
    numbers: { baseline_passes: 3, baseline_trials: 3, passes: 0, trials: 3, p_value: 0.05 },
  },
  {
    severity: 'fail',
    kind: 'image_path',
    model: 'gemini-2.5-flash',
    case: null,
    message: 'image dropped: 6/6 answers claim no image; calibration measured 0 image tokens (baseline 85)',
    numbers: { no_image_claims: 6, image_tokens: 0 },
  },
  {
    severity: 'fail',
    kind: 'latency',
    model: 'gpt-4.1-mini',
    case: null,
    message: 'p50 1.29 s → 1.92 s (+49%, 95% CI +31…+70%)',
    numbers: { baseline: 1292, current: 1920, increase_pct: 49, ci_low: 31, ci_high: 70 },
  },
  {
    severity: 'warn',
    kind: 'latency',
    model: 'gemini-2.5-flash',
    case: null,
    message: 'p50 3.98 s → 4.17 s (+5%): below the 25% threshold but the interval is above zero',
    numbers: { baseline: 3980, current: 4166 },
  },
  { severity: 'pass', kind: 'errors', model: 'gpt-4.1-mini', case: null, message: 'no transport errors', numbers: {} },
];

/** The two-model gate run (plus one skipped model), validated. Overrides replace top-level fields. */
export function sampleReport(overrides: Partial<Report> = {}): Report {
  return ReportSchema.parse({
    schema_version: 1,
    mode: 'gate',
    passed: false,
    regressions: FINDINGS.filter((f) => f.severity === 'fail').length,
    complete: true,
    config: 'vision-gate.yml',
    started_at: '2026-06-21T13:36:32.000Z',
    duration_ms: 21_400,
    baseline: { path: '.vision-gate/baseline.json', status: 'compared', commit: '0123456789abcdef0123456789abcdef01234567' },
    models: MODELS,
    cases: SPECS.map(caseOf),
    findings: FINDINGS,
    trials: SPECS.flatMap(trialsOf),
    ...overrides,
  });
}

/** The sample report with every sample answer replaced (the untrusted text under test). */
export function withAnswer(answer: string, report = sampleReport()): Report {
  return ReportSchema.parse({
    ...report,
    cases: report.cases.map((c) => ({ ...c, answer })),
    trials: report.trials.map((t) => ({ ...t, answer })),
  });
}

/** A report far past the comment limit: many models and cases, long answers, many findings. */
export function hugeReport(modelCount: number, caseCount: number, answer: string): Report {
  const [blind, seeing] = MODELS;
  const models: ModelSummary[] = [];
  const cases: CaseResult[] = [];
  const findings: Finding[] = [];
  for (let m = 0; m < modelCount; m += 1) {
    const template = m % 3 === 0 ? seeing! : blind!;
    const id = `model-${String(m).padStart(3, '0')}-${template.id}`;
    models.push({ ...template, id, verdict: m % 3 === 0 ? 'fail' : 'pass', route: { ...template.route, model: id } });
    for (let c = 0; c < caseCount; c += 1) {
      const broken = m % 3 === 0 && c % 5 === 0;
      const caseId = `case_${String(c).padStart(3, '0')}`;
      cases.push({
        model: id,
        case: caseId,
        trials: 3,
        passes: broken ? 0 : 3,
        verdicts: broken ? ['no_image', 'no_image', 'wrong'] : ['pass', 'pass', 'pass'],
        latency_ms: [1200 + m, 1300 + c, 1400],
        answer,
        status: broken ? 'broken' : 'ok',
        baseline: { trials: 3, passes: 3 },
        p_value: broken ? 0.05 : null,
      });
      if (broken) {
        findings.push({
          severity: 'fail',
          kind: 'recognition',
          model: id,
          case: caseId,
          message: `recognition on \`${caseId}\` 3/3 → 0/3 (p = 0.05)`,
          numbers: {},
        });
      }
    }
  }
  return ReportSchema.parse({
    ...sampleReport(),
    regressions: findings.length,
    models,
    cases,
    findings,
    trials: [],
  });
}
