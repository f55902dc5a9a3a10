// The plan: every (model, case, trial) request the run will make, with the request settings
// resolved (case > model > defaults). Pure: config in, plan out.
import type { CaseConfig, Config, Detail, Expectation, Media, ModelConfig } from '../config/schema.ts';

export interface RequestSettings {
  prompt: string;
  max_tokens: number;
  temperature: number;
  detail: Detail;
  media: Media;
}

export interface PlannedCase {
  id: string;
  image: string;
  expect: Expectation;
  must_pass: boolean;
  /** Index in the config's cases list (for error positions). */
  index: number;
}

export interface PlannedModel {
  id: string;
  config: ModelConfig;
  /** Index in the config's models list. */
  index: number;
}

export interface PlannedRequest {
  model: string;
  case: string;
  /** 1-based. */
  trial: number;
  settings: RequestSettings;
}

/** One text-only request per (model, prompt): its prompt tokens, subtracted, give the image's share. */
export interface PlannedCalibration {
  model: string;
  settings: RequestSettings;
}

export interface Plan {
  models: PlannedModel[];
  cases: PlannedCase[];
  /** Trial-major order within each model, so a run cut short still covers every case. */
  requests: PlannedRequest[];
  calibrations: PlannedCalibration[];
  runs: number;
}

const pick = <K extends keyof RequestSettings>(key: K, ...levels: Partial<RequestSettings>[]): RequestSettings[K] | undefined => {
  for (const level of levels) if (level[key] !== undefined) return level[key];
  return undefined;
};

export function resolveSettings(config: Config, model: ModelConfig, testCase: CaseConfig): RequestSettings {
  const levels: Partial<RequestSettings>[] = [testCase, model, config.defaults];
  return {
    prompt: pick('prompt', ...levels)!,
    max_tokens: pick('max_tokens', ...levels)!,
    temperature: pick('temperature', ...levels)!,
    detail: pick('detail', ...levels)!,
    media: pick('media', ...levels)!,
  };
}

export function buildPlan(config: Config): Plan {
  const models = config.models.map((model, index) => ({ id: model.id, config: model, index }));
  const cases = config.cases.map((c, index) => ({ id: c.id, image: c.image, expect: c.expect, must_pass: c.must_pass, index }));
  const requests: PlannedRequest[] = [];
  const calibrations: PlannedCalibration[] = [];
  for (const model of config.models) {
    // One settings object per (model, case), shared by its trials: a plan can hold 100,000 requests.
    const perCase = config.cases.map((testCase) => resolveSettings(config, model, testCase));
    const prompts = new Map<string, RequestSettings>();
    for (const settings of perCase) if (!prompts.has(settings.prompt)) prompts.set(settings.prompt, settings);
    for (let trial = 1; trial <= config.runs; trial += 1) {
      config.cases.forEach((testCase, i) => requests.push({ model: model.id, case: testCase.id, trial, settings: perCase[i]! }));
    }
    for (const settings of prompts.values()) calibrations.push({ model: model.id, settings });
  }
  return { models, cases, requests, calibrations, runs: config.runs };
}

/** The settings that define a model's route, recorded in the baseline and shown when they change. */
export function routeSettings(config: Config, model: ModelConfig): Record<string, string | number | boolean | null> {
  const defaults = config.defaults;
  return {
    max_tokens: model.max_tokens ?? defaults.max_tokens,
    temperature: model.temperature ?? defaults.temperature,
    detail: model.detail ?? defaults.detail,
    media: model.media ?? defaults.media,
  };
}
