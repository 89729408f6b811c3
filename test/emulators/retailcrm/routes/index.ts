/* The core API: each endpoint group in turn answers a request or passes (files and forms are in ../forms.ts). */
import { ApiError } from '../errors.js';
import type { Account } from '../state.js';
import type { EmulatorKey } from '../types.js';
import { accountRoutes } from './account.js';
import type { ApiRequest, Reply, RouteGroup } from './common.js';
import { customerRoutes } from './customers.js';
import { historyRoutes } from './history.js';
import { orderRoutes } from './orders.js';
import { paymentRoutes } from './payments.js';
import { referenceRoutes } from './references.js';
import { taskRoutes } from './tasks.js';
import { userRoutes } from './users.js';

// History and payments before orders: `orders/{id}` would take `orders/history` for an order's number.
const groups: RouteGroup[] = [accountRoutes, referenceRoutes, historyRoutes, paymentRoutes, orderRoutes, userRoutes, taskRoutes, customerRoutes];

// Async: forms.ts calls the core routing as it calls its own, and a group's throw becomes a rejected answer.
export async function route(acc: Account, method: string, path: string, q: URLSearchParams, body: URLSearchParams, k: EmulatorKey): Promise<Reply> {
  const r: ApiRequest = { method, path, q, body, k, as: { source: 'api', key: k.key }, get: method === 'GET', post: method === 'POST' };
  for (const group of groups) {
    const reply = group(acc, r);
    if (reply) return reply;
  }
  throw new ApiError(404, 'API method not found');
}
