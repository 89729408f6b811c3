import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { EngineStatus, OrderAction } from '../../src-shared/api.js';
import type { SettingsSection } from '../../src-shared/settings.js';
import type { ConnectionTestTarget, SystemId } from '../../src-shared/systems.js';
import { createDispatcher, type Dispatch } from './api/dispatcher.js';
import { ErrorLog } from './core/error-log.js';
import { Orders } from './core/orders.js';
import { Timeline } from './core/timeline.js';
import { openDatabase, type Db, sql } from './db/open.js';
import { SyncError, toSyncError } from './errors.js';
import { EngineEvents } from './events.js';
import { createHttpClient } from './http/client.js';
import { RateLimiters } from './http/rate-limit.js';
import { AuthPause, type AuthPauseOptions } from './jobs/auth-pause.js';
import { Inbox } from './jobs/inbox.js';
import { JobQueue } from './jobs/queue.js';
import type { BackoffPolicy } from './jobs/backoff.js';
import { JobRunner, type RunnerOptions } from './jobs/runner.js';
import { Scheduler } from './jobs/scheduler.js';
import { createFileLogger, type Logger, type LogLevel } from './log.js';
import { Redactor } from './redact.js';
import { installFlows, type Flows } from './flows/index.js';
import type { PdfRenderer } from './printforms/pdf.js';
import { printForms, type PrintFormId } from './printforms/types.js';
import { FileKeySecretBox, type SecretBox } from './settings/secret-box.js';
import { SecretStore, SettingsStore } from './settings/store.js';
import { tunnelConfig } from './tunnel/config.js';
import { TunnelManager } from './tunnel/manager.js';
import { WebhookServer, type WebhookLimits, type WebhookRoute } from './webhooks/server.js';

// Validation messages reach the merchant, so zod speaks Russian.
z.config(z.locales.ru());

export const ENGINE_VERSION = '0.1.0';

export interface EngineOptions {
  dataDir: string;
  /** Defaults to the headless key-file box in the data directory. */
  secretBox?: SecretBox;
  /** Overrides the configured webhook port (0: any free port, for tests). */
  webhookPort?: number;
  runner?: Partial<RunnerOptions>;
  /** Retry delays (tests and the demo shorten them). */
  backoff?: BackoffPolicy;
  webhookLimits?: WebhookLimits;
  logLevel?: LogLevel;
  logEcho?: boolean;
  /** HTML → PDF for print forms (headless: Chromium; the desktop shell prints through Electron). */
  pdfRenderer?: PdfRenderer | null;
  /** Connection checks of a system paused on an access error (tests shorten them). */
  authPause?: AuthPauseOptions;
  /** Tunnel reconnect delays (tests shorten them). */
  tunnelBackoff?: { baseMs: number; maxMs: number };
}

export type ConnectionTest = () => Promise<{ ok: boolean; message: string; detail?: string | null }>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * The sync engine: one database, one job runner, one scheduler, one webhook server, one API dispatcher.
 * Connectors and flows plug in through `runner.register`, `scheduler.register`, `inbox.handle`,
 * `addWebhookRoute` and `connectionTests`.
 */
export class Engine {
  readonly redactor = new Redactor();
  readonly events = new EngineEvents();
  readonly rateLimiters = new RateLimiters();
  readonly connectionTests = new Map<ConnectionTestTarget, ConnectionTest>();
  readonly db: Db;
  readonly log: Logger;
  readonly errors: ErrorLog;
  readonly timeline: Timeline;
  readonly orders: Orders;
  readonly queue: JobQueue;
  readonly runner: JobRunner;
  /** Systems whose lanes wait after an access error. */
  readonly authPause: AuthPause;
  readonly inbox: Inbox;
  readonly scheduler: Scheduler;
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly webhooks: WebhookServer;
  /** Keeps the webhook server reachable from the internet (own address, ngrok or localtunnel). */
  readonly tunnel: TunnelManager;
  readonly api: Dispatch;
  readonly startedAt = Date.now();

  private flowsRef: Flows | null = null;
  private started = false;
  private webhookError: string | null = null;
  private inboxScheduled = false;
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribers: Array<() => void> = [];

  static async open(opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(opts);
    try {
      await engine.secrets.load();
      engine.flowsRef = await installFlows(engine, { pdfRenderer: opts.pdfRenderer ?? null });
    } catch (err) {
      engine.db.close();
      await engine.log.close();
      throw err;
    }
    return engine;
  }

  private constructor(private readonly opts: EngineOptions) {
    this.log = createFileLogger({
      file: path.join(opts.dataDir, 'logs', 'prilavok.log'),
      redactor: this.redactor,
      level: opts.logLevel ?? 'info',
      echo: opts.logEcho ?? false,
    });
    try {
      this.db = openDatabase(path.join(opts.dataDir, 'prilavok.db'));
    } catch (err) {
      const e = toSyncError(err);
      this.log.error('database could not be opened', { err: e.message, detail: e.detail });
      void this.log.close();
      throw err;
    }
    this.errors = new ErrorLog(this.db, this.redactor, this.events);
    this.timeline = new Timeline(this.db, this.redactor);
    this.orders = new Orders(this.db);
    this.queue = new JobQueue(this.db, this.events, opts.backoff);
    this.settings = new SettingsStore(this.db);
    this.secrets = new SecretStore(this.db, opts.secretBox ?? new FileKeySecretBox(path.join(opts.dataDir, 'secret.key')), this.redactor);
    this.runner = new JobRunner(
      { db: this.db, queue: this.queue, timeline: this.timeline, errors: this.errors, orders: this.orders, events: this.events, redactor: this.redactor, log: this.log },
      opts.runner,
    );
    this.authPause = new AuthPause(
      {
        db: this.db,
        log: this.log,
        probe: async (system) => {
          const test = this.connectionTests.get(system as ConnectionTestTarget);
          return test ? (await test()).ok : false;
        },
        resumed: (system) => {
          for (const { connector } of sql(this.db, `SELECT DISTINCT connector FROM jobs WHERE connector = ? OR connector LIKE ?`).all(system, `${system}-%`) as Array<{ connector: string }>) {
            this.queue.retryAuthFailures(connector);
          }
          this.runner.wake();
        },
        changed: () => this.events.emit('status.changed', undefined),
      },
      opts.authPause,
    );
    this.runner.holdLane = (connector) => this.authPause.holds(connector);
    this.runner.onAuthFailure = (connector) => this.authPause.pause(connector);
    this.inbox = new Inbox(this.db, this.events, this.errors, this.log);
    this.scheduler = new Scheduler(this.db, this.errors, this.events, this.log, this.redactor);
    this.webhooks = new WebhookServer(this.inbox, (source) => this.secrets.get(webhookSecretKey(source)), this.log, opts.webhookLimits);
    this.tunnel = new TunnelManager({
      config: () => tunnelConfig(this.settings.get('tunnel'), this.secrets.get('tunnel.ngrokAuthtoken'), this.redactor),
      log: this.log,
      ...(opts.tunnelBackoff ? { backoff: opts.tunnelBackoff } : {}),
    });
    this.api = createDispatcher(this.apiHandlers(), this.log, this.redactor);

    this.scheduler.register({
      id: 'housekeeping',
      title: 'Очистка старой истории',
      system: 'engine',
      intervalMs: 6 * HOUR,
      run: async () => this.housekeeping(),
    });
    this.connectionTests.set('webhooks', () => this.testWebhooks());
  }

  /** Adds a webhook route and makes sure it has a secret (generated once, kept encrypted). */
  async addWebhookRoute(route: WebhookRoute): Promise<void> {
    this.webhooks.register(route);
    const key = webhookSecretKey(route.source);
    if (!this.secrets.get(key)) await this.secrets.set(key, randomBytes(18).toString('base64url'));
  }

  /**
   * The public base URL of the webhook server: the merchant's own address, or the tunnel's (the last one while
   * it reconnects); null when the server is not reachable from the internet.
   */
  publicUrl(): string | null {
    const t = this.settings.get('tunnel');
    if (t.provider === 'own') return t.ownUrl?.replace(/\/+$/, '') ?? null;
    if (t.provider === 'none') return null;
    return this.tunnel.url;
  }

  /** The URL a sender posts to: public when a tunnel or own address is configured, local otherwise. */
  webhookUrl(source: string): string | null {
    const secret = this.secrets.get(webhookSecretKey(source));
    const base = this.publicUrl() ?? this.webhooks.localUrl;
    return secret && base ? `${base.replace(/\/$/, '')}/hooks/${source}/${secret}` : null;
  }

  /** Connectors and flows, installed by `Engine.open`. */
  get flows(): Flows {
    if (!this.flowsRef) throw new Error('flows are installed by Engine.open');
    return this.flowsRef;
  }

  get paused(): boolean {
    return this.scheduler.isPaused;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const paused = this.kvGet('engine.paused') === '1';
    const port = this.opts.webhookPort ?? this.settings.get('general').webhookPort;
    let listening: number | null = null;
    try {
      listening = await this.webhooks.listen(port);
      this.webhookError = null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const message =
        code === 'EADDRINUSE'
          ? `Порт ${port} для входящих запросов занят другой программой. Выберите другой порт в настройках.`
          : `Не удалось открыть порт ${port} для входящих запросов.`;
      this.webhookError = message;
      this.errors.record(new SyncError({ kind: 'needsAttention', system: 'webhooks', message, detail: String(err) }));
    }
    this.unsubscribers.push(
      this.events.on('inbox.received', () => this.scheduleInbox()),
      this.events.on('queue.changed', () => this.scheduleStatus()),
      this.events.on('status.changed', () => this.scheduleStatus()),
      this.events.on('errors.logged', () => this.scheduleStatus()),
    );
    this.runner.setPaused(paused);
    this.authPause.start();
    this.runner.start();
    this.scheduler.start(paused);
    this.scheduleInbox();
    // The tunnel comes up in the background; its state and address arrive as status events.
    if (listening !== null) await this.tunnel.start(listening);
    this.log.info('engine started', { version: ENGINE_VERSION, webhooks: this.webhooks.localUrl, paused });
  }

  /** Stops taking work, lets running jobs finish (up to `drainMs`), then closes the database. */
  async stop(drainMs = 10_000): Promise<void> {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.unsubscribers.splice(0).forEach((u) => u());
    await this.tunnel.stop();
    await this.webhooks.close();
    await this.scheduler.stop();
    this.authPause.stop();
    await this.runner.stop(drainMs);
    await this.opts.pdfRenderer?.close().catch(() => undefined);
    if (this.db.open) this.db.close();
    this.log.info('engine stopped');
    await this.log.close();
    this.started = false;
  }

  pause(): void {
    this.kvSet('engine.paused', '1');
    this.scheduler.pause();
    this.runner.setPaused(true);
  }

  resume(): void {
    this.kvSet('engine.paused', '0');
    this.scheduler.resume();
    this.runner.setPaused(false);
  }

  status(): EngineStatus {
    const pollers = this.scheduler.status();
    return {
      version: ENGINE_VERSION,
      startedAt: this.startedAt,
      paused: this.paused,
      pollers,
      queue: this.queue.depth(),
      inbox: this.inbox.counts(),
      webhooks: {
        listening: this.webhooks.localUrl !== null,
        localUrl: this.webhooks.localUrl,
        publicUrl: this.publicUrl(),
        error: this.webhookError,
      },
      tunnel: { ...this.tunnel.status(), provider: this.settings.get('tunnel').provider },
      errors: { unread: this.errors.unread() },
      systems: this.systemsStatus(pollers),
      secretsWarning: this.secrets.warning,
    };
  }

  /** Connection state per external system, from its pollers (the last successful read is the last sync). */
  private systemsStatus(pollers: EngineStatus['pollers']): EngineStatus['systems'] {
    const c = this.flowsRef?.connections;
    const configured: Partial<Record<SystemId, boolean>> = { retailcrm: c?.retailcrmConfigured() ?? false, measoft: c?.measoftConfigured() ?? false, lifepos: c?.lifeposConfigured() ?? false };
    return (Object.keys(configured) as SystemId[]).map((id) => {
      const own = pollers.filter((p) => p.system === id);
      const lastOkAt = own.reduce<number | null>((m, p) => (p.lastOkAt !== null && (m === null || p.lastOkAt > m) ? p.lastOkAt : m), null);
      return { id, configured: configured[id] ?? false, lastOkAt, lastError: own.find((p) => p.lastError)?.lastError ?? null };
    });
  }

  /** A retry for whatever an error-log entry is about: its job, if it has one. */
  retryError(id: number): boolean {
    const entry = this.errors.get(id);
    if (!entry?.jobId) return false;
    const ok = this.queue.retry(entry.jobId);
    if (ok) {
      this.errors.acknowledge({ ids: [id] });
      if (entry.orderId) this.orders.refreshAttention(entry.orderId);
    }
    return ok;
  }

  private apiHandlers() {
    return {
      'engine.status': () => this.status(),
      'engine.pause': () => (this.pause(), this.status()),
      'engine.resume': () => (this.resume(), this.status()),
      'engine.syncNow': async ({ pollerId }: { pollerId?: string | undefined }) => {
        if (pollerId && !this.scheduler.has(pollerId)) {
          throw new SyncError({ kind: 'needsAttention', message: 'Такой синхронизации нет', detail: `unknown poller ${pollerId}` });
        }
        // Start the runs and answer at once; progress arrives as status events.
        void this.scheduler.syncNow(pollerId);
        this.runner.wake();
        return this.status();
      },
      'settings.get': () => this.settingsView(),
      'settings.update': async ({ section, values }: { section: SettingsSection; values: Record<string, unknown> }) => {
        this.settings.update(section, values);
        // New settings for a system paused on an access error: its work goes again.
        this.authPause.resume(section, 'settings changed');
        if (section === 'tunnel') await this.restartTunnel();
        return this.settingsView();
      },
      'settings.setSecret': async ({ key, value }: { key: string; value: string }) => {
        await this.secrets.set(key, value);
        if (key === 'tunnel.ngrokAuthtoken') await this.restartTunnel();
        const connector = key.split('.')[0]!;
        this.authPause.resume(connector, 'password changed');
        const n = this.queue.retryAuthFailures(connector);
        if (n) this.log.info('credentials changed; retrying jobs stopped on access errors', { connector, jobs: n });
        return this.settingsView();
      },
      'settings.clearSecret': async ({ key }: { key: string }) => {
        this.secrets.delete(key);
        if (key === 'tunnel.ngrokAuthtoken') await this.restartTunnel();
        return this.settingsView();
      },
      'connections.test': async ({ system: target }: { system: ConnectionTestTarget }) => {
        const system: SystemId = target === 'pos' ? 'lifepos' : target;
        const test = this.connectionTests.get(target);
        if (!test) return { ok: false, message: 'Для этой системы проверка подключения пока недоступна.', detail: null };
        try {
          const r = await test();
          return { ok: r.ok, message: this.redactor.redact(r.message), detail: this.redactor.redact(r.detail ?? null) };
        } catch (err) {
          // A failed login may quote what was sent: the message goes through the redactor like the detail.
          const e = toSyncError(err, system);
          return { ok: false, message: this.redactor.redact(e.message), detail: this.redactor.redact(e.detail) };
        }
      },
      'orders.list': (f: Parameters<Orders['list']>[0]) => this.orders.list(f),
      'orders.get': ({ id }: { id: number }) => {
        const order = this.orders.get(id);
        if (!order) throw new SyncError({ kind: 'needsAttention', message: 'Заказ не найден', detail: `order ${id}` });
        return { order, timeline: this.timeline.forOrder(id) };
      },
      'orders.retry': ({ id }: { id: number }) => {
        const ids = sql(this.db, `SELECT id FROM jobs WHERE order_id = ? AND state IN ('attention', 'dead')`)
          .all(id) as Array<{ id: number }>;
        const retried = ids.filter((j) => this.queue.retry(j.id)).length;
        this.orders.refreshAttention(id);
        this.events.emit('orders.changed', { ids: [id] });
        return { retried };
      },
      'errors.list': (o: { limit: number; beforeId?: number | undefined; unreadOnly: boolean }) => ({
        items: this.errors.list(o),
        unread: this.errors.unread(),
      }),
      'errors.acknowledge': (o: { ids?: number[] | undefined; all?: boolean | undefined }) => {
        const unread = this.errors.acknowledge(o);
        this.scheduleStatus();
        return { unread };
      },
      'errors.retry': ({ id }: { id: number }) => ({ retried: this.retryError(id) }),
      'references.get': ({ refresh }: { refresh?: boolean | undefined }) => this.flows.setup.crmReferences(refresh ?? false),
      'setup.triggers': () => this.flows.setup.triggers(),
      'setup.webhooks': () => ({ leeloo: this.webhookUrl('leeloo'), kassa: this.webhookUrl('kassa') }),
      'orders.action': ({ id, action }: { id: number; action: OrderAction }) => this.flows.setup.orderAction(id, action),
      'print.forms': () => ({ forms: printForms }),
      'print.render': ({ orderIds, form }: { orderIds: number[]; form: PrintFormId }) => this.flows.print.render(orderIds, form),
      'print.pdf': async ({ orderIds, form }: { orderIds: number[]; form: PrintFormId }) => {
        const r = await this.flows.print.pdf(orderIds, form);
        return { pdfBase64: r.pdf.toString('base64'), filename: r.filename, skipped: r.skipped };
      },
    };
  }

  private settingsView() {
    return { values: this.settings.all(), secrets: this.secrets.view() };
  }

  private async testWebhooks() {
    const local = this.webhooks.localUrl;
    if (!local) return { ok: false, message: 'Приём входящих запросов не запущен: порт недоступен.', detail: null };
    const publicUrl = this.publicUrl();
    const client = createHttpClient({ system: 'webhooks', redactor: this.redactor, timeoutMs: 10_000 });
    const target = `${(publicUrl ?? local).replace(/\/$/, '')}/hooks/health`;
    const res = await client.request({ url: target });
    const body = res.json<{ app?: string }>();
    if (body.app !== 'prilavok') {
      return { ok: false, message: `По адресу ${target} отвечает не Прилавок.`, detail: res.body.slice(0, 500) };
    }
    return { ok: true, message: publicUrl ? `Входящие запросы доходят по адресу ${publicUrl}.` : `Приём запросов работает локально: ${local}.`, detail: null };
  }

  private housekeeping(): void {
    const days = this.settings.get('general').keepHistoryDays;
    const before = Date.now() - days * DAY;
    const jobs = this.queue.prune(before);
    const inbox = this.inbox.prune(before);
    const errors = this.errors.prune(before);
    this.log.info('housekeeping', { jobs, inbox, errors });
  }

  private scheduleInbox(): void {
    if (this.inboxScheduled || !this.started) return;
    this.inboxScheduled = true;
    setImmediate(() => {
      this.inboxScheduled = false;
      if (!this.db.open) return;
      const batch = 200;
      const n = this.inbox.processPending(batch);
      if (n > 0) this.scheduleStatus();
      // A full batch means more may be waiting: continue on the next turn, without starving the event loop.
      if (n >= batch) this.scheduleInbox();
    });
  }

  /** Status events are throttled: a burst of queue changes makes one update. */
  private scheduleStatus(): void {
    if (this.statusTimer || !this.started) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      if (this.db.open) this.events.emit('engine.status', this.status());
    }, 200);
    this.statusTimer.unref();
  }

  /** Reopens the tunnel with the settings just saved (a running engine only). */
  async restartTunnel(): Promise<void> {
    if (this.started) await this.tunnel.restart();
    this.scheduleStatus();
  }

  kvGet(key: string): string | null {
    return (sql(this.db, 'SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }

  kvSet(key: string, value: string): void {
    sql(this.db, 'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}

export function webhookSecretKey(source: string): string {
  return `webhook.${source}`;
}
