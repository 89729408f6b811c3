import { systemTitles, type SystemId } from '../../../src-shared/systems.js';
import { SyncError } from '../errors.js';
import type { Redactor } from '../redact.js';
import { createHttpClient, type HttpResponse } from './client.js';

/**
 * A cookie + CSRF web session for sites that have no API for what we need (MeaSoft's print forms, site CRMs):
 * log in lazily with the login form, keep the cookies, log in again when the session lifetime has passed or when
 * a page turns out to be the login page (or 401/403), and repeat that request once.
 */

export interface LoginPageProbe {
  status: number;
  url: string;
  body: string;
  location?: string;
}

export interface WebSessionOptions {
  system: SystemId;
  baseUrl: string;
  redactor: Redactor;
  /** Log in again after this long even if nothing failed (default 20 minutes). */
  lifetimeMs?: number;
  timeoutMs?: number;
  login: {
    /** Page to GET (to scrape the token) and to POST the form to. */
    path: string;
    /** Name of the hidden CSRF field, e.g. `_csrf`. */
    csrfField: string;
    /** Form fields, e.g. `{'ExtraLoginForm[login]': 'x', 'ExtraLoginForm[password]': 'y'}`. */
    fields: Record<string, string>;
  };
  /** Whether an answer means «not logged in». Default: a redirect to the login path, 401/403, or a page with the login form. */
  isLoginPage?: (res: LoginPageProbe) => boolean;
}

export interface WebPage {
  status: number;
  body: string;
  contentType: string;
}

export interface WebSession {
  get(path: string, opts?: { signal?: AbortSignal; searchParams?: Record<string, string> }): Promise<WebPage>;
  /** Forget the login: the next request logs in again. */
  invalidate(): void;
  readonly loggedInAt: number | null;
}

const MAX_REDIRECTS = 5;

interface Cookie {
  value: string;
  expiresAt: number | null;
}

/** A tiny cookie jar for one site: name → value, honouring Max-Age/Expires and deletions. */
class CookieJar {
  private readonly cookies = new Map<string, Cookie>();

  constructor(private readonly onValue: (v: string) => void) {}

  store(setCookie: string | string[] | undefined): void {
    const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
    for (const line of lines) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let expiresAt: number | null = null;
      for (const a of attrs) {
        const [k = '', v = ''] = a.split('=').map((x) => x.trim());
        if (k.toLowerCase() === 'max-age') expiresAt = Date.now() + Number(v) * 1000;
        else if (k.toLowerCase() === 'expires' && expiresAt === null) {
          const t = Date.parse(v);
          if (Number.isFinite(t)) expiresAt = t;
        }
      }
      if (value === '' || (expiresAt !== null && expiresAt <= Date.now())) {
        this.cookies.delete(name);
        continue;
      }
      this.onValue(value);
      this.cookies.set(name, { value, expiresAt });
    }
  }

  header(): string | undefined {
    const now = Date.now();
    const parts: string[] = [];
    for (const [name, c] of this.cookies) {
      if (c.expiresAt !== null && c.expiresAt <= now) this.cookies.delete(name);
      else parts.push(`${name}=${c.value}`);
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  clear(): void {
    this.cookies.clear();
  }
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the value of a hidden input (any attribute order) or of a `<meta name="csrf-token">`. */
export function scrapeCsrf(html: string, field: string): string | null {
  const inputs = html.match(/<input\b[^>]*>/gi) ?? [];
  const nameRe = new RegExp(`\\bname\\s*=\\s*["']${escapeRe(field)}["']`, 'i');
  for (const tag of inputs) {
    if (!nameRe.test(tag)) continue;
    const m = /\bvalue\s*=\s*(["'])(.*?)\1/i.exec(tag);
    if (m) return decodeEntities(m[2] ?? '');
  }
  const meta = /<meta\b[^>]*name\s*=\s*["']csrf-token["'][^>]*content\s*=\s*(["'])(.*?)\1/i.exec(html);
  return meta ? decodeEntities(meta[2] ?? '') : null;
}

function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#039;|&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function createWebSession(o: WebSessionOptions): WebSession {
  const title = systemTitles[o.system];
  const base = new URL(o.baseUrl);
  const lifetimeMs = o.lifetimeMs ?? 20 * 60_000;
  const loginPath = new URL(o.login.path, base).pathname;
  const firstField = Object.keys(o.login.fields)[0];
  // Every login field is a secret except the account name, which stays readable in the log.
  for (const [k, v] of Object.entries(o.login.fields)) if (!/login\]?$|user|e-?mail/i.test(k)) o.redactor.addSecret(v);
  const http = createHttpClient({ system: o.system, redactor: o.redactor, timeoutMs: o.timeoutMs });
  const jar = new CookieJar((v) => o.redactor.addSecret(v));

  const defaultIsLoginPage = (res: LoginPageProbe): boolean => {
    if (res.status === 401 || res.status === 403) return true;
    if (res.location !== undefined) return new URL(res.location, res.url).pathname === loginPath;
    const hasCsrf = new RegExp(`name\\s*=\\s*["']${escapeRe(o.login.csrfField)}["']`, 'i').test(res.body);
    const hasField = firstField === undefined || new RegExp(`name\\s*=\\s*["']${escapeRe(firstField)}["']`, 'i').test(res.body);
    return hasCsrf && hasField && /<form\b/i.test(res.body);
  };
  const isLoginPage = o.isLoginPage ?? defaultIsLoginPage;

  let loggedInAt: number | null = null;
  let loggingIn: Promise<void> | null = null;

  /** One hop: no automatic redirects, so every Set-Cookie on the way is kept. */
  const send = async (method: 'GET' | 'POST', url: URL, form: Record<string, string> | undefined, signal: AbortSignal | undefined): Promise<HttpResponse> => {
    const cookie = jar.header();
    const res = await http.request({
      method,
      url: url.toString(),
      ...(form ? { form } : {}),
      headers: { accept: 'text/html,application/xhtml+xml,*/*', ...(cookie ? { cookie } : {}) },
      // A login POST changes nothing the merchant cares about; repeating it is harmless.
      idempotent: true,
      accept: (s) => (s >= 300 && s < 400) || s === 401 || s === 403,
      ...(signal ? { signal } : {}),
    });
    jar.store(res.headers['set-cookie']);
    return res;
  };

  /**
   * Sends a request and follows same-site redirects. Stops at the first answer that is the login page.
   * `checkLogin` is off while logging in, where the login page is the expected answer to the GET.
   */
  const fetchPage = async (
    method: 'GET' | 'POST',
    url: URL,
    form: Record<string, string> | undefined,
    signal: AbortSignal | undefined,
    checkLogin: boolean,
  ): Promise<{ res: HttpResponse; url: URL; loginPage: boolean }> => {
    let current = url;
    let m = method;
    let f = form;
    for (let hop = 0; ; hop++) {
      const res = await send(m, current, f, signal);
      const location = headerValue(res.headers['location']);
      const probe: LoginPageProbe = { status: res.status, url: current.toString(), body: res.body, ...(location ? { location } : {}) };
      if (checkLogin && isLoginPage(probe)) return { res, url: current, loginPage: true };
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current, loginPage: false };
      const next = new URL(location, current);
      if (next.origin !== base.origin || hop >= MAX_REDIRECTS) {
        throw new SyncError({
          kind: 'needsAttention',
          system: o.system,
          code: res.status,
          message: `${title}: личный кабинет перенаправляет запрос не туда, куда ожидалось. Проверьте адрес в настройках.`,
          detail: o.redactor.redact(`${m} ${current.pathname} → ${res.status} ${next.origin}${next.pathname}`),
        });
      }
      current = next;
      m = 'GET';
      f = undefined;
    }
  };

  const doLogin = async (signal: AbortSignal | undefined): Promise<void> => {
    jar.clear();
    loggedInAt = null;
    const loginUrl = new URL(o.login.path, base);
    const page = await fetchPage('GET', loginUrl, undefined, signal, false);
    const token = scrapeCsrf(page.res.body, o.login.csrfField);
    if (token === null) {
      throw new SyncError({
        kind: 'needsAttention',
        system: o.system,
        code: 'NO_CSRF',
        message: `${title}: страница входа в личный кабинет не похожа на ожидаемую (нет поля ${o.login.csrfField}). Проверьте адрес в настройках.`,
        detail: o.redactor.summarize(`GET ${page.url.pathname} → HTTP ${page.res.status}\n${page.res.body}`, 2000),
      });
    }
    o.redactor.addSecret(token);
    const after = await fetchPage('POST', page.url, { ...o.login.fields, [o.login.csrfField]: token }, signal, true);
    if (after.loginPage) {
      jar.clear();
      throw new SyncError({
        kind: 'auth',
        system: o.system,
        code: 'LOGIN_FAILED',
        message: `${title}: неверный логин или пароль для входа в личный кабинет`,
        detail: o.redactor.summarize(`POST ${page.url.pathname} → HTTP ${after.res.status}: the login page came back`, 500),
      });
    }
    loggedInAt = Date.now();
  };

  const ensureLogin = async (signal: AbortSignal | undefined, force: boolean): Promise<void> => {
    if (!force && loggedInAt !== null && Date.now() - loggedInAt < lifetimeMs) return;
    // Concurrent callers share one login.
    loggingIn ??= doLogin(signal).finally(() => {
      loggingIn = null;
    });
    await loggingIn;
  };

  return {
    get loggedInAt() {
      return loggedInAt;
    },
    invalidate() {
      loggedInAt = null;
      jar.clear();
    },
    async get(path, opts = {}) {
      const url = new URL(path, base);
      for (const [k, v] of Object.entries(opts.searchParams ?? {})) url.searchParams.set(k, v);
      await ensureLogin(opts.signal, false);
      let page = await fetchPage('GET', url, undefined, opts.signal, true);
      if (page.loginPage) {
        // The session ended on the site's side (expired cookie, logged in elsewhere): log in again once.
        await ensureLogin(opts.signal, true);
        page = await fetchPage('GET', url, undefined, opts.signal, true);
        if (page.loginPage) {
          loggedInAt = null;
          throw new SyncError({
            kind: 'auth',
            system: o.system,
            code: page.res.status,
            message: `${title}: личный кабинет не пускает после повторного входа. Проверьте логин, пароль и права доступа в настройках.`,
            detail: o.redactor.summarize(`GET ${url.pathname} → HTTP ${page.res.status}: the login page again after a fresh login`, 500),
          });
        }
      }
      return { status: page.res.status, body: page.res.body, contentType: headerValue(page.res.headers['content-type']) ?? '' };
    },
  };
}
