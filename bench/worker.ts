// One benchmark measurement, in a fresh process: runs the real engine (config → requests → scored
// report) against the simulator and prints wall time, CPU time, peak RSS and latency as JSON.
//   worker.js throughput BASE_URL REQUESTS CONCURRENCY       a 1×1 PNG over 20 cases
//   worker.js images BASE_URL REQUESTS CONCURRENCY DIR      DIR/image-0.png … image-49.png, one case each
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runEngine } from '../src/engine.ts';
import { systemClock, type Clock } from '../src/run/client.ts';
import { median } from '../src/stats/quantile.ts';

const [kind, baseUrl, requestsArg, concurrencyArg, imagesDir] = process.argv.slice(2);
const requests = Number(requestsArg);
const concurrency = Number(concurrencyArg);

// A valid 1×1 PNG: the image content does not matter to the simulator here.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

// The images are made by the parent: making them here would count their memory as the engine's.
const dir = kind === 'images' ? imagesDir! : await mkdtemp(path.join(os.tmpdir(), 'vision-gate-bench-'));
const images = kind === 'images' ? 50 : 1;
const cases = kind === 'images' ? 50 : 20;
if (kind !== 'images') {
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, 'image-0.png'), PIXEL);
}
const caseLines = Array.from({ length: cases }, (_, i) => `  - { id: c${i}, image: image-${i % images}.png, expect: { any: [logo] } }`);
await writeFile(
  path.join(dir, 'vision-gate.yml'),
  `version: 1
runs: ${Math.ceil(requests / cases)}
concurrency: ${concurrency}
retries: 0
models:
  - { id: bench, model: bench, base_url: "${baseUrl}", api_key_env: BENCH_KEY }
cases:
${caseLines.join('\n')}
`,
);

// The client reads this clock when each attempt starts and ends: the first and last readings
// split the wall time into the engine's own work before the first request and after the last.
let first: number | null = null;
let last = 0;
const clock: Clock = {
  now: () => {
    last = performance.now();
    first ??= last;
    return last;
  },
  sleep: systemClock.sleep,
};

const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = await runEngine({
  configPath: path.join(dir, 'vision-gate.yml'),
  mode: 'report',
  env: { BENCH_KEY: 'bench' },
  cwd: dir,
  log: { info: () => undefined, notice: () => undefined, warning: () => undefined },
  clock,
});
const ended = performance.now();
const cpu = process.cpuUsage(cpuBefore);
const { report } = result;
const latencies = report.trials.flatMap((t) => (t.latency_ms === null ? [] : [t.latency_ms]));
process.stdout.write(
  `${JSON.stringify({
    requests: report.trials.length,
    calibrations: report.models.filter((m) => m.tokens.text_only_prompt !== null).length,
    wallMs: ended - started,
    beforeFirstRequestMs: (first ?? started) - started,
    afterLastResponseMs: ended - last,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / report.trials.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    medianLatencyMs: median(latencies),
    encodings: result.imageEncodings,
    errors: report.trials.filter((t) => t.verdict === 'error' || t.verdict === 'timeout').length,
  })}\n`,
);
if (kind !== 'images') await rm(dir, { recursive: true, force: true });
