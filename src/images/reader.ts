import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { identifyImage, type ImageFormat } from './format.ts';
import { readLocalImage } from './local.ts';
import { ImageProblem } from './problem.ts';
import { downloadHttps } from './remote.ts';

export type { ImageFormat } from './format.ts';
export { findRepoRoot } from './repo-root.ts';

export interface LoadedImage {
  caseId: string;
  /** The config's `image` value. */
  source: string;
  kind: 'file' | 'url';
  media: 'inline' | 'url';
  /** null only for media `url` (not downloaded). */
  format: ImageFormat | null;
  mime: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
  /** Of the image bytes; for media `url`, of the URL string. */
  sha256: string;
  /**
   * What goes into image_url.url: the https URL unchanged (media `url`), or the data: URL (inline)
   * as its ASCII bytes, which every request writes as they are: no per-request copy or encoding.
   */
  url: string | Buffer;
}

export interface ImageReaderOptions {
  /** Repository root: local images must resolve inside it (after following symlinks). */
  root: string;
  /** The config file's directory: relative paths resolve against it. */
  baseDir: string;
  /** The config's max_image_mb × 1,000,000. */
  maxBytes: number;
  /** For a whole remote download, redirects included. Default 15000. */
  remoteTimeoutMs?: number;
  /** An extra CA for remote https (tests use a self-signed loopback server). */
  trustedCa?: string | Buffer;
  /** How messages name the config file, e.g. "vision-gate.yml". Default "the config file". */
  configName?: string;
  /** The run's stop signal: remote downloads end when it fires instead of at their time limit. */
  signal?: AbortSignal;
}

export interface ImageReader {
  /** Throws UserError naming the case and the image. */
  read(caseId: string, image: string, media: 'inline' | 'url'): Promise<LoadedImage>;
  /** How many base64 encodings were performed (once per distinct image and media). */
  readonly encodings: number;
}

type SharedImage = Omit<LoadedImage, 'caseId'>;

export const DEFAULT_REMOTE_TIMEOUT_MS = 15_000;

/**
 * Reads, checks and encodes images, each distinct (image, media) once per run however many
 * models, trials and cases use it: concurrent callers share one pending read, and only the data
 * URL is kept (never the raw bytes beside it).
 */
export function createImageReader(options: ImageReaderOptions): ImageReader {
  const cache = new Map<string, Promise<SharedImage>>();
  const configName = options.configName ?? 'the config file';
  let encodings = 0;

  const inline = async (source: string, kind: 'file' | 'url', bytes: Buffer): Promise<SharedImage> => {
    const info = await identifyImage(bytes);
    encodings += 1;
    return {
      source,
      kind,
      media: 'inline',
      ...info,
      bytes: bytes.length,
      sha256: sha256(bytes),
      url: dataUrl(info.mime, bytes),
    };
  };

  const load = async (image: string, media: 'inline' | 'url'): Promise<SharedImage> => {
    const remote = parseRemote(image);
    if (remote === null) {
      if (media === 'url') {
        throw new ImageProblem(
          'is a local file, but media is url, which passes an https URL for the provider to fetch; ' +
            'use media: inline for repository files, or give an https URL',
        );
      }
      const bytes = await readLocalImage(image, { ...options, configName });
      return inline(image, 'file', bytes);
    }
    if (media === 'url') {
      // Not downloaded: the provider fetches it, so there are no bytes to check or hash.
      const unknown = { format: null, mime: null, width: null, height: null, bytes: null };
      return { source: image, kind: 'url', media, ...unknown, sha256: sha256(image), url: image };
    }
    const bytes = await downloadHttps(remote, {
      maxBytes: options.maxBytes,
      timeoutMs: options.remoteTimeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS,
      ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return inline(image, 'url', bytes);
  };

  return {
    get encodings() {
      return encodings;
    },
    async read(caseId, image, media) {
      // Local paths are keyed by where they resolve, so `./a.png` and `a.png` share one read.
      const key = `${media}\u0000${isRemoteLike(image) ? image : path.resolve(options.baseDir, image)}`;
      let pending = cache.get(key);
      if (pending === undefined) {
        pending = load(image, media);
        cache.set(key, pending);
      }
      try {
        return { caseId, ...(await pending) };
      } catch (error) {
        if (error instanceof ImageProblem) throw new UserError(`case ${caseId}: image ${image} ${error.message}`);
        throw error;
      }
    },
  };
}

// A scheme followed by `//`, or a data: URL; a drive letter (C:\, C://) is a path.
const isRemoteLike = (image: string): boolean => /^[a-z][a-z0-9+.-]+:\/\//i.test(image) || /^data:/i.test(image);

/** The https URL, null for a local path; anything else URL-like is refused. */
function parseRemote(image: string): URL | null {
  if (!isRemoteLike(image)) return null;
  let url: URL;
  try {
    url = new URL(image);
  } catch {
    throw new ImageProblem('is not a valid URL; give an https URL or a path relative to the config file');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    throw new ImageProblem('uses http://; remote images must use https:// (or commit the image to the repository)');
  }
  throw new ImageProblem(
    `uses ${url.protocol} URLs, which are not supported; give an https URL or a path relative to the config file`,
  );
}

// A multiple of 3 bytes (no padding mid-way) whose base64 text, 64 KiB, is a small young string.
const BASE64_SLICE = 3 * 2 ** 14;

/**
 * The data: URL's bytes, encoded slice by slice into one buffer: the base64 text of a whole image
 * would be one more megabyte-sized copy per image, left for a full GC to collect.
 */
function dataUrl(mime: string, bytes: Buffer): Buffer {
  const prefix = `data:${mime};base64,`;
  const out = Buffer.allocUnsafe(prefix.length + 4 * Math.ceil(bytes.length / 3));
  let at = out.write(prefix, 0, 'latin1');
  for (let i = 0; i < bytes.length; i += BASE64_SLICE) {
    at += out.write(bytes.subarray(i, i + BASE64_SLICE).toString('base64'), at, 'latin1');
  }
  return out;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
