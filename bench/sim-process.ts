// The simulator in its own process, so the benchmarked process pays only for its own work.
// Prints its base URL on the first line of stdout, then serves until killed. For cold starts it
// also reports when a request arrives: after `arm` on stdin it answers `armed`, and prints
// `first <epoch ms>` when the next request's headers have been read.
import { subscribe } from 'node:diagnostics_channel';
import { createInterface } from 'node:readline';
import { startSimulator } from '../src/simulator/server.ts';

const latencyMs = Number(process.argv[2] ?? 50);
// A fixed answer: naming the image's label would hash every megabyte image the bench sends, and
// the simulator, not the engine, would set the pace.
const bench = { vision: 'sees', latencyMs, jitter: 0, answer: 'The image shows the vision-gate logo.' } as const;
const simulator = await startSimulator({ models: { bench }, labels: {} });

// Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine.
const epoch = () => performance.timeOrigin + performance.now();
let armed = false;
subscribe('http.server.request.start', () => {
  if (!armed) return;
  armed = false;
  process.stdout.write(`first ${epoch()}\n`);
});
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'arm') return;
  armed = true;
  process.stdout.write('armed\n');
});

process.stdout.write(`${simulator.baseUrl}\n`);
process.on('SIGTERM', () => void simulator.close().then(() => process.exit(0)));
