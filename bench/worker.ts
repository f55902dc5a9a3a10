// One benchmark measurement: runs the real engine (config → requests → scored report) against the
// simulator and prints wall time, CPU time and peak RSS as JSON.
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runEngine } from '../src/engine.ts';
import { median } from '../src/stats/quantile.ts';

const [baseUrl, requestsArg, concurrencyArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const concurrency = Number(concurrencyArg);
const CASES = 20;

// A valid 1×1 PNG: the image content does not matter to the simulator here.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const dir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-bench-'));
await mkdir(path.join(dir, '.git'));
await writeFile(path.join(dir, 'pixel.png'), PNG);
const cases = Array.from({ length: CASES }, (_, i) => `  - { id: c${i}, image: pixel.png, expect: { any: [logo] } }`).join('\n');
await writeFile(
  path.join(dir, 'vision-gate.yml'),
  `version: 1
runs: ${Math.ceil(requests / CASES)}
concurrency: ${concurrency}
retries: 0
models:
  - { id: bench, model: bench, base_url: "${baseUrl}", api_key_env: BENCH_KEY }
cases:
${cases}
`,
);

const cpuBefore = process.cpuUsage();
const started = performance.now();
const { report } = await runEngine({
  configPath: path.join(dir, 'vision-gate.yml'),
  mode: 'report',
  env: { BENCH_KEY: 'bench' },
  cwd: dir,
  log: { info: () => undefined, notice: () => undefined, warning: () => undefined },
});
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const latencies = report.trials.flatMap((t) => (t.latency_ms === null ? [] : [t.latency_ms]));
process.stdout.write(
  `${JSON.stringify({
    requests: report.trials.length,
    calibrations: 1,
    wallMs,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / report.trials.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    medianLatencyMs: median(latencies),
    errors: report.trials.filter((t) => t.verdict === 'error' || t.verdict === 'timeout').length,
  })}\n`,
);
