/*
 * A faithful local RetailCRM API v5 for integration tests, the demo and benchmarks.
 * Follows /contracts/retailcrm.md: envelopes, status codes, form-encoded JSON writes, `site` rules, scopes,
 * payments as a map in order answers and a list in history, one history record per changed field with a
 * global id, `apiKey.current` relative to the caller, per-key rate limit, triggers, fault injection.
 *
 * This file is the HTTP front (faults, key, scope and rate checks, then the routes) and the test-facing API.
 * The account lives in state.ts, its changes in orders.ts and history.ts, wire shapes in serialise.ts,
 * references.ts and errors.ts, the endpoints in routes/ and forms.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { historyRecordSchema } from '../../../src-main/engine/connectors/retailcrm/types.js';
import { ApiError, badGatewayPage, errorBody, notAllowedPage, truncatedBody } from './errors.js';
import { AnswerLost, createFormsEmulator } from './forms.js';
import { doPaymentCreate, doPaymentDelete, doPaymentEdit } from './history.js';
import { doCreateOrder, doEditOrder } from './orders.js';
import { orderPage } from './order-page.js';
import { entity, paginate, writeSite } from './routes/common.js';
import { route } from './routes/index.js';
import * as seed from './seed.js';
import { historyView, normalise } from './serialise.js';
import { createAccount, rateLimited, scopeFor, type Account } from './state.js';
import type { EmulatorKey, EmulatorRequest, Json, Order, RetailCrmEmulator, RetailCrmEmulatorOptions } from './types.js';
import { clone, now } from './util.js';

export { allScopes } from './state.js';
export type {
  ChangeSource,
  EmulatorKey,
  EmulatorRequest,
  EmulatorTrigger,
  RetailCrmEmulator,
  RetailCrmEmulatorOptions,
  TriggerLogEntry,
} from './types.js';

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startRetailCrmEmulator(opts: RetailCrmEmulatorOptions = {}): Promise<RetailCrmEmulator> {
  const acc: Account = createAccount(opts);
  const { config, faults, keys, orders, requests, pendingTriggers } = acc;

  const coreRoute = (method: string, path: string, q: URLSearchParams, body: URLSearchParams, k: EmulatorKey) => route(acc, method, path, q, body, k);
  const forms = createFormsEmulator({
    customers: acc.customers,
    corporate: acc.corporate,
    orders,
    writeSite: (k, body) => writeSite(acc, k, body),
    entity,
    paginate,
    error: (st, msg, errs) => new ApiError(st, msg, errs),
    nextCustomerId: () => acc.ids.customer++,
    now,
    route: coreRoute,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let rawBytes = Buffer.alloc(0);
    const raw = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve((rawBytes = Buffer.concat(chunks)).toString('utf8')));
      req.on('error', reject);
    });
    const body = /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') || method === 'POST' ? new URLSearchParams(raw) : new URLSearchParams();
    const headerKey = req.headers['x-api-key'];
    const keyStr = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? u.searchParams.get('apiKey') ?? body.get('apiKey');
    const entry: EmulatorRequest = { method, path: u.pathname, key: keyStr ?? null, status: 0, at: Date.now() };
    requests.push(entry);
    const reply = (status: number, json: Json) => {
      entry.status = status;
      send(res, status, JSON.stringify(json));
    };

    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.drop > 0) {
      faults.drop--;
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    const fail = faults.fail.shift();
    if (fail !== undefined) {
      entry.status = fail;
      send(res, fail, fail === 502 ? badGatewayPage : JSON.stringify(errorBody('Internal Server Error')), fail === 502 ? 'text/html' : undefined);
      return;
    }
    if (faults.malformed > 0) {
      faults.malformed--;
      entry.status = 200;
      send(res, 200, truncatedBody);
      return;
    }

    const page = method === 'GET' ? /^\/orders\/(\d+)\/edit\/?$/.exec(u.pathname) : null;
    if (page) {
      const o = orders.get(Number(page[1]));
      entry.status = o ? 200 : 404;
      send(res, entry.status, orderPage(o ? normalise(o) : null, seed.statuses), 'text/html; charset=utf-8');
      return;
    }
    if (!u.pathname.startsWith('/api/')) {
      entry.status = 405;
      send(res, 405, notAllowedPage, 'text/html');
      return;
    }
    if (keyStr === null || keyStr === '') return reply(403, errorBody('"apiKey" is missing.'));
    if (rateLimited(acc, keyStr)) return reply(config.limitStatus, errorBody('Rate limit exceeded'));
    const k = keys.get(keyStr);
    if (!k) return reply(403, errorBody('Wrong "apiKey" value.'));
    const scope = scopeFor(method, u.pathname);
    if (scope && !k.scopes.includes(scope)) return reply(403, errorBody('Access denied.'));
    try {
      const [status, json] = (await forms.route(method, u.pathname, u.searchParams, body, k, rawBytes)) ?? (await coreRoute(method, u.pathname, u.searchParams, body, k));
      reply(status, json);
    } catch (err) {
      if (err instanceof AnswerLost) return void req.socket.destroy();
      if (err instanceof ApiError) {
        reply(err.status, errorBody(err.errorMsg, err.errors));
      } else {
        reply(500, errorBody(err instanceof Error ? err.message : String(err)));
      }
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, JSON.stringify(errorBody('Internal Server Error')));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const orderOrThrow = (idv: number): Order => {
    const o = orders.get(idv);
    if (!o) throw new Error(`emulator: no order ${idv}`);
    return o;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    config,
    close: async () => {
      await Promise.allSettled([...pendingTriggers]);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
    createOrder(o, as = { source: 'user' }) {
      const site = typeof o.site === 'string' ? o.site : acc.sites[0]!;
      return normalise(doCreateOrder(acc, o as Json, { source: as.source, key: as.key ?? null }, site));
    },
    editOrder(idv, patch, as = { source: 'user' }) {
      return normalise(doEditOrder(acc, orderOrThrow(idv), patch, { source: as.source, key: as.key ?? null }));
    },
    setKeyScopes(key, scopes) {
      const k = keys.get(key);
      if (!k) throw new Error(`no key ${key}`);
      k.scopes = [...scopes];
    },
    createPayment(orderId, payment, as = { source: 'user' }) {
      return doPaymentCreate(acc, { ...payment, order: { id: orderId } }, { source: as.source, key: as.key ?? null }, null).id;
    },
    editPayment(paymentId, patch, as = { source: 'user' }) {
      doPaymentEdit(acc, String(paymentId), 'id', patch as Json, { source: as.source, key: as.key ?? null });
    },
    deletePayment(paymentId, as = { source: 'user' }) {
      doPaymentDelete(acc, String(paymentId), { source: as.source, key: as.key ?? null });
    },
    getOrder(idv) {
      const o = orders.get(idv);
      return o ? normalise(o) : undefined;
    },
    orders: () => [...orders.values()].map(normalise),
    history: (forKey) => acc.history.map((h) => historyRecordSchema.parse(historyView(h, forKey ?? null))),
    tasks: () => clone(acc.tasks),
    customers: () => clone(acc.customers),
    corporateCustomers: () => clone(acc.corporate),
    forms: forms.view,
    addTrigger: (t) => void acc.triggers.push(t),
    triggerLog: acc.triggerLog,
    triggersSettled: async () => {
      await Promise.allSettled([...pendingTriggers]);
    },
    faults: {
      get latencyMs() {
        return faults.latencyMs;
      },
      set latencyMs(v: number) {
        faults.latencyMs = v;
      },
      failNext(n, status = 500) {
        for (let i = 0; i < n; i++) faults.fail.push(status);
      },
      dropNext(n) {
        faults.drop += n;
      },
      malformedNext(n) {
        faults.malformed += n;
      },
    },
    requests,
    resetRequests: () => void requests.splice(0),
  };
}
