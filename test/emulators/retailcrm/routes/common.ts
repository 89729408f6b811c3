/* What every route group shares: the request as routes see it, paging, the `site` of a write, entity fields. */
import { ApiError } from '../errors.js';
import type { Account } from '../state.js';
import type { As, EmulatorKey, Json, Order } from '../types.js';

export interface ApiRequest {
  method: string;
  path: string;
  q: URLSearchParams;
  body: URLSearchParams;
  k: EmulatorKey;
  /** The change source for writes made with this request's key. */
  as: As;
  get: boolean;
  post: boolean;
}

/** A status and a JSON body. */
export type Reply = [number, Json];

/** One endpoint group: its answer, or `null` when the path is not its own. */
export type RouteGroup = (acc: Account, r: ApiRequest) => Reply | null;

export function paginate<T>(list: T[], q: URLSearchParams, def = 20): { page: T[]; pagination: Json } {
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? def : Number(limitRaw);
  if (![20, 50, 100].includes(limit)) throw new ApiError(400, 'Errors in the input parameters', { limit: 'This value is not valid.' });
  const pageRaw = q.get('page');
  const page = pageRaw === null ? 1 : Number(pageRaw);
  if (!Number.isInteger(page) || page < 1) throw new ApiError(400, 'Errors in the input parameters', { page: 'This value should be 1 or more.' });
  const totalPageCount = Math.ceil(list.length / limit);
  return {
    page: list.slice((page - 1) * limit, page * limit),
    pagination: { limit, totalCount: list.length, currentPage: page, totalPageCount },
  };
}

export function keySites(acc: Account, k: EmulatorKey): string[] {
  return k.sites ?? acc.sites;
}

/** The `site` a write runs in: required when the key spans several sites. */
export function writeSite(acc: Account, k: EmulatorKey, body: URLSearchParams): string {
  const avail = keySites(acc, k);
  const s = body.get('site');
  if (s === null || s === '') {
    if (avail.length > 1) throw new ApiError(400, "Parameter 'site' is missing");
    return avail[0] ?? acc.sites[0]!;
  }
  if (!acc.sites.includes(s)) throw new ApiError(400, 'Errors in the input parameters', { site: `Site with code "${s}" not found.` });
  if (!avail.includes(s)) throw new ApiError(403, 'Access denied.');
  return s;
}

export function entity(body: URLSearchParams, field: string): Json {
  const raw = body.get(field);
  if (raw === null) throw new ApiError(400, `Parameter '${field}' is missing`);
  try {
    const v: unknown = JSON.parse(raw);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Json;
  } catch {
    throw new ApiError(400, 'Errors in the entity format', { [field]: 'This value is not valid JSON.' });
  }
}

export function findOrder(acc: Account, k: EmulatorKey, idv: string, by: string, site: string | null): Order {
  const avail = keySites(acc, k);
  for (const o of acc.orders.values()) {
    const hit = by === 'id' ? String(o.id) === idv : o.externalId === idv;
    if (hit && avail.includes(o.site) && (site === null || site === '' || o.site === site)) return o;
  }
  throw new ApiError(404, 'Not found');
}
