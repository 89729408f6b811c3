import { Worker } from 'node:worker_threads';
import { Engine } from '../src-main/engine/engine.js';
import { OTHER_KEY, connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { tempDir, waitFor } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const ORIGIN = 'https://shop.example';
const VISITORS = 20;
const PER_VISITOR = 10;
const WARMUP = 2;

async function world() {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators({ crm: { rateLimit: 0 } });
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0, logLevel: 'warn' });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  engine.settings.update('forms', { enabled: true, allowedOrigins: [ORIGIN], perIpPerMinute: 600 });
  await engine.start();
  return {
    emu,
    engine,
    close: async () => {
      await engine.stop(0);
      await emu.close();
      cleanup();
    },
  };
}

/**
 * A visitor posts the form with a 1 MB file and waits for the answer with the request number: 20 visitors at once
 * (a worker thread sends, so the load does not share the server's event loop), while the requests already taken
 * go on to RetailCRM in the background as they would.
 */
export async function benchFormsAnswer(): Promise<Figure[]> {
  const w = await world();
  const worker = new Worker(new URL('./forms-load.mjs', import.meta.url), {
    workerData: { url: w.engine.webhookUrl('form'), visitors: VISITORS, perVisitor: PER_VISITOR, warmup: WARMUP, fileBytes: 1024 * 1024, origin: ORIGIN },
  });
  const latencies = await new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const numbers = w.engine.flows.forms.store.count();
  await w.close();
  if (numbers !== VISITORS * (PER_VISITOR + WARMUP)) throw new Error(`expected ${VISITORS * (PER_VISITOR + WARMUP)} numbers, found ${numbers}`);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  console.error(`site form answer with a 1 MB file, ${VISITORS} visitors: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`);
  return [{ id: 'forms.answer_p99_ms', value: pct(99), unit: 'ms' }];
}

/** RetailCRM requests one submission costs: a contact RetailCRM knows, a new person, a new person with a new company. */
export async function benchFormsRequests(): Promise<Figure[]> {
  const w = await world();
  const { emu, engine } = w;
  await fetch(`${emu.crm.url}/api/v5/customers/create`, {
    method: 'POST',
    headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ customer: JSON.stringify({ firstName: 'Пётр', email: 'petr@mail.ru' }) }).toString(),
  });
  const counted = async (id: string, fields: Record<string, string>): Promise<number> => {
    await waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'a quiet queue', 10_000);
    emu.crm.resetRequests();
    const fd = new FormData();
    for (const [k, v] of Object.entries({ pf_id: id, topic: 'Вопрос', message: 'Текст', ...fields })) fd.append(k, v);
    fd.append('file', new Blob([new Uint8Array(1000)], { type: 'application/pdf' }), 'a.pdf');
    const res = await fetch(engine.webhookUrl('form')!, { method: 'POST', body: fd, headers: { accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const { number } = (await res.json()) as { number: string };
    await waitFor(() => emu.crm.forms.files().some((f) => f.attachment.some((a) => a.order?.number === number)), 'the request in RetailCRM', 15_000);
    await waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'a quiet queue', 10_000);
    return emu.crm.requests.filter((r) => !r.path.includes('/reference/') && !r.path.endsWith('/orders/history') && r.path !== '/api/credentials').length;
  };
  const known = await counted('known', { name: 'Пётр', email: 'petr@mail.ru' });
  const person = await counted('new', { name: 'Анна', email: 'anna@mail.ru', phone: '+79031112233' });
  const company = await counted('company', { name: 'Борис', email: 'boris@romashka.ru', company: 'ООО «Ромашка»', inn: '7701234567' });
  await w.close();
  console.error(`RetailCRM requests per request with one file: known contact ${known}, new person ${person}, new person with a new company ${company}`);
  return [
    { id: 'forms.requests_per_submission_known', value: known, unit: 'requests' },
    { id: 'forms.requests_per_submission_new', value: person, unit: 'requests' },
    { id: 'forms.requests_per_submission_new_company', value: company, unit: 'requests' },
  ];
}
