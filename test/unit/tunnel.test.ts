import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import type { Logger } from '../../src-main/engine/log.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { tunnelConfig } from '../../src-main/engine/tunnel/config.js';
import { TunnelManager, type TunnelConfig } from '../../src-main/engine/tunnel/manager.js';
import { NgrokProvider } from '../../src-main/engine/tunnel/ngrok.js';
import { OwnUrlProvider } from '../../src-main/engine/tunnel/own.js';
import type { OpenTunnel, TunnelProvider, TunnelStartOptions, TunnelStatus } from '../../src-main/engine/tunnel/types.js';
import { tunnelSettingsSchema } from '../../src-shared/settings.js';
import { waitFor } from '../helpers/temp.js';

// The real @ngrok/ngrok is a native module that dials ngrok's servers: here it is replaced by a recorder.
const ngrokMock = vi.hoisted(() => ({
  forward: vi.fn(),
}));
vi.mock('@ngrok/ngrok', () => ({ forward: ngrokMock.forward }));

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (msg: string, fields?: Record<string, unknown>) => void lines.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: put, info: put, warn: put, error: put, close: () => Promise.resolve() };
}

/** A scripted provider: each start takes the next outcome — a URL (then `drop()` ends it) or an error. */
class FakeProvider implements TunnelProvider {
  readonly id = 'localtunnel' as const;
  static starts: number[] = [];
  static stops = 0;
  static drops: Array<() => void> = [];
  constructor(private readonly outcome: string | SyncError | 'hang' | 'stubborn') {}
  start(o: TunnelStartOptions): Promise<OpenTunnel> {
    FakeProvider.starts.push(Date.now());
    const outcome = this.outcome;
    if (outcome instanceof SyncError) return Promise.reject(outcome);
    // Never settles and ignores the signal (as a connect call that cannot be interrupted).
    if (outcome === 'stubborn') return new Promise(() => undefined);
    if (outcome === 'hang') {
      return new Promise((_, reject) => o.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
    let drop!: () => void;
    const closed = new Promise<void>((resolve) => (drop = resolve));
    FakeProvider.drops.push(drop);
    return Promise.resolve({ url: outcome, closed });
  }
  stop(): Promise<void> {
    FakeProvider.stops++;
    return Promise.resolve();
  }
}

function manager(outcomes: Array<string | SyncError | 'hang' | 'stubborn'>, backoff = { baseMs: 20, maxMs: 80 }) {
  let i = 0;
  const config: TunnelConfig = { provider: 'localtunnel', create: () => new FakeProvider(outcomes[Math.min(i++, outcomes.length - 1)]!) };
  const log = memoryLog();
  const m = new TunnelManager({ config: () => config, log, backoff, random: () => 1 });
  const states: TunnelStatus['state'][] = [];
  m.onChange((s) => states.push(s.state));
  const ups: string[] = [];
  m.onUp((url) => ups.push(url));
  const failures: Array<{ message: string; attempt: number; final: boolean }> = [];
  m.onFailure((err, attempt, final) => failures.push({ message: err.message, attempt, final }));
  return { m, log, states, ups, failures };
}

const retryable = (n: number) => new SyncError({ kind: 'retryable', system: 'tunnel', message: `нет связи ${n}` });

describe('TunnelManager', () => {
  beforeEach(() => {
    FakeProvider.starts = [];
    FakeProvider.stops = 0;
    FakeProvider.drops = [];
  });

  it('nothing configured: off, no address, nothing started', async () => {
    const m = new TunnelManager({ config: () => ({ provider: 'none', create: null }), log: memoryLog() });
    await m.start(47800);
    expect(m.status()).toMatchObject({ provider: 'none', state: 'off', url: null, error: null });
    expect(m.url).toBeNull();
  });

  it('comes up, reports the address; a drop is told and reconnected with growing, capped delays', async () => {
    const { m, states, ups, failures } = manager(['https://a.example', retryable(1), retryable(2), retryable(3), 'https://b.example']);
    await m.start(47800);
    await waitFor(() => m.status().state === 'up', 'up', 2_000);
    expect(m.status()).toMatchObject({ provider: 'localtunnel', state: 'up', url: 'https://a.example', error: null });
    expect(ups).toEqual(['https://a.example']);

    FakeProvider.drops[0]!();
    await waitFor(() => ups.length === 2, 'up again', 5_000);
    expect(m.status()).toMatchObject({ state: 'up', url: 'https://b.example', error: null });
    expect(failures.map((f) => f.attempt)).toEqual([1, 2, 3, 4]);
    expect(failures[0]!.message).toBe('Туннель закрылся. Переподключаемся автоматически.');
    expect(failures.slice(1).map((f) => f.message)).toEqual(['нет связи 1', 'нет связи 2', 'нет связи 3']);
    expect(failures.every((f) => !f.final)).toBe(true);
    // random() = 1: the delays are exactly 20, 40, 80 and then capped at 80 ms.
    const gaps = FakeProvider.starts.slice(1).map((t, i) => t - FakeProvider.starts[i]!);
    for (const [i, min] of [20, 40, 80, 80].entries()) expect(gaps[i]).toBeGreaterThanOrEqual(min - 2);
    expect(states).toContain('down');
    // Each provider instance is closed after its attempt.
    expect(FakeProvider.stops).toBeGreaterThanOrEqual(4);
    expect(m.failures).toBe(0);
    await m.stop();
    expect(m.status().state).toBe('off');
  });

  it('keeps the last address while reconnecting, so webhook URLs do not flap', async () => {
    const { m } = manager(['https://a.example', 'hang']);
    await m.start(47800);
    await waitFor(() => m.status().state === 'up', 'up', 2_000);
    FakeProvider.drops[0]!();
    await waitFor(() => m.status().state === 'connecting' || m.status().state === 'down', 'reconnecting', 2_000);
    expect(m.url).toBe('https://a.example');
    await m.stop();
    expect(m.url).toBeNull();
  });

  it('a refusal the merchant must fix stops the reconnects until the settings change', async () => {
    const auth = new SyncError({ kind: 'auth', system: 'tunnel', message: 'ngrok не принял токен' });
    const { m, failures } = manager([auth]);
    await m.start(47800);
    await waitFor(() => failures.length === 1, 'the refusal', 2_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(FakeProvider.starts).toHaveLength(1);
    expect(failures).toEqual([{ message: 'ngrok не принял токен', attempt: 1, final: true }]);
    expect(m.status()).toMatchObject({ state: 'down', error: 'ngrok не принял токен' });
  });

  it('a start that ignores the abort does not hold up stop or restart', async () => {
    let config: TunnelConfig = { provider: 'ngrok', create: () => new FakeProvider('stubborn') };
    const m = new TunnelManager({ config: () => config, log: memoryLog(), backoff: { baseMs: 20, maxMs: 80 } });
    await m.start(47800);
    expect(m.status().state).toBe('connecting');
    config = { provider: 'own', create: () => new OwnUrlProvider('https://shop.example.ru') };
    const restarted = Promise.race([m.restart().then(() => 'done'), new Promise((r) => setTimeout(() => r('stuck'), 1_000))]);
    expect(await restarted).toBe('done');
    await waitFor(() => m.status().state === 'up', 'up', 2_000);
    config = { provider: 'ngrok', create: () => new FakeProvider('stubborn') };
    await m.restart();
    const stopped = Promise.race([m.stop().then(() => 'done'), new Promise((r) => setTimeout(() => r('stuck'), 1_000))]);
    expect(await stopped).toBe('done');
    expect(m.status().state).toBe('off');
  });

  it('restart picks up new settings; stop aborts a start that hangs', async () => {
    let config: TunnelConfig = { provider: 'localtunnel', create: () => new FakeProvider('hang') };
    const m = new TunnelManager({ config: () => config, log: memoryLog(), backoff: { baseMs: 20, maxMs: 80 } });
    await m.start(47800);
    expect(m.status().state).toBe('connecting');
    config = { provider: 'own', create: () => new OwnUrlProvider('https://shop.example.ru/prilavok/') };
    await m.restart();
    await waitFor(() => m.status().state === 'up', 'up', 2_000);
    expect(m.status()).toMatchObject({ provider: 'own', url: 'https://shop.example.ru/prilavok' });
    config = { provider: 'localtunnel', create: () => new FakeProvider('hang') };
    await m.restart();
    const stopped = m.stop();
    await expect(stopped).resolves.toBeUndefined();
    expect(m.status()).toMatchObject({ state: 'off', url: null });
  });
});

describe('tunnel providers', () => {
  afterEach(() => ngrokMock.forward.mockReset());

  const redactor = () => new Redactor();
  const startOpts = (extra: Partial<TunnelStartOptions> = {}): TunnelStartOptions => ({ localPort: 47800, signal: new AbortController().signal, ...extra });

  it('own address: required, used as is without a trailing slash', async () => {
    await expect(new OwnUrlProvider(null).start(startOpts())).rejects.toMatchObject({ kind: 'needsAttention', message: expect.stringContaining('Укажите публичный адрес') });
    const t = await new OwnUrlProvider('https://prilavok.shop.ru/').start(startOpts());
    expect(t.url).toBe('https://prilavok.shop.ru');
  });

  it('ngrok: forwards our port with the token and the reserved domain; status changes are link up/down', async () => {
    const close = vi.fn(() => Promise.resolve());
    ngrokMock.forward.mockResolvedValue({ url: () => 'https://shop.ngrok.app', close });
    const links: boolean[] = [];
    const p = new NgrokProvider({ authtoken: '2abcTOKENsecret_value', domain: 'shop.ngrok.app', redactor: redactor() });
    const t = await p.start(startOpts({ onLink: (up) => links.push(up) }));
    expect(t.url).toBe('https://shop.ngrok.app');
    const config = ngrokMock.forward.mock.calls[0]![0] as { addr: string; authtoken: string; domain: string; onStatusChange: (s: string) => void };
    expect(config).toMatchObject({ addr: '127.0.0.1:47800', authtoken: '2abcTOKENsecret_value', domain: 'shop.ngrok.app' });
    config.onStatusChange('closed');
    config.onStatusChange('connected');
    expect(links).toEqual([false, true]);
    await p.stop();
    expect(close).toHaveBeenCalledTimes(1);
    await t.closed;
  });

  it('ngrok: no token is an access error before anything is loaded', async () => {
    const p = new NgrokProvider({ authtoken: null, domain: null, redactor: redactor() });
    await expect(p.start(startOpts())).rejects.toMatchObject({ kind: 'auth', message: expect.stringContaining('Укажите токен ngrok') });
    expect(ngrokMock.forward).not.toHaveBeenCalled();
  });

  it('ngrok: its error codes become the right kind, and the token never reaches the message or the detail', async () => {
    const token = '2abcTOKENsecret_value';
    const refusal = (tunnel: TunnelProvider) => tunnel.start(startOpts()).then(
      () => { throw new Error('the tunnel should have been refused'); },
      (e: unknown) => e as SyncError,
    );
    const fail = (code: string) => Object.assign(new Error(`failed to connect session: authentication failed for ${token}\n\n${code}`), { errorCode: code });
    const r = redactor();
    const p = new NgrokProvider({ authtoken: token, domain: 'shop.ngrok.app', redactor: r });

    ngrokMock.forward.mockRejectedValueOnce(fail('ERR_NGROK_105'));
    const auth = await refusal(p);
    expect(auth).toMatchObject({ kind: 'auth', code: 'ERR_NGROK_105', message: 'ngrok не принял токен: проверьте Authtoken в настройках туннеля.' });
    expect(`${auth.message} ${auth.detail}`).not.toContain(token);
    expect(auth.detail).toContain('ERR_NGROK_105');

    ngrokMock.forward.mockRejectedValueOnce(fail('ERR_NGROK_334'));
    const domain = await refusal(p);
    expect(domain).toMatchObject({ kind: 'needsAttention', message: expect.stringContaining('домене shop.ngrok.app') });

    ngrokMock.forward.mockRejectedValueOnce(new Error('dns error: failed to lookup address'));
    const offline = await refusal(p);
    expect(offline).toMatchObject({ kind: 'retryable', message: 'Не удалось подключиться к ngrok: нет связи с интернетом или сервис недоступен.' });
    // Anything else that logs through this redactor is covered too.
    expect(r.redact(`token=${token}`)).not.toContain(token);
  });

  it('settings choose the provider; ngrok gets the stored token', async () => {
    const r = redactor();
    const parse = (v: Record<string, unknown>) => tunnelSettingsSchema.parse(v);
    expect(tunnelConfig(parse({}), null, r)).toEqual({ provider: 'none', create: null });
    expect(tunnelConfig(parse({ provider: 'own', ownUrl: 'https://x.ru' }), null, r).create!()).toBeInstanceOf(OwnUrlProvider);
    ngrokMock.forward.mockResolvedValue({ url: () => 'https://r.ngrok.app', close: () => Promise.resolve() });
    const ngrok = tunnelConfig(parse({ provider: 'ngrok' }), 'tok-123456', r).create!();
    await ngrok.start(startOpts());
    expect(ngrokMock.forward.mock.calls[0]![0]).toMatchObject({ authtoken: 'tok-123456' });
    expect(ngrokMock.forward.mock.calls[0]![0]).not.toHaveProperty('domain');
    await ngrok.stop();
    expect(tunnelConfig(parse({ provider: 'localtunnel' }), null, r).provider).toBe('localtunnel');
  });
});
