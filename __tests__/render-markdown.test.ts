// The scorecard as a reviewer meets it in the PR: verdict first, regressions with numbers, the
// per-model table against the baseline, routing advice, collapsed detail and a chart, all of it
// valid GitHub Markdown that untrusted answers cannot break and that fits a comment.
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../src/report/schema.ts';
import { isBalanced } from '../src/render/blocks.ts';
import { renderScorecard } from '../src/render/markdown.ts';
import { hugeReport, sampleReport, withAnswer } from './helpers/render-fixture.ts';

const MARKER = '<!-- vision-gate config=vision-gate.yml -->';

function tokensOf(markdown: string): Token[] {
  const all: Token[] = [];
  marked.walkTokens(marked.lexer(markdown, { gfm: true }), (t) => void all.push(t));
  return all;
}

const tables = (markdown: string): Tokens.Table[] => tokensOf(markdown).filter((t): t is Tokens.Table => t.type === 'table');

/** The table whose header row starts with the given cell. */
function tableStarting(markdown: string, first: string): Tokens.Table {
  const table = tables(markdown).find((t) => t.header[0]?.text === first);
  if (!table) throw new Error(`no table starting with "${first}"`);
  return table;
}

function row(table: Tokens.Table, label: string): string[] {
  const found = table.rows.find((r) => r[0]?.text === label);
  if (!found) throw new Error(`no row "${label}"`);
  return found.map((c) => c.text);
}

/** Every HTML fragment the scorecard itself writes; anything else came from somewhere it must not. */
const OUR_HTML = /^(<details>|<\/details>|<summary>[^<]*<\/summary>|<sub>|<\/sub>|<!-- vision-gate config=vision-gate\.yml -->)$/;

function expectOnlyOurHtml(markdown: string): void {
  for (const t of tokensOf(markdown).filter((t) => t.type === 'html')) {
    for (const line of (t as Tokens.HTML).text.split('\n').filter((l) => l.trim())) expect(line.trim()).toMatch(OUR_HTML);
  }
}

function count(haystack: string, needle: string | RegExp): number {
  return haystack.split(needle).length - 1;
}

function expectValidStructure(markdown: string): void {
  expect(isBalanced(markdown)).toBe(true);
  expect(count(markdown, /<details>/g)).toBe(count(markdown, /<\/details>/g));
  expect(count(markdown, /^```/gm) % 2).toBe(0);
  for (const table of tables(markdown)) {
    for (const r of table.rows) expect(r).toHaveLength(table.header.length);
  }
}

describe('the scorecard of a gate run where one route drops the image', () => {
  const report = sampleReport();
  const md = renderScorecard(report, { marker: MARKER, footer: '<sub>run 42 · 0123456</sub>' });
  const lines = md.split('\n');

  it('starts with the hidden marker and the verdict with the count of regressions', () => {
    expect(lines[0]).toBe(MARKER);
    expect(lines[1]).toBe('## ❌ vision-gate failed — 4 regressions');
    expect(lines[3]).toContain('mode gate');
    expect(lines[3]).toContain('config vision-gate.yml');
    expect(lines[3]).toContain('(compared @ 0123456)');
  });

  it('lists each regression in one line with its numbers, failures before warnings', () => {
    const findings = lines.filter((l) => /^- (❌|⚠️) /.test(l));
    expect(findings).toEqual([
      '- ❌ **gemini-2.5-flash** recognition on `logo_python` 3/3 → 0/3 (p = 0.05)',
      '- ❌ **gemini-2.5-flash** recognition on `logo_github` 3/3 → 0/3 (p = 0.05)',
      '- ❌ **gemini-2.5-flash** image dropped: 6/6 answers claim no image; calibration measured 0 image tokens (baseline 85)',
      '- ❌ **gpt-4.1-mini** p50 1.29 s → 1.92 s (+49%, 95% CI +31…+70%)',
      '- ⚠️ **gemini-2.5-flash** p50 3.98 s → 4.17 s (+5%): below the 25% threshold but the interval is above zero',
    ]);
    expect(md).not.toContain('no transport errors'); // passing findings are not news
  });

  it('shows a per-model table with baseline → current and marks the regressed rows', () => {
    const table = tableStarting(md, '');
    expect(table.header.map((c) => c.text)).toEqual(['', 'gemini-2.5-flash', 'gpt-4.1-mini']);
    expect(row(table, 'verdict')).toEqual(['verdict', '❌ fail', '❌ fail']);
    expect(row(table, 'HTTP success')).toEqual(['HTTP success', '6/6', '6/6']);
    expect(row(table, 'correct recognition')).toEqual(['correct recognition', '6/6 → 0/6 ❌', '6/6 → 6/6']);
    expect(row(table, 'no-image claims')).toEqual(['no-image claims', '6 ❌', '0']);
    expect(row(table, 'latency p50')).toEqual(['latency p50', '3.98 s → 4.17 s (+5%) ⚠️', '1.29 s → 1.92 s (+49%) ❌']);
    expect(row(table, 'fastest')).toEqual(['fastest', '1.47 s', '1.24 s']);
    expect(row(table, 'slowest')).toEqual(['slowest', '9.51 s', '2.19 s']);
    expect(row(table, 'avg completion tokens')).toEqual(['avg completion tokens', '73.5', '10.5']);
    expect(row(table, 'image tokens')[1]).toBe('85 → 0 (-100%) (by calibration) ❌');
    expect(row(table, 'image path')).toEqual(['image path', '❌ dropped', '✅ ok']);
    expect(row(table, 'est. cost / 10k calls')).toEqual(['est. cost / 10k calls', '\\$0.6168', '\\$0.5226']);
    expect(row(table, 'cost / successful image')).toEqual(['cost / successful image', '— (0 correct)', '\\$0.00005226 → \\$0.00005226 (±0%)']);
  });

  it('names the route and says when it changed since the baseline', () => {
    const route = row(tableStarting(md, ''), 'route');
    expect(route[1]).toBe(
      '⚠️ route changed: gemini-2.5-flash @ generativelanguage.googleapis.com → gemini-2.5-flash @ gateway.example.com (media inline → url)',
    );
    expect(route[2]).toBe('gpt-4.1-mini @ api.openai.com');
  });

  it('recommends the route that sees the image, for real-time and for bulk traffic', () => {
    expect(md).toContain(
      '- **Default route** (real-time): **gpt-4.1-mini** — recognised 6/6 with the lowest p50 (1.92 s); its latency regressed (see above)',
    );
    expect(md).toContain('- **Bulk route**: **gpt-4.1-mini** — lowest cost per successful image (\\$0.00005226, 6/6 correct)');
  });

  it('puts per-case results and sample answers in collapsed sections', () => {
    const perCase = tableStarting(md, 'case');
    expect(perCase.header.map((c) => c.text)).toEqual(['case', 'gemini-2.5-flash', 'gpt-4.1-mini']);
    expect(row(perCase, 'logo\\_python')).toEqual(['logo\\_python', '❌ 0/3 (was 3/3, p = 0.05) · 4.12 s', '✅ 3/3 · 1.92 s']);
    expect(md).toMatch(/<details>\n<summary>Per-case results \(2 models × 2 cases\)<\/summary>/);
    expect(md).toMatch(/<details>\n<summary>Sample answers/);
    expect(md).toContain('| logo\\_python | gemini-2.5-flash | ❌ no\\_image ×3 | Please upload an image for analysis. No image provided. |');
  });

  it('draws p50 per model as a Mermaid bar chart with the baseline beside, and the same numbers as a table', () => {
    const chart = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3) + 3);
    expect(chart).toContain('xychart-beta');
    expect(chart).toContain('x-axis ["gemini-2.5-flash (baseline)", "gemini-2.5-flash", "gpt-4.1-mini (baseline)", "gpt-4.1-mini"]');
    expect(chart).toContain('bar [3.98, 4.17, 1.29, 1.92]');
    expect(chart).toMatch(/y-axis "p50 \(s\)" 0 --> 4\.6\n/);
    const numbers = tableStarting(md, 'model');
    expect(row(numbers, 'gpt-4.1-mini')).toEqual(['gpt-4.1-mini', '1.29 s', '1.92 s', '+49%', '2.15 s']);
  });

  it('lists skipped models with the reason, and ends with the footer', () => {
    expect(md).toContain('### Skipped\n\n- **claude-haiku** — ANTHROPIC\\_API\\_KEY is not set');
    expect(tableStarting(md, '').header).toHaveLength(3); // skipped models get no column
    expect(md.trimEnd().endsWith('<sub>run 42 · 0123456</sub>')).toBe(true);
  });

  it('keeps the sections in the documented order', () => {
    const at = (s: string): number => md.indexOf(s);
    const order = ['## ❌', '- ❌ **gemini', '### Models', '### Routing', '### Latency', 'Per-case results', 'Sample answers', '### Skipped', '<sub>run 42'];
    const positions = order.map(at);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('is valid Markdown: balanced sections, closed fences, tables of even width', () => {
    expectValidStructure(md);
    expectOnlyOurHtml(md);
  });
});

describe('the verdict line', () => {
  const passing = (overrides: Partial<Report>): Report =>
    sampleReport({
      passed: true,
      regressions: 0,
      findings: [],
      models: sampleReport().models.map((m) => ({ ...m, verdict: m.verdict === 'skipped' ? 'skipped' : 'pass' })),
      ...overrides,
    });

  it('says passed when nothing regressed', () => {
    expect(renderScorecard(passing({})).split('\n')[0]).toBe('## ✅ vision-gate passed');
  });

  it('says passed with warnings when only warnings were found', () => {
    const report = passing({ findings: [{ severity: 'warn', kind: 'cost', model: 'gpt-4.1-mini', case: null, message: 'cost per success +12%', numbers: {} }] });
    const md = renderScorecard(report);
    expect(md.split('\n')[0]).toBe('## ⚠️ vision-gate passed with 1 warning');
    expect(row(tableStarting(md, ''), 'cost / successful image')[2]).toMatch(/⚠️$/);
  });

  it('warns that the data is incomplete when the run stopped early', () => {
    const models = sampleReport().models.map((m) => (m.id === 'gpt-4.1-mini' ? { ...m, not_run: 2 } : m));
    const md = renderScorecard(sampleReport({ complete: false, models }));
    expect(md).toContain('> [!WARNING]\n> Incomplete data: the run stopped early (deadline or signal) and 2 requests did not run');
    expect(row(tableStarting(md, ''), 'HTTP success')[2]).toBe('6/6 (2 not run)');
  });

  it('names report mode as not enforced and update-baseline mode as a baseline write', () => {
    expect(renderScorecard(sampleReport({ mode: 'report' })).split('\n')[0]).toBe(
      '## ❌ vision-gate report — 4 regressions (report mode: not enforced)',
    );
    const written = sampleReport({ mode: 'update-baseline', regressions: 0, passed: true, findings: [], baseline: { path: 'b.json', status: 'written', commit: null } });
    expect(renderScorecard(written).split('\n')[0]).toBe('## ℹ️ vision-gate baseline written');
  });

  it('explains a missing baseline instead of comparing against nothing', () => {
    const md = renderScorecard(sampleReport({ baseline: { path: '.vision-gate/baseline.json', status: 'missing', commit: null } }));
    expect(md).toContain('> [!NOTE]\n> No baseline at .vision-gate/baseline.json yet');
  });

  it('shows a baseline change near the top, before the findings', () => {
    const md = renderScorecard(sampleReport(), { baselineChange: '> [!IMPORTANT]\n> This PR changes `.vision-gate/baseline.json`.' });
    expect(md.indexOf('This PR changes')).toBeGreaterThan(0);
    expect(md.indexOf('This PR changes')).toBeLessThan(md.indexOf('- ❌'));
  });
});

describe('costs and routing edge cases', () => {
  it('says "unknown" for a route without a price, never $0', () => {
    const models = sampleReport().models.map((m) => ({ ...m, cost: { per_10k_calls: null, per_success: null }, baseline: null }));
    const md = renderScorecard(sampleReport({ models }));
    const table = tableStarting(md, '');
    expect(row(table, 'est. cost / 10k calls')).toEqual(['est. cost / 10k calls', 'unknown', 'unknown']);
    expect(row(table, 'cost / successful image')).toEqual(['cost / successful image', 'unknown', 'unknown']);
    expect(md).not.toMatch(/\$0(\.0+)?\b/);
    expect(md).toContain('- **Bulk route**: none — no cost per successful image is known (set price on the models in the config)');
  });

  it('recommends no route, with the reason, when every route drops the image', () => {
    const [blind] = sampleReport().models;
    const models = [blind!, { ...blind!, id: 'gemini-2.5-pro' }];
    const findings = models.map((m) => ({ severity: 'fail' as const, kind: 'image_path' as const, model: m.id, case: null, message: 'image dropped', numbers: {} }));
    const md = renderScorecard(sampleReport({ models, findings, regressions: 2 }));
    expect(md).toContain('- **Default route** (real-time): none — no model recognised every image it answered without failing the gate on it');
    expect(md).toContain('- **Bulk route**: none — no model recognised images without failing the gate on recognition, the image path or errors');
  });

  it('shows current numbers alone when there is no baseline', () => {
    const models = sampleReport().models.map((m) => ({ ...m, baseline: null }));
    const table = tableStarting(renderScorecard(sampleReport({ models })), '');
    expect(row(table, 'correct recognition')).toEqual(['correct recognition', '0/6 ❌', '6/6']);
    expect(row(table, 'latency p50')[2]).toBe('1.92 s ❌');
  });
});

describe('untrusted answers and ids in the rendered scorecard', () => {
  const HOSTILE =
    '<!-- vision-gate config=forged.yml --> </details> <img src=x onerror=alert(1)> @octocat @acme/admins #1 GH-2 ' +
    'https://github.com/acme/widgets/issues/3 [click](https://evil.example) ![x](https://evil.example/p.png) | a | b | ' +
    '```\nfence\n``` **bold** \u202Egnp.exe\u202C \u200Bhidden\u200B <details><summary>x';

  it('cannot add links, images, HTML, mentions or forged markers, nor break a table', () => {
    const md = renderScorecard(withAnswer(HOSTILE), { marker: MARKER });
    expect(count(md, '<!-- vision-gate')).toBe(1);
    expect(md.startsWith(MARKER)).toBe(true);
    const all = tokensOf(md);
    expect(all.filter((t) => t.type === 'link' || t.type === 'image')).toEqual([]);
    expectOnlyOurHtml(md);
    expect(md).not.toMatch(/@(octocat|acme)/);
    expect(md).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
    expectValidStructure(md);
    const answers = tableStarting(md, 'case');
    expect(answers.header).toHaveLength(3);
    const sample = tables(md).find((t) => t.header[3]?.text === 'sample answer')!;
    expect(sample.rows).toHaveLength(4);
    for (const r of sample.rows) {
      expect(r).toHaveLength(4);
      expect([...r[3]!.text.replace(/\\(.)/g, '$1').replace(/&#8203;/g, '').replace(/&[a-z]+;/g, '_')].length).toBeLessThanOrEqual(200);
    }
  });

  it('keeps hostile model and case ids out of the chart syntax and the tables', () => {
    const base = sampleReport();
    const evil = 'evil"]\n    bar [999]\n%%{init}%% | x | <b>@root</b>';
    const models = base.models.map((m) => (m.id === 'gpt-4.1-mini' ? { ...m, id: evil } : m));
    const cases = base.cases.map((c) => (c.model === 'gpt-4.1-mini' ? { ...c, model: evil, case: `${c.case} | </details>` } : c));
    const md = renderScorecard(ReportSchema.parse({ ...base, models, cases, findings: [] }));
    const chart = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3));
    expect(chart.split('\n').filter((l) => l.trim().startsWith('bar'))).toHaveLength(1);
    expect(chart).not.toContain('%%');
    expect(tableStarting(md, '').header).toHaveLength(3);
    expect(md).not.toContain('<b>');
    expectValidStructure(md);
  });
});

describe('size: the scorecard fits a comment by folding detail before cutting', () => {
  const answer = `${'Please upload an image. @octocat #12 <details> '.repeat(200)}${'x'.repeat(10_000)}`;
  const huge = hugeReport(300, 60, answer);

  it('renders hundreds of models and cases with 10k-character answers under 65,536 characters', () => {
    const md = renderScorecard(huge, { marker: MARKER, summaryUrl: 'https://github.com/acme/widgets/actions/runs/42', footer: '<sub>run 42</sub>' });
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md.startsWith(`${MARKER}\n## ❌ vision-gate failed — 1200 regressions`)).toBe(true);
    expectValidStructure(md);
    expect(md).toContain('> [!NOTE]\n> Folded to fit 65,000 characters');
    expect(md).toContain('Full detail: [the job summary](https://github.com/acme/widgets/actions/runs/42)');
    expect(md.trimEnd().endsWith('<sub>run 42</sub>')).toBe(true);
    expect(count(md, '<!-- vision-gate')).toBe(1);
  });

  it('keeps more detail in the job summary, still within its limit', () => {
    const md = renderScorecard(huge, { maxChars: 250_000 });
    expect(md.length).toBeLessThanOrEqual(250_000);
    expectValidStructure(md);
    expect(md.length).toBeGreaterThan(65_000);
  });

  it('folds in order: answers, per-case table, chart, model columns, findings', () => {
    const report = hugeReport(40, 12, 'A fairly long answer about the Python logo. '.repeat(5));
    const full = renderScorecard(report, { maxChars: 10_000_000 });
    const has = (md: string): Record<string, boolean> => ({
      answers: md.includes('<summary>Sample answers'),
      perCase: md.includes('<summary>Per-case results'),
      chart: md.includes('```mermaid'),
      allColumns: !md.includes('<sub>Showing ') && !md.includes('the table is in the full scorecard'),
      allFindings: !md.includes('more finding'),
    });
    expect(Object.values(has(full)).every(Boolean)).toBe(true);
    const seen: string[] = [];
    for (let max = full.length; max > 1500; max = Math.floor(max * 0.8)) {
      const md = renderScorecard(report, { maxChars: max });
      expect(md.length).toBeLessThanOrEqual(max);
      expectValidStructure(md);
      const h = has(md);
      // A later stage only folds once every earlier one has.
      const stages = [h.answers, h.perCase, h.chart, h.allColumns, h.allFindings];
      const code = stages.map(Number).join('');
      seen.push(code);
      const firstKept = stages.indexOf(true);
      if (firstKept >= 0) expect(stages.slice(firstKept).every(Boolean), `${max}: ${code}`).toBe(true);
    }
    expect(seen).toContain('00001'); // columns narrowed at some budget, findings still whole
  });

  it('holds even an absurdly small limit', () => {
    const md = renderScorecard(sampleReport(), { marker: MARKER, maxChars: 300, footer: 'run 42' });
    expect(md.length).toBeLessThanOrEqual(300);
    expect(md.startsWith(`${MARKER}\n## ❌ vision-gate failed`)).toBe(true);
    expectValidStructure(md);
  });

  it('cuts oversized trusted blocks last, leaving the verdict, valid Markdown and the footer', () => {
    const baselineChange = `<details>\n<summary>baseline diff</summary>\n\n\`\`\`diff\n${'+ "p50": 1234,\n'.repeat(20_000)}`;
    const md = renderScorecard(sampleReport(), { marker: MARKER, baselineChange, footer: 'run 42', summaryUrl: 'https://example.test/s' });
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md.split('\n')[1]).toBe('## ❌ vision-gate failed — 4 regressions');
    expectValidStructure(md);
    expect(md).toContain('the rest of the scorecard left out');
    expect(md.trimEnd().endsWith('run 42')).toBe(true);
  });
});
