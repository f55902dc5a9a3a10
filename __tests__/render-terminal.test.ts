// What `vision-gate run` prints: the scorecard's sections as aligned text for a terminal or a
// CI log, colour only when asked, and a progress line that neither floods logs nor flickers.
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/report/schema.ts';
import { displayWidth, progressLine, renderTerminal } from '../src/render/terminal.ts';
import { sampleReport } from './helpers/render-fixture.ts';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[/;

describe('renderTerminal', () => {
  const text = renderTerminal(sampleReport(), { color: false, width: 120 });
  const lines = text.split('\n');

  it('leads with the verdict and lists regressions before warnings', () => {
    expect(lines[0]).toBe('✖ vision-gate failed — 4 regressions');
    expect(lines[1]).toContain('mode gate · config vision-gate.yml');
    const findings = lines.filter((l) => /^[✖▲] /.test(l)).slice(1);
    expect(findings[0]).toBe('✖ gemini-2.5-flash recognition on logo_python 3/3 → 0/3 (p = 0.05)');
    expect(findings.at(-1)).toMatch(/^▲ gemini-2.5-flash p50 3.98 s → 4.17 s/);
  });

  it('prints the per-model table with aligned columns', () => {
    const header = lines.find((l) => l.includes('gemini-2.5-flash') && l.trim().startsWith('gemini'))!;
    const column = header.indexOf('gpt-4.1-mini');
    const row = (label: string): string => lines.find((l) => l.startsWith(`  ${label} `))!;
    for (const label of ['verdict', 'correct recognition', 'latency p50', 'image path', 'est. cost / 10k calls']) {
      const line = row(label);
      // Everything before the second column is one display width for every row.
      const second = line.lastIndexOf('  ') + 2;
      expect(displayWidth(line.slice(0, second))).toBe(displayWidth(header.slice(0, column)));
    }
    expect(row('correct recognition')).toMatch(/6\/6 → 0\/6 ✖\s+6\/6 → 6\/6$/);
    expect(row('image path')).toMatch(/✖ dropped\s+✔ ok$/);
    expect(row('est. cost / 10k calls')).toMatch(/\$0\.6168\s+\$0\.5226$/);
  });

  it('gives the routing advice and the skipped models with their reason', () => {
    expect(text).toContain('  default route (real-time): gpt-4.1-mini — recognised 6/6 with the lowest p50 (1.92 s)');
    expect(text).toContain('  bulk route: gpt-4.1-mini — lowest cost per successful image ($0.00005226, 6/6 correct)');
    expect(text).toContain('Skipped\n  – claude-haiku — ANTHROPIC_API_KEY is not set');
  });

  it('uses colour only when asked, and the text is the same without it', () => {
    expect(text).not.toMatch(ANSI);
    const coloured = renderTerminal(sampleReport(), { color: true, width: 120 });
    expect(coloured).toMatch(ANSI);
    expect(stripVTControlCharacters(coloured)).toBe(text);
  });

  it('splits the table into blocks that fit a narrow terminal', () => {
    const narrow = renderTerminal(sampleReport(), { color: false, width: 72 });
    const start = narrow.indexOf('Models\n');
    const table = narrow.slice(start, narrow.indexOf('\nRouting', start)).split('\n').slice(1);
    for (const line of table) expect(displayWidth(line)).toBeLessThanOrEqual(72);
    expect(table.filter((l) => l.startsWith('  verdict'))).toHaveLength(2); // labels repeat per block
  });

  it('never passes escape sequences from ids or reasons to the terminal', () => {
    const base = sampleReport();
    const models = base.models.map((m) =>
      m.verdict === 'skipped' ? { ...m, id: 'evil\u001B]0;pwned\u0007', skipped_reason: 'key \u001B[2J\u001B[H cleared\u202E' } : m,
    );
    const out = renderTerminal(ReportSchema.parse({ ...base, models }), { color: false });
    // eslint-disable-next-line no-control-regex -- the point is that none reach the terminal
    expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\u202E]/);
    expect(out).toContain('evil]0;pwned — key [2J[H cleared');
  });
});

function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => (writes.push(s), true) } };
}

describe('progressLine', () => {
  it('rewrites one line on a TTY at most about ten times a second, always showing the final count', () => {
    const { writes, stream } = fakeStream(true);
    let clock = 0;
    const progress = progressLine(stream, () => clock);
    for (let done = 1; done <= 1000; done += 1) {
      clock += 1; // a request every millisecond: one second in all
      progress.update(done, 1000, `gpt-4.1-mini · logo_python`);
    }
    progress.done();
    const draws = writes.filter((w) => w.startsWith('\r'));
    expect(draws.length).toBeGreaterThanOrEqual(9);
    expect(draws.length).toBeLessThanOrEqual(12);
    expect(writes.every((w) => !w.includes('\n') || w === '\n')).toBe(true);
    expect(draws.at(-1)).toContain('1000/1000 requests (100%)');
    expect(writes.at(-1)).toBe('\n');
  });

  it('draws the last throttled update when the run ends early', () => {
    const { writes, stream } = fakeStream(true);
    const progress = progressLine(stream, () => 0);
    progress.update(1, 10, 'a');
    progress.update(7, 10, 'b'); // throttled: same instant
    progress.done();
    expect(writes.filter((w) => w.startsWith('\r')).at(-1)).toContain('7/10');
  });

  it('fits the line to the terminal width, and strips control characters from the detail', () => {
    const { writes, stream } = fakeStream(true, 40);
    const progress = progressLine(stream, () => 0);
    progress.update(3, 120, `${'very-long-model-name-'.repeat(5)}\u001B[31m`);
    const line = stripVTControlCharacters(writes[0]!.slice(1));
    expect(displayWidth(line)).toBeLessThanOrEqual(39);
    expect(line.endsWith('…')).toBe(true);
  });

  it('writes a plain line at most every tenth of the work to a log', () => {
    const { writes, stream } = fakeStream(false);
    const progress = progressLine(stream, () => 0);
    for (let done = 1; done <= 1000; done += 1) progress.update(done, 1000, 'x');
    progress.done();
    expect(writes.length).toBeLessThanOrEqual(11);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(writes.at(-1)).toBe('vision-gate 1000/1000 requests (100%)\n');
  });

  it('stays quiet for an empty plan', () => {
    const { writes, stream } = fakeStream(false);
    const progress = progressLine(stream, () => 0);
    progress.update(0, 0, '');
    progress.done();
    expect(writes).toEqual([]);
  });
});
