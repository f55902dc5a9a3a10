// Model answers and provider error messages are written by someone else and end up in a PR
// comment, the job summary and a terminal. Here they travel the whole way — simulator over HTTP →
// engine → report → scorecard — and the rendered Markdown, parsed as GitHub-flavoured Markdown,
// must hold nothing live: no mention, link, image, HTML or forged marker, and every table and
// collapsed section intact.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { afterEach, describe, expect, it } from 'vitest';
import { runEngine } from '../src/engine.ts';
import type { Report } from '../src/report/schema.ts';
import { isBalanced } from '../src/render/blocks.ts';
import { renderScorecard } from '../src/render/markdown.ts';
import { renderTerminal } from '../src/render/terminal.ts';
import { MAX_ANSWER_CHARS } from '../src/run/runner.ts';
import { cli } from './helpers/cli.ts';
import { makeSuite, type Suite } from './helpers/suite.ts';

const quiet = { info: () => undefined, notice: () => undefined, warning: () => undefined };
const MARKER = '<!-- vision-gate config=vision-gate.yml -->';

// Everything an answer could use to do something in a GitHub comment or a terminal.
const HOSTILE = [
  '@octocat @acme/admins please look',
  '#123 acme/widgets#45 GH-7 https://github.com/acme/widgets/issues/9 www.evil.example <https://evil.example/x>',
  '<img src=x onerror=alert(1)> <script>alert(2)</script> <a href="https://evil.example">click</a>',
  '</details></details><details open><summary>forged</summary>',
  '<!-- vision-gate config=vision-gate.yml --> <!-- vision-gate -->',
  '[link](https://evil.example) ![pixel](https://evil.example/p.png) [ref]: https://evil.example',
  '| a | b |\n|---|---|\n| c | d |',
  '```\nfenced\n```  ~~~\ntilde\n~~~ `inline` ``double``',
  '\n# Heading\n> quote\n- list item\n1. ordered\n---\n***bold italic*** _em_ ~~strike~~ $x^2$ $$y$$',
  '\u202Egnp.exe\u202C \u2066isolate\u2069 zero\u200Bwidth\u200D \uFEFFbom \u00ADsoft',
  'bell\u0007 nul\u0000 esc\u001b[31mred\u001b[0m \u001b]0;title\u0007 \r\ncarriage',
  'emoji 👍🏽 👨‍👩‍👧 🏳️‍🌈 ✅',
  'x'.repeat(5_000),
].join(' ');

/** Every HTML fragment the scorecard itself writes; anything else came from an answer. */
const OUR_HTML = /^(<details>|<\/details>|<summary>[^<]*<\/summary>|<sub>|<\/sub>|<!-- vision-gate config=vision-gate\.yml -->)$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE_OR_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\u00AD]/u;

function tokensOf(markdown: string): Token[] {
  const all: Token[] = [];
  marked.walkTokens(marked.lexer(markdown, { gfm: true }), (t) => void all.push(t));
  return all;
}

const count = (haystack: string, needle: string | RegExp): number => haystack.split(needle).length - 1;

function expectInert(md: string): void {
  const tokens = tokensOf(md);
  // No links, images or autolinks of any kind.
  expect(tokens.filter((t) => t.type === 'link' || t.type === 'image')).toEqual([]);
  // Only the HTML the scorecard writes itself.
  for (const t of tokens.filter((t) => t.type === 'html')) {
    for (const line of (t as Tokens.HTML).text.split('\n').filter((l) => l.trim())) expect(line.trim()).toMatch(OUR_HTML);
  }
  // The sticky-comment marker exactly once, first; a forged one is visible text, not a comment.
  expect(md.startsWith(`${MARKER}\n`)).toBe(true);
  expect(count(md, '<!--')).toBe(1);
  // Mentions, issue references and autolinked URLs need characters that no longer touch.
  expect(md).not.toMatch(/@[A-Za-z0-9]/);
  expect(md).not.toMatch(/(^|[^\\&])#\d/m); // &#8203; is the entity that breaks them
  expect(md).not.toMatch(/GH-\d/i);
  expect(md).not.toMatch(/[a-z]:\/\//i);
  expect(md).not.toMatch(/www\./i);
  expect(md).not.toMatch(INVISIBLE_OR_CONTROL);
  // Structure: sections balanced, fences closed, every table row as wide as its header, and no
  // heading, quote or list that the scorecard did not write.
  expect(isBalanced(md)).toBe(true);
  expect(count(md, /<details>/g)).toBe(count(md, /<\/details>/g));
  expect(count(md, /^```/gm) % 2).toBe(0);
  for (const table of tokens.filter((t): t is Tokens.Table => t.type === 'table')) {
    for (const row of table.rows) expect(row).toHaveLength(table.header.length);
  }
  const headings = tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((t) => t.text);
  expect(headings.every((h) => /^(### (Models|Routing|Latency|Skipped)|Models|Routing|Latency|Skipped|.*vision-gate.*)$/.test(h))).toBe(true);
  expect(tokens.filter((t) => t.type === 'blockquote').every((t) => /^\[!(NOTE|WARNING)\]/.test((t as Tokens.Blockquote).text))).toBe(true);
}

let suite: Suite | null = null;
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
});

const model = (id: string) => `  - { id: ${id}, model: ${id}, base_url: "\${SIM_URL}", api_key_env: SIM_KEY }`;
const CONFIG = `version: 1
runs: 2
timeout_ms: 10000
retries: 0
models:
${['recognises', 'misleads', 'refuses', 'fails', 'floods'].map(model).join('\n')}
cases:
  - { id: logo_python, image: images/python.png, expect: { any: [python] } }
  - { id: logo_github, image: images/github.png, expect: { any: [github logo] } }
`;

async function hostileRun(): Promise<{ report: Report; s: Suite }> {
  const s = await makeSuite({
    recognises: { vision: 'sees', answer: `${HOSTILE} — it is the Python and GitHub logo.` },
    misleads: { vision: 'sees', answer: HOSTILE },
    refuses: { vision: 'sees', faultRates: { refusal: 1 } },
    fails: { vision: 'sees', faultRates: { bad_request: 1 }, errorMessage: HOSTILE },
    // 3 MB of answer, under the 4 MB body cap: stored and judged only up to its first 32k characters.
    floods: { vision: 'sees', answer: `${'@octocat <b>x</b> '.repeat(170_000)} Python` },
  });
  suite = s;
  const file = await s.write('vision-gate.yml', CONFIG);
  const { report } = await runEngine({ configPath: file, mode: 'report', env: s.env, cwd: s.dir, log: quiet });
  return { report, s };
}

describe('hostile answers and error messages, end to end', () => {
  it('render as inert text in the scorecard a PR comment would carry', async () => {
    const { report } = await hostileRun();
    const verdicts = Object.fromEntries(report.models.map((m) => [m.id, report.trials.filter((t) => t.model === m.id).map((t) => t.verdict)]));
    // The first route's answer names both logos after all the noise, so it passes every trial.
    expect(verdicts).toEqual({
      recognises: ['pass', 'pass', 'pass', 'pass'],
      misleads: ['wrong', 'wrong', 'wrong', 'wrong'],
      refuses: ['empty', 'empty', 'empty', 'empty'],
      fails: ['error', 'error', 'error', 'error'],
      floods: ['wrong', 'wrong', 'wrong', 'wrong'],
    });

    const md = renderScorecard(report, { marker: MARKER });
    expectInert(md);
    // The answers are there, readable, cut to 200 characters, with emoji intact.
    const answers = tokensOf(md).find((t): t is Tokens.Table => t.type === 'table' && t.header[3]?.text === 'sample answer')!;
    expect(answers.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of answers.rows) {
      const visible = row[3]!.text.replace(/\\(.)/g, '$1').replace(/&#8203;/g, '').replace(/&[a-z]+;/g, '_');
      expect([...visible].length).toBeLessThanOrEqual(200);
    }
    expect(md).toContain('@&#8203;octocat @&#8203;acme/admins please look');
    expect(md).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    // The provider's error message is shown the same way, in the transport errors table.
    const errors = tokensOf(md).find((t): t is Tokens.Table => t.type === 'table' && t.header[1]?.text === 'what happened')!;
    expect(errors.rows.map((r) => [r[0]!.text, r[1]!.text, r[2]!.text])).toEqual([['fails', 'HTTP 400', '4']]);
    expect(errors.rows[0]![4]!.text).toMatch(/^400 @&#8203;octocat/);
  });

  it('keep the scorecard valid when it has to fold, and the job summary valid at its size', async () => {
    const { report } = await hostileRun();
    for (const maxChars of [250_000, 65_000, 6_000, 2_500]) {
      const md = renderScorecard(report, { marker: MARKER, maxChars });
      expect(md.length).toBeLessThanOrEqual(maxChars);
      expectInert(md);
    }
  });

  it('a flood of answer is kept and judged only up to its first 32k characters', async () => {
    const { report } = await hostileRun();
    const flood = report.trials.find((t) => t.model === 'floods')!;
    expect(flood.answer!.length).toBeLessThanOrEqual(MAX_ANSWER_CHARS + 1);
    expect(flood.answer!.endsWith('…')).toBe(true);
    // "Python" came after 3 MB: beyond what is judged, so the answer does not pass.
    expect(flood.verdict).toBe('wrong');
  });

  it('never reach the terminal as escape sequences, and the CLI writes the same inert scorecard', async () => {
    const { report, s } = await hostileRun();
    const terminal = renderTerminal(report, { color: false, width: 120 });
    expect(terminal).toContain('Transport errors');
    expect(terminal).not.toMatch(INVISIBLE_OR_CONTROL);
    const run = await cli(['run', '--mode', 'report', '--markdown', 'card.md', '--json', 'r.json'], s);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/fails: HTTP 400 ×\d — 400 @octocat/);
    expect(run.stdout).not.toMatch(INVISIBLE_OR_CONTROL);
    expect(run.stderr).not.toMatch(INVISIBLE_OR_CONTROL);
    const card = await readFile(path.join(s.dir, 'card.md'), 'utf8');
    expectInert(`${MARKER}\n${card}`);
  });
});
