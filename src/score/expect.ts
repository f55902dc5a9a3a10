// Whether an answer meets a case's expectation: any/all/none on whole words or phrases, and an
// optional regex. Terms are compared after folding (see text.ts), so case, width and accents
// never decide a verdict.
import type { Expectation } from '../config/schema.ts';
import { foldText, userPatternMatches, userRegExp, wholeWordPattern } from './text.ts';

interface CompiledExpectation {
  any: RegExp[];
  all: RegExp[];
  none: RegExp[];
  regex: RegExp | null;
}

// One case's expectation is checked on every trial of every model: compile it once.
const compiled = new WeakMap<Expectation, CompiledExpectation>();

// A term that folds to nothing can never be found; a missing pattern keeps that true for all/any.
const NEVER = /(?!)/u;
const termPatterns = (terms: readonly string[]) => terms.map((t) => wholeWordPattern(t) ?? NEVER);

function compile(expect: Expectation): CompiledExpectation {
  let c = compiled.get(expect);
  if (!c) {
    c = {
      any: termPatterns(expect.any),
      all: termPatterns(expect.all),
      none: termPatterns(expect.none),
      regex: expect.regex === null ? null : userRegExp(expect.regex),
    };
    compiled.set(expect, c);
  }
  return c;
}

export function matchesExpectation(answer: string, expect: Expectation): boolean {
  const c = compile(expect);
  const folded = foldText(answer);
  const found = (p: RegExp) => p.test(folded);
  if (c.any.length > 0 && !c.any.some(found)) return false;
  if (!c.all.every(found)) return false;
  if (c.none.some(found)) return false;
  if (c.regex !== null && !userPatternMatches(c.regex, answer)) return false;
  return true;
}
