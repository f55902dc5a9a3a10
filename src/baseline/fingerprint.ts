// A case's fingerprint: the question asked (image bytes, prompt, expectations), never the route.
// When it differs from the baseline's, the case is reported as changed instead of compared.
import { createHash } from 'node:crypto';
import type { Expectation } from '../config/schema.ts';
import { canonicalJson } from './canonical.ts';

/** Bumped only if the canonical form changes; every fingerprint then reads as changed once. */
const FINGERPRINT_FORMAT = 1;

// Matching is case-insensitive and order-free, so reordering or re-casing terms is the same question.
const terms = (list: readonly string[]) => [...new Set(list.map((t) => t.trim().toLowerCase()))].sort();

export function caseFingerprint(input: { imageSha256: string; prompt: string; expect: Expectation }): string {
  const canonical = canonicalJson({
    format: FINGERPRINT_FORMAT,
    image_sha256: input.imageSha256.toLowerCase(),
    prompt: input.prompt,
    expect: {
      any: terms(input.expect.any),
      all: terms(input.expect.all),
      none: terms(input.expect.none),
      regex: input.expect.regex,
    },
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
