import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { createImageReader, findRepoRoot, type ImageReaderOptions } from '../src/images/reader.ts';
import * as fixture from './fixtures/images/build.ts';

const MB = 1_000_000; // max_image_mb counts decimal megabytes
const posixOnly = it.skipIf(process.platform === 'win32');

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A throwaway repository: <tmp>/repo with the config folder <tmp>/repo/config, and <tmp>/outside. */
interface Sandbox {
  tmp: string;
  repo: string;
  configDir: string;
  write(relativeToConfig: string, bytes: Uint8Array | string): string;
  reader(overrides?: Partial<ImageReaderOptions>): ReturnType<typeof createImageReader>;
}

let sandbox: Sandbox;
const sandboxes: string[] = [];

beforeEach(() => {
  const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'vision-gate-images-')));
  sandboxes.push(tmp);
  const repo = path.join(tmp, 'repo');
  const configDir = path.join(repo, 'config');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(path.join(tmp, 'outside'));
  sandbox = {
    tmp,
    repo,
    configDir,
    write(relative, bytes) {
      const file = path.resolve(configDir, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      return file;
    },
    reader: (overrides = {}) =>
      createImageReader({ root: repo, baseDir: configDir, maxBytes: 20 * MB, configName: 'vision-gate.yml', ...overrides }),
  };
});

afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

/** The UserError message a read fails with (fails the test if it does not throw one). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => expect.unreachable('expected the image to be refused'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).message;
}

describe('accepted formats', () => {
  it.each([
    ['PNG', 'a.png', () => fixture.png(40, 30), 'png', 'image/png', 40, 30],
    ['JPEG', 'a.jpg', () => fixture.jpeg(13, 7), 'jpeg', 'image/jpeg', 13, 7],
    ['WebP', 'a.webp', () => fixture.webp(5, 3), 'webp', 'image/webp', 5, 3],
    ['GIF', 'a.gif', () => fixture.gif(6, 4), 'gif', 'image/gif', 6, 4],
    ['single-frame GIF with a loop extension', 'loop.gif', () => fixture.gif(300, 3, 1, true), 'gif', 'image/gif', 300, 3],
    ['JPEG whose EXIF block embeds a thumbnail end marker', 'exif.jpg', () => fixture.jpeg(9, 9, exifWithThumbnailEnd), 'jpeg', 'image/jpeg', 9, 9],
  ] as const)('reads a %s with its dimensions and sends it as a data URL', async (_name, file, make, format, mime, width, height) => {
    const bytes = make();
    sandbox.write(`images/${file}`, bytes);
    const image = await sandbox.reader().read('case_1', `images/${file}`, 'inline');
    expect(image).toMatchObject({
      caseId: 'case_1',
      source: `images/${file}`,
      kind: 'file',
      media: 'inline',
      format,
      mime,
      width,
      height,
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
    expect(image.url.toString()).toBe(`data:${mime};base64,${bytes.toString('base64')}`);
  });

  it('judges the format by the bytes, not the extension', async () => {
    sandbox.write('really-a-jpeg.png', fixture.jpeg(8, 8));
    const image = await sandbox.reader().read('c', 'really-a-jpeg.png', 'inline');
    expect(image.format).toBe('jpeg');
    expect(image.url.toString().startsWith('data:image/jpeg;base64,')).toBe(true);
  });

  it('reads the committed example images', async () => {
    const examples = path.resolve(import.meta.dirname, '..', 'examples');
    const reader = createImageReader({ root: path.resolve(examples, '..'), baseDir: examples, maxBytes: 20 * MB });
    for (const name of ['python', 'github']) {
      const image = await reader.read(`logo_${name}`, `images/${name}.png`, 'inline');
      expect(image).toMatchObject({ format: 'png', width: 256, height: 256 });
    }
  });
});

// An APP1 payload ("Exif\0\0" then a thumbnail's SOI…EOI): an EOI before the scan must not count.
const exifWithThumbnailEnd = Buffer.from([0x45, 0x78, 0x69, 0x66, 0, 0, 0xff, 0xd8, 0xff, 0xd9]);

describe('refused files', () => {
  it('refuses a .png that is text, saying so', async () => {
    sandbox.write('notes.png', 'TODO: put the logo here\n');
    expect(await refusal(sandbox.reader().read('logo', 'notes.png', 'inline'))).toBe(
      'case logo: image notes.png is not an image (it contains text); vision models accept PNG, JPEG, WebP and non-animated GIF',
    );
  });

  it.each([
    ['SVG', 'logo.svg', fixture.svg, /is an SVG \(vector\) image; .*rasterise it to PNG/],
    ['BMP', 'logo.bmp', fixture.bmp, /is BMP \(image\/bmp\), not a format vision models take/],
    ['TIFF', 'logo.tif', fixture.tiff, /is TIF \(image\/tiff\)/],
    ['AVIF', 'logo.avif', () => fixture.isoBmff('avif'), /is AVIF \(image\/avif\)/],
    ['HEIC', 'logo.heic', () => fixture.isoBmff('heic'), /is HEIC \(image\/heic\)/],
    ['PDF', 'logo.png', fixture.pdf, /is PDF \(application\/pdf\)/],
    ['Git LFS pointer', 'logo.png', fixture.lfsPointer, /is a Git LFS pointer, not the image; .*lfs: true/],
    ['binary junk', 'logo.png', () => Buffer.from([0, 1, 2, 3, 0xfe, 0xff, 0, 0, 9, 9, 9, 9]), /is not an image \(no known image signature\)/],
    ['empty file', 'logo.png', () => Buffer.alloc(0), /is an empty file/],
  ])('refuses %s, naming what it is', async (_name, file, make, pattern) => {
    sandbox.write(file, make());
    const message = await refusal(sandbox.reader().read('logo', file, 'inline'));
    expect(message).toMatch(new RegExp(`^case logo: image ${file.replace('.', '\\.')} `));
    expect(message).toMatch(pattern);
  });

  it.each([
    ['PNG cut inside its header', () => fixture.png(40, 30).subarray(0, 20), /truncated or corrupt PNG/],
    ['PNG cut inside its image data', () => fixture.png(40, 30).subarray(0, -20), /truncated or corrupt PNG/],
    ['JPEG cut inside its header', () => fixture.jpeg(13, 7).subarray(0, 40), /truncated or corrupt JPEG/],
    ['JPEG cut after the scan header', () => fixture.jpeg(13, 7).subarray(0, -2), /truncated or corrupt JPEG/],
    ['JPEG with only a thumbnail end marker', () => fixture.jpeg(64, 64, exifWithThumbnailEnd).subarray(0, -2), /truncated or corrupt JPEG/],
    ['WebP cut short', () => fixture.webp(5, 3).subarray(0, -4), /truncated or corrupt WebP/],
    ['GIF cut inside its frame', () => fixture.gif(30, 20).subarray(0, -10), /truncated or corrupt GIF/],
  ])('refuses a %s', async (_name, make, pattern) => {
    sandbox.write('cut.img', make());
    expect(await refusal(sandbox.reader().read('c', 'cut.img', 'inline'))).toMatch(pattern);
  });

  it.each([
    ['GIF', () => fixture.gif(6, 4, 3, true), /is an animated GIF; .*single still frame/],
    ['WebP', () => fixture.animatedWebp(5, 3), /is an animated WebP/],
    ['PNG (APNG)', fixture.apng, /is an animated PNG \(APNG\)/],
  ])('refuses an animated %s', async (_name, make, pattern) => {
    sandbox.write('moving.img', make());
    expect(await refusal(sandbox.reader().read('c', 'moving.img', 'inline'))).toMatch(pattern);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const file = sandbox.write('huge.png', fixture.png(4, 4));
    truncateSync(file, 21 * MB); // sparse: a 21 MB file that costs no disk
    expect(await refusal(sandbox.reader().read('c', 'huge.png', 'inline'))).toBe(
      'case c: image huge.png is 21 MB, over the 20 MB limit; shrink or recompress the image, or raise max_image_mb in the config',
    );
    const small = sandbox.write('small.png', fixture.png(4, 4));
    expect(await refusal(sandbox.reader({ maxBytes: 10 }).read('c', 'small.png', 'inline'))).toMatch(
      new RegExp(`is ${statSync(small).size} bytes, over the 10 bytes limit`),
    );
  });

  it('refuses absurd dimensions (a decompression bomb in a tiny file)', async () => {
    sandbox.write('bomb.png', fixture.pngClaiming(10_000, 10_000));
    expect(await refusal(sandbox.reader().read('c', 'bomb.png', 'inline'))).toMatch(
      /is 10000×10000 pixels \(100 megapixels\), over the 50 megapixel limit; downscale it/,
    );
  });
});

describe('local paths stay inside the repository', () => {
  it('says what to do when the file is missing', async () => {
    const resolved = path.join(sandbox.configDir, 'images', 'python.png');
    expect(await refusal(sandbox.reader().read('logo_python', 'images/python.png', 'inline'))).toBe(
      `case logo_python: image images/python.png not found (resolved to ${resolved}); ` +
        "check the path, which is relative to vision-gate.yml's folder",
    );
  });

  it('refuses a .. escape even when the file exists', async () => {
    writeFileSync(path.join(sandbox.tmp, 'outside', 'a.png'), fixture.png(4, 4));
    const message = await refusal(sandbox.reader().read('c', '../../outside/a.png', 'inline'));
    expect(message).toMatch(/^case c: image \.\.\/\.\.\/outside\/a\.png resolves to .*outside the repository/);
  });

  it('refuses an absolute path outside the repository', async () => {
    const file = path.join(sandbox.tmp, 'outside', 'a.png');
    writeFileSync(file, fixture.png(4, 4));
    expect(await refusal(sandbox.reader().read('c', file, 'inline'))).toMatch(/outside the repository/);
  });

  it('accepts an absolute path and a name starting with .. inside the repository', async () => {
    const file = sandbox.write('..logo.png', fixture.png(4, 4));
    const reader = sandbox.reader();
    await expect(reader.read('a', file, 'inline')).resolves.toMatchObject({ width: 4 });
    await expect(reader.read('b', '..logo.png', 'inline')).resolves.toMatchObject({ width: 4 });
  });

  posixOnly('refuses a symlink that points out of the repository, and follows one that stays in', async () => {
    const outside = path.join(sandbox.tmp, 'outside', 'a.png');
    writeFileSync(outside, fixture.png(4, 4));
    symlinkSync(outside, path.join(sandbox.configDir, 'escape.png'));
    symlinkSync(path.join(sandbox.tmp, 'outside'), path.join(sandbox.configDir, 'linked-dir'));
    const inside = sandbox.write('real.png', fixture.png(4, 4));
    symlinkSync(inside, path.join(sandbox.configDir, 'alias.png'));
    const reader = sandbox.reader();
    expect(await refusal(reader.read('c', 'escape.png', 'inline'))).toMatch(
      new RegExp(`^case c: image escape\\.png is a symlink to ${outside}, outside the repository`),
    );
    expect(await refusal(reader.read('c', 'linked-dir/a.png', 'inline'))).toMatch(/is a symlink to .*outside the repository/);
    await expect(reader.read('c', 'alias.png', 'inline')).resolves.toMatchObject({ format: 'png' });
  });

  it('refuses a directory', async () => {
    mkdirSync(path.join(sandbox.configDir, 'images'));
    expect(await refusal(sandbox.reader().read('c', 'images', 'inline'))).toMatch(/is a directory .*not a regular file/);
  });

  posixOnly('refuses a FIFO without waiting for a writer', async () => {
    execFileSync('mkfifo', [path.join(sandbox.configDir, 'pipe.png')]);
    expect(await refusal(sandbox.reader().read('c', 'pipe.png', 'inline'))).toMatch(/is a named pipe \(FIFO\).*not a regular file/);
  });

  posixOnly('refuses a device file such as /dev/zero without reading it', async () => {
    const reader = createImageReader({ root: '/dev', baseDir: '/dev', maxBytes: 20 * MB });
    expect(await refusal(reader.read('c', 'zero', 'inline'))).toMatch(/^case c: image zero is a device file \(\/dev\/zero\)/);
  });
});

describe('each image is read and encoded once per run', () => {
  it('shares one read across concurrent cases, models and trials', async () => {
    const bytes = fixture.png(64, 64);
    sandbox.write('images/logo.png', bytes);
    const reader = sandbox.reader();
    const reads = Array.from({ length: 60 }, (_, index) =>
      reader.read(`case_${index % 3}`, index % 2 === 0 ? 'images/logo.png' : './images/../images/logo.png', 'inline'),
    );
    const images = await Promise.all(reads);
    expect(reader.encodings).toBe(1);
    expect(new Set(images.map((image) => image.url)).size).toBe(1);
    expect(images.map((image) => image.caseId).slice(0, 3)).toEqual(['case_0', 'case_1', 'case_2']);

    sandbox.write('images/other.gif', fixture.gif(2, 2));
    await reader.read('case_9', 'images/other.gif', 'inline');
    await reader.read('case_9', 'images/other.gif', 'inline');
    expect(reader.encodings).toBe(2);
  });

  it('names each case that uses a broken image, not only the first', async () => {
    sandbox.write('broken.png', 'not an image');
    const reader = sandbox.reader();
    const [first, second] = await Promise.all([refusal(reader.read('one', 'broken.png', 'inline')), refusal(reader.read('two', 'broken.png', 'inline'))]);
    expect(first).toMatch(/^case one: image broken\.png /);
    expect(second).toMatch(/^case two: image broken\.png /);
    expect(reader.encodings).toBe(0);
  });
});

describe('media: url', () => {
  it('passes an https URL through unchanged without downloading it', async () => {
    const url = 'https://127.0.0.1:1/never-fetched.png?size=large';
    const reader = sandbox.reader();
    const image = await reader.read('remote', url, 'url');
    expect(image).toEqual({
      caseId: 'remote',
      source: url,
      kind: 'url',
      media: 'url',
      format: null,
      mime: null,
      width: null,
      height: null,
      bytes: null,
      sha256: sha256(url),
      url,
    });
    expect(reader.encodings).toBe(0);
  });

  it('refuses a local file, which has no URL for the provider to fetch', async () => {
    sandbox.write('a.png', fixture.png(4, 4));
    expect(await refusal(sandbox.reader().read('c', 'a.png', 'url'))).toMatch(
      /^case c: image a\.png is a local file, but media is url, .*use media: inline for repository files/,
    );
  });

  it.each(['inline', 'url'] as const)('refuses http:// and other schemes (media %s)', async (media) => {
    const reader = sandbox.reader();
    expect(await refusal(reader.read('c', 'http://example.com/a.png', media))).toMatch(/uses http:\/\/; remote images must use https:\/\//);
    expect(await refusal(reader.read('c', 'ftp://example.com/a.png', media))).toMatch(/uses ftp: URLs, which are not supported/);
    expect(await refusal(reader.read('c', 'data:image/png;base64,AAAA', media))).toMatch(/uses data: URLs/);
  });
});

describe('remote images (media: inline) over a loopback HTTPS server', () => {
  type Route = (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void;
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  let server: https.Server;
  let base: string;
  let ca: string;
  let certDir: string;
  const logo = fixture.png(32, 24);

  beforeAll(async () => {
    certDir = mkdtempSync(path.join(os.tmpdir(), 'vision-gate-cert-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    ca = readFileSync(path.join(certDir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(path.join(certDir, 'key.pem')), cert: ca }, (request, response) => {
      const url = request.url ?? '/';
      hits.set(url, (hits.get(url) ?? 0) + 1);
      const route = routes.get(url);
      if (route === undefined) {
        response.writeHead(404).end('not found');
        return;
      }
      route(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const redirect = (status: number, to: () => string): Route => (_request, response) => {
      response.writeHead(status, { location: to() }).end();
    };
    routes.set('/logo.png', (_request, response) => {
      setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain' }).end(logo), 20); // type is ignored
    });
    routes.set('/r1', redirect(302, () => '/r2'));
    routes.set('/r2', redirect(301, () => `${base}/r3`));
    routes.set('/r3', redirect(307, () => '/logo.png'));
    routes.set('/loop', redirect(302, () => '/loop'));
    routes.set('/to-http', redirect(302, () => `http://127.0.0.1:1/logo.png`));
    routes.set('/text', (_request, response) => response.writeHead(200).end('<html>not an image</html>'));
    routes.set('/big-declared', (_request, response) => {
      response.writeHead(200, { 'content-length': String(2 * MB) });
      response.end(Buffer.alloc(2 * MB));
    });
    routes.set('/big-streamed', (_request, response) => {
      response.writeHead(200); // chunked: no length to check up front
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 4 * MB && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      pump();
    });
    routes.set('/stall', (_request, response) => {
      response.writeHead(200);
      response.write(logo.subarray(0, 10)); // then nothing, until the client gives up
    });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(certDir, { recursive: true, force: true });
  });

  const remoteReader = (overrides: Partial<ImageReaderOptions> = {}) => sandbox.reader({ trustedCa: ca, ...overrides });

  it('downloads, checks and encodes the image once however many cases ask for it', async () => {
    const reader = remoteReader();
    const url = `${base}/logo.png`;
    const images = await Promise.all(Array.from({ length: 10 }, (_, index) => reader.read(`c${index}`, url, 'inline')));
    expect(images[3]).toMatchObject({
      caseId: 'c3',
      source: url,
      kind: 'url',
      media: 'inline',
      format: 'png',
      mime: 'image/png',
      width: 32,
      height: 24,
      bytes: logo.length,
      sha256: sha256(logo),
      url: Buffer.from(`data:image/png;base64,${logo.toString('base64')}`),
    });
    expect(reader.encodings).toBe(1);
    expect(hits.get('/logo.png')).toBe(1);
  });

  it('follows up to 3 https redirects', async () => {
    await expect(remoteReader().read('c', `${base}/r1`, 'inline')).resolves.toMatchObject({ width: 32, source: `${base}/r1` });
  });

  it('refuses more than 3 redirects', async () => {
    expect(await refusal(remoteReader().read('c', `${base}/loop`, 'inline'))).toMatch(/was redirected more than 3 times/);
  });

  it('refuses a redirect to http', async () => {
    expect(await refusal(remoteReader().read('c', `${base}/to-http`, 'inline'))).toMatch(
      /was redirected to http:\/\/127\.0\.0\.1:1\/logo\.png; only https is allowed/,
    );
  });

  it('refuses an HTTP error and a body that is not an image', async () => {
    const reader = remoteReader();
    expect(await refusal(reader.read('c', `${base}/missing.png`, 'inline'))).toMatch(
      new RegExp(`^case c: image ${base}/missing\\.png could not be downloaded: HTTP 404 from 127\\.0\\.0\\.1:\\d+`),
    );
    expect(await refusal(reader.read('c', `${base}/text`, 'inline'))).toMatch(/is not an image \(it contains text\)/);
  });

  it('refuses an image over the size limit, declared or streamed', async () => {
    const reader = remoteReader({ maxBytes: 1 * MB });
    expect(await refusal(reader.read('c', `${base}/big-declared`, 'inline'))).toMatch(/is 2 MB, over the 1 MB limit/);
    expect(await refusal(reader.read('c', `${base}/big-streamed`, 'inline'))).toMatch(/is larger than the 1 MB limit/);
  });

  it('gives up on a server that stops sending, within the time limit', async () => {
    const started = Date.now();
    const message = await refusal(remoteReader({ remoteTimeoutMs: 300 }).read('c', `${base}/stall`, 'inline'));
    expect(message).toMatch(/could not be downloaded within 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not trust a certificate it was not given', async () => {
    expect(await refusal(sandbox.reader().read('c', `${base}/logo.png`, 'inline'))).toMatch(
      /could not be downloaded from 127\.0\.0\.1:\d+: TLS certificate not trusted/,
    );
  });
});

describe('findRepoRoot', () => {
  it('prefers GITHUB_WORKSPACE when it holds the config folder', () => {
    expect(findRepoRoot(sandbox.configDir, { GITHUB_WORKSPACE: sandbox.repo })).toBe(sandbox.repo);
  });

  it('otherwise uses the nearest folder with .git (a directory or a worktree file)', () => {
    mkdirSync(path.join(sandbox.repo, '.git'));
    expect(findRepoRoot(sandbox.configDir, { GITHUB_WORKSPACE: path.join(sandbox.tmp, 'outside') })).toBe(sandbox.repo);
    writeFileSync(path.join(sandbox.configDir, '.git'), 'gitdir: ../.git/worktrees/x\n');
    expect(findRepoRoot(sandbox.configDir, {})).toBe(sandbox.configDir);
  });

  it('falls back to the start folder', () => {
    const lonely = path.join(sandbox.tmp, 'outside');
    // Meaningful only where the temp folder is not itself inside a git checkout.
    if (findRepoRoot(sandbox.tmp, {}) !== sandbox.tmp) return;
    expect(findRepoRoot(lonely, {})).toBe(lonely);
  });
});
