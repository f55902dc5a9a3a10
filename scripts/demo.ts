// The offline demo: starts the bundled simulator on 127.0.0.1, then runs the real CLI
// (dist/cli.js) against it over real HTTP on the example suite. No API key, no network.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelsFor, startSimulator } from '../src/simulator/server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = path.join(root, 'examples');

const images = await Promise.all(
  [
    { file: 'images/python.png', label: 'Python' },
    { file: 'images/github.png', label: 'GitHub' },
  ].map(async ({ file, label }) => ({ bytes: await readFile(path.join(examples, file)), label })),
);

const simulator = await startSimulator({
  models: {
    // Passes the image through: recognises both logos.
    'gpt-4.1-mini': { vision: 'sees', latencyMs: 180, jitter: 0.3 },
    // Accepts the image with HTTP 200, then drops it before the model sees it.
    'gemini-2.5-flash': { vision: 'blind', latencyMs: 420, jitter: 0.3 },
  },
  labels: labelsFor(images),
  seed: 7,
});

const args = [path.join('dist', 'cli.js'), 'run', '--config', path.join('examples', 'vision-gate.yml'), '--mode', 'report', ...process.argv.slice(2)];
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, VISION_GATE_DEMO_URL: simulator.baseUrl, VISION_GATE_DEMO_KEY: 'demo-key-not-secret' },
});
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 2)));
await simulator.close();
process.exit(code);
