import { SyncError } from '../errors.js';
import { backoffDelay } from '../jobs/backoff.js';
import type { Logger } from '../log.js';
import type { TunnelProvider, TunnelProviderId, TunnelStatus } from './types.js';

export interface TunnelConfig {
  provider: TunnelProviderId;
  /** Builds a fresh provider for one connection attempt; null for `none`. */
  create: (() => TunnelProvider) | null;
}

export interface TunnelManagerOptions {
  /** Read at every (re)start, so a settings change takes effect on `restart()`. */
  config: () => TunnelConfig;
  log: Logger;
  /** Reconnect delays: exponential from `baseMs`, capped at `maxMs`, with equal jitter. */
  backoff?: { baseMs: number; maxMs: number };
  random?: () => number;
  now?: () => number;
}

const defaultTunnelBackoff = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * Keeps the configured tunnel open while the webhook server listens: connects, watches for the drop, reconnects
 * with exponential backoff and jitter (capped, so a long outage is retried every few minutes, never given up),
 * and reports its state. A refusal the merchant must fix (a wrong ngrok token, a domain taken) stops the
 * reconnects until the settings change and `restart()` is called.
 */
export class TunnelManager {
  private current: TunnelStatus;
  private readonly changeListeners = new Set<(s: TunnelStatus) => void>();
  private readonly upListeners = new Set<(url: string) => void>();
  private readonly failureListeners = new Set<(err: SyncError, attempt: number, final: boolean) => void>();
  private running: { ac: AbortController; done: Promise<void> } | null = null;
  private localPort: number | null = null;
  private attempts = 0;

  constructor(private readonly opts: TunnelManagerOptions) {
    this.current = { provider: 'none', state: 'off', url: null, error: null, since: this.now() };
  }

  status(): TunnelStatus {
    return { ...this.current };
  }

  /** The public base URL while a tunnel is configured (the last one while it reconnects); null otherwise. */
  get url(): string | null {
    return this.current.state === 'off' ? null : this.current.url;
  }

  /** Failed connection attempts since the tunnel was last up. */
  get failures(): number {
    return this.attempts;
  }

  onChange(listener: (s: TunnelStatus) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called every time the tunnel comes up, with its URL (the same or a new one). */
  onUp(listener: (url: string) => void): () => void {
    this.upListeners.add(listener);
    return () => this.upListeners.delete(listener);
  }

  /** Called on every failed attempt or drop; `final` when reconnecting stopped until the settings change. */
  onFailure(listener: (err: SyncError, attempt: number, final: boolean) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Starts the configured tunnel in front of the local webhook server (returns at once; state tells the rest). */
  async start(localPort: number): Promise<void> {
    this.localPort = localPort;
    await this.restart();
  }

  /** Closes the tunnel and opens it again with the current settings. */
  async restart(): Promise<void> {
    await this.halt();
    if (this.localPort === null) return;
    const cfg = this.opts.config();
    this.attempts = 0;
    if (!cfg.create) {
      this.set({ provider: cfg.provider, state: 'off', url: null, error: null });
      return;
    }
    const ac = new AbortController();
    const provider = cfg.provider;
    const create = cfg.create;
    this.set({ provider, state: 'connecting', url: null, error: null });
    this.running = { ac, done: this.loop(provider, create, this.localPort, ac.signal) };
  }

  async stop(): Promise<void> {
    await this.halt();
    this.localPort = null;
    this.set({ state: 'off', url: null, error: null });
  }

  private async halt(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (!r) return;
    r.ac.abort();
    await r.done;
  }

  private async loop(id: TunnelProviderId, create: () => TunnelProvider, localPort: number, signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoff ?? defaultTunnelBackoff;
    while (!signal.aborted) {
      let provider: TunnelProvider | null = null;
      let failure: SyncError;
      // Each attempt gets its own signal, so the listeners a provider hangs on it go away with the attempt
      // instead of piling up on the manager's signal over weeks of reconnects.
      const attempt = new AbortController();
      const abortAttempt = () => attempt.abort();
      signal.addEventListener('abort', abortAttempt, { once: true });
      try {
        provider = create();
        if (this.current.state !== 'connecting') this.set({ state: 'connecting' });
        const starting = provider.start({
          localPort,
          signal: attempt.signal,
          onLink: (up, detail) => {
            if (signal.aborted) return;
            if (up) this.set({ state: 'up', error: null });
            else {
              this.set({ state: 'down', error: 'Связь туннеля с интернетом потеряна. Восстанавливаем автоматически.' });
              this.opts.log.warn('tunnel link down', { provider: id, detail: detail ?? null });
            }
          },
        });
        // A provider that cannot be interrupted (ngrok's connect) must not hold up a stop or a restart: the
        // manager stops waiting, and the provider closes whatever it opens after the abort itself.
        starting.catch(() => undefined);
        const tunnel = await Promise.race([starting, aborted(attempt.signal).then(() => null)]);
        if (signal.aborted || !tunnel) break;
        this.attempts = 0;
        this.set({ state: 'up', url: tunnel.url, error: null });
        this.opts.log.info('tunnel up', { provider: id, url: tunnel.url });
        for (const l of this.upListeners) l(tunnel.url);
        // Stopping must not depend on the provider noticing the abort: whichever comes first ends the wait.
        await Promise.race([tunnel.closed, aborted(attempt.signal)]);
        if (signal.aborted) break;
        failure = new SyncError({ kind: 'retryable', system: 'tunnel', message: 'Туннель закрылся. Переподключаемся автоматически.' });
      } catch (err) {
        if (signal.aborted) break;
        failure =
          err instanceof SyncError
            ? err
            : new SyncError({ kind: 'retryable', system: 'tunnel', message: 'Туннель недоступен. Переподключаемся автоматически.', detail: String(err) });
      } finally {
        signal.removeEventListener('abort', abortAttempt);
        attempt.abort();
        await provider?.stop().catch(() => undefined);
      }
      this.attempts++;
      const final = failure.kind === 'auth' || failure.kind === 'needsAttention' || failure.kind === 'fatal';
      this.set({ state: 'down', error: failure.message });
      this.opts.log.warn('tunnel down', { provider: id, err: failure.message, detail: failure.detail, attempt: this.attempts, final });
      for (const l of this.failureListeners) l(failure, this.attempts, final);
      if (final) return;
      const delay = backoffDelay(this.attempts, failure.retryAfterMs, { ...backoff, maxRetryAfterMs: backoff.maxMs }, this.opts.random);
      await sleep(delay, signal);
    }
  }

  private set(patch: Partial<TunnelStatus>): void {
    const next = { ...this.current, ...patch };
    if (next.state !== this.current.state || next.provider !== this.current.provider) next.since = this.now();
    const changed = (Object.keys(next) as Array<keyof TunnelStatus>).some((k) => next[k] !== this.current[k]);
    this.current = next;
    if (changed) for (const l of this.changeListeners) l(this.status());
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
