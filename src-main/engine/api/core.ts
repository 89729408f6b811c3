import { orderActionsFor } from '../../../src-shared/order-actions.js';
import { sql } from '../db/open.js';
import type { Engine } from '../engine.js';
import { SyncError } from '../errors.js';
import type { ApiRegistry } from './dispatcher.js';

/**
 * The API methods of the engine itself: status and pause, settings and secrets, connection checks, the order
 * queue and the error log. Flows add their own (print forms, reference books, trigger texts).
 */
export function registerCoreApi(e: Engine, api: ApiRegistry): void {
  const settingsView = () => ({ values: e.settings.all(), secrets: e.secrets.view() });
  api.handleAll({
    'engine.status': () => e.status(),
    'engine.pause': () => (e.pause(), e.status()),
    'engine.resume': () => (e.resume(), e.status()),
    'engine.syncNow': async ({ pollerId }) => {
      if (pollerId && !e.scheduler.has(pollerId)) {
        throw new SyncError({ kind: 'needsAttention', message: 'Такой синхронизации нет', detail: `unknown poller ${pollerId}` });
      }
      // Start the runs and answer at once; progress arrives as status events.
      void e.scheduler.syncNow(pollerId);
      e.runner.wake();
      return e.status();
    },
    'settings.get': () => settingsView(),
    'settings.update': async ({ section, values }) => {
      e.settings.update(section, values);
      // New settings for a system paused on an access error: its work goes again.
      e.authPause.resume(section, 'settings changed');
      if (section === 'tunnel') await e.restartTunnel();
      return settingsView();
    },
    'settings.setSecret': async ({ key, value }) => {
      await e.secrets.set(key, value);
      if (key === 'tunnel.ngrokAuthtoken') await e.restartTunnel();
      // A secret is named `<system>.<what>`: every job of that system that stopped on its credentials goes again.
      const system = key.split('.')[0]!;
      e.authPause.resume(system, 'password changed');
      const n = e.queue.retryAuthFailures(system);
      if (n) e.log.info('credentials changed; retrying jobs stopped on access errors', { system, jobs: n });
      return settingsView();
    },
    'settings.clearSecret': async ({ key }) => {
      e.secrets.delete(key);
      if (key === 'tunnel.ngrokAuthtoken') await e.restartTunnel();
      return settingsView();
    },
    // Worded as a check, and kept as the system's latest state on «Обзор».
    'connections.test': ({ system }) => e.checks.testNow(system),
    'orders.list': (f) => e.orders.list(f),
    'orders.get': ({ id }) => {
      const order = e.orders.get(id);
      if (!order) throw new SyncError({ kind: 'needsAttention', message: 'Заказ не найден', detail: `order ${id}` });
      return { order, timeline: e.timeline.forOrder(id), waitingJobs: e.attention.waitingJobs(id) };
    },
    'orders.retry': ({ id }) => {
      const ids = sql(e.db, `SELECT id FROM jobs WHERE order_id = ? AND state IN ('attention', 'dead')`).all(id) as Array<{ id: number }>;
      const retried = ids.filter((j) => e.queue.retry(j.id)).length;
      e.orders.refreshAttention(id);
      e.events.emit('orders.changed', { ids: [id] });
      return { retried };
    },
    // The order card's buttons: each action belongs to the flow that registered it.
    'orders.action': ({ id, action }) => {
      const order = e.orders.get(id);
      if (!order) throw new SyncError({ kind: 'needsAttention', message: 'Заказ не найден.', detail: `order ${id}` });
      // What cannot work in the order's state is refused before anything is done, with the real reason
      // («Отправить заново» checks its own, finer conditions).
      const verdict = orderActionsFor({ ...order, waitingJobs: e.attention.waitingJobs(id) })[action];
      if (!verdict.ok && action !== 'resend') throw new SyncError({ kind: 'needsAttention', message: verdict.reason, detail: `order ${id} action ${action}` });
      if (action === 'dismiss') {
        e.attention.clear(id);
        return { message: `Отметка снята: заказ №${order.number} больше не в «Требуют внимания».` };
      }
      const run = e.orderActions.get(action);
      if (!run) throw new SyncError({ kind: 'needsAttention', message: 'Это действие здесь недоступно.', detail: `no order action ${action}` });
      return run(id);
    },
    'errors.list': (o) => ({ items: e.errors.list(o), unread: e.errors.unread() }),
    'errors.acknowledge': (o) => {
      const unread = e.errors.acknowledge(o);
      e.events.emit('status.changed', undefined);
      return { unread };
    },
    'errors.retry': ({ id }) => ({ retried: e.retryError(id) }),
    'setup.webhooks': () => ({ leeloo: e.webhookUrl('leeloo'), kassa: e.webhookUrl('kassa') }),
  });
}
