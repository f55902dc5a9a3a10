// The "this pull request changes the baseline" block: what a reviewer is told the PR accepts.
import { describe, expect, it } from 'vitest';
import { baselineChangeMarkdown } from '../src/action/baseline-change.ts';
import type { Baseline, BaselineModel } from '../src/baseline/schema.ts';
import { serializeBaseline } from '../src/baseline/store.ts';

const model = (correct: number, p50: number, host = 'api.openai.com'): BaselineModel => ({
  route: { model: 'm', host, settings: {} },
  requests: 6,
  correct,
  errors: 0,
  latency_ms: { p50, p95: p50 * 2 },
  tokens: { prompt_avg: 100, completion_avg: 10, image: 85 },
  cost_per_success: null,
  cases: {},
});

const baseline = (models: Record<string, BaselineModel>): string => {
  const b: Baseline = {
    schema_version: 1,
    provenance: { created_at: '2025-01-01T00:00:00Z', commit: null, config: 'vision-gate.yml', runs: 3 },
    models,
    history: [],
  };
  return serializeBaseline(b);
};

const input = (before: string | null, after: string | null) => ({ path: '.vision-gate/baseline.json', baseRef: 'main', before, after });

describe('the baseline change block', () => {
  it('is absent when the PR leaves the file as it is (line endings aside)', () => {
    const text = baseline({ a: model(6, 1000) });
    expect(baselineChangeMarkdown(input(text, text.replace(/\n/g, '\r\n')))).toBeNull();
    expect(baselineChangeMarkdown(input(null, null))).toBeNull();
  });

  it('lists accuracy and p50 before and after per model, flagging what got worse', () => {
    const before = baseline({ 'gpt-4.1-mini': model(6, 1290), 'gemini-2.5-flash': model(6, 900), old: model(6, 500) });
    const after = baseline({ 'gpt-4.1-mini': model(6, 1920), 'gemini-2.5-flash': model(0, 905), fresh: model(5, 700) });
    const block = baselineChangeMarkdown(input(before, after))!;
    expect(block).toContain('> [!WARNING]\n> **This pull request changes the baseline** `.vision-gate/baseline.json`.');
    expect(block).toContain('merging it accepts these numbers instead of those on main');
    expect(block).toContain('| ⚠️ gemini-2.5-flash | 100% (6/6) → 0% (0/6) | 900 ms → 905 ms (+0.6%) |');
    expect(block).toContain('| ⚠️ gpt-4.1-mini | 100% (6/6) → 100% (6/6) | 1.29 s → 1.92 s (+49%) |');
    expect(block).toContain('| fresh (new) | — → 83% (5/6) | — → 700 ms |');
    expect(block).toContain('| old (removed) | 100% (6/6) → — | 500 ms → — |');
    expect(block).not.toContain('route');
  });

  it('shows a route column when a model moved to another host', () => {
    const block = baselineChangeMarkdown(input(baseline({ a: model(6, 1000) }), baseline({ a: model(6, 1000, 'gateway.example.com') })))!;
    expect(block).toContain('| a | 100% (6/6) → 100% (6/6) | 1.00 s → 1.00 s (±0%) | api.openai.com m → gateway.example.com m |');
  });

  it('says when the PR adds or deletes the baseline', () => {
    expect(baselineChangeMarkdown(input(null, baseline({ a: model(6, 1000) })))).toContain('**This pull request adds the baseline**');
    expect(baselineChangeMarkdown(input(baseline({ a: model(6, 1000) }), null))).toContain('**This pull request deletes the baseline**');
  });

  it("says when a side cannot be read, and keeps model ids from the file inert", () => {
    const hostile = baseline({ '<img src=x>@octocat': model(6, 1000) });
    const block = baselineChangeMarkdown(input('{ not json', hostile))!;
    expect(block).toContain("The base branch's file could not be read: main:.vision-gate/baseline.json: not valid JSON");
    expect(block).not.toContain('<img');
    expect(block).not.toMatch(/(^|\s)@octocat/);
  });
});
