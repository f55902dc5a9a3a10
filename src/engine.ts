// The pipeline both entry points share: config → plan → run → score → summarize → compare →
// report. Rendering and publishing stay with the entries; this returns plain data.
import path from 'node:path';
import pLimit from 'p-limit';
import { readBaseline, writeBaseline } from './baseline/store.ts';
import { buildBaseline } from './baseline/build.ts';
import { caseFingerprint } from './baseline/fingerprint.ts';
import type { Baseline } from './baseline/schema.ts';
import { runGate } from './compare/index.ts';
import { loadConfig, type LoadedConfig } from './config/load.ts';
import type { Config, ModelConfig } from './config/schema.ts';
import { UserError } from './errors.ts';
import { createImageReader, findRepoRoot, type LoadedImage } from './images/reader.ts';
import { buildPlan, routeSettings, type Plan } from './plan/plan.ts';
import { ReportSchema, REPORT_SCHEMA_VERSION, type Report, type Route } from './report/schema.ts';
import { createModelClient, type Clock, type ModelClient } from './run/client.ts';
import { defaultRetryPolicy } from './run/retry.ts';
import type { RunOutcome } from './run/outcome.ts';
import { imageKey, runPlan } from './run/runner.ts';
import { noImageMatcher } from './score/no-image.ts';
import { displayUrl } from './secrets.ts';
import { configFingerprint } from './shard/fingerprint.ts';
import { mergePartials } from './shard/merge.ts';
import { PARTIAL_KIND, PARTIAL_SCHEMA_VERSION, type PartialResult } from './shard/schema.ts';
import { slicePlan, type Shard } from './shard/slice.ts';
import { readPartials } from './shard/store.ts';
import { caseResults } from './summarize/case-results.ts';
import { summarizeModel } from './summarize/model-summary.ts';

export type Mode = Report['mode'];

export interface Log {
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
}

export interface EngineOptions {
  configPath: string;
  mode: Mode;
  env: Record<string, string | undefined>;
  cwd: string;
  log: Log;
  /** The commit being tested, recorded in a refreshed baseline. */
  commit?: string | null;
  /** Why every model is skipped regardless of keys (e.g. a fork PR), or null. */
  skipAll?: string | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, detail: string) => void;
  /** Called once per API key so the host can mask it (the runner's add-mask). */
  onSecret?: (secret: string) => void;
  now?: () => Date;
  clock?: Clock;
}

export interface EngineResult {
  report: Report;
  loaded: LoadedConfig;
  plan: Plan;
  baselineFile: string;
  baseline: Baseline | null;
  /** The baseline written in update-baseline mode. */
  written: Baseline | null;
  /** Base64 encodings performed (one per distinct image and media); for the benchmark, not the report. */
  imageEncodings: number;
}

export interface Prepared {
  loaded: LoadedConfig;
  plan: Plan;
  images: Map<string, LoadedImage>;
  baselineFile: string;
  root: string;
  /** Of the config and the images: what every shard of one run shares. */
  fingerprint: string;
  imageEncodings: number;
}

const IMAGE_READS_IN_FLIGHT = 2;

// The trials are built as Trial values by the runner, or validated with the partial result they
// came in; checking thousands of them again cost 100 ms and more at the end of every run.
const ReportWithoutTrials = ReportSchema.omit({ trials: true });

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function routeOf(config: Config, model: ModelConfig): Route {
  let host = '(invalid URL)';
  try {
    host = new URL(model.base_url).host;
  } catch {
    // the loader validates base_url; this is only a guard
  }
  return { model: model.model, host, settings: routeSettings(config, model) };
}

/** Loads the config, reads every image and builds the plan, without calling any model. */
export async function prepare(options: Pick<EngineOptions, 'configPath' | 'env' | 'cwd'>): Promise<Prepared> {
  const loaded = await loadConfig(options.configPath, options.env, options.cwd);
  const { config } = loaded;
  const root = findRepoRoot(loaded.dir, options.env);
  const plan = buildPlan(config);
  const reader = createImageReader({
    root,
    baseDir: loaded.dir,
    maxBytes: Math.round(config.max_image_mb * 1_000_000),
    configName: path.basename(loaded.file),
  });
  const images = new Map<string, LoadedImage>();
  const needed = new Map<string, { caseId: string; image: string; media: 'inline' | 'url' }>();
  for (const request of plan.requests) {
    const testCase = plan.cases.find((c) => c.id === request.case)!;
    needed.set(imageKey(request.case, request.settings.media), {
      caseId: request.case,
      image: testCase.image,
      media: request.settings.media,
    });
  }
  // A few at a time: each image passes through its bytes, its base64 and its data URL, and fifty
  // 1 MB images read at once would hold all of those copies together.
  const limit = pLimit(IMAGE_READS_IN_FLIGHT);
  await Promise.all(
    [...needed].map(([key, { caseId, image, media }]) =>
      limit(async () => {
        images.set(key, await reader.read(caseId, image, media));
      }),
    ),
  );
  const baselineFile = path.resolve(loaded.dir, config.baseline);
  const fingerprint = configFingerprint(config, images);
  return { loaded, plan, images, baselineFile, root, fingerprint, imageEncodings: reader.encodings };
}

function checkTransport(model: ModelConfig, displayPath: string): void {
  const url = new URL(model.base_url);
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname) && !model.allow_insecure_http) {
    throw new UserError(
      `${displayPath}: model ${model.id} would send its API key over plain http to ${url.host} (${displayUrl(model.base_url)}). ` +
        'Use an https base_url, or set allow_insecure_http: true on that model if the network is trusted.',
    );
  }
}

/** Runs every planned request of one job. */
export async function runEngine(options: EngineOptions): Promise<EngineResult> {
  const prepared = await prepare(options);
  return finish(options, prepared, await execute(options, prepared, prepared.plan));
}

/** Runs one shard's slice of the plan and returns its partial result (the caller writes the file). */
export async function runShard(options: EngineOptions, shard: Shard): Promise<{ partial: PartialResult; prepared: Prepared }> {
  const prepared = await prepare(options);
  const slice = slicePlan(prepared.plan, shard);
  const outcome = await execute(options, prepared, slice);
  const partial: PartialResult = {
    schema_version: PARTIAL_SCHEMA_VERSION,
    kind: PARTIAL_KIND,
    config_fingerprint: prepared.fingerprint,
    plan_size: prepared.plan.requests.length,
    shard,
    started_at: outcome.startedAt.toISOString(),
    duration_ms: Math.round(outcome.durationMs),
    deadline_reached: outcome.deadlineReached,
    skipped: Object.fromEntries(outcome.skipped),
    calibrations: [...outcome.calibrations].flatMap(([model, list]) => list.map((c) => ({ model, ...c }))),
    trials: outcome.trials,
  };
  return { partial, prepared };
}

/** Merges the shards' partial results found under `partialsDir`, then gates and reports as one job would. */
export async function mergeShards(options: EngineOptions, partialsDir: string): Promise<EngineResult> {
  const prepared = await prepare(options);
  const dir = path.resolve(options.cwd, partialsDir);
  const files = await readPartials(dir, options.cwd);
  const outcome = mergePartials(prepared.plan, prepared.fingerprint, files, path.relative(options.cwd, dir) || dir);
  return finish(options, prepared, outcome);
}

/** Sends the requests of `plan` (the whole plan or a shard's slice) and collects the outcome. */
async function execute(options: EngineOptions, prepared: Prepared, plan: Plan): Promise<RunOutcome> {
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const { loaded, images } = prepared;
  const { config } = loaded;
  const clients = new Map<string, ModelClient>();
  const skipped = new Map<string, string>();
  for (const model of config.models) {
    const key = options.env[model.api_key_env]?.trim() ?? '';
    if (options.skipAll) {
      skipped.set(model.id, options.skipAll);
    } else if (key === '') {
      skipped.set(model.id, `${model.api_key_env} is not set`);
      options.log.notice(`vision-gate: model ${model.id} skipped: the environment variable ${model.api_key_env} is empty or not set.`);
    } else {
      checkTransport(model, loaded.displayPath);
      options.onSecret?.(key);
      clients.set(
        model.id,
        createModelClient({
          baseUrl: model.base_url,
          apiKey: key,
          headers: model.headers ?? {},
          timeoutMs: config.timeout_ms,
          retry: defaultRetryPolicy(config.retries),
          clock: options.clock,
        }),
      );
    }
  }

  // The run-level deadline stops sending and aborts what is in flight; unfinished requests become
  // not_run and the report still covers everything that finished.
  const deadline = config.deadline_ms === null ? null : AbortSignal.timeout(config.deadline_ms);
  const signals = [options.signal, deadline].filter((s): s is AbortSignal => s !== undefined && s !== null);
  const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
  const { trials, calibrations } = await runPlan({
    plan,
    clients,
    skipped,
    images,
    noImage: noImageMatcher(config.no_image_patterns),
    concurrency: config.concurrency,
    signal,
    onProgress: options.onProgress,
  });
  const deadlineReached = deadline?.aborted ?? false;
  return { trials, calibrations, skipped, startedAt, durationMs: performance.now() - started, deadlineReached };
}

/**
 * Everything after the requests, the same for one job and for merged shards: summaries, the gate
 * against the baseline, the refreshed baseline in update-baseline mode, and the report.
 */
async function finish(options: EngineOptions, prepared: Prepared, outcome: RunOutcome): Promise<EngineResult> {
  const { loaded, plan, images, baselineFile } = prepared;
  const { config } = loaded;
  const { trials, calibrations, skipped, startedAt } = outcome;
  const promptOf = new Map<string, string>();
  for (const request of plan.requests) promptOf.set(`${request.model}\u0000${request.case}`, request.settings.prompt);
  const models = plan.models.map((m) =>
    summarizeModel({
      id: m.id,
      route: routeOf(config, m.config),
      price: m.config.price,
      trials: trials.filter((t) => t.model === m.id),
      promptOf: (caseId) => promptOf.get(`${m.id}\u0000${caseId}`) ?? config.defaults.prompt,
      calibrations: calibrations.get(m.id) ?? [],
      skippedReason: skipped.get(m.id) ?? null,
    }),
  );

  const fingerprints: Record<string, string> = {};
  for (const testCase of plan.cases) {
    const first = plan.requests.find((r) => r.case === testCase.id)!;
    const image = images.get(imageKey(testCase.id, first.settings.media))!;
    fingerprints[testCase.id] = caseFingerprint({ imageSha256: image.sha256, prompt: first.settings.prompt, expect: testCase.expect });
  }

  if (outcome.deadlineReached) options.log.warning(`vision-gate: the run reached its deadline (deadline_ms: ${config.deadline_ms}); unfinished requests are marked not run.`);
  const baseline = await readBaseline(baselineFile);
  if (!baseline && options.mode === 'gate') {
    options.log.warning(
      `vision-gate: no baseline at ${path.relative(options.cwd, baselineFile) || baselineFile}; only absolute checks ran. ` +
        'Run `vision-gate run --mode update-baseline` (or the action with mode: update-baseline) and commit the file.',
    );
  }
  const gate = runGate({
    gates: config.gates,
    cases: plan.cases.map((c) => ({ id: c.id, must_pass: c.must_pass, fingerprint: fingerprints[c.id]! })),
    baseline,
    models,
    caseResults: caseResults(trials),
    trials,
  });

  let written: Baseline | null = null;
  if (options.mode === 'update-baseline') {
    written = buildBaseline({
      previous: baseline,
      now: startedAt.toISOString(),
      commit: options.commit ?? null,
      configPath: loaded.displayPath,
      runs: config.runs,
      models: gate.models,
      trials,
      fingerprints,
    });
    await writeBaseline(baselineFile, written);
  }

  const report: Report = {
    ...ReportWithoutTrials.parse({
      schema_version: REPORT_SCHEMA_VERSION,
      mode: options.mode,
      passed: gate.passed,
      regressions: gate.regressions,
      complete: !trials.some((t) => t.verdict === 'not_run'),
      config: loaded.displayPath,
      started_at: startedAt.toISOString(),
      duration_ms: Math.round(outcome.durationMs),
      baseline: {
        path: path.relative(loaded.dir, baselineFile) || baselineFile,
        status: written ? 'written' : baseline ? 'compared' : 'missing',
        commit: (written ?? baseline)?.provenance?.commit ?? null,
      },
      models: gate.models,
      cases: gate.caseResults,
      findings: gate.findings,
    } satisfies Omit<Report, 'trials'>),
    trials,
  };
  return { report, loaded, plan, baselineFile, baseline, written, imageEncodings: prepared.imageEncodings };
}
