import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The shell's Electron surface, replaced by small fakes: the binary cannot be downloaded on build machines. */
vi.mock('electron', () => import('../mocks/electron.js'));
const { forks, appEvents, opened } = await import('../mocks/electron.js');

const { registerIpcGateway } = await import('../../src-main/shell/ipc-gateway.js');
const { EngineHost } = await import('../../src-main/shell/engine-host.js');
const { lockDown } = await import('../../src-main/shell/security.js');

describe('IPC gateway', () => {
  type Handler = (event: { senderFrame: { url: string } }, method: unknown, input: unknown) => Promise<unknown>;
  let handler: Handler;
  const calls: Array<[string, unknown]> = [];
  beforeEach(() => {
    calls.length = 0;
    const ipc = { handle: (_channel: string, fn: Handler) => (handler = fn) };
    registerIpcGateway(ipc as never, {
      isOurFrame: (e) => (e as unknown as { senderFrame: { url: string } }).senderFrame.url.startsWith('file:///app/'),
      call: async (method, input) => {
        calls.push([method, input]);
        return { ok: true, result: { fine: true } };
      },
    });
  });
  const ours = { senderFrame: { url: 'file:///app/index.html' } };

  it('passes a known method with a valid payload from our window to the engine', async () => {
    expect(await handler(ours, 'orders.get', { id: 5 })).toEqual({ ok: true, result: { fine: true } });
    expect(calls).toEqual([['orders.get', { id: 5 }]]);
  });

  it('refuses a foreign sender, an unknown method and an invalid payload before the engine sees them', async () => {
    const foreign = await handler({ senderFrame: { url: 'https://evil.example/' } }, 'engine.pause', {});
    expect(foreign).toMatchObject({ ok: false, error: { message: 'Запрос из чужого окна отклонён' } });
    expect(await handler(ours, 'engine.selfDestruct', {})).toMatchObject({ ok: false, error: { message: 'Неизвестная команда' } });
    expect(await handler(ours, 'orders.get', { id: 'five' })).toMatchObject({ ok: false, error: { kind: 'needsAttention', message: 'Неверный запрос' } });
    expect(await handler(ours, 'settings.setSecret', { key: 'retailcrm.apiKey', value: 'x', extra: 1 })).toMatchObject({ ok: false });
    expect(calls).toEqual([]);
  });
});

describe('engine host', () => {
  beforeEach(() => {
    forks.length = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('starts the engine in a utility process and routes calls and events', async () => {
    const host = new EngineHost('/app/engine.js', '/data');
    const started = host.start();
    forks[0]!.emit('message', { type: 'ready' });
    await started;
    const events: unknown[] = [];
    host.on('event', (e, p) => events.push([e, p]));
    const answer = host.call('engine.status', {});
    await vi.advanceTimersByTimeAsync(0);
    const msg = forks[0]!.sent[0] as { id: number; method: string };
    expect(msg).toMatchObject({ type: 'call', method: 'engine.status' });
    forks[0]!.emit('message', { type: 'result', id: msg.id, response: { ok: true, result: 42 } });
    expect(await answer).toEqual({ ok: true, result: 42 });
    forks[0]!.emit('message', { type: 'event', event: 'orders.changed', payload: { ids: [1] } });
    expect(events).toEqual([['orders.changed', { ids: [1] }]]);
  });

  it('a crash fails the calls in flight in Russian and restarts the engine with a growing pause', async () => {
    const host = new EngineHost('/app/engine.js', '/data');
    const crashes: Array<{ restartInMs: number }> = [];
    host.on('crashed', (c) => crashes.push(c));
    const started = host.start();
    forks[0]!.emit('message', { type: 'ready' });
    await started;
    const inFlight = host.call('orders.list', {});
    await vi.advanceTimersByTimeAsync(0);
    forks[0]!.emit('exit', 1);
    expect(await inFlight).toMatchObject({ ok: false, error: { kind: 'retryable', message: expect.stringMatching(/перезапустился/) } });
    expect(crashes[0]!.restartInMs).toBe(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(forks).toHaveLength(2);
    // It dies again before it is ready: the next pause is longer.
    forks[1]!.emit('exit', 1);
    expect(crashes[1]!.restartInMs).toBe(2000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(forks).toHaveLength(3);
    forks[2]!.emit('message', { type: 'ready' });
    await vi.advanceTimersByTimeAsync(0);
    const ok = host.call('engine.status', {});
    await vi.advanceTimersByTimeAsync(0);
    const msg = forks[2]!.sent.at(-1) as { id: number };
    forks[2]!.emit('message', { type: 'result', id: msg.id, response: { ok: true, result: 'back' } });
    expect(await ok).toEqual({ ok: true, result: 'back' });
  });

  it('a requested stop is not a crash: no restart', async () => {
    const host = new EngineHost('/app/engine.js', '/data');
    const started = host.start();
    forks[0]!.emit('message', { type: 'ready' });
    await started;
    const stopped = host.stop();
    expect(forks[0]!.sent.at(-1)).toEqual({ type: 'stop' });
    forks[0]!.emit('exit', 0);
    await stopped;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(forks).toHaveLength(1);
  });
});

describe('window lock-down', () => {
  it('blocks navigation away, new windows and webviews', () => {
    lockDown((url) => url.startsWith('file:///app/'));
    const contents = new EventEmitter() as EventEmitter & {
      setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => void;
      openHandler?: (d: { url: string }) => unknown;
    };
    contents.setWindowOpenHandler = (fn) => (contents.openHandler = fn);
    appEvents.emit('web-contents-created', {}, contents);
    const away = { prevented: false, preventDefault() { this.prevented = true; } };
    const home = { prevented: false, preventDefault() { this.prevented = true; } };
    const webview = { prevented: false, preventDefault() { this.prevented = true; } };
    contents.emit('will-navigate', away, 'https://phishing.example/login');
    contents.emit('will-navigate', home, 'file:///app/index.html#/orders');
    contents.emit('will-attach-webview', webview);
    expect([away.prevented, home.prevented, webview.prevented]).toEqual([true, false, true]);
    // A link to RetailCRM opens in the system browser, never in an Electron window; other schemes go nowhere.
    expect(contents.openHandler!({ url: 'https://shop.retailcrm.ru/orders/5/edit' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://shop.retailcrm.ru/orders/5/edit']);
  });
});
