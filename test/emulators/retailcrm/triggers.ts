/*
 * Triggers of the account (Администрирование → Триггеры): after a change, each trigger whose fields changed and
 * whose condition holds posts its rendered parameters to its URL; the log keeps what was sent and answered.
 */
import { normalise } from './serialise.js';
import type { Account } from './state.js';
import type { Json, Order, TriggerLogEntry } from './types.js';

function render(template: string, o: Order): string {
  return template.replace(/\{\{\s*order\.([\w().]+?)\s*\}\}/g, (_m, chain: string) => {
    const path = chain
      .split('.')
      .map((p) => p.replace(/\(\)$/, '').replace(/^get([A-Z])/, (_x, c: string) => c.toLowerCase()))
      .join('.');
    const aliases: Record<string, string> = {
      'status.code': 'status',
      'deliveryType.code': 'delivery.code',
      'site.code': 'site',
      'shipmentStore.code': 'shipmentStore',
      'paymentType.code': 'payments.0.type',
      'orderType.code': 'orderType',
      'orderMethod.code': 'orderMethod',
    };
    let v: unknown = o;
    for (const part of (aliases[path] ?? path).split('.')) v = v && typeof v === 'object' ? (v as Json)[part] : undefined;
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

export function fireTriggers(acc: Account, o: Order, changed: string[]): void {
  if (acc.triggers.length === 0) return;
  const view = normalise(o);
  for (const t of acc.triggers) {
    if (t.fields && !t.fields.some((f) => changed.includes(f))) continue;
    if (t.when && !t.when(view, changed)) continue;
    const body = new URLSearchParams(Object.entries(t.params).map(([k, v]) => [k, render(v, o)])).toString();
    const entry: TriggerLogEntry = { name: t.name, url: t.url, status: null, body, response: null, error: null };
    const p = (async () => {
      try {
        const res = await fetch(t.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          signal: AbortSignal.timeout(5000),
        });
        entry.status = res.status;
        entry.response = await res.text();
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
      } finally {
        acc.triggerLog.push(entry);
      }
    })();
    acc.pendingTriggers.add(p);
    void p.finally(() => acc.pendingTriggers.delete(p));
  }
}
