// The cost estimate `validate` prints: planned requests × the baseline's observed tokens × prices.
import type { Baseline } from '../baseline/schema.ts';
import type { Config } from '../config/schema.ts';
import type { Plan } from '../plan/plan.ts';
import { usd } from '../render/format.ts';

export function estimatePlanCost(config: Config, plan: Plan, baseline: Baseline | null, env: Record<string, string | undefined>): string[] {
  return config.models.map((model) => {
    const requests = plan.requests.filter((r) => r.model === model.id).length;
    const key = env[model.api_key_env]?.trim() ? `${model.api_key_env} set` : `${model.api_key_env} not set: would be skipped`;
    const tokens = baseline?.models[model.id]?.tokens;
    let cost = 'cost unknown (no price configured)';
    if (model.price) {
      if (tokens?.prompt_avg == null || tokens.completion_avg == null) cost = 'cost unknown until a baseline records token counts';
      else {
        const perCall = (tokens.prompt_avg * model.price.input_per_mtok + tokens.completion_avg * model.price.output_per_mtok) / 1_000_000;
        cost = `≈ ${usd(perCall * requests)} (baseline: ${tokens.prompt_avg.toFixed(0)} prompt + ${tokens.completion_avg.toFixed(0)} completion tokens per call)`;
      }
    }
    return `${model.id}: ${requests} requests, ${cost}; ${key}`;
  });
}
