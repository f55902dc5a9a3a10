// An OpenAI-compatible chat/completions server on 127.0.0.1 with scripted behaviours per model
// name. The tests, the offline demo and the benchmark all run against it, through real HTTP.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRng } from '../stats/rng.ts';

/** How the route behind a model name treats the image. */
export type Vision =
  | 'sees' // answers with the image's label; prompt tokens include the image
  | 'blind' // the gateway drops the image: a no-image reply, text-only prompt tokens
  | 'wrong'; // sees something, names the wrong thing

/** A one-off way for a single request to go wrong. */
export type Fault =
  | 'ok'
  | 'rate_limit' // 429 with Retry-After
  | 'server_error' // 500
  | 'bad_request' // 400
  | 'hang' // never answers
  | 'stall_body' // sends headers and part of the body, then stalls
  | 'reset' // closes the connection mid-body
  | 'malformed' // 200 with a body that is not JSON
  | 'no_choices' // 200 JSON without choices
  | 'null_content' // 200 with content: null
  | 'refusal' // 200 with a refusal and no content
  | 'truncated' // finish_reason: length with a cut answer
  | 'empty' // 200 with an empty answer
  | 'cut_json' // 200 whose JSON body ends halfway (with a matching Content-Length)
  | 'bad_choice' // 200 with choices: [null]
  | 'huge_body' // 200 that streams `hugeBodyBytes` without end in sight
  | 'huge_error' // 500 that streams `hugeBodyBytes` of error text
  | 'echo' // 401 whose error message quotes the request's URL and headers back
  | 'redirect'; // 307 to `redirectTo` (default: another path on this server)

export interface ModelBehaviour {
  vision: Vision;
  /** Server time per request in ms, before jitter. */
  latencyMs?: number;
  /** Uniform relative jitter: 0.3 means ±30%. */
  jitter?: number;
  /** Faults for the first requests to this model, in order; afterwards `faultRates` apply. */
  script?: Fault[];
  /** Probability per request of each fault after the script runs out. */
  faultRates?: Partial<Record<Fault, number>>;
  /** Seconds sent in Retry-After with rate_limit; null sends none. */
  retryAfterSeconds?: number | null;
  /** Leave out `usage` entirely. */
  noUsage?: boolean;
  /** Report prompt_tokens_details.image_tokens (some providers do). */
  reportImageTokens?: boolean;
  /** The answer to give whenever the route sees the image, instead of naming its label. */
  answer?: string;
  /** Bytes sent by huge_body and huge_error (default 64 MiB). */
  hugeBodyBytes?: number;
  /** Where redirect points (default: /redirected/v1/chat/completions on this server). */
  redirectTo?: string;
  /** The message of the error body sent by rate_limit, server_error and bad_request. */
  errorMessage?: string;
}

export interface SimulatorOptions {
  /** Behaviour per model name (the `model` field of the request). Unknown names get a 404. */
  models: Record<string, ModelBehaviour>;
  /** What each image shows, keyed by the sha256 of its bytes (inline) or by its URL (media: url). */
  labels: Record<string, string>;
  seed?: number;
  port?: number;
}

export interface SimulatorStats {
  requests: number;
  byModel: Record<string, number>;
  /** Requests that carried an image part. */
  withImage: number;
  /** The most requests in flight at once, per model and in all. */
  maxInFlight: Record<string, number>;
  maxInFlightTotal: number;
  /** The last well-formed request, for tests that check what was sent. */
  last: { headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> } | null;
}

export interface Simulator {
  /** The base URL to configure, e.g. http://127.0.0.1:41234/v1 */
  readonly baseUrl: string;
  readonly stats: SimulatorStats;
  /** Replace a model's behaviour (for example, make it slower) between runs. */
  setBehaviour(model: string, behaviour: ModelBehaviour): void;
  close(): Promise<void>;
}

const TEXT_OVERHEAD_TOKENS = 7;
const IMAGE_TOKENS: Record<string, number> = { low: 85, high: 765, auto: 765 };

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
}

interface ParsedRequest {
  model: string;
  text: string;
  image: { url: string; detail: string } | null;
  maxTokens: number;
}

function parseChat(body: ChatBody): ParsedRequest | string {
  if (typeof body.model !== 'string') return 'model is required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages is required';
  let text = '';
  let image: ParsedRequest['image'] = null;
  for (const message of body.messages as { content?: unknown }[]) {
    const content = message.content;
    if (typeof content === 'string') text += content;
    else if (Array.isArray(content)) {
      for (const part of content as Record<string, unknown>[]) {
        if (part.type === 'text' && typeof part.text === 'string') text += part.text;
        if (part.type === 'image_url') {
          const imageUrl = part.image_url as { url?: unknown; detail?: unknown } | undefined;
          if (typeof imageUrl?.url !== 'string') return 'image_url.url is required';
          image = { url: imageUrl.url, detail: typeof imageUrl.detail === 'string' ? imageUrl.detail : 'auto' };
        }
      }
    }
  }
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 4096;
  return { model: body.model, text, image, maxTokens };
}

function labelOf(image: { url: string }, labels: Record<string, string>): string | null {
  const dataUrl = /^data:[^;,]+;base64,(.*)$/s.exec(image.url);
  if (dataUrl) {
    const sha = createHash('sha256').update(Buffer.from(dataUrl[1]!, 'base64')).digest('hex');
    return labels[sha] ?? null;
  }
  return labels[image.url] ?? null;
}

const estimateTokens = (text: string) => TEXT_OVERHEAD_TOKENS + Math.ceil(text.length / 4);

const HUGE_BYTES = 64 * 1024 * 1024;
const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'a');

/** Writes `bytes` of filler with back-pressure, stopping as soon as the client goes away. */
async function stream(res: ServerResponse, bytes: number): Promise<void> {
  let sent = 0;
  while (sent < bytes && !res.destroyed) {
    const chunk = HUGE_CHUNK.subarray(0, Math.min(HUGE_CHUNK.length, bytes - sent));
    sent += chunk.length;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const behaviours = new Map(Object.entries(options.models));
  const scripts = new Map<string, Fault[]>();
  for (const [name, behaviour] of behaviours) scripts.set(name, [...(behaviour.script ?? [])]);
  const rng = createRng(options.seed ?? 42);
  const random = () => rng.next();
  const stats: SimulatorStats = { requests: 0, byModel: {}, withImage: 0, maxInFlight: {}, maxInFlightTotal: 0, last: null };
  const inFlight = new Map<string, number>();
  let inFlightTotal = 0;
  const track = (model: string, res: ServerResponse) => {
    const now = (inFlight.get(model) ?? 0) + 1;
    inFlight.set(model, now);
    inFlightTotal += 1;
    stats.maxInFlight[model] = Math.max(stats.maxInFlight[model] ?? 0, now);
    stats.maxInFlightTotal = Math.max(stats.maxInFlightTotal, inFlightTotal);
    res.once('close', () => {
      inFlight.set(model, (inFlight.get(model) ?? 1) - 1);
      inFlightTotal -= 1;
    });
  };
  const sockets = new Set<Socket>();
  let counter = 0;

  const nextFault = (model: string, behaviour: ModelBehaviour): Fault => {
    const script = scripts.get(model);
    if (script && script.length > 0) return script.shift()!;
    const roll = random();
    let acc = 0;
    for (const [fault, rate] of Object.entries(behaviour.faultRates ?? {})) {
      acc += rate ?? 0;
      if (roll < acc) return fault as Fault;
    }
    return 'ok';
  };

  const sendJson = (res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) => {
    const body = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const sendError = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { error: { message, type: 'simulator_error', code: status } }, headers);

  const answer = (request: ParsedRequest, behaviour: ModelBehaviour): string => {
    if (!request.image || behaviour.vision === 'blind') {
      return 'Please upload an image so I can analyse it. No image was provided.';
    }
    if (behaviour.vision === 'wrong') return 'This looks like the logo of a broadcasting company.';
    if (behaviour.answer !== undefined) return behaviour.answer;
    const label = labelOf(request.image, options.labels);
    return label ? `The image shows the ${label} logo.` : 'The image shows an abstract shape I do not recognise.';
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Routed by path alone: a base URL may carry a query (?key=…), as some gateways expect.
    const pathname = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (req.method !== 'POST' || !pathname.endsWith('/chat/completions')) {
      sendError(res, 404, `no route for ${req.method} ${req.url}`);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: ChatBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
    } catch {
      sendError(res, 400, 'body is not JSON');
      return;
    }
    const parsed = parseChat(body);
    if (typeof parsed === 'string') {
      sendError(res, 400, parsed);
      return;
    }
    stats.requests += 1;
    stats.last = { headers: req.headers, body: body as Record<string, unknown> };
    stats.byModel[parsed.model] = (stats.byModel[parsed.model] ?? 0) + 1;
    if (parsed.image) stats.withImage += 1;
    track(parsed.model, res);
    const behaviour = behaviours.get(parsed.model);
    if (!behaviour) {
      sendError(res, 404, `The model '${parsed.model}' does not exist`);
      return;
    }
    const fault = nextFault(parsed.model, behaviour);
    const base = behaviour.latencyMs ?? 0;
    const jitter = behaviour.jitter ?? 0;
    const delay = Math.max(0, base * (1 + jitter * (2 * random() - 1)));
    if (fault === 'hang') return; // the socket stays open until the client gives up or the server closes
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (res.destroyed) return;

    switch (fault) {
      case 'rate_limit': {
        const seconds = behaviour.retryAfterSeconds === undefined ? 1 : behaviour.retryAfterSeconds;
        sendError(res, 429, behaviour.errorMessage ?? 'Rate limit reached', seconds === null ? {} : { 'retry-after': String(seconds) });
        return;
      }
      case 'server_error':
        sendError(res, 500, behaviour.errorMessage ?? 'The server had an error while processing your request');
        return;
      case 'bad_request':
        sendError(res, 400, behaviour.errorMessage ?? 'Invalid request: image_url is not supported for this model');
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html><body>502 Bad Gateway</body></html>');
        return;
      case 'stall_body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"chatcmpl-stall","choices":[');
        return;
      case 'reset':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        res.write('{"id":"chatcmpl-reset","choices":[');
        setImmediate(() => req.socket.destroy());
        return;
      case 'cut_json': {
        const cut = '{"id":"chatcmpl-cut","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"The image sh';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(cut) });
        res.end(cut);
        return;
      }
      case 'bad_choice':
        sendJson(res, 200, { id: 'chatcmpl-bad', object: 'chat.completion', choices: [null] });
        return;
      case 'huge_body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"chatcmpl-huge","choices":[{"message":{"role":"assistant","content":"');
        await stream(res, behaviour.hugeBodyBytes ?? HUGE_BYTES);
        return;
      case 'huge_error':
        res.writeHead(500, { 'content-type': 'text/plain' });
        await stream(res, behaviour.hugeBodyBytes ?? HUGE_BYTES);
        return;
      case 'echo': {
        // As some gateways do: the error quotes the request, key and all.
        const quoted = Object.entries(req.headers)
          .map(([name, value]) => `${name}: ${String(value)}`)
          .join('; ');
        sendError(res, 401, `Unauthorized request to ${req.url} with headers ${quoted}`);
        return;
      }
      case 'redirect': {
        const location = behaviour.redirectTo ?? `http://127.0.0.1:${port}/redirected/v1/chat/completions`;
        res.writeHead(307, { location, 'content-length': '0' });
        res.end();
        return;
      }
      default:
        break;
    }

    const text = answer(parsed, behaviour);
    const sawImage = parsed.image !== null && behaviour.vision !== 'blind';
    const imageTokens = sawImage ? (IMAGE_TOKENS[parsed.image!.detail] ?? 85) : 0;
    const promptTokens = estimateTokens(parsed.text) + imageTokens;
    let content: string | null = text;
    let finishReason = 'stop';
    let refusal: string | null = null;
    if (fault === 'truncated') {
      content = text.slice(0, 12);
      finishReason = 'length';
    } else if (fault === 'empty') content = '';
    else if (fault === 'null_content') content = null;
    else if (fault === 'refusal') {
      content = null;
      refusal = 'I cannot help with that request.';
    }
    const completionTokens = content ? Math.min(parsed.maxTokens, estimateTokens(content) - TEXT_OVERHEAD_TOKENS + 1) : 0;
    counter += 1;
    const payload: Record<string, unknown> = {
      id: `chatcmpl-sim-${counter}`,
      object: 'chat.completion',
      created: 1_760_000_000,
      model: parsed.model,
      choices:
        fault === 'no_choices'
          ? undefined
          : [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: finishReason, logprobs: null }],
    };
    if (!behaviour.noUsage) {
      payload.usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: {
          cached_tokens: 0,
          ...(behaviour.reportImageTokens ? { image_tokens: imageTokens } : {}),
        },
      };
    }
    sendJson(res, 200, payload);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `simulator failure: ${String(error)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    stats,
    setBehaviour(model, behaviour) {
      behaviours.set(model, behaviour);
      scripts.set(model, [...(behaviour.script ?? [])]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The label table for a set of images: sha256 of each file's bytes → what it shows. */
export function labelsFor(images: { bytes: Uint8Array; label: string }[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const image of images) labels[createHash('sha256').update(image.bytes).digest('hex')] = image.label;
  return labels;
}
