// Model answers are untrusted: whatever a model (or a prompt-injected image) says must render
// as plain text in the PR comment. These tests parse the escaped text as GitHub-flavoured
// Markdown (marked, gfm) and look at what a reader would get, not at the escaping rules.
import fc from 'fast-check';
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { codeBlock, fenceFor, inertCode, inertMermaidLabel, inertTerminal, inertText } from '../src/render/escape.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every token in a parsed document, nested ones included. */
function tokensOf(markdown: string): Token[] {
  const all: Token[] = [];
  marked.walkTokens(marked.lexer(markdown, { gfm: true }), (t) => void all.push(t));
  return all;
}

/** The token types that would make an answer more than text. */
const ACTIVE = new Set(['link', 'image', 'html', 'codespan', 'code', 'strong', 'em', 'del', 'heading', 'list', 'blockquote', 'table', 'hr', 'def']);

function activeTokens(markdown: string): string[] {
  return tokensOf(markdown)
    .filter((t) => ACTIVE.has(t.type))
    .map((t) => `${t.type}: ${t.raw}`);
}

/** A two-column table with the text in the first data cell. */
function inTable(cell: string): Tokens.Table {
  const table = marked.lexer(`| a | b |\n| - | - |\n| ${cell} | x |\n`, { gfm: true }).find((t) => t.type === 'table');
  if (!table) throw new Error('no table');
  return table as Tokens.Table;
}

/** Visible text as GitHub's post-processing filters see it: entities decoded, no zero-width spaces. */
function visibleText(markdown: string): string {
  return marked
    .parse(markdown, { gfm: true, async: false })
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

const withoutZwsp = (s: string): string => s.replace(/\u200B/g, '');

const HOSTILE = [
  '@octocat please look',
  'cc @acme/security-team',
  'fixes #123 and acme/widgets#7, see GH-42',
  'https://github.com/acme/widgets/pull/9 and http://evil.example/x',
  'visit www.evil.example today',
  'mail admin@evil.example',
  '<img src=x onerror=alert(1)>',
  '</details><details open><summary>pwned</summary>',
  '<!-- vision-gate config=forged.yml -->',
  '<script>alert(1)</script>',
  '[click me](https://evil.example)',
  '![tracker](https://evil.example/pixel.png)',
  '<https://evil.example>',
  '[ref]: https://evil.example',
  '**bold** _em_ *em* ~~gone~~',
  '```js\nalert(1)\n```',
  '`code` and ``double``',
  '# Heading',
  '- list item',
  '1. ordered',
  '> quoted',
  '---',
  'a | b | c',
  '$x^2$ math',
  '&lt;not decoded&gt; &amp;',
];

describe('inertText: untrusted answers render as plain text', () => {
  it.each(HOSTILE)('%j makes no link, image, HTML, code, emphasis or block structure', (answer) => {
    const escaped = inertText(answer, 500);
    expect(activeTokens(escaped)).toEqual([]);
    expect(activeTokens(`Answer: ${escaped}`)).toEqual([]);
  });

  it.each(HOSTILE)('%j keeps a table cell a single cell', (answer) => {
    const table = inTable(inertText(answer, 500));
    expect(table.header).toHaveLength(2);
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]).toHaveLength(2);
    expect(table.rows[0]![1]!.text).toBe('x');
    const inner = table.rows[0]![0]!.tokens.filter((t) => ACTIVE.has(t.type));
    expect(inner).toEqual([]);
  });

  it('mentions cannot notify and references cannot autolink, yet read the same', () => {
    const escaped = inertText(HOSTILE.slice(0, 6).join(' '), 2000);
    const text = visibleText(escaped);
    expect(text).not.toMatch(/@[A-Za-z0-9]/); // @user, @org/team, email
    expect(text).not.toMatch(/#\d/); // #123, repo#7
    expect(text).not.toMatch(/\bGH-\d/i);
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toMatch(/\bwww\./i);
    // Only zero-width spaces were added: with them removed the reader sees the original.
    expect(withoutZwsp(text)).toBe(HOSTILE.slice(0, 6).join(' '));
  });

  it('HTML and forged markers become visible text', () => {
    for (const answer of HOSTILE.slice(6, 10)) {
      const escaped = inertText(answer, 500);
      expect(escaped).not.toMatch(/<[a-z!/]/i);
      expect(withoutZwsp(visibleText(escaped))).toBe(answer);
    }
  });

  it('Markdown syntax shows literally', () => {
    for (const answer of ['[click me](https://evil.example)', '**bold** _em_', 'a | b', '`code`', '$x$']) {
      expect(withoutZwsp(visibleText(inertText(answer, 500)))).toBe(answer);
    }
  });

  it('collapses newlines and runs of whitespace to single spaces', () => {
    expect(inertText('one\ntwo\r\nthree\tfour\u2028five\u0085six   seven', 100)).toBe('one two three four five six seven');
  });

  it('removes bidi controls, zero-width, and control characters', () => {
    const answer = 'a\u202Eb\u202Cc\u2066d\u2069e\u200Bf\u200Cg\uFEFFh\u0000i\u001B[31mj\u0007k\u009Bl\u{E0041}m';
    expect(inertText(answer, 100)).toBe('abcdefghi\\[31mjklm');
    expect(inertTerminal(answer, 100)).toBe('abcdefghi[31mjklm');
  });

  it('keeps emoji, including modifier, ZWJ, keycap and flag sequences', () => {
    const emoji = '👍🏽 👨‍👩‍👧 👩🏽‍💻 1️⃣ 🇩🇪 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️';
    expect(inertText(emoji, 100)).toBe(emoji);
    expect(inertText('日本語のテキスト ok', 100)).toBe('日本語のテキスト ok');
  });

  it('truncates long answers with "…" on a character boundary', () => {
    const long = 'x'.repeat(10_000);
    const cut = inertText(long, 200);
    expect([...cut]).toHaveLength(200);
    expect(cut.endsWith('…')).toBe(true);

    const faces = '😀'.repeat(300);
    for (const max of [1, 2, 3, 50, 201]) {
      const out = inertText(faces, max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect([...out].length).toBeLessThanOrEqual(max);
      expect(out.endsWith('…')).toBe(true);
    }
    // Neither a family emoji nor a flag is split into parts.
    const families = '👨‍👩‍👧'.repeat(50);
    expect(inertText(families, 20)).toBe(`${'👨‍👩‍👧'.repeat(3)}…`);
    expect(inertText('short', 200)).toBe('short');
    expect(inertText('', 200)).toBe('');
  });

  it('bounds the work on huge answers (a 5 MB answer is cut, not scanned)', () => {
    const huge = `${'\u200B'.repeat(1000)}${'word '.repeat(1_000_000)}`;
    const out = inertText(huge, 200);
    expect([...out].length).toBeLessThanOrEqual(200);
    expect(out.endsWith('…')).toBe(true);
    // Cut before cleaning: what remains is marked as cut even when it is short.
    expect(inertText(`${'short '.repeat(10)}${'\u200B'.repeat(5000)}tail`, 200)).toBe(`${'short '.repeat(10).trimEnd()}…`);
  });

  it('any text stays inert in a table cell (property)', () => {
    const fragments = fc.constantFrom(
      '@', '#1', 'GH-1', '<', '>', '&', '[', ']', '(', ')', '!', '|', '`', '```', '*', '_', '~', '$', '\\', ':', '//',
      'https://x.io', 'www.x.io', '\n', '\r', '<!--', '-->', '<details>', 'a', ' ', '😀', '\u202E', '\u200D', '-', '1.',
    );
    const answers = fc.oneof(fc.array(fragments, { maxLength: 30 }).map((a) => a.join('')), fc.string({ unit: 'binary', maxLength: 60 }));
    fc.assert(
      fc.property(answers, fc.integer({ min: 1, max: 80 }), (answer, max) => {
        const escaped = inertText(answer, max);
        expect(escaped).not.toMatch(/[\n\r]/);
        expect(escaped).not.toMatch(/<[a-z!/]/i);
        expect(escaped).not.toMatch(LONE_SURROGATE);
        const table = inTable(escaped);
        expect(table.rows[0]).toHaveLength(2);
        expect(table.rows[0]![1]!.text).toBe('x');
        expect(activeTokens(`| a | b |\n| - | - |\n| ${escaped} | x |\n`).filter((t) => !t.startsWith('table'))).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('inertCode and codeBlock: untrusted text inside a fence', () => {
  it('keeps newlines and backticks, drops control characters', () => {
    expect(inertCode('line 1\r\nline 2\u001B[2J\n```', 100)).toBe('line 1\nline 2[2J\n```');
  });

  it('chooses a fence longer than any backtick run, so the block cannot be closed early', () => {
    expect(fenceFor('no backticks')).toBe('```');
    expect(fenceFor('a ```` b')).toBe('`````');
    const answer = 'before\n````\n</details>\n<img src=x onerror=alert(1)>\n```\nafter';
    const block = codeBlock(answer, 500, 'text');
    const tokens = marked.lexer(block, { gfm: true });
    expect(tokens.filter((t) => t.type !== 'space')).toHaveLength(1);
    expect(tokens[0]!.type).toBe('code');
    expect((tokens[0] as Tokens.Code).text).toBe(answer);
  });

  it('truncates on a character boundary', () => {
    const out = inertCode('😀'.repeat(100), 11);
    expect([...out]).toHaveLength(11);
    expect(out).not.toMatch(LONE_SURROGATE);
  });
});

describe('inertMermaidLabel', () => {
  it('leaves nothing that ends the quoted label or the diagram', () => {
    const label = inertMermaidLabel('evil"]\n%%{init: {"theme":"dark"}}%%<br/>`x`#quot;', 80);
    expect(label).not.toMatch(/["\n[\]{}<>`#;%]/);
    expect(inertMermaidLabel('gpt-4.1-mini', 40)).toBe('gpt-4.1-mini');
    expect(inertMermaidLabel('a-very-long-model-name-that-goes-on-and-on', 16)).toBe('a-very-long-mod…');
  });
});
