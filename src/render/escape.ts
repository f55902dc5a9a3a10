// Untrusted text (model answers, ids, reasons) made inert for the places the scorecard puts it:
// GitHub-flavoured Markdown, fenced code, Mermaid labels and the terminal. Everything here is
// pure; the Markdown tests parse the rendered scorecard to hold these functions to their word.

/** A zero-width space as an entity: breaks mentions and autolinks, invisible when rendered. */
const ZWSP = '&#8203;';

// Characters that are invisible or reorder text: bidi controls, zero-width and format chars,
// C0/C1 controls (whitespace is handled separately), fillers used to fake blank names,
// variation selectors beyond the emoji ones, and tag characters (invisible "smuggled" text).
const INVISIBLE =
  '[\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5' +
  '\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0D\\uFEFF\\uFFA0\\uFFF9-\\uFFFB' +
  '\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E007F}\\u{E0100}-\\u{E01EF}]';

// Kept despite containing invisible characters: emoji ZWJ sequences (👨‍👩‍👧) and subdivision
// flags (🏴 + tag characters), so "emoji kept" holds for the emoji people actually send.
const CLEAN = new RegExp(
  // eslint-disable-next-line no-misleading-character-class -- joiners and selectors are matched one by one on purpose
  '(\\u{1F3F4}[\\u{E0020}-\\u{E007E}]+\\u{E007F})' +
    '|((?:\\p{Extended_Pictographic}|\\p{Emoji_Modifier}|\\uFE0F)\\u200D(?=\\p{Extended_Pictographic}))' +
    `|${INVISIBLE}+`,
  'gu',
);

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const SIMPLE = /^[^\u0300-\u{10FFFF}]*$/u;

function stripInvisible(text: string): string {
  return text.replace(CLEAN, (match, flag: string | undefined, zwj: string | undefined) => flag ?? zwj ?? '');
}

/**
 * Cuts to at most maxChars code points including the trailing "…", on a grapheme boundary (so
 * never inside a surrogate pair, an emoji sequence or a base letter with its accents).
 */
function truncate(text: string, maxChars: number, forced: boolean): string {
  if (maxChars <= 0) return '';
  if (!forced && text.length <= maxChars) return text; // UTF-16 length ≥ code point count
  if (forced && text.length < maxChars) return `${text.trimEnd()}…`;
  // Fast path: below U+0300 every character is one code point and one grapheme (no combining
  // marks, surrogates or joiners; CR LF is gone by now), so the cut needs no segmentation.
  if (SIMPLE.test(text.slice(0, maxChars))) return `${text.slice(0, maxChars - 1).trimEnd()}…`;
  let kept = '';
  let count = 0;
  let cut = forced;
  for (const { segment } of graphemes.segment(text)) {
    const size = [...segment].length;
    if (count + size > maxChars - 1) {
      cut = true;
      break;
    }
    kept += segment;
    count += size;
  }
  if (!cut) return text;
  return `${kept.trimEnd()}…`;
}

/**
 * Cleaning runs on a bounded prefix so a 10 MB answer costs the same as a short one; cutting
 * there means the result is truncated whatever the cleaning removes.
 */
function cleaned(untrusted: string, maxChars: number, whitespace: (s: string) => string): string {
  const budget = Math.max(0, maxChars) * 4 + 64;
  let text = untrusted;
  let forced = false;
  if (text.length > budget) {
    text = text.slice(0, budget);
    if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
    forced = true;
  }
  return truncate(whitespace(stripInvisible(text)), maxChars, forced);
}

const collapseWhitespace = (s: string): string => s.replace(/[\s\u0085]+/g, ' ').trim();
const normaliseNewlines = (s: string): string => s.replace(/\r\n?|[\v\f\u0085\u2028\u2029]/g, '\n');

// ASCII punctuation that can start Markdown syntax (links, images, emphasis, code, tables,
// strikethrough, math); a backslash makes each one literal in CommonMark and GFM.
const BACKSLASHED = new Set(['\\', '`', '*', '_', '[', ']', '(', ')', '!', '|', '~', '$']);
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const WORD = /[\p{L}\p{N}_]/u;

function escapeMarkdown(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    const next = text[i + 1] ?? '';
    if (ENTITY[c]) {
      out += ENTITY[c];
    } else if (BACKSLASHED.has(c)) {
      out += `\\${c}`;
    } else if (c === '#') {
      // `#123` and `owner/repo#123` link issues on GitHub; `#` at the start makes a heading.
      out += WORD.test(next) ? `\\#${ZWSP}` : '\\#';
    } else if (c === '@') {
      // Mentions (`@user`, `@org/team`) and email autolinks both need the character after `@`.
      out += `@${ZWSP}`;
    } else if (c === ':' && text.startsWith('//', i + 1)) {
      // Any scheme://: GFM autolinks and GitHub's issue/PR URL references need the `://`.
      out += `:${ZWSP}`;
    } else if ((c === 'w' || c === 'W') && /^www\./i.test(text.slice(i, i + 4))) {
      out += `${text.slice(i, i + 3)}${ZWSP}.`;
      i += 3;
    } else if ((c === 'g' || c === 'G') && /^gh-\d/i.test(text.slice(i, i + 4))) {
      out += `${text.slice(i, i + 3)}${ZWSP}`;
      i += 2;
    } else if (i === 0 && (c === '-' || c === '+' || c === '=')) {
      out += `\\${c}`; // list item or setext underline when the text starts a line
    } else if (c === '.' && i > 0 && i <= 9 && /^\d+$/.test(text.slice(0, i))) {
      out += '\\.'; // "1. " at the start of a line is an ordered list
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Untrusted text made inert inside a Markdown table cell or paragraph: one line, no HTML, no
 * links, images, mentions, issue references or emphasis, no invisible or bidi characters, at
 * most maxChars visible characters (a cut ends in "…"). Emoji and other text stay readable.
 */
export function inertText(untrusted: string, maxChars: number): string {
  return escapeMarkdown(cleaned(untrusted, maxChars, collapseWhitespace));
}

/**
 * Untrusted text for the inside of a fenced code block: newlines kept, invisible and control
 * characters removed, truncated. GitHub renders nothing inside a fence, so the only danger is
 * closing it early: open it with fenceFor(result), or use codeBlock().
 */
export function inertCode(untrusted: string, maxChars: number): string {
  return cleaned(untrusted, maxChars, normaliseNewlines);
}

/** A backtick fence longer than any backtick run in the content (at least three). */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A complete fenced block of untrusted text. The info string is trusted (e.g. "text"). */
export function codeBlock(untrusted: string, maxChars: number, info = ''): string {
  const code = inertCode(untrusted, maxChars);
  const fence = fenceFor(code);
  return `${fence}${info}\n${code}\n${fence}`;
}

/**
 * A label for a Mermaid diagram, safe inside its double quotes: letters, digits and a few
 * punctuation marks survive; quotes, brackets, entities and newlines become "_" or a space.
 */
export function inertMermaidLabel(untrusted: string, maxChars: number): string {
  return cleaned(untrusted, maxChars, collapseWhitespace).replace(/[^\p{L}\p{N} ._\-/:+@()…]/gu, '_');
}

/**
 * Untrusted text for a terminal: one line, no escape sequences or other control characters
 * (an answer must not move the cursor, recolour or retitle the user's terminal).
 */
export function inertTerminal(untrusted: string, maxChars: number): string {
  return cleaned(untrusted, maxChars, collapseWhitespace);
}
