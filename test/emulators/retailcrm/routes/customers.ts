/* `customers`, `customers/create`, `customers-corporate`, `customers-corporate/create`. */
import { ApiError } from '../errors.js';
import { arr, now } from '../util.js';
import { entity, paginate, writeSite, type RouteGroup } from './common.js';

export const customerRoutes: RouteGroup = (acc, { path, q, body, k, get, post }) => {
  if (path === '/api/v5/customers' && get) {
    const name = q.get('filter[name]');
    const email = q.get('filter[email]');
    const ext = arr(q, 'filter[externalIds]');
    const digits = (s: string) => s.replace(/\D/g, '').replace(/^8(?=\d{10}$)/, '7');
    const list = acc.customers.filter((c) => {
      if (email !== null && c.email !== email) return false;
      if (ext.length && !ext.includes(String(c.externalId))) return false;
      if (name !== null) {
        const phones = (c.phones as Array<{ number: string }>).map((p) => digits(p.number));
        const n = digits(name);
        const byPhone = n.length >= 5 && phones.some((p) => p.endsWith(n.slice(-10)));
        const byName = `${String(c.lastName ?? '')} ${String(c.firstName ?? '')}`.toLowerCase().includes(name.toLowerCase());
        if (!byPhone && !byName) return false;
      }
      return true;
    });
    const { page, pagination } = paginate(list, q);
    return [200, { success: true, pagination, customers: page }];
  }
  if (path === '/api/v5/customers/create' && post) {
    const site = writeSite(acc, k, body);
    const c = entity(body, 'customer');
    if (c.externalId !== undefined && acc.customers.some((x) => x.externalId === String(c.externalId))) {
      throw new ApiError(400, 'Customer already exists.', { externalId: 'Customer with this externalId already exists.' });
    }
    const cust = { type: 'customer', ...c, id: acc.ids.customer++, site, createdAt: now(), phones: Array.isArray(c.phones) ? c.phones : [] };
    acc.customers.push(cust);
    return [201, { success: true, id: cust.id }];
  }
  if (path === '/api/v5/customers-corporate' && get) {
    // `nickName` is a list filter (string[] in the official clients): `filter[nickName][]=…`; any of them matches.
    const nicks = q.getAll('filter[nickName][]');
    if (q.has('filter[nickName]')) throw new ApiError(400, 'Errors in the input parameters', { nickName: 'This value should be of type array.' });
    const inn = q.get('filter[contragentInn]');
    const list = acc.corporate.filter(
      (c) =>
        (nicks.length === 0 || nicks.some((nick) => String(c.nickName ?? '').toLowerCase().includes(nick.toLowerCase()))) &&
        (inn === null || ((c.companies ?? []) as Array<{ contragent?: { INN?: string } }>).some((co) => co.contragent?.INN === inn)),
    );
    const { page, pagination } = paginate(list, q);
    return [200, { success: true, pagination, customersCorporate: page }];
  }
  if (path === '/api/v5/customers-corporate/create' && post) {
    const site = writeSite(acc, k, body);
    const c = entity(body, 'customerCorporate');
    if (!c.nickName && !(Array.isArray(c.companies) && c.companies.length)) throw new ApiError(400, 'Errors in the entity format', { nickName: 'This value should not be blank.' });
    const cust = { type: 'customer_corporate', ...c, id: acc.ids.customer++, site, createdAt: now(), companies: Array.isArray(c.companies) ? c.companies : [] };
    acc.corporate.push(cust);
    return [201, { success: true, id: cust.id }];
  }
  return null;
};
