import type { EventEmitter } from 'node:events';
// The client's tunnel class itself (its default export wraps it in a helper that retries the first request
// forever); imported statically so it is bundled into the engine like every other dependency.
import { SyncError } from '../errors.js';
import { createHttpClient } from '../http/client.js';
import type { Redactor } from '../redact.js';
import { type OpenTunnel, type TunnelProvider, type TunnelStartOptions, trimUrl } from './types.js';

/** What a localtunnel server answers to `GET /?new` or `GET /<subdomain>`. */
interface TunnelInfoBody {
  id?: string;
  ip?: string;
  port?: number;
  url?: string;
  cached_url?: string;
  max_conn_count?: number;
  message?: string;
}

/** The `localtunnel` client's connection info, as its `_getInfo` builds it from the server's answer. */
interface ClusterInfo {
  name: string;
  url: string;
  cached_url?: string;
  max_conn: number;
  remote_host: string;
  remote_ip?: string;
  remote_port: number;
  local_port: number;
  local_host: string;
}

interface LtTunnel extends EventEmitter {
  opts: { host: string; port: number; local_host: string; subdomain?: string };
  closed: boolean;
  tunnelCluster?: EventEmitter;
  _getInfo(body: TunnelInfoBody): ClusterInfo;
  _init(cb: (err: Error | null, info?: ClusterInfo) => void): void;
  open(cb: (err?: Error | null) => void): void;
  close(): void;
}
type LtTunnelClass = new (opts: { host: string; port: number; local_host: string; subdomain?: string }) => LtTunnel;

/**
 * A tunnel through a localtunnel server: the public localtunnel.me or one the merchant runs. The `localtunnel`
 * client keeps the pool of sockets to the server (and replaces each one that closes); the one request that asks
 * for the tunnel goes through the engine's HTTP client instead of the library's endless 1-second retry loop, so
 * it has a timeout, a Russian error and the manager's backoff. The tunnel counts as dropped when the server
 * refuses a replacement socket (it restarted or went away), or when every socket of the pool is gone.
 */
export class LocalTunnelProvider implements TunnelProvider {
  readonly id = 'localtunnel' as const;
  private client: LtTunnel | null = null;

  constructor(
    private readonly opts: { host: string; subdomain: string | null; redactor: Redactor; timeoutMs?: number },
  ) {}

  async start(o: TunnelStartOptions): Promise<OpenTunnel> {
    const host = trimUrl(this.opts.host);
    const http = createHttpClient({ system: 'tunnel', redactor: this.opts.redactor, timeoutMs: this.opts.timeoutMs ?? 15_000 });
    const res = await http.request({
      url: `${host}/${this.opts.subdomain ? encodeURIComponent(this.opts.subdomain) : '?new'}`,
      signal: o.signal,
      idempotent: true,
      accept: () => true,
    });
    let body: TunnelInfoBody = {};
    try {
      body = res.json<TunnelInfoBody>();
    } catch {
      // handled below: no usable answer
    }
    if (res.status === 400 || res.status === 403) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'tunnel',
        code: res.status,
        detail: res.body.slice(0, 500),
        message: `Сервер туннелей ${host} отказал: ${(body.message ?? `HTTP ${res.status}`).replace(/[.\s]+$/, '')}. Проверьте поддомен в настройках туннеля.`,
      });
    }
    if (res.status !== 200 || !body.id || !body.url || !body.port) {
      throw new SyncError({
        kind: 'retryable',
        system: 'tunnel',
        code: res.status,
        detail: res.body.slice(0, 500),
        message: `Сервер туннелей ${host} не выдал туннель (HTTP ${res.status}). Повторим автоматически.`,
      });
    }
    // Loaded when a tunnel opens: the library and its HTTP stack cost memory an engine without one never needs.
    const Tunnel = (await import('localtunnel/lib/Tunnel.js')).default as LtTunnelClass;
    const client = new Tunnel({ host, port: o.localPort, local_host: '127.0.0.1', ...(this.opts.subdomain ? { subdomain: this.opts.subdomain } : {}) });
    // The server's answer is already here: hand it to the library instead of letting it ask again.
    client._init = (cb) => cb(null, client._getInfo(body));
    this.client = client;

    const url = trimUrl(body.url);
    let failed: ((err: SyncError) => void) | null = null;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    failure.catch(() => undefined);
    const fail = (err: Error) => failed?.(this.dropped(host, err));
    client.on('error', fail);
    // `_init` above answers synchronously, so the socket pool exists once `open` returns.
    client.open((err) => {
      if (err) fail(err);
    });
    let sockets = 0;
    client.tunnelCluster?.on('open', () => sockets++);
    client.tunnelCluster?.on('dead', () => {
      sockets--;
      // The library opens a replacement right away; give it a moment before calling the pool empty.
      setTimeout(() => {
        if (sockets <= 0 && !client.closed) fail(new Error('every tunnel socket closed'));
      }, 2_000).unref();
    });

    const aborted = new Promise<never>((_, reject) => {
      o.signal.addEventListener('abort', () => reject(new SyncError({ kind: 'retryable', system: 'tunnel', message: 'Запуск туннеля отменён.' })), { once: true });
    });
    aborted.catch(() => undefined);
    try {
      await Promise.race([new Promise<void>((resolve) => client.once('url', () => resolve())), failure, aborted]);
    } catch (err) {
      await this.stop();
      throw err;
    }
    const closed = Promise.race([
      failure,
      new Promise<void>((resolve) => {
        client.once('close', () => resolve());
        o.signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
    return { url, closed };
  }

  stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c && !c.closed) c.close();
    return Promise.resolve();
  }

  private dropped(host: string, err: Error): SyncError {
    return new SyncError({
      kind: 'retryable',
      system: 'tunnel',
      detail: this.opts.redactor.redact(err.message),
      message: `Туннель через ${host} прервался. Переподключаемся автоматически.`,
    });
  }
}
