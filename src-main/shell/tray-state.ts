import type { EngineStatus, ErrorEntry } from '../../src-shared/api.js';
import { health, TUNNEL_CONNECTING_WARN_MS } from '../../src-shared/health.js';
import { systemTitles } from '../../src-shared/systems.js';
import { plural } from '../../src-shared/plural.js';

/**
 * What the tray shows, computed from the engine's events alone: the icon colour, the tooltip and the menu.
 * No Electron here — the adapter in tray.ts turns the model into a Tray and a Menu.
 */

export type TrayIcon = 'ok' | 'warning' | 'error';

export type TrayAction =
  | { type: 'open' }
  | { type: 'syncNow' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'openErrorLog' }
  | { type: 'openSetup' }
  | { type: 'copyWebhookUrl'; url: string }
  | { type: 'toggleOpenAtLogin' }
  | { type: 'quit' };

export type TrayMenuItem =
  | { kind: 'separator' }
  | { kind: 'item'; label: string; enabled: boolean; action?: TrayAction; submenu?: TrayMenuItem[]; /** A checkbox item. */ checked?: boolean };

export interface TrayState {
  icon: TrayIcon;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayInput {
  /** Last status the engine sent; null before the first one. */
  status: EngineStatus | null;
  /** False while the engine process is down or restarting. */
  engineUp: boolean;
  /** Recent entries of the error log, newest first. */
  recentErrors: ErrorEntry[];
  /** The clock, ms since epoch (how long the tunnel has been connecting); defaults to now. */
  now?: number;
  /** Whether Prilavok starts with the computer (a checkbox in the menu); no item when unknown. */
  openAtLogin?: boolean;
}

export { TUNNEL_CONNECTING_WARN_MS };

/** Windows cuts tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;
const RECENT_IN_MENU = 5;

export const trayLabels = {
  open: 'Открыть Прилавок',
  syncNow: 'Синхронизировать сейчас',
  pause: 'Пауза',
  resume: 'Продолжить',
  recentErrors: 'Последние ошибки',
  noErrors: 'Ошибок нет',
  errorLog: 'Открыть журнал ошибок',
  openSetup: 'Открыть настройки',
  copyWebhookUrl: 'Скопировать адрес для вебхуков',
  openAtLogin: 'Запускать вместе с компьютером',
  quit: 'Выход',
  tunnelUp: 'Туннель: подключён',
  tunnelConnecting: 'Туннель: подключается…',
  tunnelDown: 'Туннель: нет связи',
  tunnelOff: 'Туннель: выключен',
  ownAddress: 'Свой адрес из интернета',
} as const;

type TunnelStatus = EngineStatus['tunnel'];

/** The disabled menu line that says how the webhook server is reached from the internet; none without a tunnel. */
function tunnelLine(tunnel: TunnelStatus | undefined): string | null {
  if (!tunnel || tunnel.provider === 'none') return null;
  if (tunnel.provider === 'own') return trayLabels.ownAddress;
  switch (tunnel.state) {
    case 'up':
      return trayLabels.tunnelUp;
    case 'connecting':
      return trayLabels.tunnelConnecting;
    case 'down':
      return trayLabels.tunnelDown;
    case 'off':
      return trayLabels.tunnelOff;
  }
}


export function errorsCount(n: number): string {
  return `${n} ${plural(n, 'ошибка', 'ошибки', 'ошибок')}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Unread entries of severity «error» among the recent ones; none when the engine says nothing is unread. */
function unreadErrors(input: TrayInput): ErrorEntry[] {
  if (input.status && input.status.errors.unread === 0) return [];
  return input.recentErrors.filter((e) => !e.acknowledged && e.severity === 'error');
}

export function trayState(input: TrayInput): TrayState {
  const { status, engineUp } = input;
  const problems: string[] = [];
  const warnings: string[] = [];

  let firstRun = false;
  if (!engineUp || !status) problems.push(engineUp ? 'запускается' : 'движок не отвечает');
  else {
    // The same facts and words as the window's header: set up or not, failing systems, jobs waiting, tunnel, pause.
    const h = health({ engineUp, status, now: input.now ?? Date.now() });
    firstRun = h.state === 'firstRun';
    const unread = unreadErrors(input);
    if (unread.length > 0) problems.push(errorsCount(Math.max(unread.length, Math.min(status.errors.unread, 9999))));
    for (const r of h.reasons) (r.tone === 'error' ? problems : warnings).push(r.text);
    if (status.secretsWarning) warnings.push('секреты без хранилища ключей ОС');
    if (unread.length === 0 && status.errors.unread > 0) warnings.push(`${status.errors.unread} непрочитанных в журнале`);
  }

  const icon: TrayIcon = problems.length > 0 ? 'error' : warnings.length > 0 ? 'warning' : 'ok';
  const summary = [...problems, ...warnings].join('; ') || 'синхронизация работает';
  const tooltip = truncate(`Прилавок — ${summary}`, TOOLTIP_MAX);

  const ready = engineUp && status !== null;
  const recent = input.recentErrors.slice(0, RECENT_IN_MENU);
  const recentItems: TrayMenuItem[] =
    recent.length === 0
      ? [{ kind: 'item', label: trayLabels.noErrors, enabled: false }]
      : [
          ...recent.map((e): TrayMenuItem => ({
            kind: 'item',
            label: truncate(`${systemTitles[e.system] ?? e.system}${e.orderNumber ? ` №${e.orderNumber}` : ''}: ${e.message}`, 80),
            enabled: true,
            action: { type: 'openErrorLog' },
          })),
          { kind: 'separator' },
          { kind: 'item', label: trayLabels.errorLog, enabled: true, action: { type: 'openErrorLog' } },
        ];
  const publicUrl = status?.webhooks.publicUrl ?? null;
  const tunnel = ready ? tunnelLine(status.tunnel) : null;

  const menu: TrayMenuItem[] = [
    { kind: 'item', label: trayLabels.open, enabled: true, action: { type: 'open' } },
    ...(firstRun ? [{ kind: 'item', label: trayLabels.openSetup, enabled: true, action: { type: 'openSetup' } } satisfies TrayMenuItem] : []),
    { kind: 'separator' },
    { kind: 'item', label: trayLabels.syncNow, enabled: ready && !status.paused, action: { type: 'syncNow' } },
    status?.paused
      ? { kind: 'item', label: trayLabels.resume, enabled: ready, action: { type: 'resume' } }
      : { kind: 'item', label: trayLabels.pause, enabled: ready, action: { type: 'pause' } },
    { kind: 'item', label: trayLabels.recentErrors, enabled: true, submenu: recentItems },
    publicUrl
      ? { kind: 'item', label: trayLabels.copyWebhookUrl, enabled: true, action: { type: 'copyWebhookUrl', url: publicUrl } }
      : { kind: 'item', label: trayLabels.copyWebhookUrl, enabled: false },
    ...(tunnel ? [{ kind: 'item', label: tunnel, enabled: false } satisfies TrayMenuItem] : []),
    { kind: 'separator' },
    ...(input.openAtLogin === undefined
      ? []
      : [{ kind: 'item', label: trayLabels.openAtLogin, enabled: true, checked: input.openAtLogin, action: { type: 'toggleOpenAtLogin' } } satisfies TrayMenuItem]),
    { kind: 'item', label: trayLabels.quit, enabled: true, action: { type: 'quit' } },
  ];
  return { icon, tooltip, menu };
}

/**
 * Folds the engine's events into the tray input: the latest status, whether the engine is up, and the last
 * few error-log entries (an acknowledgement shows up as `errors.unread` dropping to zero in the status).
 */
export class TrayModel {
  private input: TrayInput = { status: null, engineUp: false, recentErrors: [] };
  private last: TrayState | null = null;
  private lastKey = '';
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly onChange: (state: TrayState) => void,
    private readonly clock: { now(): number; setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout>; clearTimeout(t: ReturnType<typeof setTimeout>): void } = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (t) => clearTimeout(t),
    },
  ) {}

  /** Stops the timer that turns a long «connecting» tunnel amber. */
  dispose(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  get state(): TrayState {
    return this.last ?? trayState({ ...this.input, now: this.clock.now() });
  }

  /** The «start with the computer» checkbox follows the saved preference. */
  openAtLogin(on: boolean): void {
    this.input = { ...this.input, openAtLogin: on };
    this.publish();
  }

  engineUp(up: boolean): void {
    this.input = { ...this.input, engineUp: up };
    this.publish();
  }

  event(event: string, payload: unknown): void {
    if (event === 'engine.status') this.status(payload as EngineStatus);
    else if (event === 'errors.logged') this.error(payload as ErrorEntry);
  }

  status(status: EngineStatus): void {
    let recentErrors = this.input.recentErrors;
    if (status.errors.unread === 0 && recentErrors.some((e) => !e.acknowledged)) {
      recentErrors = recentErrors.map((e) => (e.acknowledged ? e : { ...e, acknowledged: true }));
    }
    this.input = { ...this.input, status, engineUp: true, recentErrors };
    this.publish();
  }

  error(entry: ErrorEntry): void {
    const rest = this.input.recentErrors.filter((e) => e.id !== entry.id);
    const recentErrors = [entry, ...rest].sort((a, b) => b.at - a.at || b.id - a.id).slice(0, 20);
    const status = this.input.status && !entry.acknowledged
      ? { ...this.input.status, errors: { unread: Math.max(this.input.status.errors.unread, 1) } }
      : this.input.status;
    this.input = { ...this.input, recentErrors, status };
    this.publish();
  }

  private publish(): void {
    const now = this.clock.now();
    this.schedule(now);
    const next = trayState({ ...this.input, now });
    const key = JSON.stringify(next);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.last = next;
    this.onChange(next);
  }

  /** A tunnel that is connecting turns the icon amber after a minute even if no other event comes. */
  private schedule(now: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const t = this.input.engineUp ? this.input.status?.tunnel : undefined;
    if (!t || t.state !== 'connecting' || t.provider === 'none' || t.provider === 'own') return;
    const due = t.since + TUNNEL_CONNECTING_WARN_MS - now;
    if (due <= 0) return;
    const timer = this.clock.setTimeout(() => {
      if (this.timer === timer) this.timer = null;
      this.publish();
    }, due + 50);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }
}
