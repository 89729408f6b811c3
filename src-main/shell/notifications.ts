import { Notification } from 'electron';
import type { ErrorEntry } from '../../src-shared/api.js';
import type { NavigateRequest } from '../../src-shared/navigate.js';
import { systemTitles } from '../../src-shared/systems.js';
import { errorsCount } from './tray-state.js';

/**
 * Desktop notifications for new error-log entries, with a policy that keeps them useful:
 * - entries arriving close together are gathered (a short quiet period, capped by a maximum wait) — a storm
 *   of 100 failures becomes one notification «100 ошибок синхронизации» with the count;
 * - the same system + message already shown within the dedup window is not shown again;
 * - at most `maxPerMinute` notifications a minute; the rest wait and are folded into the next one.
 * Clicking opens the order when the notification is about one order, otherwise the error log.
 */

export interface Notice {
  title: string;
  body: string;
  /** How many error-log entries it stands for. */
  count: number;
  target: NavigateRequest;
}

export interface NotificationPolicyOptions {
  /** Quiet period that closes a batch. Default 3 s. */
  gatherMs?: number;
  /** A batch is shown at the latest this long after its first entry. Default 60 s. */
  maxWaitMs?: number;
  /** Default 3. */
  maxPerMinute?: number;
  /** Default 10 min. */
  dedupWindowMs?: number;
}

const MINUTE = 60_000;

export class NotificationPolicy {
  private readonly gatherMs: number;
  private readonly maxWaitMs: number;
  private readonly maxPerMinute: number;
  private readonly dedupWindowMs: number;
  private batch: ErrorEntry[] = [];
  private batchStartedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly shownAt: number[] = [];
  private readonly lastShown = new Map<string, number>();

  constructor(
    private readonly show: (notice: Notice) => void,
    opts: NotificationPolicyOptions = {},
  ) {
    this.gatherMs = opts.gatherMs ?? 3000;
    this.maxWaitMs = opts.maxWaitMs ?? MINUTE;
    this.maxPerMinute = opts.maxPerMinute ?? 3;
    this.dedupWindowMs = opts.dedupWindowMs ?? 10 * MINUTE;
  }

  push(entry: ErrorEntry): void {
    const now = Date.now();
    const seen = this.lastShown.get(keyOf(entry));
    if (seen !== undefined && now - seen < this.dedupWindowMs) return;
    if (this.batch.length === 0) this.batchStartedAt = now;
    this.batch.push(entry);
    this.schedule(Math.min(this.gatherMs, this.batchStartedAt + this.maxWaitMs - now));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.batch = [];
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, delay));
  }

  private flush(): void {
    this.timer = null;
    if (this.batch.length === 0) return;
    const now = Date.now();
    while (this.shownAt.length > 0 && now - this.shownAt[0]! >= MINUTE) this.shownAt.shift();
    if (this.shownAt.length >= this.maxPerMinute) {
      this.schedule(this.shownAt[0]! + MINUTE - now);
      return;
    }
    const batch = this.batch;
    this.batch = [];
    this.shownAt.push(now);
    for (const e of batch) this.lastShown.set(keyOf(e), now);
    for (const [key, at] of this.lastShown) if (now - at >= this.dedupWindowMs) this.lastShown.delete(key);
    this.show(noticeFor(batch));
  }
}

function keyOf(e: ErrorEntry): string {
  return `${e.system}\u0000${e.message}`;
}

function orderLabel(e: ErrorEntry): string {
  return e.orderNumber ? `заказ №${e.orderNumber}` : e.orderId !== null ? `заказ #${e.orderId}` : '';
}

export function noticeFor(batch: ErrorEntry[]): Notice {
  const orders = new Set(batch.map((e) => e.orderId));
  const [only] = orders;
  const target: NavigateRequest = orders.size === 1 && typeof only === 'number' ? { screen: 'queue', orderId: only } : { screen: 'errors' };
  if (batch.length === 1) {
    const e = batch[0]!;
    const order = orderLabel(e);
    return {
      title: `${systemTitles[e.system]}${order ? ` — ${order}` : ''}`,
      body: e.message,
      count: 1,
      target,
    };
  }
  const groups = new Map<string, { text: string; n: number }>();
  for (const e of batch) {
    const g = groups.get(keyOf(e)) ?? { text: `${systemTitles[e.system]}: ${e.message}`, n: 0 };
    g.n++;
    groups.set(keyOf(e), g);
  }
  const lines = [...groups.values()]
    .sort((a, b) => b.n - a.n)
    .slice(0, 3)
    .map((g) => (g.n > 1 ? `${g.text} (×${g.n})` : g.text));
  if (groups.size > 3) lines.push(`и ещё ${groups.size - 3} вид(а) ошибок`);
  return {
    title: `${errorsCount(batch.length)} синхронизации`,
    body: `${lines.join('\n')}\nПодробности — в журнале ошибок.`,
    count: batch.length,
    target,
  };
}

/** Shows a notice through the OS; the click handler gets its navigation target. */
export function showNotice(notice: Notice, onClick: (target: NavigateRequest) => void): boolean {
  if (!Notification.isSupported()) return false;
  const n = new Notification({ title: notice.title, body: notice.body });
  // Held until it is gone, or a collected notification loses its click handler on Windows.
  alive.add(n);
  n.on('click', () => {
    alive.delete(n);
    onClick(notice.target);
  });
  n.on('close', () => alive.delete(n));
  n.show();
  return true;
}

const alive = new Set<Notification>();
