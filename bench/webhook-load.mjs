// Load generator for the webhook benchmark, run in a worker thread: `senders` concurrent loops, each
// posting `warmup + perSender` distinct events one after another; returns the measured latencies (ms).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, senders, perSender, warmup, prefix = '' } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: senders });

function post(body) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencies = [];
await Promise.all(
  Array.from({ length: senders }, async (_, s) => {
    for (let i = 0; i < warmup + perSender; i++) {
      const ms = await post(JSON.stringify({ id: `${prefix}${s}-${i}`, event: 'SALE', amount: 1990, note: 'Заказ с сайта' }));
      if (i >= warmup) latencies.push(ms);
    }
  }),
);
agent.destroy();
parentPort.postMessage(latencies);
