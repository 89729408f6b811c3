import { SyncError } from '../errors.js';
import type { Redactor } from '../redact.js';
import { type OpenTunnel, type TunnelProvider, type TunnelStartOptions, trimUrl } from './types.js';

/** The part of `@ngrok/ngrok` we use (the real module is native and loaded only when ngrok is chosen). */
interface NgrokListener {
  url(): string | null;
  close(): Promise<void>;
}
interface NgrokModule {
  forward(config: { addr: string; authtoken: string; domain?: string; onStatusChange?: (status: string) => void }): Promise<NgrokListener>;
}

async function loadNgrok(): Promise<NgrokModule> {
  const mod = (await import('@ngrok/ngrok')) as unknown as NgrokModule & { default?: NgrokModule };
  return typeof mod.forward === 'function' ? mod : (mod.default as NgrokModule);
}

/** ngrok's documented error codes that mean the merchant must fix something (the token or the domain). */
const authCodes = new Set(['ERR_NGROK_105', 'ERR_NGROK_106', 'ERR_NGROK_107', 'ERR_NGROK_4018', 'ERR_NGROK_302']);
const attentionCodes = new Set(['ERR_NGROK_313', 'ERR_NGROK_314', 'ERR_NGROK_319', 'ERR_NGROK_320', 'ERR_NGROK_334', 'ERR_NGROK_108']);

/**
 * A tunnel through ngrok (the official agent library, in process). The authtoken comes from the encrypted
 * secret store and is registered with the redactor, so neither the log nor an error can carry it.
 * ngrok's session reconnects by itself; its status changes are reported as link up/down.
 */
export class NgrokProvider implements TunnelProvider {
  readonly id = 'ngrok' as const;
  private listener: NgrokListener | null = null;
  private release: (() => void) | null = null;

  constructor(
    private readonly opts: { authtoken: string | null; domain: string | null; redactor: Redactor },
    private readonly load: () => Promise<NgrokModule> = loadNgrok,
  ) {
    opts.redactor.addSecret(opts.authtoken);
  }

  async start(o: TunnelStartOptions): Promise<OpenTunnel> {
    const { authtoken, domain, redactor } = this.opts;
    if (!authtoken) {
      throw new SyncError({ kind: 'auth', system: 'tunnel', message: 'Укажите токен ngrok (Authtoken из личного кабинета ngrok) в настройках туннеля.' });
    }
    let ngrok: NgrokModule;
    try {
      ngrok = await this.load();
    } catch (err) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'tunnel',
        message: 'Модуль ngrok не работает на этом компьютере. Выберите другой способ доступа из интернета.',
        detail: redactor.redact(String(err)),
      });
    }
    let listener: NgrokListener;
    try {
      listener = await ngrok.forward({
        addr: `127.0.0.1:${o.localPort}`,
        authtoken,
        ...(domain ? { domain } : {}),
        onStatusChange: (status) => o.onLink?.(status !== 'closed', status),
      });
    } catch (err) {
      throw this.toError(err);
    }
    if (o.signal.aborted) {
      await listener.close().catch(() => undefined);
      throw new SyncError({ kind: 'retryable', system: 'tunnel', message: 'Запуск туннеля отменён.' });
    }
    this.listener = listener;
    const url = listener.url();
    if (!url) {
      await this.stop();
      throw new SyncError({ kind: 'retryable', system: 'tunnel', message: 'ngrok не выдал адрес туннеля.' });
    }
    const closed = new Promise<void>((resolve) => {
      this.release = resolve;
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return { url: trimUrl(url), closed };
  }

  async stop(): Promise<void> {
    const l = this.listener;
    this.listener = null;
    this.release?.();
    this.release = null;
    if (l) await l.close().catch(() => undefined);
  }

  private toError(err: unknown): SyncError {
    const e = err as { errorCode?: string; code?: string; message?: string };
    const code = e.errorCode ?? (typeof e.code === 'string' && e.code.startsWith('ERR_NGROK') ? e.code : null);
    const detail = this.opts.redactor.redact(`${code ?? ''} ${e.message ?? String(err)}`.trim());
    if (code && authCodes.has(code)) {
      return new SyncError({ kind: 'auth', system: 'tunnel', code, detail, message: 'ngrok не принял токен: проверьте Authtoken в настройках туннеля.' });
    }
    if (code && attentionCodes.has(code)) {
      const message = this.opts.domain
        ? `ngrok отказал в домене ${this.opts.domain}: проверьте, что он зарезервирован в вашем аккаунте ngrok и не занят другим туннелем.`
        : 'ngrok отказал в туннеле: возможно, он уже открыт на другом компьютере с этим токеном.';
      return new SyncError({ kind: 'needsAttention', system: 'tunnel', code, detail, message });
    }
    return new SyncError({ kind: 'retryable', system: 'tunnel', code, detail, message: 'Не удалось подключиться к ngrok: нет связи с интернетом или сервис недоступен.' });
  }
}
