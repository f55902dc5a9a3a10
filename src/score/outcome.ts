// What one chat/completions call came back with, before it is judged: the client produces it,
// the verdict reads it. Transport problems are values here, never exceptions.
import type { ErrorClass, Usage } from '../report/schema.ts';

export type CallOutcome =
  | {
      kind: 'response';
      /** The assistant message's content; null when the provider sent none. */
      text: string | null;
      finish_reason: string | null;
      /** The message's `refusal` field, which some providers fill instead of `content`. */
      refusal: string | null;
      usage: Usage | null;
    }
  | { kind: 'failure'; error: ErrorClass; status: number | null; message: string };
