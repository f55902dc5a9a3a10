// The HTTP exchange under the `openai` client (fetch.ts adapts it to the `fetch` the client calls):
// one POST over node:http(s) with a keep-alive agent per model. It takes the body as parts, so a
// megabyte data URL goes out as the same buffer for every request instead of being copied into a
// string and encoded again each time. By construction it sends only the headers it is given,
// never follows a redirect and never reads a body past the cap.
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';

// Not `import … from 'node:http'`: the ESM wrapper of node:http reads every export, and its lazy
// WebSocket export loads Node's whole fetch stack (undici), 30 ms or more of every cold start.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

export interface HeaderReader {
  get(name: string): string | null;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export type HttpFailureKind = 'too_large' | 'connection' | 'invalid_status';

export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
  readonly kind: HttpFailureKind;
  /** The status when the failure came after the response headers (a body too large, a reset mid-body). */
  readonly status: number | null;
  readonly headers: HeaderReader | null;
  constructor(kind: HttpFailureKind, message: string, status: number | null = null, headers: HeaderReader | null = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.headers = headers;
  }
}

export interface PostOptions {
  url: URL;
  headers: Readonly<Record<string, string>>;
  /** Written in order; the parts let a large image travel without being copied into one string. */
  body: readonly (string | Buffer)[];
  maxBodyBytes: number;
  /** Aborting rejects with the signal's reason, as fetch does; the caller's timer aborts it. */
  signal?: AbortSignal | null;
}

export interface HttpTransport {
  post(options: PostOptions): Promise<HttpReply>;
}

const readerOf = (headers: IncomingHttpHeaders): HeaderReader => ({
  get(name) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  },
});

/** Node 24 reads HTTP(S)_PROXY only when NODE_USE_ENV_PROXY is set; keep that opt-in for our own agents too. */
const proxyEnv = (): { proxyEnv?: NodeJS.ProcessEnv } =>
  process.env.NODE_USE_ENV_PROXY === '1' ? { proxyEnv: process.env } : {};

export function createHttpTransport(): HttpTransport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, ...proxyEnv() }),
    'https:': new https.Agent({ keepAlive: true, ...proxyEnv() }),
  };

  return {
    post(options) {
      return new Promise<HttpReply>((resolve, reject) => {
        const { url, signal } = options;
        if (signal?.aborted) return reject(signal.reason);
        const secure = url.protocol === 'https:';
        let length = 0;
        for (const part of options.body) length += Buffer.byteLength(part);
        let settled = false;
        let status: number | null = null;
        let headers: HeaderReader | null = null;
        let request: ClientRequest | undefined;
        const finish = (error: unknown, reply?: HttpReply) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          if (reply === undefined) {
            request?.destroy();
            reject(error);
          } else resolve(reply);
        };
        const onAbort = () => finish(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });

        try {
          request = (secure ? https : http).request(url, {
            method: 'POST',
            agent: agents[secure ? 'https:' : 'http:'],
            headers: { ...options.headers, 'content-length': String(length) },
          });
        } catch (error) {
          // An invalid header value or URL is refused before anything is sent.
          return finish(new HttpFailure('connection', `the request could not be sent: ${(error as Error).message}`));
        }
        request.on('error', (error: NodeJS.ErrnoException) =>
          finish(new HttpFailure('connection', `connection failed: ${error.code ?? error.message}`, status, headers)),
        );
        request.on('response', (response) => {
          status = response.statusCode ?? 0;
          headers = readerOf(response.headers);
          const declared = Number(response.headers['content-length']);
          const tooLarge = (what: string) => new HttpFailure('too_large', what, status, headers);
          if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
            return finish(tooLarge(`response body of ${declared} bytes`));
          }
          const chunks: Buffer[] = [];
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > options.maxBodyBytes) finish(tooLarge(`response body over ${options.maxBodyBytes} bytes`));
            else chunks.push(chunk);
          });
          response.on('error', (error: NodeJS.ErrnoException) =>
            finish(new HttpFailure('connection', `connection failed: ${error.code ?? error.message}`, status, headers)),
          );
          response.on('end', () => finish(null, { status: status!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('close', () => {
            if (!response.complete) finish(new HttpFailure('connection', 'connection failed: ECONNRESET', status, headers));
          });
        });
        // One write for the headers and every part: each write would otherwise be its own syscall.
        request.cork();
        for (const part of options.body) request.write(part);
        request.end();
        request.uncork();
      });
    },
  };
}
