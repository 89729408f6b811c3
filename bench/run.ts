/**
 * `npm run bench [-- <prefix>]`: runs every benchmark (or those whose id starts with the prefix) and prints
 * one line per figure: `BENCH <id> <value> <unit>`. Targets and the latest figures live in BENCHMARKS.md.
 */
import { benchCatchup, benchStatusLatency } from './courier.js';
import { benchReceiptLatency, benchSales } from './fiscal.js';
import { benchMemory } from './memory.js';
import { benchFormsAnswer, benchFormsRequests } from './forms.js';
import { benchPos } from './pos.js';
import { benchQueue } from './queue.js';
import { benchQueueUi } from './queue-ui.js';
import { benchStatuscheck } from './statuscheck.js';
import { benchUiEvents } from './ui-events.js';
import { benchWebhook } from './webhook.js';

export type Figure = { id: string; value: number; unit: string };
type Bench = { ids: string[]; run: () => Promise<Figure[]> };

const benches: Bench[] = [
  { ids: ['queue.jobs_per_s'], run: benchQueue },
  { ids: ['webhook.inbox_p50_ms', 'webhook.inbox_p99_ms', 'webhook.inbox_p99_ratio'], run: benchWebhook },
  { ids: ['retailcrm.catchup_requests_ratio', 'retailcrm.catchup_time_ratio'], run: benchCatchup },
  { ids: ['measoft.status_latency_ms'], run: benchStatusLatency },
  { ids: ['ui.event_latency_ms'], run: benchUiEvents },
  { ids: ['lifepos.orders_1000_s', 'lifepos.requests_per_order'], run: benchPos },
  { ids: ['fiscal.receipt_p50_ms', 'fiscal.receipt_p99_ms'], run: benchReceiptLatency },
  { ids: ['fiscal.sales_1000_s', 'fiscal.duplicate_receipts'], run: benchSales },
  { ids: ['ui.queue_first_render_ms', 'ui.queue_filter_ms'], run: benchQueueUi },
  { ids: ['forms.answer_p99_ms'], run: benchFormsAnswer },
  { ids: ['forms.requests_per_submission_known', 'forms.requests_per_submission_new', 'forms.requests_per_submission_new_company'], run: benchFormsRequests },
  { ids: ['statuscheck.orders_10000_requests_ratio', 'statuscheck.edit_requests_ratio', 'statuscheck.cycle_s'], run: benchStatuscheck },
  { ids: ['engine.rss_idle_mb', 'engine.rss_10k_orders_mb'], run: benchMemory },
];

const prefix = process.argv[2] ?? '';
for (const b of benches) {
  if (!b.ids.some((id) => id.startsWith(prefix))) continue;
  for (const f of await b.run()) {
    if (f.id.startsWith(prefix)) console.log(`BENCH ${f.id} ${Number(f.value.toFixed(2))} ${f.unit}`);
  }
}
