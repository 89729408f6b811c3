/* `orders`, `orders/create`, `orders/{id}/edit`, `orders/{id}`, `orders/statuses`. */
import { ApiError } from '../errors.js';
import { doCreateOrder, doEditOrder } from '../orders.js';
import { groupOf } from '../references.js';
import { wire } from '../serialise.js';
import type { Account } from '../state.js';
import type { EmulatorKey, Json } from '../types.js';
import { arr, dateRe, withEnd } from '../util.js';
import { entity, findOrder, keySites, paginate, writeSite, type RouteGroup } from './common.js';

function listOrders(acc: Account, k: EmulatorKey, q: URLSearchParams): Json {
  const f = (n: string) => arr(q, `filter[${n}]`);
  const one = (n: string) => q.get(`filter[${n}]`);
  for (const n of ['createdAtFrom', 'createdAtTo', 'statusUpdatedAtFrom', 'statusUpdatedAtTo']) {
    const v = one(n);
    if (v !== null && !dateRe.test(v)) throw new ApiError(400, 'Errors in the input parameters', { [`children[${n}]`]: 'This value is not valid.' });
  }
  const ids = f('ids');
  const ext = f('externalIds');
  const numbers = f('numbers');
  const ext2 = f('extendedStatus');
  const dts = f('deliveryTypes');
  const pts = f('paymentTypes');
  const pss = f('paymentStatuses');
  const sts = f('sites');
  const stores = f('shipmentStores');
  const avail = keySites(acc, k);
  const cfFilters = [...q.keys()].map((key) => /^filter\[customFields\]\[([^\]]+)\]$/.exec(key)).filter((m): m is RegExpExecArray => m !== null);
  const list = [...acc.orders.values()]
    .filter((o) => avail.includes(o.site))
    .filter((o) => ids.length === 0 || ids.includes(String(o.id)))
    .filter((o) => ext.length === 0 || (o.externalId !== null && ext.includes(o.externalId)))
    .filter((o) => numbers.length === 0 || numbers.includes(o.number))
    .filter((o) => ext2.length === 0 || ext2.includes(o.status) || ext2.includes(groupOf.get(o.status) ?? ''))
    .filter((o) => dts.length === 0 || (o.delivery.code !== null && dts.includes(o.delivery.code)))
    .filter((o) => pts.length === 0 || o.payments.some((p) => pts.includes(p.type)))
    .filter((o) => pss.length === 0 || o.payments.some((p) => pss.includes(p.status)))
    .filter((o) => sts.length === 0 || sts.includes(o.site))
    .filter((o) => stores.length === 0 || (o.shipmentStore !== null && stores.includes(o.shipmentStore)))
    .filter((o) => one('customerId') === null || String(o.customer?.id) === one('customerId'))
    .filter((o) => one('email') === null || o.email === one('email'))
    .filter((o) => one('createdAtFrom') === null || o.createdAt >= one('createdAtFrom')!)
    .filter((o) => one('createdAtTo') === null || o.createdAt <= withEnd(one('createdAtTo')!))
    .filter((o) => one('statusUpdatedAtFrom') === null || o.statusUpdatedAt >= one('statusUpdatedAtFrom')!)
    .filter((o) => one('statusUpdatedAtTo') === null || o.statusUpdatedAt <= withEnd(one('statusUpdatedAtTo')!))
    .filter((o) => cfFilters.every((m) => String(o.customFields[m[1]!] ?? '') === q.get(m[0])))
    .sort((a, b) => b.id - a.id);
  const { page, pagination } = paginate(list, q);
  return { success: true, pagination, orders: page.map((o) => wire(o, 'map')) };
}

export const orderRoutes: RouteGroup = (acc, { path, q, body, k, as, get, post }) => {
  let m: RegExpExecArray | null;
  if (path === '/api/v5/orders' && get) return [200, listOrders(acc, k, q)];
  if (path === '/api/v5/orders/create' && post) {
    const site = writeSite(acc, k, body);
    const o = doCreateOrder(acc, entity(body, 'order'), as, site);
    return [201, { success: true, id: o.id, order: wire(o, 'map') }];
  }
  if ((m = /^\/api\/v5\/orders\/([^/]+)\/edit$/.exec(path)) && post) {
    const site = writeSite(acc, k, body);
    const by = body.get('by') === 'id' ? 'id' : 'externalId';
    const patch = entity(body, 'order');
    const o = findOrder(acc, k, decodeURIComponent(m[1]!), by, site);
    doEditOrder(acc, o, patch, as);
    return [200, { success: true, id: o.id, order: wire(o, 'map') }];
  }
  if ((m = /^\/api\/v5\/orders\/([^/]+)$/.exec(path)) && get && m[1] !== 'statuses') {
    const by = q.get('by') === 'id' ? 'id' : 'externalId';
    const o = findOrder(acc, k, decodeURIComponent(m[1]!), by, q.get('site'));
    return [200, { success: true, order: wire(o, 'map') }];
  }
  if (path === '/api/v5/orders/statuses' && get) {
    const ids = arr(q, 'ids');
    const ext = arr(q, 'externalIds');
    const list = [...acc.orders.values()].filter((o) => ids.includes(String(o.id)) || (o.externalId !== null && ext.includes(o.externalId)));
    return [200, { success: true, orders: list.map((o) => ({ id: o.id, externalId: o.externalId, status: o.status, group: groupOf.get(o.status) })) }];
  }
  return null;
};
