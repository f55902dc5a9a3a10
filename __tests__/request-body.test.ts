// What goes on the wire, through the real `openai` client and a loopback server: the body is the
// JSON document of the request, a data URL lent by reference arrives as its own bytes, and only
// the model's own headers are sent.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelClient, type ChatRequest } from '../src/run/client.ts';
import { ImageAttachments } from '../src/run/fetch.ts';
import { defaultRetryPolicy } from '../src/run/retry.ts';

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function recorder(): Promise<{ baseUrl: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"choices":[{"message":{"content":"Python"},"finish_reason":"stop"}]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, received };
}

const request = (overrides: Partial<ChatRequest>): ChatRequest => ({
  model: 'gpt-4.1-mini',
  prompt: 'What logo is this?',
  imageUrl: null,
  detail: 'low',
  maxTokens: 40,
  temperature: 0,
  ...overrides,
});

const expected = (r: ChatRequest) => ({
  model: r.model,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: r.prompt },
        ...(r.imageUrl === null ? [] : [{ type: 'image_url', image_url: { url: r.imageUrl.toString(), detail: r.detail } }]),
      ],
    },
  ],
  max_tokens: r.maxTokens,
  temperature: r.temperature,
});

const client = (baseUrl: string, headers: Record<string, string> = {}) =>
  createModelClient({ baseUrl, apiKey: 'sk-test-key', headers, timeoutMs: 5_000, retry: defaultRetryPolicy(0) });

describe('the chat/completions body on the wire', () => {
  const dataUrl = Buffer.from(`data:image/png;base64,${Buffer.alloc(300_000, 7).toString('base64')}`);

  it('is the request as JSON, for a data URL, an https URL that needs escaping, a text-only request and a data URL that needs escaping', async () => {
    const { baseUrl, received } = await recorder();
    const model = client(baseUrl);
    const requests = [
      request({ imageUrl: dataUrl }),
      request({ imageUrl: 'https://example.com/a "quoted".png', detail: 'high' }),
      request({ imageUrl: null, prompt: 'Say "hi" \\ twice' }),
      request({ imageUrl: Buffer.from('data:image/png;base64,AAAA"\\') }),
    ];
    for (const r of requests) {
      const { outcome } = await model.send(r);
      expect(outcome).toMatchObject({ kind: 'response', text: 'Python' });
    }
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual(requests.map(expected));
  });

  it('is not fooled by a prompt or model name that imitates an image reference', async () => {
    const { baseUrl, received } = await recorder();
    const r = request({ imageUrl: dataUrl, prompt: 'x "vision-gate-image:1234" y vision-gate-image:', model: 'vision-gate-image:' });
    await client(baseUrl).send(r);
    expect(JSON.parse(received[0]!.body)).toEqual(expected(r));
  });

  it('never splices an image into another request, whatever its prompt says', async () => {
    const { baseUrl, received } = await recorder();
    const model = client(baseUrl);
    const image = Buffer.from('data:image/png;base64,SECRETIMAGEBYTES');
    // Sent together: the image is lent while the text-only request is on its way.
    await Promise.all([
      model.send(request({ imageUrl: image })),
      model.send(request({ prompt: 'Reply with "vision-gate-image:0" or "vision-gate-image:1' })),
    ]);
    expect(received.filter((r) => r.body.includes('SECRETIMAGEBYTES'))).toHaveLength(1);
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual(
      expect.arrayContaining([expected(request({ prompt: 'Reply with "vision-gate-image:0" or "vision-gate-image:1' }))]),
    );
  });

  it('carries exactly the key, the configured headers and the content headers', async () => {
    const { baseUrl, received } = await recorder();
    await client(baseUrl, { 'X-Title': 'vision-gate', Authorization: 'Bearer from-config' }).send(request({ imageUrl: dataUrl }));
    const { headers } = received[0]!;
    expect(headers.authorization).toBe('Bearer from-config');
    expect(headers['x-title']).toBe('vision-gate');
    expect(headers['user-agent']).toMatch(/^vision-gate \(openai-node \d+\.\d+\.\d+\)$/);
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(received[0]!.body));
    const names = Object.keys(headers).filter((name) => !['host', 'connection', 'content-length'].includes(name));
    expect(names.sort()).toEqual(['accept', 'authorization', 'content-type', 'user-agent', 'x-title']);
  });
});

describe('image attachments', () => {
  const dataUrl = Buffer.from('data:image/png;base64,iVBORw0KGgo=');

  it('put the lent bytes themselves in place of the reference, without a copy', () => {
    const images = new ImageAttachments();
    const reference = images.lend(dataUrl)!;
    const parts = images.parts(JSON.stringify({ prompt: 'hi', url: reference, detail: 'low' }));
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(dataUrl);
    expect(JSON.parse(parts.map(String).join(''))).toEqual({ prompt: 'hi', url: dataUrl.toString(), detail: 'low' });
  });

  it('leave a released or unknown reference as it is, and refuse bytes that JSON would escape', () => {
    const images = new ImageAttachments();
    const reference = images.lend(dataUrl)!;
    images.release(reference);
    const json = JSON.stringify({ url: reference });
    expect(images.parts(json)).toEqual([json]);
    expect(images.lend(Buffer.from('data:x;base64,"'))).toBeNull();
    expect(images.lend(Buffer.from('data:x;base64,\\'))).toBeNull();
  });
});
