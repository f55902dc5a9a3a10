// The `fetch` the `openai` client of one model calls. The client builds the request (URL, JSON
// body, auth) and interprets the reply (status, error body, Retry-After); this function carries it
// over the HTTP transport with three rules of vision-gate's own:
// - the provider gets exactly the headers the model's settings give (its key and configured
//   headers) plus the body's content type; whatever the client or the environment adds
//   (OPENAI_CUSTOM_HEADERS, OpenAI organisation and project, SDK telemetry) stays here;
// - no redirect is followed and no body is read past the cap (both in http.ts);
// - an image attached by reference (see ImageAttachments) goes out as its own body part.
import { VERSION } from 'openai/version';
import { HttpFailure, type HttpTransport } from './http.ts';

/**
 * Data URLs of images, lent to the requests that carry them. A request names its image in the JSON
 * with a one-off reference; the bytes are written in its place on the wire. A 1 MB image is 1.4 MB
 * of base64, and copying it into a JSON string and that string into a buffer cost about 15 ms of
 * CPU per request; written by reference it costs nothing, however many requests share it.
 */
export class ImageAttachments {
  readonly #lent = new Map<string, Buffer>();
  readonly #verbatim = new WeakMap<Buffer, boolean>();
  // Unguessable, so that no prompt, model name or URL written before the run can name a lent
  // image and have another request's bytes spliced into it.
  readonly #prefix = `${REFERENCE_PREFIX}${crypto.randomUUID()}:`;
  #count = 0;

  /**
   * The reference to put in place of the data URL, or null when the bytes would need escaping in
   * JSON (never for a MIME type and base64, which hold no quote and no backslash).
   */
  lend(dataUrl: Buffer): string | null {
    let verbatim = this.#verbatim.get(dataUrl);
    if (verbatim === undefined) {
      // Checked once per image, not once per request: a megabyte scanned twice each time.
      verbatim = !dataUrl.includes(0x22) && !dataUrl.includes(0x5c);
      this.#verbatim.set(dataUrl, verbatim);
    }
    if (!verbatim) return null;
    this.#count += 1;
    const reference = `${this.#prefix}${this.#count}`;
    this.#lent.set(reference, dataUrl);
    return reference;
  }

  release(reference: string): void {
    this.#lent.delete(reference);
  }

  /** The body as parts: the JSON around the reference, and the image bytes in its place. */
  parts(json: string): (string | Buffer)[] {
    // The image part comes after the prompt's text part, and only the detail and numbers follow
    // it, so the last reference in the body is the one the request put there.
    const at = json.lastIndexOf(`"${this.#prefix}`);
    if (at === -1) return [json];
    const end = json.indexOf('"', at + 1);
    const bytes = this.#lent.get(json.slice(at + 1, end));
    if (bytes === undefined) return [json];
    return [json.slice(0, at + 1), bytes, json.slice(end)];
  }
}

const REFERENCE_PREFIX = 'vision-gate-image:';

export interface TransportFetchOptions {
  /** The base URL: requests go to its origin only. */
  baseUrl: string;
  transport: HttpTransport;
  /** The headers the provider gets, besides the content type: the key and the configured headers. */
  headers: Readonly<Record<string, string>>;
  maxBodyBytes: number;
  images: ImageAttachments;
}

// Responses to these statuses carry no body by definition; Response refuses one.
const NULL_BODY = new Set([204, 205, 304]);

/** A `fetch` for the `openai` client, over the given transport. */
export function transportFetch(options: TransportFetchOptions): typeof fetch {
  const { origin } = new URL(options.baseUrl);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
    'user-agent': `vision-gate (openai-node ${VERSION})`,
    ...options.headers,
  };
  return async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    // The client builds every URL from the base URL; the key goes nowhere else.
    if (url.origin !== origin) throw new Error(`a request to ${url.origin}, which is not the base URL's origin, was refused`);
    // The client only ever sends JSON here (a chat completion); its own headers are not read.
    const body = typeof init?.body === 'string' ? options.images.parts(init.body) : [];
    const reply = await options.transport.post({ url, headers, body, maxBodyBytes: options.maxBodyBytes, signal: init?.signal });
    const responseHeaders: [string, string][] = [];
    for (const [name, value] of Object.entries(reply.headers)) {
      if (typeof value === 'string') responseHeaders.push([name, value]);
      else if (value !== undefined) for (const one of value) responseHeaders.push([name, one]);
    }
    if (reply.status < 200 || reply.status > 599) {
      throw new HttpFailure('invalid_status', `HTTP status ${reply.status} is not a valid response status`, reply.status);
    }
    return new Response(NULL_BODY.has(reply.status) ? null : reply.body, { status: reply.status, headers: responseHeaders });
  };
}
