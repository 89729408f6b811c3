/* `orders/history`: the account's history log, filtered and paged, as the calling key sees it. */
import { ApiError } from '../errors.js';
import { historyView } from '../serialise.js';
import type { Account } from '../state.js';
import type { EmulatorKey, Json } from '../types.js';
import { dateRe, now, withEnd } from '../util.js';
import { keySites, paginate, type RouteGroup } from './common.js';

function listHistory(acc: Account, k: EmulatorKey, q: URLSearchParams): Json {
  const sinceId = q.get('filter[sinceId]');
  const startDate = q.get('filter[startDate]');
  const endDate = q.get('filter[endDate]');
  const orderId = q.get('filter[orderId]');
  const orderExt = q.get('filter[orderExternalId]');
  for (const [n, v] of [['startDate', startDate], ['endDate', endDate]] as const) {
    if (v !== null && !dateRe.test(v)) throw new ApiError(400, 'Errors in the input parameters', { [`children[${n}]`]: 'This value is not valid.' });
  }
  if (sinceId !== null && !/^\d+$/.test(sinceId)) throw new ApiError(400, 'Errors in the input parameters', { 'children[sinceId]': 'This value is not valid.' });
  const avail = keySites(acc, k);
  const list = acc.history.filter(
    (h) =>
      avail.includes(String(h.order.site)) &&
      (sinceId === null || h.id > Number(sinceId)) &&
      (startDate === null || h.createdAt >= startDate) &&
      (endDate === null || h.createdAt <= withEnd(endDate)) &&
      (orderId === null || String(h.order.id) === orderId) &&
      (orderExt === null || h.order.externalId === orderExt),
  );
  const { page, pagination } = paginate(list, q, 100);
  return { success: true, generatedAt: now(), history: page.map((h) => historyView(h, k.key)), pagination };
}

export const historyRoutes: RouteGroup = (acc, { path, q, k, get }) => (path === '/api/v5/orders/history' && get ? [200, listHistory(acc, k, q)] : null);
