import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { ImageProblem, tooLarge } from './problem.ts';

export interface DownloadOptions {
  maxBytes: number;
  /** For the whole download, redirects included. */
  timeoutMs: number;
  /** Trusted in addition to the system's roots (a self-signed test server, a corporate CA). */
  trustedCa?: string | Buffer;
  /** The run's stop signal (Ctrl-C): a download must not hold it up until its own time limit. */
  signal?: AbortSignal;
}

export const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Downloads an https image: https-only redirects (at most 3), size cap while streaming, one deadline. */
export async function downloadHttps(url: URL, options: DownloadOptions): Promise<Buffer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const stop = () => controller.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) controller.abort();
  let current = url;
  try {
    for (let redirects = 0; ; redirects += 1) {
      const response = await get(current, options, controller.signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.resume();
        current = nextLocation(current, response, redirects);
        continue;
      }
      if (status < 200 || status > 299) {
        response.resume();
        throw new ImageProblem(`could not be downloaded: HTTP ${status} from ${current.host}; check the URL`);
      }
      return await readBody(response, options.maxBytes);
    }
  } catch (error) {
    if (options.signal?.aborted) throw new ImageProblem(`could not be downloaded: the run was stopped (from ${current.host})`);
    // The deadline first: aborting can also surface as a cut-off body.
    if (controller.signal.aborted) {
      throw new ImageProblem(
        `could not be downloaded within ${options.timeoutMs / 1000} s (from ${current.host}); ` +
          'check that the host answers, or commit the image to the repository',
      );
    }
    if (error instanceof ImageProblem) throw error;
    throw new ImageProblem(`could not be downloaded from ${current.host}: ${describeNetworkError(error)}`);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
}

function get(url: URL, options: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        signal,
        agent: false, // one-off fetch: no pooled socket left open after the run
        headers: { accept: 'image/*', 'user-agent': 'vision-gate' },
        // `ca` replaces the default roots, so keep them alongside the extra one.
        ...(options.trustedCa === undefined ? {} : { ca: [...tls.rootCertificates, options.trustedCa] }),
      },
      resolve,
    );
    request.on('error', reject);
  });
}

function nextLocation(current: URL, response: IncomingMessage, redirects: number): URL {
  const location = response.headers.location;
  if (location === undefined) {
    throw new ImageProblem(`was redirected (HTTP ${response.statusCode}) by ${current.host} without a Location`);
  }
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new ImageProblem(`was redirected by ${current.host} to an invalid address (${location})`);
  }
  if (next.protocol !== 'https:') {
    throw new ImageProblem(
      `was redirected to ${next.href}; only https is allowed — use an https address that serves the image directly`,
    );
  }
  if (redirects >= MAX_REDIRECTS) {
    throw new ImageProblem(`was redirected more than ${MAX_REDIRECTS} times; use the final address of the image`);
  }
  return next;
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    response.destroy();
    throw tooLarge(declared, maxBytes);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw tooLarge(null, maxBytes); // leaving the loop destroys the stream
    chunks.push(chunk);
  }
  if (!response.complete || (Number.isFinite(declared) && received < declared)) {
    throw new ImageProblem(`download was cut off after ${received} bytes; check the URL or try again`);
  }
  return Buffer.concat(chunks, received);
}

function describeNetworkError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code)) {
    return `TLS certificate not trusted (${code})`;
  }
  return code === undefined ? String(message ?? error) : `${code}${message ? ` (${message})` : ''}`;
}
