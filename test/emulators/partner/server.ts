import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A partner that holds some of the merchant's orders and answers their statuses (contracts/statuscheck.md): a
 * call centre, a CPA network or a fulfilment with its own API and no connector of ours.
 *
 * `GET|POST /status`: by a list of ids (`ids=1,2,3`, `ids[]=1&ids[]=2`, or JSON `{ "ids": [...] }`) or by a date
 * range (`from`/`to` as YYYY-MM-DD, "YYYY-MM-DD HH:MM:SS" or Unix seconds; the end inclusive, or exclusive when
 * `exclusiveEnd` is set — the seed's reason for `{tom}`), paginated by `page` (`pageSize` per page). Answers JSON
 * `{ orders: [...], page, pages }` or XML `<response><orders><order>…</order></orders>…</response>`; statuses
 * as words («Подтвержден», "cancelled") or as the seed's codes 1–12. Unknown ids are simply absent, as real
 * partners do. An auth token (Bearer or X-API-KEY), a request budget (token bucket) with 429 and Retry-After, and faults: HTTP errors for the
 * next N requests, a malformed body, latency.
 */

export interface PartnerOrder {
  id: string;
  status: string;
  reason?: string | null;
  comment?: string | null;
  track?: string | null;
  /** "YYYY-MM-DD HH:MM:SS", Moscow time. */
  createdAt: string;
}

export interface PartnerEmulatorOptions {
  token?: string | null;
  format?: 'json' | 'xml';
  pageSize?: number;
  /** Requests per second; over it: 429 with Retry-After (0 = no limit). */
  ratePerSec?: number;
  exclusiveEnd?: boolean;
}

export interface PartnerRequestLog {
  at: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: string;
  headers: Record<string, string>;
  status: number;
}

export interface PartnerEmulator {
  url: string;
  set(order: PartnerOrder): void;
  setMany(orders: PartnerOrder[]): void;
  get(id: string): PartnerOrder | undefined;
  requests(): PartnerRequestLog[];
  clearRequests(): void;
  /** The next `times` requests answer `status` (5xx, 401…) or a broken body (`malformed`). */
  fail(f: { status?: number; malformed?: boolean; times?: number }): void;
  setLatency(ms: number): void;
  setFormat(f: 'json' | 'xml'): void;
  rateViolations(): number;
  close(): Promise<void>;
}

export async function startPartnerEmulator(opts: PartnerEmulatorOptions = {}): Promise<PartnerEmulator> {
  const orders = new Map<string, PartnerOrder>();
  const log: PartnerRequestLog[] = [];
  let fault: { status?: number; malformed?: boolean; times: number } | null = null;
  let latency = 0;
  let format = opts.format ?? 'json';
  const pageSize = opts.pageSize ?? 100;
  // A token bucket, as partners' gateways usually limit: `ratePerSec` tokens refill per second, as many may burst.
  let tokens = opts.ratePerSec ?? 0;
  let refilledAt = Date.now();
  let violations = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const run = () => handle(req, res, body);
      if (latency > 0) setTimeout(run, latency);
      else run();
    });
  });

  function send(res: ServerResponse, entry: PartnerRequestLog, status: number, contentType: string, text: string, extra: Record<string, string> = {}) {
    entry.status = status;
    res.writeHead(status, { 'Content-Type': contentType, ...extra });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const u = new URL(req.url ?? '/', 'http://x');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of u.searchParams) {
      const key = k.replace(/\[\]$/, '');
      const prev = query[key];
      query[key] = prev === undefined ? (k.endsWith('[]') ? [v] : v) : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const entry: PartnerRequestLog = { at: Date.now(), method: req.method ?? 'GET', path: u.pathname, query, body, headers, status: 0 };
    log.push(entry);

    if (opts.ratePerSec) {
      const now = Date.now();
      tokens = Math.min(opts.ratePerSec, tokens + ((now - refilledAt) / 1000) * opts.ratePerSec);
      refilledAt = now;
      if (tokens < 1) {
        violations++;
        return send(res, entry, 429, 'application/json', JSON.stringify({ error: 'too many requests' }), { 'Retry-After': '1' });
      }
      tokens -= 1;
    }
    if (fault && fault.times > 0) {
      fault.times--;
      const f = fault;
      if (fault.times <= 0) fault = null;
      if (f.malformed) return send(res, entry, 200, 'application/json', '{"orders": [{"id": 1, "sta');
      return send(res, entry, f.status ?? 500, 'text/html', '<html><body>Service Unavailable</body></html>');
    }
    if (opts.token) {
      const auth = headers.authorization ?? '';
      const key = headers['x-api-key'] ?? '';
      if (auth !== `Bearer ${opts.token}` && key !== opts.token) {
        return send(res, entry, 401, 'application/json', JSON.stringify({ error: 'unauthorized' }));
      }
    }
    if (u.pathname !== '/status') return send(res, entry, 404, 'application/json', JSON.stringify({ error: 'not found' }));

    const params = readParams(query, body, headers['content-type'] ?? '');
    if (!params) return send(res, entry, 400, 'application/json', JSON.stringify({ error: 'bad body' }));
    let list: PartnerOrder[];
    if (params.ids) {
      list = params.ids.map((id) => orders.get(id)).filter((o): o is PartnerOrder => !!o);
    } else if (params.from && params.to) {
      const from = toStamp(params.from, false);
      // An exclusive end date means its midnight: the day itself is not included.
      const to = toStamp(params.to, !opts.exclusiveEnd);
      if (from === null || to === null) return send(res, entry, 400, 'application/json', JSON.stringify({ error: 'bad date' }));
      list = [...orders.values()].filter((o) => o.createdAt >= from && (opts.exclusiveEnd ? o.createdAt < to : o.createdAt <= to));
      list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    } else {
      return send(res, entry, 400, 'application/json', JSON.stringify({ error: 'ids or from/to required' }));
    }
    const pages = Math.max(1, Math.ceil(list.length / pageSize));
    const page = Math.min(Math.max(1, Number(params.page ?? 1) || 1), pages);
    const slice = list.slice((page - 1) * pageSize, page * pageSize);
    if (format === 'xml') return send(res, entry, 200, 'application/xml; charset=utf-8', toXml(slice, page, pages));
    return send(res, entry, 200, 'application/json; charset=utf-8', JSON.stringify({ orders: slice.map(wire), page, pages }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (o) => void orders.set(o.id, { ...o }),
    setMany: (list) => list.forEach((o) => orders.set(o.id, { ...o })),
    get: (id) => orders.get(id),
    requests: () => [...log],
    clearRequests: () => void log.splice(0),
    fail: (f) => void (fault = { ...f, times: f.times ?? 1 }),
    setLatency: (ms) => void (latency = ms),
    setFormat: (f) => void (format = f),
    rateViolations: () => violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readParams(query: Record<string, string | string[]>, body: string, contentType: string) {
  let src: Record<string, unknown> = { ...query };
  if (body) {
    if (contentType.includes('json')) {
      try {
        src = { ...src, ...(JSON.parse(body) as Record<string, unknown>) };
      } catch {
        return null;
      }
    } else {
      for (const [k, v] of new URLSearchParams(body)) {
        const key = k.replace(/\[\]$/, '');
        const prev = src[key];
        src[key] = prev === undefined ? (k.endsWith('[]') ? [v] : v) : [...(Array.isArray(prev) ? prev : [prev]), v];
      }
    }
  }
  const rawIds = src.ids;
  const ids = rawIds === undefined ? null : (Array.isArray(rawIds) ? rawIds : String(rawIds).split(',')).map((x) => String(x).trim()).filter(Boolean);
  return { ids, from: src.from as string | number | undefined, to: src.to as string | number | undefined, page: src.page as string | number | undefined };
}

/** A date as the partner compares it: Moscow "YYYY-MM-DD HH:MM:SS". */
function toStamp(v: string | number, end: boolean): string | null {
  const s = String(v).trim();
  if (/^\d{9,11}$/.test(s)) {
    const d = new Date(Number(s) * 1000 + 3 * 3600_000);
    return d.toISOString().slice(0, 19).replace('T', ' ');
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return `${s} ${end ? '23:59:59' : '00:00:00'}`;
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) return s;
  return null;
}

function wire(o: PartnerOrder) {
  return { id: o.id, status: o.status, reason: o.reason ?? null, comment: o.comment ?? null, track: o.track ?? null, created: o.createdAt };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function toXml(list: PartnerOrder[], page: number, pages: number): string {
  const items = list
    .map(
      (o) =>
        `<order id="${esc(o.id)}"><status>${esc(o.status)}</status>${o.reason ? `<reason>${esc(o.reason)}</reason>` : ''}${o.comment ? `<comment>${esc(o.comment)}</comment>` : ''}${o.track ? `<track>${esc(o.track)}</track>` : ''}</order>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><response><page>${page}</page><pages>${pages}</pages><orders>${items}</orders></response>`;
}
