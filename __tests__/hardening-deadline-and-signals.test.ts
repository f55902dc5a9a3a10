// Stopping a run early — Ctrl-C, SIGTERM from a cancelled CI job, the config's deadline — keeps
// everything that finished: the report and the scorecard are written with the rest marked not
// run, the exit code is the gate's, and the user sees a sentence, not a stack trace.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createImageReader } from '../src/images/reader.ts';
import { ReportSchema, type Report } from '../src/report/schema.ts';
import { CLI, cli } from './helpers/cli.ts';
import { makeSuite, type Suite } from './helpers/suite.ts';

let suite: Suite | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await suite?.cleanup();
  suite = null;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the bundled CLI and sends `signals`, `gapMs` apart, once stderr shows `when` (the progress
 * line, so the run is really under way) or, for a promise, once it settles.
 */
function runAndSignal(
  args: string[],
  options: { dir: string; env: Record<string, string>; when: RegExp | Promise<void>; signals: NodeJS.Signals[]; gapMs?: number },
): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.dir, env: { PATH: process.env.PATH ?? '', ...options.env } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const send = () => {
      sent = true;
      options.signals.forEach((signal, i) => setTimeout(() => child.kill(signal), i * (options.gapMs ?? 0)));
    };
    const { when } = options;
    if (when instanceof Promise) void when.then(send);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && when instanceof RegExp && when.test(stderr)) send();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const STACK = /\n\s+at .+:\d+/;

const slowConfig = (models: string, extra = '') => `version: 1
runs: 1
concurrency: 1
timeout_ms: 5000
${extra}
models:
${models}
cases:
${Array.from({ length: 12 }, (_, i) => `  - { id: c${i}, image: images/python.png, expect: { any: [python] } }`).join('\n')}
`;
const model = (id: string) => `  - { id: ${id}, model: ${id}, base_url: "\${SIM_URL}", api_key_env: SIM_KEY }`;

async function reportAt(dir: string, file: string): Promise<Report> {
  return ReportSchema.parse(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
}

describe('Ctrl-C and SIGTERM in the CLI', () => {
  it('SIGINT mid-run: stops sending, writes the report and the scorecard with the rest not run, exits as the gate says', async () => {
    suite = await makeSuite({ slow: { vision: 'sees', latencyMs: 150 } });
    await suite.write('vision-gate.yml', slowConfig(model('slow')));
    const run = await runAndSignal(['run', '--json', 'r.json', '--markdown', 's.md'], { ...suite, when: /\b1\/12 requests/, signals: ['SIGINT'] });
    expect(run.signal).toBeNull();
    expect(run.stderr).toContain('SIGINT received; finishing with the results so far');
    expect(run.stderr).not.toMatch(STACK);
    const report = await reportAt(suite.dir, 'r.json');
    expect(report.complete).toBe(false);
    expect(report.trials).toHaveLength(12);
    const verdicts = report.trials.map((t) => t.verdict);
    expect(verdicts.filter((v) => v === 'pass').length).toBeGreaterThanOrEqual(1);
    expect(verdicts.filter((v) => v === 'not_run').length).toBeGreaterThanOrEqual(6);
    expect(verdicts.every((v) => v === 'pass' || v === 'not_run')).toBe(true);
    // Nothing failed, so the gate passes (with the incomplete-data warning): exit 0.
    expect(report.passed).toBe(true);
    expect(run.code).toBe(0);
    const scorecard = await readFile(path.join(suite.dir, 's.md'), 'utf8');
    expect(scorecard).toMatch(/Incomplete data: the run stopped early \(deadline or signal\) and \d+ requests did not run/);
    expect(run.stdout).toContain('Incomplete data');
    // No request was sent after the signal beyond the one in flight.
    expect(suite.simulator.stats.requests).toBeLessThanOrEqual(12 - verdicts.filter((v) => v === 'not_run').length + 1);
  });

  it('SIGTERM (a cancelled CI job) on a failing gate: the files are written and the exit code is still 1', async () => {
    suite = await makeSuite({ blind: { vision: 'blind', latencyMs: 150 } });
    await suite.write('vision-gate.yml', slowConfig(model('blind')));
    const run = await runAndSignal(['run', '--json', 'r.json', '--markdown', 's.md'], { ...suite, when: /\b1\/12 requests/, signals: ['SIGTERM'] });
    expect(run.stderr).toContain('SIGTERM received');
    expect(run.stderr).not.toMatch(STACK);
    const report = await reportAt(suite.dir, 'r.json');
    expect(report.complete).toBe(false);
    expect(report.trials.some((t) => t.verdict === 'no_image')).toBe(true);
    expect(report.trials.some((t) => t.verdict === 'not_run')).toBe(true);
    expect(report.passed).toBe(false);
    expect(run.code).toBe(1);
    expect((await stat(path.join(suite.dir, 's.md'))).size).toBeGreaterThan(0);
  });

  it('a second Ctrl-C quits at once (exit 130), even while the run is stuck reading a remote image', async () => {
    // The run waits in the download, which has its own 15 s limit; the second Ctrl-C must not.
    const server = await stallingImageServer();
    suite = await makeSuite({ m: { vision: 'sees' } });
    await suite.write(
      'vision-gate.yml',
      `version: 1\nmodels:\n${model('m')}\ncases:\n  - { id: remote, image: "${server.url}", expect: { any: [python] } }\n`,
    );
    const started = performance.now();
    const run = await runAndSignal(['run', '--json', 'r.json'], {
      dir: suite.dir,
      // Node trusts this extra CA for every https request; the image reader uses the defaults.
      env: { ...suite.env, NODE_EXTRA_CA_CERTS: server.caFile },
      when: server.requested, // the CLI prints nothing while it downloads
      signals: ['SIGINT', 'SIGINT'],
      gapMs: 300,
    });
    // 130 from the second press; 2 ("the run was stopped") once the engine hands the stop signal
    // to the image reader and the first press ends the download itself. Never the 15 s wait.
    expect([130, 2]).toContain(run.code);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(run.stderr).toContain('again to quit now');
    expect(run.stderr).not.toMatch(STACK);
  });

  it('the stop signal ends a stalled remote download at once, naming the case', async () => {
    const server = await stallingImageServer();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-stop-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const controller = new AbortController();
    const reader = createImageReader({ root: dir, baseDir: dir, maxBytes: 1_000_000, trustedCa: readFileSync(server.caFile), signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    await expect(reader.read('remote', server.url, 'inline')).rejects.toThrow(/^case remote: image https:\/\/127\.0\.0\.1:\d+\/logo\.png could not be downloaded: the run was stopped/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

/** An https server that sends the first ten bytes of a PNG and then nothing, and the CA to trust it. */
async function stallingImageServer(): Promise<{ url: string; caFile: string; requested: Promise<void> }> {
  let onRequest = () => undefined as void;
  const requested = new Promise<void>((resolve) => (onRequest = resolve));
  const certDir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  const server = https.createServer(
    { key: readFileSync(path.join(certDir, 'key.pem')), cert: readFileSync(path.join(certDir, 'cert.pem')) },
    (_request, response) => {
      response.writeHead(200);
      response.write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
      onRequest();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(certDir, { recursive: true, force: true });
  });
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/logo.png`, caFile: path.join(certDir, 'cert.pem'), requested };
}

describe('the run-level deadline (deadline_ms)', () => {
  it('through the CLI: the rest is not run, both files are written, stderr says so, the exit code is the gate’s', async () => {
    suite = await makeSuite({ slow: { vision: 'sees', latencyMs: 150 } });
    await suite.write('vision-gate.yml', slowConfig(model('slow'), 'deadline_ms: 700'));
    const started = performance.now();
    const run = await cli(['run', '--json', 'r.json', '--markdown', 's.md'], suite);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/reached its deadline \(deadline_ms: 700\); unfinished requests are marked not run/);
    expect(run.stderr).not.toMatch(STACK);
    const report = await reportAt(suite.dir, 'r.json');
    expect(report.complete).toBe(false);
    expect(report.trials.filter((t) => t.verdict === 'not_run').length).toBeGreaterThanOrEqual(4);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'coverage', severity: 'warn' }));
    expect(await readFile(path.join(suite.dir, 's.md'), 'utf8')).toContain('Incomplete data');
  });

  it('aborts a request that hangs past the deadline instead of waiting for its own timeout', async () => {
    suite = await makeSuite({ stuck: { vision: 'sees', faultRates: { hang: 1 } } });
    await suite.write('vision-gate.yml', slowConfig(model('stuck'), 'deadline_ms: 400').replace('timeout_ms: 5000', 'timeout_ms: 60000'));
    const started = performance.now();
    const run = await cli(['run', '--json', 'r.json'], suite);
    expect(performance.now() - started).toBeLessThan(5_000);
    const report = await reportAt(suite.dir, 'r.json');
    expect(report.trials.every((t) => t.verdict === 'not_run')).toBe(true);
    expect(report.trials[0]!.attempts[0]).toMatchObject({ error: 'aborted' });
    expect(run.code).toBe(0);
  });

  it('refuses a deadline too long for a timer, rather than firing it at once', async () => {
    // Node's timers fire after 1 ms past 2^31 − 1 ms; a 35-day deadline would stop every run at the start.
    suite = await makeSuite({ m: { vision: 'sees' } });
    await suite.write('vision-gate.yml', slowConfig(model('m'), 'deadline_ms: 3000000000'));
    const run = await cli(['validate'], suite);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/vision-gate\.yml:\d+:1 deadline_ms: expected an integer ≤ 86400000, got 3000000000/);
  });
});
