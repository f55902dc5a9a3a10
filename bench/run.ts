// `npm run bench`: wall time against the ideal (requests × latency ÷ concurrency), CPU per
// request, peak memory and latency fidelity, each configuration in a fresh process.
import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const LATENCY_MS = 50;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,4,16,64').split(',').map(Number);

const sim = spawn(process.execPath, [path.join(here, 'sim-process.ts'), String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
const baseUrl: string = await new Promise((resolve) => createInterface({ input: sim.stdout! }).once('line', resolve));

const rows = [];
try {
  for (const concurrency of CONCURRENCIES) {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(here, 'worker.ts'), baseUrl, String(REQUESTS), String(concurrency)], {
      maxBuffer: 1 << 20,
    });
    const m = JSON.parse(stdout.trim().split('\n').at(-1)!);
    // The calibration request is one more round trip after the trials.
    const idealMs = (Math.ceil(m.requests / concurrency) + m.calibrations) * LATENCY_MS;
    rows.push({ concurrency, ...m, idealMs, efficiency: idealMs / m.wallMs });
  }
} finally {
  sim.kill('SIGTERM');
}

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(`vision-gate bench — ${REQUESTS} requests at ${LATENCY_MS} ms simulated latency · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · Node ${process.version}`);
console.log('');
console.log('| concurrency | wall (s) | ideal (s) | efficiency | CPU / request (ms) | peak RSS (MB) | median latency (ms) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.concurrency} | ${fmt(r.wallMs / 1000, 2)} | ${fmt(r.idealMs / 1000, 2)} | ${fmt(r.efficiency, 3)} | ${fmt(r.cpuMsPerRequest, 3)} | ${fmt(r.peakRssMb)} | ${fmt(r.medianLatencyMs, 1)} |`);
}
await mkdir(path.join(here, 'results'), { recursive: true });
await writeFile(path.join(here, 'results', 'latest.json'), `${JSON.stringify({ latencyMs: LATENCY_MS, requests: REQUESTS, rows }, null, 2)}\n`);
console.log('\nwritten: bench/results/latest.json');
