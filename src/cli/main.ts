// The CLI: `vision-gate run` and `vision-gate validate`. Returns the exit code; only index.ts exits.
// 0 passed · 1 the gate failed · 2 bad config, bad input or usage.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mergeShards, prepare, runEngine, runShard, type EngineOptions, type EngineResult, type Log, type Mode } from '../engine.ts';
import { isUserError, UserError } from '../errors.ts';
import { reportJson, writeFileAtomic } from '../publish/files.ts';
import { renderScorecard } from '../render/markdown.ts';
import { progressLine, renderTerminal } from '../render/terminal.ts';
import { readBaseline } from '../baseline/store.ts';
import { resolveInvocation } from '../shard/invocation.ts';
import { describePartial } from '../shard/schema.ts';
import { partialJson } from '../shard/store.ts';
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
  vision-gate run --shard i/n [--config PATH] [--partial PATH]
  vision-gate run --mode merge --partials DIR [--config PATH] [--json PATH] [--markdown PATH]
  vision-gate validate [--config PATH]

Options:
  --config PATH     the config file (default: vision-gate.yml)
  --mode MODE       gate (compare with the baseline and decide; default) · update-baseline
                    (run and write the baseline) · report (run and report, never fail)
  --json PATH       where to write the JSON report (default: .vision-gate/report.json beside the config)
  --markdown PATH   where to write the Markdown scorecard (default: .vision-gate/scorecard.md beside the config)
  --shard i/n       run only shard i of n (a balanced slice of the requests) and write its partial
                    result instead of a report; one matrix job per shard
  --partial PATH    where a shard writes its partial result (default: .vision-gate/partial-i-of-n.json
                    beside the config)
  --mode merge      merge the shards' partial results, then gate and report as one job would
  --partials DIR    the folder holding the partial results (searched recursively); with
                    --mode update-baseline or report, merges and then does that instead
  --no-color        plain terminal output
  -h, --help        this text

Exit codes: 0 passed · 1 the gate failed · 2 bad config, bad input or usage.`;

// Control characters (escape sequences, NUL, bidi overrides) shown as \u001b and the like, never
// sent to the terminal: messages quote config values (image paths, the baseline path) that a
// pull request wrote, and a terminal must not be recoloured, retitled or cleared by them.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
export const visible = (text: string): string =>
  text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function cliLog(io: CliIo): Log {
  return {
    info: (m) => void io.stderr.write(`${visible(m)}\n`),
    notice: (m) => void io.stderr.write(`${visible(m)}\n`),
    warning: (m) => void io.stderr.write(`warning: ${visible(m)}\n`),
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
        shard: { type: 'string' },
        partial: { type: 'string' },
        partials: { type: 'string' },
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
  const color = !values['no-color'] && io.stdout.isTTY === true && !io.env.NO_COLOR;

  try {
    if (command === 'validate') return await validate(values.config, io);
    const invocation = resolveInvocation(
      { mode: values.mode, shard: values.shard ?? '', partials: values.partials ?? '' },
      { mode: '--mode', shard: '--shard', partials: '--partials' },
    );
    if (invocation.kind === 'shard' && (values.json !== undefined || values.markdown !== undefined)) {
      throw new UserError('--shard writes only its partial result (--partial PATH); the report and the scorecard come from the merge step.');
    }
    if (invocation.kind !== 'shard' && values.partial !== undefined) throw new UserError('--partial names the file a shard writes; give --shard i/n too.');
    // A shard neither gates nor writes a baseline: the mode is the merge's to apply.
    const mode = invocation.kind === 'shard' ? 'report' : invocation.mode;
    const progress = progressLine(io.stderr, () => performance.now());
    const options: EngineOptions = {
      configPath: values.config,
      mode,
      env: io.env,
      cwd: io.cwd,
      log: cliLog(io),
      signal: io.signal,
      onProgress: (done, total, detail) => progress.update(done, total, detail),
    };
    if (invocation.kind === 'shard') {
      const { shard } = invocation;
      const { partial, prepared } = await runShard(options, shard);
      progress.done();
      const name = `partial-${shard.index}-of-${shard.count}.json`;
      const file = path.resolve(io.cwd, values.partial ?? path.join(prepared.loaded.dir, '.vision-gate', name));
      await writeResult(file, partialJson(partial), io.cwd, '--partial');
      io.stdout.write(`${describePartial(partial)}\n`);
      io.stderr.write(`partial result: ${visible(path.relative(io.cwd, file))} — merge it with the others: vision-gate run --mode merge --partials DIR\n`);
      return 0;
    }
    const result = invocation.kind === 'merge' ? await mergeShards(options, invocation.partials) : await runEngine(options);
    progress.done();
    return await output(result, { json: values.json, markdown: values.markdown, color, mode }, io);
  } catch (error) {
    if (isUserError(error)) {
      io.stderr.write(`vision-gate: ${visible(error.message)}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

/** The report and scorecard files, the terminal scorecard and the exit code of a run or a merge. */
async function output(result: EngineResult, options: OutputOptions, io: CliIo): Promise<number> {
  const outDir = path.join(result.loaded.dir, '.vision-gate');
  const jsonFile = path.resolve(io.cwd, options.json ?? path.join(outDir, 'report.json'));
  const markdownFile = path.resolve(io.cwd, options.markdown ?? path.join(outDir, 'scorecard.md'));
  await writeResult(jsonFile, reportJson(result.report), io.cwd);
  await writeResult(markdownFile, renderScorecard(result.report), io.cwd);
  io.stdout.write(`${renderTerminal(result.report, { color: options.color, width: io.stdout.columns })}\n`);
  io.stderr.write(`report: ${path.relative(io.cwd, jsonFile)} · scorecard: ${path.relative(io.cwd, markdownFile)}\n`);
  if (result.written) io.stderr.write(`baseline written: ${visible(path.relative(io.cwd, result.baselineFile))} — commit it.\n`);
  return options.mode === 'gate' && !result.report.passed ? 1 : 0;
}

interface OutputOptions {
  json: string | undefined;
  markdown: string | undefined;
  color: boolean;
  mode: Mode;
}

/** A result file that cannot be written (a read-only folder, a directory in the way) is the user's to fix, not a crash. */
async function writeResult(file: string, content: string, cwd: string, flags = '--json or --markdown'): Promise<void> {
  try {
    await writeFileAtomic(file, content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(`cannot write ${path.relative(cwd, file) || file} (${code}); choose another path with ${flags}.`);
  }
}

async function validate(configPath: string, io: CliIo): Promise<number> {
  const prepared = await prepare({ configPath, env: io.env, cwd: io.cwd });
  const { loaded, plan, images } = prepared;
  const baseline = await readBaseline(prepared.baselineFile, { root: prepared.root });
  const lines: string[] = [`${loaded.displayPath} is valid.`, ''];
  lines.push(`Images (${plan.cases.length} cases):`);
  for (const image of images.values()) {
    const what = image.format ? `${image.format} ${image.width}×${image.height}, ${image.bytes} bytes` : 'https URL passed through';
    lines.push(`  ${image.caseId}: ${image.source} (${what}, ${image.media})`);
  }
  lines.push('', `Plan: ${plan.requests.length} requests (${plan.models.length} models × ${plan.cases.length} cases × ${plan.runs} runs), up to ${plan.calibrations.length} text-only calibration requests.`);
  for (const line of estimatePlanCost(loaded.config, plan, baseline, io.env)) lines.push(`  ${line}`);
  io.stdout.write(`${visible(lines.join('\n'))}\n`);
  return 0;
}
