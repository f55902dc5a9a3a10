// The floor: the same number of requests, the same concurrency and one calibration round after
// them, sent by the simplest keep-alive HTTP loop with no engine at all. What the machine, the
// loopback and the simulator allow; the engine's own overhead is its wall time minus this.
//   floor.js BASE_URL REQUESTS CONCURRENCY
import http from 'node:http';
import pLimit from 'p-limit';

const [baseUrl, requestsArg, concurrencyArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const concurrency = Number(concurrencyArg);
const agent = new http.Agent({ keepAlive: true });
const url = new URL(`${baseUrl}/chat/completions`);
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const body = JSON.stringify({
  model: 'bench',
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Identify the main logo or object in this image.' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}`, detail: 'low' } },
      ],
    },
  ],
  max_tokens: 100,
  temperature: 0,
});

const send = () =>
  new Promise<void>((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer bench' },
    });
    request.on('response', (response) => {
      response.on('data', () => undefined);
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end(body);
  });

const limit = pLimit(concurrency);
const started = performance.now();
await Promise.all(Array.from({ length: requests }, () => limit(send)));
await send();
process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - started })}\n`);
agent.destroy();
