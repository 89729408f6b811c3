import { SyncError } from '../errors.js';
import type { Connector, ConnectorContext } from './types.js';

/**
 * The one client cache: a connector's client is built from its current configuration and rebuilt when that
 * changes (a new key, another account), so every flow shares one client — and one request budget — per account.
 */
export class ConnectorRegistry {
  private readonly cache = new Map<string, { key: string; client: unknown }>();

  constructor(private readonly ctx: ConnectorContext) {}

  isConfigured(c: Connector<unknown, unknown, never>): boolean {
    return c.isConfigured ? c.isConfigured(this.ctx) : c.config(this.ctx, undefined as never) !== null;
  }

  /** The client; throws an `auth` error with the connector's own words when it is not set up. */
  client<C, Cfg>(c: Connector<C, Cfg, void>): C;
  client<C, Cfg, A>(c: Connector<C, Cfg, A>, arg: A): C;
  client<C, Cfg, A>(c: Connector<C, Cfg, A>, arg?: A): C {
    const config = c.config(this.ctx, arg as A);
    if (config === null) throw new SyncError({ kind: 'auth', system: c.id, message: c.notConfigured });
    const slot = `${c.id}:${c.instanceId?.(arg as A) ?? ''}`;
    const key = JSON.stringify(config);
    const hit = this.cache.get(slot);
    if (hit?.key === key) return hit.client as C;
    const client = c.create(config, this.ctx);
    this.cache.set(slot, { key, client });
    return client;
  }

  /** «Проверить подключение» of a connector that has one. */
  async test<C, Cfg>(c: Connector<C, Cfg, void>) {
    if (!c.testConnection) return { ok: false, message: 'Для этой системы проверка подключения пока недоступна.', detail: null };
    return c.testConnection(this.client(c), this.ctx);
  }
}
