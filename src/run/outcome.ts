// What a run produced, whether one job ran the whole plan or shards ran slices that were merged:
// the input of everything after the requests (summaries, the gate, the baseline, the report).
import type { Trial } from '../report/schema.ts';
import type { Calibration } from '../summarize/model-summary.ts';

export interface RunOutcome {
  /** One per planned request, in the plan's order. */
  trials: Trial[];
  /** Model id → its text-only calibrations (empty when not needed). */
  calibrations: Map<string, Calibration[]>;
  /** Model id → why it was skipped. */
  skipped: Map<string, string>;
  startedAt: Date;
  durationMs: number;
  /** The run-level deadline stopped it early. */
  deadlineReached: boolean;
}
