// The request body is written in parts so a megabyte data URL is never copied per request; the
// parts must still form exactly the JSON document a plain JSON.stringify would give.
import { describe, expect, it } from 'vitest';
import { chatBody, type ChatRequest } from '../src/run/client.ts';

const request = (overrides: Partial<ChatRequest>): ChatRequest => ({
  model: 'gpt-4.1-mini',
  prompt: 'What logo is this?',
  imageUrl: null,
  detail: 'low',
  maxTokens: 40,
  temperature: 0,
  ...overrides,
});

const joined = (parts: readonly (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString();

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

describe('the chat/completions body', () => {
  const dataUrl = Buffer.from(`data:image/png;base64,${Buffer.alloc(300_000, 7).toString('base64')}`);

  it('carries the data URL bytes themselves, once, as their own part', () => {
    const r = request({ imageUrl: dataUrl });
    const parts = chatBody(r);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(dataUrl);
    expect(JSON.parse(joined(parts))).toEqual(expected(r));
  });

  it('is plain JSON for an https URL, a text-only request and a data URL that would need escaping', () => {
    for (const imageUrl of ['https://example.com/a "quoted".png', null, Buffer.from('data:image/png;base64,AAAA"\\')]) {
      const r = request({ imageUrl });
      const parts = chatBody(r);
      expect(parts).toHaveLength(1);
      expect(JSON.parse(joined(parts))).toEqual(expected(r));
    }
  });

  it('cannot be split at a prompt or model name that imitates the placeholder', () => {
    const r = request({ imageUrl: dataUrl, prompt: 'x \u0000image\u0000 y "\u0000image\u0000"', model: '\u0000image\u0000' });
    expect(JSON.parse(joined(chatBody(r)))).toEqual(expected(r));
  });
});
