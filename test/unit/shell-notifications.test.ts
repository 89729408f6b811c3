import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ErrorEntry } from '../../src-shared/api.js';
import { parseNavigateRequest } from '../../src-shared/navigate.js';

vi.mock('electron', () => import('../mocks/electron.js'));
const { shownNotifications: shownNative } = await import('../mocks/electron.js');

const { NotificationPolicy, showNotice } = await import('../../src-main/shell/notifications.js');
type Notice = Parameters<typeof showNotice>[0];

let nextId = 1;
function entry(over: Partial<ErrorEntry> = {}): ErrorEntry {
  const id = nextId++;
  return {
    id,
    at: Date.now(),
    severity: 'error',
    kind: 'retryable',
    system: 'retailcrm',
    orderId: null,
    orderNumber: null,
    jobId: null,
    message: 'RetailCRM не отвечает',
    detail: null,
    acknowledged: false,
    canRetry: true,
    ...over,
  };
}

describe('notification policy', () => {
  let shown: Notice[];
  let policy: InstanceType<typeof NotificationPolicy>;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-03-01T10:00:00Z'));
    shown = [];
    policy = new NotificationPolicy((n) => shown.push(n), { gatherMs: 3000, maxPerMinute: 3, dedupWindowMs: 10 * 60_000 });
  });
  afterEach(() => {
    policy.dispose();
    vi.useRealTimers();
  });

  it('one error about an order: one notification after a quiet moment, click opens that order', async () => {
    policy.push(entry({ system: 'measoft', orderId: 42, orderNumber: '1042A', message: 'Адрес не распознан' }));
    expect(shown).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(3000);
    expect(shown).toEqual([
      { title: 'MeaSoft — заказ №1042A', body: 'Адрес не распознан', count: 1, target: { screen: 'queue', orderId: 42 } },
    ]);
  });

  it('an error without an order opens the error log', async () => {
    policy.push(entry());
    await vi.advanceTimersByTimeAsync(3000);
    expect(shown[0]!.target).toEqual({ screen: 'errors' });
  });

  it('the same system + message within the window is shown once', async () => {
    policy.push(entry());
    await vi.advanceTimersByTimeAsync(3000);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(60_000);
      policy.push(entry());
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(shown).toHaveLength(1);
    // Another system with the same text is news.
    policy.push(entry({ system: 'measoft' }));
    await vi.advanceTimersByTimeAsync(3000);
    expect(shown).toHaveLength(2);
    // After the window the repeat is shown again.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    policy.push(entry());
    await vi.advanceTimersByTimeAsync(3000);
    expect(shown).toHaveLength(3);
  });

  it('100 failures within a minute become ONE notification with the count', async () => {
    for (let i = 0; i < 100; i++) {
      policy.push(entry({ orderId: i + 1, message: i % 2 ? 'RetailCRM не отвечает' : 'Заказ не найден в RetailCRM' }));
      await vi.advanceTimersByTimeAsync(500);
    }
    await vi.advanceTimersByTimeAsync(3000);
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('100 ошибок синхронизации');
    expect(shown[0]!.count).toBe(100);
    expect(shown[0]!.body).toMatch(/RetailCRM: RetailCRM не отвечает \(×50\)/);
    expect(shown[0]!.target).toEqual({ screen: 'errors' });
  });

  it('a storm lasting longer than the maximum wait is shown when it hits it, not only when it ends', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 80 && shown.length === 0; i++) {
      policy.push(entry({ message: `Ошибка ${i}` }));
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(shown).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThanOrEqual(61_000);
    expect(shown[0]!.count).toBe(60);
  });

  it('at most N a minute; the rest wait and are folded into the next one', async () => {
    for (let i = 0; i < 6; i++) {
      policy.push(entry({ message: `Сбой ${i}`, orderId: 9 }));
      await vi.advanceTimersByTimeAsync(4000);
    }
    expect(shown).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toHaveLength(4);
    expect(shown[3]).toMatchObject({ count: 3, title: '3 ошибки синхронизации', target: { screen: 'queue', orderId: 9 } });
  });
});

describe('notification adapter and navigation', () => {
  it('shows through the OS and a click reports the target', () => {
    const clicked: unknown[] = [];
    expect(showNotice({ title: 'T', body: 'B', count: 1, target: { screen: 'queue', orderId: 3 } }, (t) => clicked.push(t))).toBe(true);
    const n = shownNative.at(-1)!;
    expect(n.opts).toEqual({ title: 'T', body: 'B' });
    n.emit('click');
    expect(clicked).toEqual([{ screen: 'queue', orderId: 3 }]);
  });

  it('navigation requests are validated before they reach the window', () => {
    expect(parseNavigateRequest({ screen: 'errors' })).toEqual({ screen: 'errors' });
    expect(parseNavigateRequest({ screen: 'queue', orderId: 5 })).toEqual({ screen: 'queue', orderId: 5 });
    for (const bad of [null, 'errors', { screen: 'settings' }, { screen: 'queue' }, { screen: 'queue', orderId: -1 }, { screen: 'queue', orderId: 1.5 }, { screen: 'errors', extra: 1 }]) {
      expect(parseNavigateRequest(bad)).toBeNull();
    }
  });
});
