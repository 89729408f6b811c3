import { isOwnChange, type HistoryRecord } from '../../connectors/retailcrm/index.js';
import { SyncError } from '../../errors.js';

/** The order a history record is about, unless the change is our own (no echo). */
export function changedOrderId(r: HistoryRecord): number | null {
  const id = r.order?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && !isOwnChange(r) ? id : null;
}

/**
 * A RetailCRM trigger («Выполнить HTTP-запрос») → the order id it is about. Triggers carry no event id: repeats
 * of the same request within a few seconds are one hint, a later change of the same order is a new one.
 */
export function triggerOf(body: unknown, now = Date.now()): { id: number; status: unknown; externalId: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const raw = Array.isArray(b.id) ? b.id[0] : b.id;
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new SyncError({
      kind: 'needsAttention',
      system: 'retailcrm',
      message: 'Триггер RetailCRM прислал запрос без номера заказа: добавьте параметр id = {{ order.getId() }}.',
      detail: `body: ${JSON.stringify(b).slice(0, 500)}`,
    });
  }
  const bucket = Math.floor(now / 5_000);
  return { id, status: b.status ?? null, externalId: `${id}:${String(b.status ?? '')}:${bucket}` };
}
