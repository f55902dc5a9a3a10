// How many tokens the image cost per request, and what that says about the image path. A route
// that drops the image still answers with HTTP 200; its prompt tokens are the giveaway.
import type { ImagePath, ModelSummary, Trial } from '../report/schema.ts';
import { mean } from '../stats/quantile.ts';

/** One text-only request per (model, prompt): the prompt tokens the same request costs without the image. */
export interface Calibration {
  prompt: string;
  prompt_tokens: number | null;
}

/**
 * An image share at or below this many tokens means the image was dropped. The text-only and
 * image requests differ by a few tokens even when the image is discarded (the content-array
 * wrapper, a placeholder such as "[image]"), while a real image costs far more: OpenAI's
 * low-detail image is 85 tokens, Gemini's low media resolution 64, and patch-based models
 * (GPT-4.1 mini, Claude) charge over 20 tokens even for a 128×128 image. Only images under
 * about 100 px a side could fall below it, and such images are too small to test recognition.
 */
export const DROPPED_IMAGE_MAX_TOKENS = 10;

export type ImageSignal = Pick<ModelSummary['tokens'], 'image' | 'image_source' | 'text_only_prompt'> & {
  image_path: ImagePath;
};

/**
 * Whether a model's trials need text-only calibrations: not when the provider reports image
 * tokens (its own count is trusted), nor when no trial has usage (nothing to subtract from).
 */
export function needsCalibration(trials: readonly Trial[]): boolean {
  const reported = trials.some((t) => (t.usage?.image_tokens ?? 0) > 0);
  const anyUsage = trials.some((t) => t.usage?.prompt_tokens != null);
  return !reported && anyUsage;
}

/**
 * The image's tokens per request (the mean) and the image path. The path is judged per request:
 * prompt tokens are deterministic for a given prompt and image, so one request at or below the
 * threshold is an image that did not arrive, and a route that drops it only sometimes (a gateway
 * whose media fetch fails) must not hide behind an average.
 */
export function imageSignal(
  trials: readonly Trial[],
  promptOf: (caseId: string) => string,
  calibrations: readonly Calibration[],
): ImageSignal {
  const textOnly = new Map<string, number>();
  for (const c of calibrations) {
    if (c.prompt_tokens !== null && !textOnly.has(c.prompt)) textOnly.set(c.prompt, c.prompt_tokens);
  }
  const text_only_prompt = mean([...textOnly.values()]);

  // Some providers always report 0 image tokens, so a zero alone proves nothing. Once any trial
  // reports a positive count the provider evidently counts images, and its zeros are believed too.
  const reported = trials.flatMap((t) => (t.usage?.image_tokens == null ? [] : [t.usage.image_tokens]));
  if (reported.some((n) => n > 0)) return measured(reported, 'reported', text_only_prompt);

  const differences = trials.flatMap((t) => {
    const prompt = t.usage?.prompt_tokens;
    const base = textOnly.get(promptOf(t.case));
    return prompt == null || base === undefined ? [] : [prompt - base];
  });
  if (differences.length > 0) return measured(differences, 'calibration', text_only_prompt);
  // No usage, or usage with nothing to compare it with: unknown, never "dropped".
  return { image: null, image_source: null, text_only_prompt, image_path: 'unknown' };
}

function measured(shares: readonly number[], image_source: 'reported' | 'calibration', text_only_prompt: number | null): ImageSignal {
  const dropped = shares.some((n) => n <= DROPPED_IMAGE_MAX_TOKENS);
  return { image: mean(shares), image_source, text_only_prompt, image_path: dropped ? 'dropped' : 'ok' };
}
