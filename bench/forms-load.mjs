// Load generator for the site-form benchmark, run in a worker thread: `visitors` concurrent loops, each posting
// `warmup + perVisitor` distinct multipart requests with a file of `fileBytes`; returns the latencies (ms) from
// the start of the post to the answer carrying the request number.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, visitors, perVisitor, warmup, fileBytes, origin } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: visitors });
const file = Buffer.alloc(fileBytes, 0x41);

function body(id) {
  const boundary = `----prilavok${id}`;
  const field = (name, value) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('pf_id', id) + field('name', 'Анна Иванова') + field('email', `anna-${id}@romashka.ru`) + field('topic', 'Подключение кассы') + field('message', 'Нужна касса') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Реквизиты.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  return { boundary, data: Buffer.concat([head, file, Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}

function post(id) {
  const { boundary, data } = body(id);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': data.length, accept: 'application/json', origin } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (res.statusCode === 200 && answer.number) resolve(performance.now() - started);
        else reject(new Error(`HTTP ${res.statusCode} ${JSON.stringify(answer)}`));
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const latencies = [];
await Promise.all(
  Array.from({ length: visitors }, async (_, v) => {
    for (let i = 0; i < warmup + perVisitor; i++) {
      const ms = await post(`v${v}-${i}`);
      if (i >= warmup) latencies.push(ms);
    }
  }),
);
agent.destroy();
parentPort.postMessage(latencies);
