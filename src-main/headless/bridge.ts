import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiEvents, type EventName } from '../../src-shared/api.js';
import { ClientGone, jsonDepth, lingerThenClose, sameSecret, slowSenderLimits } from '../engine/webhooks/server.js';
import type { Engine } from '../engine/engine.js';

export interface BridgeOptions {
  engine: Engine;
  /** Required on every API call and the events socket; the printed link carries it. */
  token: string;
  port: number;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  host?: string;
  maxBodyBytes?: number;
  /** Slow senders are disconnected after these (defaults 10 s for headers, 30 s for the whole request). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface Bridge {
  port: number;
  url: string;
  close(): Promise<void>;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.json': 'application/json',
};

/**
 * Serves the window and the API to a browser on this computer: static files, POST /api/<method> and a
 * WebSocket of events, all on 127.0.0.1 behind an access token. The Host header is checked too, so a web page
 * cannot reach the bridge by pointing its own domain at 127.0.0.1.
 */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const host = opts.host ?? '127.0.0.1';
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const { engine } = opts;
  let port = opts.port;

  const hostAllowed = (req: IncomingMessage) => {
    const h = (req.headers.host ?? '').toLowerCase();
    return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
  };
  const bearer = (req: IncomingMessage) => {
    const auth = req.headers.authorization ?? '';
    return auth.startsWith('Bearer ') ? auth.slice(7) : null;
  };
  const queryToken = (req: IncomingMessage) => new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  const cookieToken = (req: IncomingMessage) => {
    const m = /(?:^|;\s*)prilavok_session=([^;]+)/.exec(req.headers.cookie ?? '');
    return m ? decodeURIComponent(m[1]!) : null;
  };
  const authorized = (given: string | null) => given !== null && sameSecret(given, opts.token);

  const server = http.createServer(slowSenderLimits(opts.headersTimeoutMs ?? 10_000, opts.requestTimeoutMs ?? 30_000), (req, res) => {
    void (async () => {
      try {
        securityHeaders(res, port);
        if (!hostAllowed(req)) return text(res, 421, 'Неверный адрес');
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname.startsWith('/api/')) {
          if (req.method !== 'POST') return json(res, 405, { ok: false, error: { kind: 'fatal', message: 'Только POST', detail: null } });
          if (!authorized(bearer(req))) return json(res, 401, { ok: false, error: { kind: 'auth', message: 'Нет доступа', detail: null } });
          const body = await readJson(req, maxBody);
          if (body === tooLarge) {
            // Answered without keeping the body; the rest is drained (bounded) so the browser reads the answer.
            lingerThenClose(req, res);
            return json(res, 413, { ok: false, error: { kind: 'needsAttention', message: `Запрос больше ${Math.round(maxBody / 1024)} КБ`, detail: null } });
          }
          if (body === undefined) return json(res, 400, { ok: false, error: { kind: 'needsAttention', message: 'Неверный JSON', detail: null } });
          return json(res, 200, await engine.api(url.pathname.slice(5), body));
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Метод не поддерживается');
        if (url.pathname === '/' || url.pathname === '/index.html') {
          // The page itself only with the token: without it there is nothing to see, not even the shell.
          // The first visit carries it in the link; a session cookie (HttpOnly, this site only) lets a reload in.
          const fromLink = queryToken(req);
          if (authorized(fromLink)) {
            res.setHeader('set-cookie', `prilavok_session=${encodeURIComponent(opts.token)}; HttpOnly; SameSite=Strict; Path=/`);
          } else if (!authorized(cookieToken(req))) {
            return text(res, 401, accessDenied, 'text/html; charset=utf-8');
          }
          return serveFile(res, path.join(opts.staticDir, 'index.html'));
        }
        const file = path.resolve(opts.staticDir, `.${decodeURIComponent(url.pathname)}`);
        if (!file.startsWith(path.resolve(opts.staticDir) + path.sep)) return text(res, 404, 'Не найдено');
        return serveFile(res, file);
      } catch (err) {
        if (err instanceof ClientGone) return engine.log.debug('window request abandoned by the browser');
        engine.log.error('bridge request failed', { err });
        if (!res.headersSent) text(res, 500, 'Внутренняя ошибка');
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/events' || !hostAllowed(req) || !authorized(url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    // A fresh client gets the current status at once instead of waiting for the next change.
    ws.send(JSON.stringify({ event: 'engine.status', payload: engine.status() }));
  });
  const unsubscribers = (Object.keys(apiEvents) as EventName[]).map((event) =>
    engine.events.on(event, (payload) => {
      const frame = JSON.stringify({ event, payload });
      for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${encodeURIComponent(opts.token)}`,
    async close() {
      unsubscribers.forEach((u) => u());
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const accessDenied = `<!doctype html><html lang="ru"><meta charset="utf-8"><title>Прилавок — нет доступа</title>
<body style="font-family:system-ui;margin:3rem;color:#1f2933"><h1>Нет доступа</h1>
<p>Откройте ссылку с ключом доступа, которую Прилавок напечатал при запуске.</p></body></html>`;

function securityHeaders(res: ServerResponse, port: number): void {
  res.setHeader(
    'content-security-policy',
    `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
  );
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  // The token travels in the first URL; it must not leak to anything the page links to.
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cache-control', 'no-store');
}

function serveFile(res: ServerResponse, file: string): void {
  fs.readFile(file, (err, data) => {
    if (err) return text(res, 404, 'Не найдено');
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'content-length': data.length });
    res.end(data);
  });
}

function text(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const t = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(t) });
  res.end(t);
}

const tooLarge = Symbol('too large');

/** The parsed body, `undefined` for bad JSON, `tooLarge` past the limit (declared or counted). */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: unknown, err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        finish(tooLarge);
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (!raw) return finish({});
      // The API takes small flat objects; deep nesting is refused before anything recurses over it.
      if (jsonDepth(raw) > 32) return finish(undefined);
      try {
        finish(JSON.parse(raw) as unknown);
      } catch {
        finish(undefined);
      }
    });
    req.on('error', () => finish(undefined, new ClientGone()));
    req.on('close', () => {
      if (!req.complete) finish(undefined, new ClientGone());
    });
  });
}
