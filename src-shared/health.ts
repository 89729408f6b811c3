import type { EngineStatus } from './api.js';
import { systemTitles, type SystemId } from './systems.js';
import { plural } from './plural.js';

/**
 * The one answer to «does Prilavok work?», for the window's header, «Обзор» and the tray. Computed from facts
 * only — what is set up, the last real check or sync of each system, jobs waiting for the merchant, the tunnel,
 * the pause — so green means green and red means «you must act».
 */

export type HealthState = 'offline' | 'starting' | 'firstRun' | 'failing' | 'paused' | 'attention' | 'waiting' | 'ok';
export type HealthTone = 'ok' | 'warning' | 'error' | 'muted';

export interface HealthReason {
  tone: 'error' | 'warning';
  text: string;
}

export interface HealthFacts {
  /** False while the engine cannot be reached. */
  engineUp: boolean;
  /** Null before the engine's first status. */
  status: Pick<EngineStatus, 'paused' | 'systems' | 'queue' | 'webhooks' | 'tunnel'> | null;
  now: number;
}

export interface Health {
  state: HealthState;
  tone: HealthTone;
  /** A word or two for the badge: «Работает», «Не настроено». */
  title: string;
  /** One sentence: what it means and what to do. */
  hint: string;
  /** Every fact that makes the state less than green, in Russian: problems (red) first, then warnings. */
  reasons: HealthReason[];
  /** Where the merchant acts on it. */
  go: 'setup' | 'queue' | 'errors' | null;
}

/** A tunnel still connecting after this long counts as down. */
export const TUNNEL_CONNECTING_WARN_MS = 60_000;

/** The systems whose setup makes Prilavok do anything at all. */
const primary: SystemId[] = ['retailcrm', 'measoft', 'lifepos'];

export const healthTexts = {
  offline: { title: 'Нет связи', hint: 'Движок Прилавка не отвечает. Переподключаемся…' },
  starting: { title: 'Запускается', hint: 'Прилавок запускается.' },
  firstRun: {
    title: 'Не настроено',
    hint: 'Прилавок ещё ничего не синхронизирует: подключите RetailCRM и курьерскую службу в «Настройках».',
  },
  failing: { title: 'Есть проблема' },
  paused: { title: 'На паузе', hint: 'Новые заказы ждут: синхронизация остановлена до нажатия «Продолжить».' },
  attention: { title: 'Нужно внимание' },
  waiting: { title: 'Подключается', hint: 'Настройки сохранены, ждём первой синхронизации.' },
  ok: { title: 'Работает', hint: 'Прилавок забирает новые заказы и отправляет их дальше.' },
} as const;


export function jobsWaiting(n: number): string {
  return `${n} ${plural(n, 'задача ждёт', 'задачи ждут', 'задач ждут')} решения в «Нужно внимание»`;
}

/** Why the tunnel counts as down, or null: it is needed (ngrok, localtunnel) and down, or stuck connecting. */
export function tunnelProblem(tunnel: EngineStatus['tunnel'] | undefined, now: number): string | null {
  if (!tunnel || tunnel.provider === 'none' || tunnel.provider === 'own') return null;
  if (tunnel.state === 'down') return tunnel.error ? `туннель: нет связи (${tunnel.error})` : 'туннель: нет связи';
  if (tunnel.state === 'connecting' && now - tunnel.since >= TUNNEL_CONNECTING_WARN_MS) return 'туннель не подключается';
  return null;
}

export function health(f: HealthFacts): Health {
  const s = f.status;
  if (!f.engineUp) return { state: 'offline', tone: 'muted', ...healthTexts.offline, reasons: [], go: null };
  if (!s) return { state: 'starting', tone: 'muted', ...healthTexts.starting, reasons: [], go: null };

  const configured = s.systems.filter((x) => x.configured);
  if (!configured.some((x) => primary.includes(x.id))) {
    return { state: 'firstRun', tone: 'warning', ...healthTexts.firstRun, reasons: [{ tone: 'warning', text: 'не настроено — откройте «Настройки»' }], go: 'setup' };
  }

  const failing: string[] = [];
  for (const x of configured) {
    if (!x.lastError) continue;
    const title = systemTitles[x.id];
    failing.push(x.lastError.startsWith(title) ? x.lastError : `${title}: ${x.lastError}`);
  }
  if (!s.webhooks.listening) failing.push(`входящие запросы не принимаются${s.webhooks.error ? `: ${s.webhooks.error}` : ''}`);

  const warnings: string[] = [];
  const waiting = s.queue.attention + s.queue.dead;
  if (waiting > 0) warnings.push(jobsWaiting(waiting));
  const tunnel = tunnelProblem(s.tunnel, f.now);
  if (tunnel) warnings.push(tunnel);

  const reasons: HealthReason[] = [
    ...failing.map((text) => ({ tone: 'error' as const, text })),
    ...[...(s.paused ? ['на паузе'] : []), ...warnings].map((text) => ({ tone: 'warning' as const, text })),
  ];
  if (failing.length > 0) {
    return { state: 'failing', tone: 'error', title: healthTexts.failing.title, hint: capitalize(failing.join('. ')), reasons, go: 'setup' };
  }
  if (s.paused) return { state: 'paused', tone: 'warning', ...healthTexts.paused, reasons, go: null };
  if (warnings.length > 0) {
    return { state: 'attention', tone: 'warning', title: healthTexts.attention.title, hint: capitalize(warnings.join('; ')), reasons, go: waiting > 0 ? 'queue' : 'setup' };
  }
  if (configured.every((x) => x.lastOkAt === null)) return { state: 'waiting', tone: 'ok', ...healthTexts.waiting, reasons, go: null };
  return { state: 'ok', tone: 'ok', ...healthTexts.ok, reasons, go: null };
}

function capitalize(s: string): string {
  return s.charAt(0).toLocaleUpperCase('ru') + s.slice(1);
}
