// Executes the plan: every model in parallel, each with its own concurrency limit, every request
// scored as it completes. Models without a key are skipped without a single request.
import pLimit from 'p-limit';
import type { LoadedImage } from '../images/reader.ts';
import type { Plan, PlannedCalibration, PlannedRequest } from '../plan/plan.ts';
import type { Trial } from '../report/schema.ts';
import type { CallOutcome } from '../score/outcome.ts';
import type { NoImageMatcher } from '../score/no-image.ts';
import { verdictOf } from '../score/verdict.ts';
import { needsCalibration } from '../summarize/image-signal.ts';
import type { Calibration } from '../summarize/model-summary.ts';
import type { ModelClient } from './client.ts';

export interface RunnerInput {
  plan: Plan;
  /** One client per model that has a key. */
  clients: ReadonlyMap<string, ModelClient>;
  /** Model id → why it is skipped (no key, fork PR). */
  skipped: ReadonlyMap<string, string>;
  /** imageKey(case, media) → its image, read and encoded once. */
  images: ReadonlyMap<string, LoadedImage>;
  noImage: NoImageMatcher;
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, detail: string) => void;
}

/**
 * Answers are judged and kept up to this many characters. A real answer, even at a generous
 * max_tokens, is far shorter; a provider that sends megabytes would otherwise cost memory in
 * every trial and time in every pattern.
 */
export const MAX_ANSWER_CHARS = 32_768;
// Whitespace runs are kept up to this length: matching treats any run as one gap, and a run of
// thousands of spaces makes some phrase patterns backtrack quadratically.
const MAX_WHITESPACE_RUN = 64;
const LONG_WHITESPACE = new RegExp(`(\\s{${MAX_WHITESPACE_RUN}})\\s+`, 'gu');

/** The part of an answer that is judged and kept, and whether it was cut. */
export function boundAnswer(text: string): { text: string; cut: boolean } {
  let out = text;
  let cut = false;
  if (out.length > MAX_ANSWER_CHARS) {
    out = out.slice(0, MAX_ANSWER_CHARS);
    if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1); // never half a surrogate pair
    cut = true;
  }
  return { text: out.replace(LONG_WHITESPACE, '$1'), cut };
}

function boundOutcome(outcome: CallOutcome): { outcome: CallOutcome; cut: boolean } {
  if (outcome.kind !== 'response') return { outcome, cut: false };
  const text = outcome.text === null ? null : boundAnswer(outcome.text);
  const refusal = outcome.refusal === null ? null : boundAnswer(outcome.refusal);
  return {
    outcome: { ...outcome, text: text?.text ?? null, refusal: refusal?.text ?? null },
    cut: (text?.cut ?? false) || (refusal?.cut ?? false),
  };
}

/** Images are read per (case, media): a model may ask for the URL where others send bytes. */
export const imageKey = (caseId: string, media: string) => `${caseId}\u0000${media}`;

export interface RunResult {
  trials: Trial[];
  /** Model id → its text-only calibrations (empty when the provider reports image tokens). */
  calibrations: Map<string, Calibration[]>;
}

const notRunTrial = (request: PlannedRequest, verdict: 'skipped' | 'not_run', message: string): Trial => ({
  model: request.model,
  case: request.case,
  trial: request.trial,
  verdict,
  status: null,
  error: null,
  error_message: message,
  attempts: [],
  latency_ms: null,
  answer: null,
  finish_reason: null,
  usage: null,
});

function toTrial(request: PlannedRequest, outcome: CallOutcome, attempts: Trial['attempts'], verdict: Trial['verdict'], cut: boolean): Trial {
  const last = attempts.at(-1);
  const response = outcome.kind === 'response' ? outcome : null;
  const answer = response ? (response.text ?? response.refusal) : null;
  return {
    model: request.model,
    case: request.case,
    trial: request.trial,
    verdict,
    status: last?.status ?? null,
    error: outcome.kind === 'failure' ? outcome.error : null,
    error_message: outcome.kind === 'failure' ? outcome.message : null,
    attempts,
    latency_ms: last?.latency_ms ?? null,
    answer: answer !== null && cut ? `${answer}…` : answer,
    finish_reason: response?.finish_reason ?? null,
    usage: response?.usage ?? null,
  };
}

export async function runPlan(input: RunnerInput): Promise<RunResult> {
  const { plan } = input;
  const expectOf = new Map(plan.cases.map((c) => [c.id, c.expect]));
  const apiName = new Map(plan.models.map((m) => [m.id, m.config.model]));
  const trials: Trial[] = new Array<Trial>(plan.requests.length);
  const calibrations = new Map<string, Calibration[]>();
  const total = plan.requests.length;
  let done = 0;
  const progress = (detail: string) => {
    done += 1;
    input.onProgress?.(done, total, detail);
  };

  const runOne = async (client: ModelClient, request: PlannedRequest, index: number) => {
    if (input.signal?.aborted) {
      trials[index] = notRunTrial(request, 'not_run', 'the run stopped before this request was sent');
      progress(`${request.model} · ${request.case} not run`);
      return;
    }
    const image = input.images.get(imageKey(request.case, request.settings.media))!;
    const sent = await client.send(
      {
        model: apiName.get(request.model)!,
        prompt: request.settings.prompt,
        imageUrl: image.url,
        detail: request.settings.detail,
        maxTokens: request.settings.max_tokens,
        temperature: request.settings.temperature,
      },
      input.signal,
    );
    const { outcome, cut } = boundOutcome(sent.outcome);
    const verdict = verdictOf(outcome, expectOf.get(request.case)!, input.noImage);
    trials[index] = toTrial(request, outcome, sent.attempts, verdict, cut);
    progress(`${request.model} · ${request.case} #${request.trial}: ${verdict}`);
  };

  const calibrate = async (client: ModelClient, planned: PlannedCalibration): Promise<Calibration> => {
    if (input.signal?.aborted) return { prompt: planned.settings.prompt, prompt_tokens: null };
    const { outcome } = await client.send(
      {
        model: apiName.get(planned.model)!,
        prompt: planned.settings.prompt,
        imageUrl: null,
        detail: planned.settings.detail,
        // The answer does not matter, only the prompt tokens: keep it short.
        maxTokens: Math.min(16, planned.settings.max_tokens),
        temperature: planned.settings.temperature,
      },
      input.signal,
    );
    return { prompt: planned.settings.prompt, prompt_tokens: outcome.kind === 'response' ? (outcome.usage?.prompt_tokens ?? null) : null };
  };

  const indexed = plan.requests.map((request, index) => ({ request, index }));
  await Promise.all(
    plan.models.map(async (model) => {
      const mine = indexed.filter((r) => r.request.model === model.id);
      const client = input.clients.get(model.id);
      const skippedReason = input.skipped.get(model.id);
      if (!client || skippedReason !== undefined) {
        for (const { request, index } of mine) {
          trials[index] = notRunTrial(request, 'skipped', skippedReason ?? 'no client');
          progress(`${model.id} skipped`);
        }
        calibrations.set(model.id, []);
        return;
      }
      const limit = pLimit(input.concurrency);
      await Promise.all(mine.map(({ request, index }) => limit(() => runOne(client, request, index))));
      // The provider's own image-token count is trusted when it is positive; otherwise measure.
      const modelTrials = mine.map(({ index }) => trials[index]!);
      const planned = plan.calibrations.filter((c) => c.model === model.id);
      calibrations.set(
        model.id,
        needsCalibration(modelTrials) ? await Promise.all(planned.map((c) => limit(() => calibrate(client, c)))) : [],
      );
    }),
  );
  return { trials, calibrations };
}
