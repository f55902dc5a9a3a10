// A config and images from a pull request are untrusted input. What the unit tests of the loader
// and the image reader cover (YAML bombs, fuzzing, FIFOs, devices, truncated and animated images,
// http redirects, size and time limits) is not repeated here; these go through the whole path a
// pull request takes — config file → plan → every image — and check what is still missing.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepare } from '../src/engine.ts';
import { UserError } from '../src/errors.ts';
import { cli } from './helpers/cli.ts';

const posixOnly = it.skipIf(process.platform === 'win32');

let repo: string;
let outside: string;
beforeEach(async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'vision-gate-hostile-'));
  repo = path.join(tmp, 'repo');
  outside = path.join(tmp, 'outside');
  await mkdir(path.join(repo, '.git'), { recursive: true });
  await mkdir(outside);
});
afterEach(async () => {
  await rm(path.dirname(repo), { recursive: true, force: true });
});

const configWith = (image: string, extra = '') => `version: 1
${extra}
models:
  - { id: m, model: m, base_url: "https://api.example.com/v1", api_key_env: KEY }
cases:
  - { id: logo, image: ${JSON.stringify(image)}, expect: { any: [python] } }
`;

/** The message a pull request's config fails with before any model is called, and how long that took. */
async function refusedWith(config: string): Promise<{ message: string; ms: number }> {
  await writeFile(path.join(repo, 'vision-gate.yml'), config);
  const started = performance.now();
  const error = await prepare({ configPath: 'vision-gate.yml', env: {}, cwd: repo }).then(
    () => expect.unreachable('expected the config to be refused'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return { message: (error as UserError).message, ms: performance.now() - started };
}

describe('images a pull request can point at', () => {
  posixOnly('a committed symlink to a secret file elsewhere on the runner is refused without reading it', async () => {
    await writeFile(path.join(outside, 'credentials'), 'SECRET_TOKEN=ghp_0123456789abcdef\n');
    await symlink(path.join(outside, 'credentials'), path.join(repo, 'logo.png'));
    const { message } = await refusedWith(configWith('logo.png'));
    expect(message).toMatch(/^case logo: image logo\.png is a symlink to .*credentials, outside the repository/);
    expect(message).not.toContain('ghp_');
  });

  posixOnly.each([
    ['an absolute path to a device', '/dev/zero', /^case logo: image \/dev\/zero resolves to \/dev\/zero, outside the repository/],
    ['a symlink to a device', 'zero.png', /^case logo: image zero\.png is a symlink to \/dev\/zero, outside the repository/],
    ['a symlink to the runner’s environment', 'env.png', /^case logo: image env\.png is a symlink to \/proc\/.*, outside the repository/],
    ['a symlink loop', 'loop-a.png', /^case logo: image loop-a\.png is a symlink loop/],
    ['a path far too long for the file system', `${'x'.repeat(5_000)}.png`, /^case logo: image x+\.png (not found|cannot be read)/],
  ])('%s is refused quickly, naming the case', async (_name, image, pattern) => {
    await symlink('/dev/zero', path.join(repo, 'zero.png'));
    await symlink('/proc/self/environ', path.join(repo, 'env.png'));
    await symlink('loop-b.png', path.join(repo, 'loop-a.png'));
    await symlink('loop-a.png', path.join(repo, 'loop-b.png'));
    const { message, ms } = await refusedWith(configWith(image));
    expect(message).toMatch(pattern);
    expect(ms).toBeLessThan(2_000);
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['data:', 'data:image/png;base64,iVBORw0KGgo='],
    ['http:', 'http://169.254.169.254/latest/meta-data/'],
    ['javascript:', 'javascript://alert(1)'],
  ])('a %s URL is refused by the config check, before anything is read or fetched', async (_scheme, image) => {
    const { message } = await refusedWith(configWith(image));
    expect(message).toMatch(/cases\[0\]\.image: expected an https URL or a path relative to the config file/);
  });

  it('a remote image whose host does not resolve fails fast and offline, naming the case', async () => {
    // .invalid never resolves (RFC 6761); the resolver answers at once, no network needed.
    const { message, ms } = await refusedWith(configWith('https://images.vision-gate.invalid/logo.png'));
    expect(message).toMatch(/^case logo: image https:\/\/images\.vision-gate\.invalid\/logo\.png could not be downloaded from images\.vision-gate\.invalid: (ENOTFOUND|EAI_AGAIN)/);
    expect(ms).toBeLessThan(5_000);
  });
});

describe('a config file that is not a file', () => {
  posixOnly('committed as a symlink to /dev/zero, or given as a FIFO, is refused at once instead of read forever', async () => {
    await symlink('/dev/zero', path.join(repo, 'vision-gate.yml'));
    execFileSync('mkfifo', [path.join(repo, 'pipe.yml')]);
    for (const [config, what] of [['vision-gate.yml', 'a device file'], ['pipe.yml', 'a named pipe \\(FIFO\\)']]) {
      const started = performance.now();
      const error = await prepare({ configPath: config!, env: {}, cwd: repo }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(new RegExp(`^${config!.replace('.', '\\.')} is ${what}, not a regular file`));
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });
});

describe('a small config that asks for too much', () => {
  it('a plan of millions of requests is refused before it is built', async () => {
    // 400 one-line cases × runs: 1000 would be 400,000 planned requests from a 30 KB file.
    const cases = Array.from({ length: 400 }, (_, i) => `  - { id: c${i}, image: logo.png, expect: { any: [x] } }`).join('\n');
    const config = `version: 1\nruns: 1000\nmodels:\n  - { id: m, model: m, base_url: "https://api.example.com/v1", api_key_env: KEY }\ncases:\n${cases}\n`;
    const { message, ms } = await refusedWith(config);
    expect(message).toMatch(/vision-gate\.yml:2:1 runs: the suite plans 400,000 requests \(1 model × 400 cases × 1,000 runs\); at most 100,000 fit one run/);
    expect(ms).toBeLessThan(2_000);
  });
});

describe('control characters in a path', () => {
  it.each([
    ['a NUL byte', 'logo\u0000.png'],
    ['a line break that would forge an Actions log line', 'logo.png\n::error::forged'],
    ['terminal escape sequences', 'images/\u001b]0;pwned\u0007\u001b[2J.png'],
    ['a bidi override that disguises the name', 'images/\u202Egnp.exe'],
  ])('%s is refused by the config check, for images and the baseline alike', async (_name, value) => {
    const image = await refusedWith(configWith(value));
    expect(image.message).toMatch(/cases\[0\]\.image: expected a path without line breaks, control characters or bidi overrides/);
    const baseline = await refusedWith(configWith('logo.png', `baseline: ${JSON.stringify(value)}`));
    expect(baseline.message).toMatch(/vision-gate\.yml:2:1 baseline: expected a path without line breaks, control characters or bidi overrides/);
  });

  it('quoted in an error, reaches the terminal escaped, never as escape sequences', async () => {
    await writeFile(path.join(repo, 'vision-gate.yml'), configWith('images/\u001b]0;pwned\u0007\u001b[2J\u202Egnp.png'));
    const run = await cli(['validate'], { dir: repo, env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('got "images/\\u001b]0;pwned\\u0007\\u001b[2J\\u202egnp.png"');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\u202E]/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
