// Load: 2,000 requests across 4 models against routes that fail 1% of the time in every way they
// can (seeded), at concurrency 16. Every planned request comes back with a verdict, memory stays
// bounded, and the scorecard still fits a comment. Timing numbers belong to `npm run bench`; the
// bound here only catches a run that hangs or serialises.
import { describe, expect, it } from 'vitest';
import { runEngine } from '../src/engine.ts';
import { isBalanced } from '../src/render/blocks.ts';
import { renderScorecard } from '../src/render/markdown.ts';
import type { Verdict } from '../src/report/schema.ts';
import type { Fault, ModelBehaviour } from '../src/simulator/server.ts';
import { makeSuite } from './helpers/suite.ts';

const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };
const MiB = 1024 * 1024;

// 1% of requests, spread over every fault the simulator knows. Hangs cost one timeout each; the
// timeout leaves room for the first burst of requests, which queue behind the process warming up.
const FAULTS: Fault[] = ['rate_limit', 'server_error', 'bad_request', 'hang', 'stall_body', 'reset', 'malformed', 'no_choices', 'null_content', 'refusal', 'truncated', 'cut_json', 'bad_choice'];
const faultRates = Object.fromEntries(FAULTS.map((f) => [f, 0.01 / FAULTS.length])) as Partial<Record<Fault, number>>;
const route = (vision: ModelBehaviour['vision']): ModelBehaviour => ({ vision, latencyMs: 2, jitter: 0.5, faultRates, retryAfterSeconds: 0 });

const MODELS = ['alpha', 'bravo', 'charlie', 'delta'];
const CASES = 50;
const RUNS = 10;

describe('2,000 requests with 1% random faults', () => {
  it('account for every planned request, keep memory bounded and finish in seconds', async () => {
    const suite = await makeSuite({ alpha: route('sees'), bravo: route('sees'), charlie: route('wrong'), delta: route('blind') });
    try {
      const cases = Array.from({ length: CASES }, (_, i) =>
        i % 2 === 0
          ? `  - { id: python_${i}, image: images/python.png, expect: { any: [python] } }`
          : `  - { id: github_${i}, image: images/github.png, expect: { any: [github] } }`,
      ).join('\n');
      const models = MODELS.map((id) => `  - { id: ${id}, model: ${id}, base_url: "\${SIM_URL}", api_key_env: SIM_KEY, price: { input_per_mtok: 0.2, output_per_mtok: 0.8 } }`).join('\n');
      const file = await suite.write(
        'vision-gate.yml',
        `version: 1\nruns: ${RUNS}\nconcurrency: 16\ntimeout_ms: 2000\nretries: 1\nmodels:\n${models}\ncases:\n${cases}\n`,
      );
      globalThis.gc?.();
      const before = process.memoryUsage();
      let peak = before.rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const started = performance.now();
      let report;
      try {
        ({ report } = await runEngine({ configPath: file, mode: 'report', env: suite.env, cwd: suite.dir, log: quiet }));
      } finally {
        clearInterval(sampler);
      }
      const elapsed = performance.now() - started;

      const planned = MODELS.length * CASES * RUNS;
      expect(report.trials).toHaveLength(planned);
      const byVerdict = new Map<Verdict, number>();
      for (const t of report.trials) byVerdict.set(t.verdict, (byVerdict.get(t.verdict) ?? 0) + 1);
      expect([...byVerdict.values()].reduce((a, b) => a + b, 0)).toBe(planned);
      expect(byVerdict.get('not_run') ?? 0).toBe(0);
      expect(byVerdict.get('skipped') ?? 0).toBe(0);
      // Each (model, case, trial) exactly once.
      expect(new Set(report.trials.map((t) => `${t.model}/${t.case}/${t.trial}`)).size).toBe(planned);
      for (const m of report.models) {
        expect(m.requests).toBe(CASES * RUNS);
        expect(m.http_success + m.errors + m.timeouts).toBe(m.requests);
      }
      // The routes behave as configured underneath the noise.
      const share = (model: string, verdict: Verdict) => report.trials.filter((t) => t.model === model && t.verdict === verdict).length / (CASES * RUNS);
      expect(share('alpha', 'pass')).toBeGreaterThan(0.95);
      expect(share('charlie', 'wrong')).toBeGreaterThan(0.95);
      expect(share('delta', 'no_image')).toBeGreaterThan(0.95);
      // The faults happened, and stayed a small minority (retries absorb some of them).
      const failed = report.trials.filter((t) => t.verdict !== 'pass' && t.verdict !== 'wrong' && t.verdict !== 'no_image').length;
      expect(failed).toBeGreaterThan(0);
      expect(failed / planned).toBeLessThan(0.03);
      expect(report.trials.some((t) => t.attempts.length > 1)).toBe(true);
      expect(suite.simulator.stats.requests).toBeGreaterThanOrEqual(planned);

      expect(elapsed).toBeLessThan(15_000);
      // The report holds 2,000 trials; the run itself may not hold much more.
      expect((peak - before.rss) / MiB).toBeLessThan(300);

      const md = renderScorecard(report);
      expect(md.length).toBeLessThanOrEqual(65_000);
      expect(isBalanced(md)).toBe(true);
      expect(md).toContain('Transport errors');
    } finally {
      await suite.cleanup();
    }
  });
});
