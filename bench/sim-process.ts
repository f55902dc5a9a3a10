// The simulator in its own process, so the benchmarked process pays only for its own work.
// Prints its base URL on the first line of stdout, then serves until killed.
import { startSimulator } from '../src/simulator/server.ts';

const latencyMs = Number(process.argv[2] ?? 50);
const simulator = await startSimulator({ models: { bench: { vision: 'sees', latencyMs, jitter: 0 } }, labels: {} });
process.stdout.write(`${simulator.baseUrl}\n`);
process.on('SIGTERM', () => void simulator.close().then(() => process.exit(0)));
