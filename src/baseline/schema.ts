// The baseline file's schema (CONTRACT §4): the single source of truth for the Baseline type and for
// what a committed baseline may contain. Besides field types it checks what a hand edit can break
// (passes > trials, more latencies than answered trials), so a bad file fails loudly, never silently.
import { z } from 'zod';
import { Route } from '../report/schema.ts';

export const BASELINE_SCHEMA_VERSION = 1;

/** Refreshes kept in `history`, oldest dropped first. */
export const HISTORY_LIMIT = 20;

const count = z.int().min(0);
const tokens = z.number().min(0).nullable();

export const BaselineCase = z
  .strictObject({
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { message: 'expected a sha256 hex digest (64 lowercase hex digits)' })
      .meta({ description: 'sha256 of the question: image bytes, prompt and expectations.' }),
    trials: count.meta({ description: 'Trials that ran (skipped and not-run ones excluded).' }),
    passes: count,
    errors: count.meta({ description: 'Trials that failed at the transport level (HTTP errors, timeouts).' }),
    latencies_ms: z.array(z.number().min(0)).meta({ description: 'Latencies of the answered trials, ascending, in ms.' }),
    tokens: z.strictObject({ prompt_avg: tokens, completion_avg: tokens, image_avg: tokens }),
  })
  .superRefine((c, ctx) => {
    if (c.passes > c.trials) {
      ctx.addIssue({ code: 'custom', path: ['passes'], message: `${c.passes} passes out of ${c.trials} trials; passes cannot exceed trials` });
    }
    if (c.errors > c.trials) {
      ctx.addIssue({ code: 'custom', path: ['errors'], message: `${c.errors} errors out of ${c.trials} trials; errors cannot exceed trials` });
    } else if (c.passes + c.errors > c.trials) {
      ctx.addIssue({
        code: 'custom',
        path: ['errors'],
        message: `${c.passes} passes plus ${c.errors} errors exceed ${c.trials} trials; a trial that errored cannot pass`,
      });
    }
    if (c.latencies_ms.length > c.trials - c.errors) {
      ctx.addIssue({
        code: 'custom',
        path: ['latencies_ms'],
        message: `${c.latencies_ms.length} latencies but only ${Math.max(0, c.trials - c.errors)} answered trials (trials − errors)`,
      });
    }
  });

export const BaselineModel = z
  .strictObject({
    route: Route,
    requests: count,
    correct: count,
    errors: count,
    latency_ms: z.strictObject({ p50: z.number().min(0).nullable(), p95: z.number().min(0).nullable() }),
    tokens: z.strictObject({ prompt_avg: tokens, completion_avg: tokens, image: tokens }),
    cost_per_success: z.number().min(0).nullable().meta({ description: 'USD per correctly recognised image.' }),
    cases: z.record(z.string(), BaselineCase),
  })
  .superRefine((m, ctx) => {
    if (m.correct > m.requests) {
      ctx.addIssue({ code: 'custom', path: ['correct'], message: `${m.correct} correct out of ${m.requests} requests; correct cannot exceed requests` });
    }
    if (m.errors > m.requests) {
      ctx.addIssue({ code: 'custom', path: ['errors'], message: `${m.errors} errors out of ${m.requests} requests; errors cannot exceed requests` });
    }
  });

export const HistoryEntry = z.strictObject({
  created_at: z.string(),
  commit: z.string().nullable(),
  models: z.record(
    z.string(),
    z.strictObject({
      p50_ms: z.number().min(0).nullable(),
      accuracy: z.number().min(0).max(1).nullable(),
      samples: count.meta({ description: 'Answered trials behind p50_ms.' }),
    }),
  ),
});

export const BaselineSchema = z
  .strictObject({
    schema_version: z.literal(BASELINE_SCHEMA_VERSION),
    provenance: z.strictObject({
      created_at: z.iso.datetime({ offset: true }).meta({ description: 'When the measured run started (ISO 8601).' }),
      commit: z.string().nullable().meta({ description: 'The commit measured, when known.' }),
      config: z.string().meta({ description: 'The config file the run used.' }),
      runs: z.int().min(1).meta({ description: 'Trials per (model, case) in that run.' }),
    }),
    models: z.record(z.string(), BaselineModel),
    history: z.array(HistoryEntry).max(HISTORY_LIMIT).meta({ description: 'Earlier refreshes, oldest first; the last is this one.' }),
  })
  .meta({ title: 'vision-gate baseline' });

export type BaselineCase = z.infer<typeof BaselineCase>;
export type BaselineModel = z.infer<typeof BaselineModel>;
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export type Baseline = z.infer<typeof BaselineSchema>;
