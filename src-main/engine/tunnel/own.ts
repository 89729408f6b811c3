import { SyncError } from '../errors.js';
import { type OpenTunnel, type TunnelProvider, type TunnelStartOptions, trimUrl } from './types.js';

/**
 * The merchant's own public address (a static IP with a port forward, or a reverse proxy): nothing to open,
 * the address is the tunnel. It stays "up" until the provider is stopped.
 */
export class OwnUrlProvider implements TunnelProvider {
  readonly id = 'own' as const;
  private release: (() => void) | null = null;

  constructor(private readonly publicUrl: string | null) {}

  start(opts: TunnelStartOptions): Promise<OpenTunnel> {
    if (!this.publicUrl) {
      return Promise.reject(
        new SyncError({ kind: 'needsAttention', system: 'tunnel', message: 'Укажите публичный адрес Прилавка (статический IP или обратный прокси) в настройках.' }),
      );
    }
    const closed = new Promise<void>((resolve) => {
      this.release = resolve;
      opts.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return Promise.resolve({ url: trimUrl(this.publicUrl), closed });
  }

  stop(): Promise<void> {
    this.release?.();
    this.release = null;
    return Promise.resolve();
  }
}
