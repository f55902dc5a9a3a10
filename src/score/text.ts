// Text normalisation shared by the expectation and no-image matchers, so "ＰＹＴＨＯＮ", "Pýthon"
// and "python" are the same word to both, and curly apostrophes never defeat a phrase.

// Apostrophe look-alikes models emit (’ ‘ ʼ ′ ＇ ` ´) → '. NFKC folds only some of them.
const APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u2032\uFF07`\u00B4]/g;
// Dash look-alikes (‐ ‑ ‒ – — −) → '-', so "python‑logo" reads like "python-logo".
const DASHES = /[\u2010-\u2015\u2212]/g;
// Only the Latin/Greek/Cyrillic combining diacritics: stripping every mark would erase vowel
// signs of Indic scripts and Japanese dakuten, which change the word rather than accent it.
const DIACRITICS = /[\u0300-\u036F]/g;

/**
 * Compatibility-normalised, case-folded, diacritic-free text. Lengths may change (ß → ss), so
 * use it for matching only, never to slice the original.
 */
export function foldText(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      // toLowerCase keeps ß and picks ς at word ends; full case folding maps both.
      .replace(/ß/g, 'ss')
      .replace(/ς/g, 'σ')
      .replace(APOSTROPHES, "'")
      .replace(DASHES, '-')
      .normalize('NFD')
      .replace(DIACRITICS, '')
      .normalize('NFC')
  );
}

/** Letters, digits and combining marks: what a whole word is made of. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

// Only syntax characters: in unicode mode escaping anything else (even '-') is a SyntaxError.
const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * A pattern that finds `term` as a whole word or phrase in folded text: not preceded or followed
 * by a letter or digit, with any run of whitespace between its words. Edges that are not word
 * characters themselves ("c++", ".net") need no boundary, as with \b.
 * Returns null when the term folds to nothing.
 */
export function wholeWordPattern(term: string): RegExp | null {
  const words = foldText(term).trim().split(/\s+/u).filter((w) => w !== '');
  if (words.length === 0) return null;
  const body = words.map(escapeRegExp).join('\\s+');
  const first = words[0]!;
  const last = words.at(-1)!;
  const before = WORD_CHAR.test(first[0]!) ? '(?<![\\p{L}\\p{N}\\p{M}])' : '';
  const after = WORD_CHAR.test(last.at(-1)!) ? '(?![\\p{L}\\p{N}\\p{M}])' : '';
  return new RegExp(`${before}${body}${after}`, 'u');
}

/** The flags every user-written pattern (expect.regex, no_image_patterns) is compiled with. */
export const USER_REGEX_FLAGS = 'iu';

/**
 * Compiles a user-written pattern the one way the whole tool does, so the config loader can
 * validate with exactly what matching will use. Throws SyntaxError on an invalid source.
 */
export const userRegExp = (source: string): RegExp => new RegExp(source, USER_REGEX_FLAGS);

/**
 * Whether a user pattern matches the answer as written (NFKC only) or folded: a pattern with
 * "café" should find "café", and one with "cafe" should find "Café" too.
 */
export const userPatternMatches = (pattern: RegExp, answer: string): boolean =>
  pattern.test(answer.normalize('NFKC')) || pattern.test(foldText(answer));
