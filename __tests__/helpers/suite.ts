// A throwaway repository with a config, the example images and a simulator to run against.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelsFor, startSimulator, type ModelBehaviour, type Simulator } from '../../src/simulator/server.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_IMAGES = path.join(ROOT, 'examples', 'images');

export interface Suite {
  dir: string;
  simulator: Simulator;
  env: Record<string, string>;
  write(name: string, content: string): Promise<string>;
  cleanup(): Promise<void>;
}

export const TWO_MODEL_CONFIG = (extra = '') => `version: 1
runs: 3
concurrency: 4
timeout_ms: 5000
retries: 1
models:
  - id: gpt-4.1-mini
    model: gpt-4.1-mini
    base_url: \${SIM_URL}
    api_key_env: SIM_KEY
    price: { input_per_mtok: 0.26, output_per_mtok: 1.04 }
  - id: gemini-2.5-flash
    model: gemini-2.5-flash
    base_url: \${SIM_URL}
    api_key_env: SIM_KEY
    price: { input_per_mtok: 0.17, output_per_mtok: 0.68 }
cases:
  - id: logo_python
    image: images/python.png
    prompt: What logo is this?
    expect: { any: [python], none: [java] }
  - id: logo_github
    image: images/github.png
    prompt: What logo is this?
    expect: { any: [github] }
${extra}`;

export async function makeSuite(models: Record<string, ModelBehaviour>): Promise<Suite> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-test-'));
  await mkdir(path.join(dir, '.git'));
  await cp(EXAMPLE_IMAGES, path.join(dir, 'images'), { recursive: true });
  const images = await Promise.all(
    [
      ['python.png', 'Python'],
      ['github.png', 'GitHub'],
    ].map(async ([file, label]) => ({ bytes: await readFile(path.join(EXAMPLE_IMAGES, file!)), label: label! })),
  );
  const simulator = await startSimulator({ models, labels: labelsFor(images) });
  return {
    dir,
    simulator,
    env: { SIM_URL: simulator.baseUrl, SIM_KEY: 'sk-sim-secret-0123456789' },
    async write(name, content) {
      const file = path.join(dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    },
    async cleanup() {
      await simulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
