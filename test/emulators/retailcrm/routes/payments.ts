/* `orders/payments/create`, `orders/payments/{id}/edit`, `orders/payments/{id}/delete`. */
import { doPaymentCreate, doPaymentDelete, doPaymentEdit } from '../history.js';
import { entity, writeSite, type RouteGroup } from './common.js';

export const paymentRoutes: RouteGroup = (acc, { path, body, k, as, post }) => {
  let m: RegExpExecArray | null;
  if (path === '/api/v5/orders/payments/create' && post) {
    const site = writeSite(acc, k, body);
    const p = doPaymentCreate(acc, entity(body, 'payment'), as, site);
    return [201, { success: true, id: p.id }];
  }
  if ((m = /^\/api\/v5\/orders\/payments\/([^/]+)\/edit$/.exec(path)) && post) {
    writeSite(acc, k, body);
    const by = body.get('by') === 'id' ? 'id' : 'externalId';
    const p = doPaymentEdit(acc, decodeURIComponent(m[1]!), by, entity(body, 'payment'), as);
    return [200, { success: true, id: p.id }];
  }
  if ((m = /^\/api\/v5\/orders\/payments\/([^/]+)\/delete$/.exec(path)) && post) {
    doPaymentDelete(acc, decodeURIComponent(m[1]!), as);
    return [200, { success: true }];
  }
  return null;
};
