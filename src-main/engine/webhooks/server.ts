import busboy from 'busboy';
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SystemId } from '../../../src-shared/systems.js';
import { SyncError, toSyncError } from '../errors.js';
import type { Inbox, InboxFile, InboxInput } from '../jobs/inbox.js';
import type { Logger } from '../log.js';

export interface WebhookRequest {
  source: string;
  headers: IncomingHttpHeaders;
  contentType: string;
  rawBody: Buffer;
  /** JSON value, or for forms an object of fields (a repeated field becomes an array). */
  body: unknown;
  files: InboxFile[];
}

export interface WebhookRoute {
  /** The path segment: `/hooks/<source>/<secret>`. */
  source: string;
  system: SystemId;
  /** Turns one request into inbox items; throw a SyncError to refuse it with 422 and a reason. */
  toInbox(req: WebhookRequest): InboxInput[];
  /**
   * Origins a browser may post from (CORS, with the OPTIONS preflight). A request with any other `Origin` is
   * refused with 403; one without `Origin` (a server such as Tilda) is not a browser's and passes. Read per
   * request: the merchant edits the list while Prilavok runs.
   */
  allowedOrigins?: () => string[];
  /** Before the body is read (a per-IP rate limit): throw a WebhookRefusal to answer with its status. */
  admit?: (info: { ip: string; headers: IncomingHttpHeaders }) => void;
  /** Tighter limits for this route's files, checked on what was received: 413 / 415, nothing stored. */
  fileLimits?: () => RouteFileLimits;
  /** The answer after the commit, instead of `{ok, accepted, duplicates}` (a page, a request number). */
  answer?: (req: WebhookRequest, stored: { ids: number[]; duplicates: number }, items: InboxInput[]) => WebhookAnswer;
  /** The answer to a refusal, when JSON is not what the sender reads (a plain HTML form wants a page). */
  refusal?: (r: { status: number; message: string; headers: IncomingHttpHeaders; body: unknown }) => WebhookAnswer | null;
}

export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface RouteFileLimits {
  /** Each file. */
  fileBytes?: number;
  /** All files of one request together. */
  totalBytes?: number;
  /** Allowed types: MIME types (`application/pdf`, `image/*`) or name endings (`.docx`); empty = any. */
  types?: string[];
}

export interface WebhookLimits {
  /** JSON and urlencoded bodies. */
  bodyBytes: number;
  /** Each multipart file. */
  fileBytes: number;
  files: number;
  fields: number;
  /** A whole multipart request, counted while it arrives: reading stops at this size. */
  requestBytes?: number;
  /** Nesting of a JSON body (objects and arrays); deeper is refused before parsing. */
  jsonDepth?: number;
  /** A sender that has not sent its headers by then is disconnected. */
  headersTimeoutMs?: number;
  /** A sender that has not sent the whole request by then is disconnected. */
  requestTimeoutMs?: number;
}

export { HttpProblem as WebhookRefusal };

export const defaultWebhookLimits: Required<WebhookLimits> = {
  bodyBytes: 1024 * 1024,
  fileBytes: 10 * 1024 * 1024,
  files: 10,
  fields: 200,
  requestBytes: 20 * 1024 * 1024,
  jsonDepth: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** A refusal with its HTTP status and a reason for the sender (Russian). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The sender went away in the middle of its request: nothing to answer, nothing wrong on our side. */
export class ClientGone extends Error {
  constructor() {
    super('client disconnected');
  }
}

/**
 * The local endpoint for triggers and webhooks (127.0.0.1; a tunnel makes it public). A request is
 * answered 200 only after its inbox rows are committed; anything else gets a 4xx/5xx with a JSON reason
 * and leaves nothing behind, so the sender's own retry is always safe.
 */
export class WebhookServer {
  private readonly routes = new Map<string, WebhookRoute>();
  private server: http.Server | null = null;
  private address: AddressInfo | null = null;
  private readonly limits: Required<WebhookLimits>;
  /** Upload files written for a request, removed afterwards unless an inbox row took them. */
  private readonly staged = new WeakMap<IncomingMessage, string[]>();

  constructor(
    private readonly inbox: Inbox,
    private readonly secretFor: (source: string) => string | null,
    private readonly log: Logger,
    limits: WebhookLimits = defaultWebhookLimits,
  ) {
    this.limits = { ...defaultWebhookLimits, ...limits };
  }

  register(route: WebhookRoute): void {
    if (this.routes.has(route.source)) throw new Error(`webhook route ${route.source} registered twice`);
    if (!/^[a-z][a-z0-9-]*$/.test(route.source)) throw new Error(`bad webhook source name ${route.source}`);
    this.routes.set(route.source, route);
  }

  get sources(): string[] {
    return [...this.routes.keys()];
  }

  get localUrl(): string | null {
    return this.address ? `http://127.0.0.1:${this.address.port}` : null;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = http.createServer(slowSenderLimits(this.limits.headersTimeoutMs, this.limits.requestTimeoutMs), (req, res) => void this.serve(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    return this.address.port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.address = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Refused, failed, a duplicate or a file the route did not keep: no file stays without its row. Done
    // before the answer leaves, so a sender that sees it sees the directory clean.
    const tidy = () => {
      const staged = this.staged.get(req);
      if (staged?.length) this.inbox.discardUnclaimed(staged.splice(0));
    };
    beforeAnswer.set(res, () => {
      tidy();
      if (!req.complete) lingerThenClose(req, res);
    });
    try {
      await this.handle(req, res);
    } finally {
      tidy();
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let source = '?';
    let route: WebhookRoute | undefined;
    let body: unknown = null;
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'hooks') throw new HttpProblem(404, 'Адрес не найден');
      if (parts.length === 2 && parts[1] === 'health' && req.method === 'GET') {
        return send(res, 200, { ok: true, app: 'prilavok' });
      }
      if (parts.length !== 3) throw new HttpProblem(404, 'Адрес не найден');
      source = parts[1]!;
      route = this.routes.get(source);
      const expected = route ? this.secretFor(source) : null;
      // Same answer for an unknown source and a wrong secret: the route set is not something to probe.
      if (!route || !expected || !sameSecret(parts[2]!, expected)) throw new HttpProblem(404, 'Адрес не найден');
      if (route.allowedOrigins && allowOrigin(req, res, route.allowedOrigins()) && req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
        res.end();
        return;
      }
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new HttpProblem(405, 'Принимаются только POST-запросы');
      }
      route.admit?.({ ip: req.socket.remoteAddress ?? '', headers: req.headers });
      const parsed = await this.readBody(req);
      body = parsed.body;
      if (route.fileLimits) checkFiles(parsed.files, route.fileLimits());
      let items: InboxInput[];
      const request: WebhookRequest = { source, headers: req.headers, ...parsed };
      try {
        items = route.toInbox(request);
      } catch (err) {
        const e = toSyncError(err, route.system);
        if (e.kind === 'fatal' && !(err instanceof SyncError)) throw err;
        this.log.warn('webhook refused', { source, err: e.message, detail: e.detail });
        return this.refuse(res, route, req, body, 422, e.message);
      }
      let stored: { ids: number[]; duplicates: number };
      try {
        stored = items.length ? await this.inbox.receiveGrouped(items) : { ids: [], duplicates: 0 };
      } catch (err) {
        // Not committed, so not acknowledged: the sender will try again.
        this.log.error('webhook not stored', { source, err });
        return this.refuse(res, route, req, body, 503, 'Не удалось сохранить запрос, повторите позже');
      }
      this.log.debug('webhook stored', { source, accepted: stored.ids.length, duplicates: stored.duplicates, ms: performance.now() - started });
      if (route.answer) return reply(res, route.answer(request, stored, items));
      return send(res, 200, { ok: true, accepted: stored.ids.length, duplicates: stored.duplicates });
    } catch (err) {
      if (err instanceof ClientGone) {
        this.log.debug('webhook sender disconnected', { source });
        return;
      }
      if (err instanceof HttpProblem) {
        if (err.status >= 413) res.setHeader('connection', 'close');
        return this.refuse(res, route, req, body, err.status, err.message);
      }
      this.log.error('webhook handler failed', { source, err });
      return this.refuse(res, route, req, body, 500, 'Внутренняя ошибка');
    }
  }

  private refuse(res: ServerResponse, route: WebhookRoute | undefined, req: IncomingMessage, body: unknown, status: number, message: string): void {
    const custom = route?.refusal?.({ status, message, headers: req.headers, body }) ?? null;
    if (custom) return reply(res, custom);
    return send(res, status, { ok: false, error: message });
  }

  private async readBody(req: IncomingMessage): Promise<Omit<WebhookRequest, 'source' | 'headers'>> {
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    const mime = contentType.split(';')[0]!.trim();
    if (mime === 'multipart/form-data') return this.readMultipart(req, contentType);
    const rawBody = await readLimited(req, this.limits.bodyBytes);
    if (mime === 'application/json' || mime.endsWith('+json') || (mime === '' && rawBody.length === 0)) {
      if (rawBody.length === 0) return { contentType, rawBody, body: null, files: [] };
      const text = rawBody.toString('utf8');
      // Deep nesting is refused before parsing: everything after JSON.parse (validation, storing) recurses.
      if (jsonDepth(text) > this.limits.jsonDepth) {
        throw new HttpProblem(400, `Тело запроса — не корректный JSON: вложенность больше ${this.limits.jsonDepth} уровней`);
      }
      try {
        return { contentType, rawBody, body: JSON.parse(text) as unknown, files: [] };
      } catch {
        throw new HttpProblem(400, 'Тело запроса — не корректный JSON');
      }
    }
    if (mime === 'application/x-www-form-urlencoded') {
      return { contentType, rawBody, body: formToObject(new URLSearchParams(rawBody.toString('utf8'))), files: [] };
    }
    throw new HttpProblem(415, `Неподдерживаемый тип содержимого: ${mime || 'не указан'}`);
  }

  private readMultipart(req: IncomingMessage, contentType: string): Promise<Omit<WebhookRequest, 'source' | 'headers'>> {
    const { requestBytes, fileBytes } = this.limits;
    const tooBig = () => new HttpProblem(413, `Запрос больше ${Math.round(requestBytes / 1024 / 1024)} МБ`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > requestBytes) return Promise.reject(tooBig());
    const staged: string[] = [];
    this.staged.set(req, staged);
    return new Promise((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: req.headers,
          // Browsers send UTF-8 file names; busboy's default (latin1) would garble Cyrillic ones.
          defParamCharset: 'utf8',
          limits: { fileSize: fileBytes, files: this.limits.files, fields: this.limits.fields, fieldSize: this.limits.bodyBytes },
        });
      } catch {
        reject(new HttpProblem(400, 'Повреждённый multipart-запрос'));
        return;
      }
      const fields = new URLSearchParams();
      const files: InboxFile[] = [];
      // Each settles with the write error or null, never rejects: a failed request may leave them unawaited.
      const writing: Array<Promise<Error | null>> = [];
      const writers: fs.WriteStream[] = [];
      let received = 0;
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        req.off('data', count);
        req.unpipe(bb);
        bb.removeAllListeners('file');
        // What was written so far goes, once its file is closed (an open still in flight would recreate it);
        // the answer waits for that, so a sender that reads it finds nothing left behind.
        const removed = writers.map(
          (w) =>
            new Promise<void>((done) => {
              const remove = () => fs.rm(w.path, { force: true }, () => done());
              if (w.closed) remove();
              else {
                w.once('close', remove);
                w.destroy();
              }
            }),
        );
        void Promise.all(removed).then(() => reject(e));
      };
      const count = (c: Buffer) => {
        received += c.length;
        if (received > requestBytes) fail(tooBig());
      };
      req.on('data', count);
      req.on('error', () => fail(new ClientGone()));
      req.on('close', () => {
        if (!req.complete) fail(new ClientGone());
      });
      bb.on('field', (name, value, info) => {
        if (info.valueTruncated) fail(new HttpProblem(413, `Поле «${name}» слишком большое`));
        else fields.append(name, value);
      });
      bb.on('file', (field, stream, info) => {
        const filename = info.filename || 'file';
        stream.on('limit', () => fail(new HttpProblem(413, `Файл «${filename}» больше ${Math.round(fileBytes / 1024 / 1024)} МБ`)));
        if (!this.inbox.filesDir) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('close', () => {
            if (failed) return;
            const content = Buffer.concat(chunks);
            files.push({ field, filename, mime: info.mimeType, content, size: content.length, sha256: createHash('sha256').update(content).digest('hex') });
          });
          return;
        }
        // Straight to disk: a big upload costs a file, not memory. `flush` syncs it before the row commits.
        const target = this.inbox.stageFile();
        staged.push(target.name);
        const out = fs.createWriteStream(target.path, { flags: 'wx', mode: 0o600, flush: true });
        writers.push(out);
        let size = 0;
        // Hashed as it passes, so a sender's repeat can be told from a new upload without reading the file back.
        const hash = createHash('sha256');
        let hashing = true;
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (hashing) hash.update(c);
        });
        const entry: InboxFile = { field, filename, mime: info.mimeType, stored: target.name, size: 0 };
        files.push(entry);
        writing.push(
          new Promise<Error | null>((done) => {
            let error: Error | null = null;
            out.on('error', (err) => (error ??= err));
            out.on('close', () => {
              entry.size = size;
              // A refused request's stream may still be draining: its file is dropped, so is its hash.
              hashing = false;
              if (!error) entry.sha256 = hash.digest('hex');
              done(error);
            });
          }),
        );
        stream.pipe(out);
      });
      bb.on('filesLimit', () => fail(new HttpProblem(413, `Слишком много файлов (больше ${this.limits.files})`)));
      bb.on('fieldsLimit', () => fail(new HttpProblem(413, `Слишком много полей (больше ${this.limits.fields})`)));
      bb.on('error', () => fail(req.complete ? new HttpProblem(400, 'Повреждённый multipart-запрос') : new ClientGone()));
      bb.on('close', () => {
        if (failed) return;
        void Promise.all(writing).then(async (errors) => {
          if (failed) return;
          // The files' contents are synced (`flush`); their names need the directory synced too.
          const err = errors.find((e) => e !== null) ?? (writers.length ? await syncDir(this.inbox.filesDir!) : null);
          if (failed) return;
          if (err) {
            this.log.error('webhook file not written', { err });
            fail(new HttpProblem(503, 'Не удалось сохранить файл, повторите позже'));
            return;
          }
          failed = true;
          resolve({ contentType, rawBody: Buffer.alloc(0), body: formToObject(fields), files });
        });
      });
      req.pipe(bb);
    });
  }
}

const beforeAnswer = new WeakMap<ServerResponse, () => void>();

/** fsync of a directory, so new names in it survive a power cut (POSIX; Windows has no such call). */
async function syncDir(dir: string): Promise<Error | null> {
  if (process.platform === 'win32') return null;
  try {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return null;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function reply(res: ServerResponse, a: WebhookAnswer): void {
  res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body) });
  res.end(a.body);
}

/**
 * CORS for a route with an origin list: an allowed origin is echoed back; a browser's request from any other
 * origin is refused before its body is read. True when the request may go on.
 */
function allowOrigin(req: IncomingMessage, res: ServerResponse, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  res.setHeader('vary', 'Origin');
  const norm = (o: string) => o.trim().replace(/\/+$/, '').toLowerCase();
  if (!allowed.some((a) => norm(a) === norm(origin))) {
    throw new HttpProblem(403, `Приём с сайта ${origin} не разрешён: добавьте его в список сайтов в настройках Прилавка`);
  }
  res.setHeader('access-control-allow-origin', origin);
  return true;
}

/** A route's own limits on what was received (the server-wide ones already bounded the reading). */
function checkFiles(files: InboxFile[], limits: RouteFileLimits): void {
  let total = 0;
  const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} МБ`;
  for (const f of files) {
    // The stored size when the server gives one, the bytes otherwise.
    const size = f.size ?? f.content?.length ?? 0;
    total += size;
    if (limits.fileBytes !== undefined && size > limits.fileBytes) throw new HttpProblem(413, `Файл «${f.filename}» больше ${mb(limits.fileBytes)}`);
    if (limits.types?.length && !typeAllowed(f, limits.types)) {
      throw new HttpProblem(415, `Файлы такого типа не принимаются: «${f.filename}». Можно: ${limits.types.join(', ')}`);
    }
  }
  if (limits.totalBytes !== undefined && total > limits.totalBytes) throw new HttpProblem(413, `Файлы вместе больше ${mb(limits.totalBytes)}`);
}

function typeAllowed(f: Pick<InboxFile, 'filename' | 'mime'>, types: string[]): boolean {
  const name = f.filename.toLowerCase();
  const mime = f.mime.toLowerCase();
  return types.some((t) => {
    const x = t.trim().toLowerCase();
    if (x.startsWith('.')) return name.endsWith(x);
    if (x.endsWith('/*')) return mime.startsWith(x.slice(0, -1));
    return mime === x;
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  beforeAnswer.get(res)?.();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooBig = () => new HttpProblem(413, `Тело запроса больше ${Math.round(limit / 1024)} КБ`);
  const declared = Number(req.headers['content-length']);
  // Refused on the declared size, before a byte of the body is read.
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooBig());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(body!);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        finish(tooBig());
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => finish(null, Buffer.concat(chunks)));
    req.on('error', () => finish(new ClientGone()));
    req.on('close', () => {
      if (!req.complete) finish(new ClientGone());
    });
  });
}

/**
 * An answer given before the request was read to its end (413, 400): closing at once would make the sender's
 * pending write fail with a reset, and many clients then report the reset instead of the answer. So the
 * connection stays open for the answer, the rest of the body is read and thrown away — at most `maxBytes` or
 * `maxMs`, whichever comes first, memory untouched — and then it is closed.
 */
export function lingerThenClose(req: IncomingMessage, res: ServerResponse, maxBytes = 16 * 1024 * 1024, maxMs = 2000): void {
  res.removeHeader('connection');
  let drained = 0;
  const close = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(close, maxMs);
  timer.unref();
  req.on('data', (c: Buffer) => {
    drained += c.length;
    if (drained > maxBytes) close();
  });
  req.on('end', () => clearTimeout(timer));
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

/**
 * How deep objects and arrays nest in a JSON text, counted without parsing (brackets inside strings do
 * not count). Linear and allocation-free, so a hostile body costs one pass.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/**
 * Node checks header and request deadlines only every `connectionsCheckingInterval` (30 s by default), so a
 * 10 s limit used to close a slow sender after up to 40 s. Checking often enough makes the limits the limits.
 */
export function slowSenderLimits(headersTimeoutMs: number, requestTimeoutMs: number): http.ServerOptions {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 10))),
  };
}

/** Form fields to an object; a field sent more than once becomes an array. */
export function formToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    // Own properties only, defined rather than assigned: a field named `constructor` or `__proto__` is form
    // data like any other, not the inherited member (which turned it into `[Object, v]` or dropped it).
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    const value = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Constant-time comparison that does not leak the secret's length either. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
