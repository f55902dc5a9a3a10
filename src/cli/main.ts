// The CLI: `vision-gate run` and `vision-gate validate`. Returns the exit code; only index.ts exits.
// 0 passed · 1 the gate failed · 2 bad config, bad input or usage.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepare, runEngine, type Log, type Mode } from '../engine.ts';
import { isUserError } from '../errors.ts';
import { reportJson, writeFileAtomic } from '../publish/files.ts';
import { renderScorecard } from '../render/markdown.ts';
import { progressLine, renderTerminal } from '../render/terminal.ts';
import { readBaseline } from '../baseline/store.ts';
import { estimatePlanCost } from './estimate.ts';

export interface CliIo {
  stdout: { write(s: string): boolean; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): boolean; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
}

const USAGE = `Usage:
  vision-gate run [--config PATH] [--mode gate|update-baseline|report] [--json PATH] [--markdown PATH]
  vision-gate validate [--config PATH]

Options:
  --config PATH     the config file (default: vision-gate.yml)
  --mode MODE       gate (compare with the baseline and decide; default) · update-baseline
                    (run and write the baseline) · report (run and report, never fail)
  --json PATH       where to write the JSON report (default: .vision-gate/report.json beside the config)
  --markdown PATH   where to write the Markdown scorecard (default: .vision-gate/scorecard.md beside the config)
  --no-color        plain terminal output
  -h, --help        this text

Exit codes: 0 passed · 1 the gate failed · 2 bad config, bad input or usage.`;

const MODES: readonly Mode[] = ['gate', 'update-baseline', 'report'];

function cliLog(io: CliIo): Log {
  return {
    info: (m) => void io.stderr.write(`${m}\n`),
    notice: (m) => void io.stderr.write(`${m}\n`),
    warning: (m) => void io.stderr.write(`warning: ${m}\n`),
  };
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', default: 'vision-gate.yml' },
        mode: { type: 'string', default: 'gate' },
        json: { type: 'string' },
        markdown: { type: 'string' },
        'no-color': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`vision-gate: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'run' && command !== 'validate') {
    io.stderr.write(`vision-gate: ${command ? `unknown command "${command}"` : 'no command given'}; expected run or validate.\n\n${USAGE}\n`);
    return 2;
  }
  if (positionals.length > 1) {
    io.stderr.write(`vision-gate: unexpected argument "${positionals[1]}".\n\n${USAGE}\n`);
    return 2;
  }
  const mode = values.mode as Mode;
  if (!MODES.includes(mode)) {
    io.stderr.write(`vision-gate: --mode must be one of ${MODES.join(' | ')}, got "${values.mode}".\n`);
    return 2;
  }
  const color = !values['no-color'] && io.stdout.isTTY === true && !io.env.NO_COLOR;

  try {
    if (command === 'validate') return await validate(values.config, io);
    const progress = progressLine(io.stderr, () => performance.now());
    const result = await runEngine({
      configPath: values.config,
      mode,
      env: io.env,
      cwd: io.cwd,
      log: cliLog(io),
      signal: io.signal,
      onProgress: (done, total, detail) => progress.update(done, total, detail),
    });
    progress.done();
    const outDir = path.join(result.loaded.dir, '.vision-gate');
    const jsonFile = path.resolve(io.cwd, values.json ?? path.join(outDir, 'report.json'));
    const markdownFile = path.resolve(io.cwd, values.markdown ?? path.join(outDir, 'scorecard.md'));
    await writeFileAtomic(jsonFile, reportJson(result.report));
    await writeFileAtomic(markdownFile, renderScorecard(result.report));
    io.stdout.write(`${renderTerminal(result.report, { color, width: io.stdout.columns })}\n`);
    io.stderr.write(`report: ${path.relative(io.cwd, jsonFile)} · scorecard: ${path.relative(io.cwd, markdownFile)}\n`);
    if (result.written) io.stderr.write(`baseline written: ${path.relative(io.cwd, result.baselineFile)} — commit it.\n`);
    return mode === 'gate' && !result.report.passed ? 1 : 0;
  } catch (error) {
    if (isUserError(error)) {
      io.stderr.write(`vision-gate: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

async function validate(configPath: string, io: CliIo): Promise<number> {
  const prepared = await prepare({ configPath, env: io.env, cwd: io.cwd });
  const { loaded, plan, images } = prepared;
  const baseline = await readBaseline(prepared.baselineFile);
  const lines: string[] = [`${loaded.displayPath} is valid.`, ''];
  lines.push(`Images (${plan.cases.length} cases):`);
  for (const image of images.values()) {
    const what = image.format ? `${image.format} ${image.width}×${image.height}, ${image.bytes} bytes` : 'https URL passed through';
    lines.push(`  ${image.caseId}: ${image.source} (${what}, ${image.media})`);
  }
  lines.push('', `Plan: ${plan.requests.length} requests (${plan.models.length} models × ${plan.cases.length} cases × ${plan.runs} runs), up to ${plan.calibrations.length} text-only calibration requests.`);
  for (const line of estimatePlanCost(loaded.config, plan, baseline, io.env)) lines.push(`  ${line}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
