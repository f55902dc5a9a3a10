// One answer's verdict. The order matters: transport failures first, then "nothing usable came
// back", then a no-image claim (before the expectation, because a claim that names the expected
// object still proves the image never arrived), then the expectation, then why it was missed.
import type { Expectation } from '../config/schema.ts';
import type { Verdict } from '../report/schema.ts';
import { matchesExpectation } from './expect.ts';
import type { NoImageMatcher } from './no-image.ts';
import type { CallOutcome } from './outcome.ts';

const nonBlank = (text: string | null): string | null => (text !== null && text.trim() !== '' ? text : null);

export function verdictOf(outcome: CallOutcome, expect: Expectation, noImage: NoImageMatcher): Verdict {
  if (outcome.kind === 'failure') {
    if (outcome.error === 'timeout') return 'timeout';
    // The run was stopped, not the route: it says nothing about the model.
    if (outcome.error === 'aborted') return 'not_run';
    return 'error';
  }
  const text = nonBlank(outcome.text);
  if (text === null) {
    // Some providers put "I can't see an image" in `refusal` and leave `content` empty.
    const refusal = nonBlank(outcome.refusal);
    return refusal !== null && noImage(refusal) ? 'no_image' : 'empty';
  }
  if (noImage(text)) return 'no_image';
  if (matchesExpectation(text, expect)) return 'pass';
  // A cut-off answer may simply not have reached the expected word yet: a different failure
  // (raise max_tokens) from a wrong one.
  if (outcome.finish_reason === 'length') return 'truncated';
  return 'wrong';
}
