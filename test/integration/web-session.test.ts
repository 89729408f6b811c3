import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import { createWebSession, type WebSessionOptions } from '../../src-main/engine/http/session.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { listen, readBody, type TestServer } from '../helpers/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A tiny site: `/login` (GET form with a CSRF token bound to a `sid` cookie; POST sets `auth`), `/data` answers
 * 401 without a valid `auth` cookie (the JSON-API style), `/moved` redirects elsewhere. Its switches let a test
 * revoke sessions or refuse every login.
 */
async function site() {
  const csrfBySid = new Map<string, string>();
  const auth = new Set<string>();
  const state = { logins: 0, posts: 0, refuseAll: false, noToken: false, seenCookies: [] as string[] };
  const s = await listen((req, res) => {
    void (async () => {
      const url = new URL(req.url!, 'http://x');
      const cookies = Object.fromEntries((req.headers.cookie ?? '').split(';').filter(Boolean).map((c) => c.trim().split('=') as [string, string]));
      state.seenCookies.push(req.headers.cookie ?? '');
      if (url.pathname === '/login') {
        if (req.method === 'GET') {
          const sid = randomBytes(8).toString('hex');
          const token = randomBytes(8).toString('hex');
          csrfBySid.set(sid, token);
          res.writeHead(200, { 'set-cookie': [`sid=${sid}; Path=/`, 'tracking=gone; Max-Age=0'], 'content-type': 'text/html' });
          res.end(state.noToken ? '<p>maintenance</p>' : `<form method="post"><input type="hidden" name="token" value="${token}"><input name="user"><input name="pw"></form>`);
          return;
        }
        state.posts++;
        const form = new URLSearchParams(await readBody(req));
        if (form.get('token') !== csrfBySid.get(cookies['sid'] ?? '')) return void res.writeHead(400).end('bad csrf');
        if (state.refuseAll || form.get('user') !== 'shop' || form.get('pw') !== 'pw-secret-1') {
          return void res.writeHead(302, { location: '/login?error=1' }).end();
        }
        const a = randomBytes(8).toString('hex');
        auth.add(a);
        state.logins++;
        res.writeHead(302, { location: '/home', 'set-cookie': `auth=${a}; Path=/; HttpOnly` }).end();
        return;
      }
      if (!auth.has(cookies['auth'] ?? '')) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      if (url.pathname === '/home') return void res.writeHead(200, { 'content-type': 'text/html' }).end('home');
      if (url.pathname === '/moved') return void res.writeHead(302, { location: 'http://example.invalid/elsewhere' }).end();
      if (url.pathname === '/forbidden') return void res.writeHead(403).end('forbidden');
      if (url.pathname === '/boom') return void res.writeHead(500).end('boom');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ q: url.searchParams.get('q') }));
    })();
  });
  servers.push(s);
  return { s, state, revokeAll: () => auth.clear() };
}

function options(url: string, patch: Partial<WebSessionOptions> = {}): WebSessionOptions {
  return {
    system: 'forms',
    baseUrl: url,
    redactor: new Redactor(),
    login: { path: '/login', csrfField: 'token', fields: { user: 'shop', pw: 'pw-secret-1' } },
    ...patch,
  };
}

async function failureOf(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('web session (cookie + CSRF)', () => {
  it('logs in lazily, sends the cookies, passes query parameters', async () => {
    const { s, state } = await site();
    const session = createWebSession(options(s.url));
    expect(state.logins).toBe(0);
    const page = await session.get('/data', { searchParams: { q: 'чай' } });
    expect(page).toEqual({ status: 200, body: '{"q":"чай"}', contentType: 'application/json' });
    expect(state.logins).toBe(1);
    expect(session.loggedInAt).not.toBeNull();
    // The cookie deleted by Max-Age=0 is not sent back; the session cookie and the auth cookie are.
    const last = state.seenCookies.at(-1)!;
    expect(last).toMatch(/sid=\w+/);
    expect(last).toMatch(/auth=\w+/);
    expect(last).not.toContain('tracking');
  });

  it('a 401 means the session ended: log in again and repeat once', async () => {
    const { s, state, revokeAll } = await site();
    const session = createWebSession(options(s.url));
    await session.get('/data');
    revokeAll();
    expect((await session.get('/data', { searchParams: { q: '2' } })).body).toBe('{"q":"2"}');
    expect(state.logins).toBe(2);
  });

  it('a second refusal after a fresh login is an auth error', async () => {
    const { s, state } = await site();
    const session = createWebSession(options(s.url));
    const err = await failureOf(session.get('/forbidden'));
    expect(err.kind).toBe('auth');
    expect(err.system).toBe('forms');
    expect(err.message).toContain('Сайт: личный кабинет не пускает после повторного входа');
    expect(state.logins).toBe(2);
    expect(session.loggedInAt).toBeNull();
  });

  it('a custom login-page test decides what «logged out» looks like', async () => {
    const { s, state } = await site();
    // This site's home page is treated as a logged-out page: the login itself then counts as refused.
    const session = createWebSession(options(s.url, { isLoginPage: (r) => r.body === 'home' }));
    const err = await failureOf(session.get('/data'));
    expect(err.kind).toBe('auth');
    expect(state.logins).toBe(1);
  });

  it('a wrong password is an auth error right after the login form', async () => {
    const { s, state } = await site();
    const session = createWebSession(options(s.url, { login: { path: '/login', csrfField: 'token', fields: { user: 'shop', pw: 'nope-nope' } } }));
    const err = await failureOf(session.get('/data'));
    expect(err.kind).toBe('auth');
    expect(err.message).toBe('Сайт: неверный логин или пароль для входа в личный кабинет');
    expect(state.posts).toBe(1);
    expect(session.loggedInAt).toBeNull();
  });

  it('a login page without the token field needs attention', async () => {
    const { s, state } = await site();
    state.noToken = true;
    const err = await failureOf(createWebSession(options(s.url)).get('/data'));
    expect(err.kind).toBe('needsAttention');
    expect(err.message).toContain('нет поля token');
  });

  it('lifetime and invalidate force a new login', async () => {
    const { s, state } = await site();
    const session = createWebSession(options(s.url, { lifetimeMs: 50 }));
    await session.get('/data');
    await session.get('/data');
    expect(state.logins).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await session.get('/data');
    expect(state.logins).toBe(2);
    session.invalidate();
    expect(session.loggedInAt).toBeNull();
    await session.get('/data');
    expect(state.logins).toBe(3);
  });

  it('redirects off the site and server errors are failures, not pages', async () => {
    const { s } = await site();
    const session = createWebSession(options(s.url));
    expect((await failureOf(session.get('/moved'))).kind).toBe('needsAttention');
    expect((await failureOf(session.get('/boom'))).kind).toBe('retryable');
  });

  it('the password and the cookies are redacted from logs', async () => {
    const { s, state } = await site();
    const redactor = new Redactor();
    const session = createWebSession(options(s.url, { redactor }));
    await session.get('/data');
    const cookieLine = state.seenCookies.at(-1)!;
    const auth = /auth=(\w+)/.exec(cookieLine)![1]!;
    const red = redactor.redact(`pw-secret-1 and ${auth}`);
    expect(red).not.toContain('pw-secret-1');
    expect(red).not.toContain(auth);
  });
});
