/*
 * How the account's entities are written on the wire: an order with its payments as an object keyed by id
 * (order answers) or as a list (history), the short order stub history records carry, a history record as
 * seen by a given key (`apiKey.current`), a user. Reference books are in references.ts, errors in errors.ts.
 */
import { crmOrderSchema, type CrmOrder } from '../../../src-main/engine/connectors/retailcrm/types.js';
import * as seed from './seed.js';
import type { Json, Order, StoredHistory } from './types.js';
import { clone } from './util.js';

export function wire(o: Order, paymentsAs: 'map' | 'list'): Json {
  const w = clone(o) as unknown as Json;
  w.slug = o.id;
  w.countryIso = 'RU';
  w.currency = 'RUB';
  w.items = o.items.map((i) => ({ ...clone(i), properties: Object.keys(i.properties).length ? i.properties : [] }));
  w.customFields = Object.keys(o.customFields).length ? clone(o.customFields) : [];
  w.payments = paymentsAs === 'list' ? clone(o.payments) : Object.fromEntries(o.payments.map((p) => [String(p.id), clone(p)]));
  const d = o.delivery;
  w.delivery = { ...clone(d), data: Object.keys(d.data).length ? clone(d.data) : [] };
  return w;
}

export function stub(o: Order): Json {
  return { id: o.id, ...(o.externalId ? { externalId: o.externalId } : {}), number: o.number, site: o.site, status: o.status, managerId: o.managerId };
}

export const normalise = (o: Order): CrmOrder => crmOrderSchema.parse(wire(o, 'map'));

export function historyView(h: StoredHistory, forKey: string | null): Json {
  return {
    id: h.id,
    createdAt: h.createdAt,
    ...(h.created ? { created: true } : {}),
    ...(h.deleted ? { deleted: true } : {}),
    source: h.source,
    ...(h.source === 'user' ? { user: { id: h.userId ?? 12 } } : {}),
    ...(h.source === 'api' ? { apiKey: { current: h.key !== null && h.key === forKey } } : {}),
    field: h.field,
    oldValue: h.oldValue,
    newValue: h.newValue,
    order: h.order,
    ...(h.item ? { item: h.item } : {}),
    ...(h.payment ? { payment: h.payment } : {}),
  };
}

export function userView(u: (typeof seed.users)[number]): Json {
  return {
    id: u.id,
    createdAt: '2023-03-01 10:00:00',
    active: (u as { active?: boolean }).active ?? true,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    patronymic: u.patronymic,
    phone: u.phone,
    position: u.position,
    status: 'free',
    online: false,
    isAdmin: u.isAdmin,
    isManager: u.isManager,
    groups: seed.userGroups.filter((g) => u.groups.includes(g.code)).map((g) => ({ id: g.id, name: g.name, code: g.code })),
  };
}
