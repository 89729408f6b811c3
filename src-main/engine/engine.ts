import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EngineStatus, OrderAction } from '../../src-shared/api.js';
import type { ConnectionTestTarget, SystemId } from '../../src-shared/systems.js';
import { registerCoreApi } from './api/core.js';
import { ApiRegistry, createDispatcher, type Dispatch } from './api/dispatcher.js';
import { connectors } from './connectors/index.js';
import { ConnectorRegistry } from './connectors/registry.js';
import { Attention } from './core/attention.js';
import { ErrorLog } from './core/error-log.js';
import { Orders } from './core/orders.js';
import { SystemChecks, systemStatus } from './core/system-checks.js';
import { Timeline } from './core/timeline.js';
import { openDatabase, type Db, sql } from './db/open.js';
import { SyncError, toSyncError } from './errors.js';
import { EngineEvents } from './events.js';
import { createHttpClient, httpClientsReady } from './http/client.js';
import { RateLimiters } from './http/rate-limit.js';
import { AuthPause, type AuthPauseOptions } from './jobs/auth-pause.js';
import { Inbox } from './jobs/inbox.js';
import { JobQueue } from './jobs/queue.js';
import type { BackoffPolicy } from './jobs/backoff.js';
import { JobRunner, type RunnerOptions } from './jobs/runner.js';
import { Scheduler } from './jobs/scheduler.js';
import { createFileLogger, type Logger, type LogLevel } from './log.js';
import { startMemoryReclaim } from './memory.js';
import { Redactor } from './redact.js';
import { installFlows, type Flows } from './flows/index.js';
import type { PdfRenderer } from './printforms/pdf.js';
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
  /** Clients of the external systems, built from the current settings and kept while those stay the same. */
  readonly connectors: ConnectorRegistry;
  /** Where the engine and the flows put the API methods they answer. */
  readonly apiRegistry = new ApiRegistry();
  /** The order card's actions, each from the flow it belongs to. */
  readonly orderActions = new Map<OrderAction, (orderId: number) => { message: string }>();
  readonly api: Dispatch;
  /** The last real check of each system, re-run when its settings are saved. */
  readonly checks: SystemChecks;
  /** «Снять отметку»: an order's flag cleared by the merchant. */
  readonly attention: Attention;
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
      engine.flowsRef = await installFlows(engine);
    } catch (err) {
      engine.db.close();
      await engine.log.close();
      throw err;
    }
    return engine;
  }

  private constructor(private readonly opts: EngineOptions) {
    // Names, phones and addresses live here: only this user may read them, whatever the umask says.
    privateDir(opts.dataDir);
    privateDir(path.join(opts.dataDir, 'logs'));
    this.log = createFileLogger({
      file: path.join(opts.dataDir, 'logs', 'prilavok.log'),
      redactor: this.redactor,
      level: opts.logLevel ?? 'info',
      echo: opts.logEcho ?? false,
    });
    try {
      this.db = openDatabase(path.join(opts.dataDir, 'prilavok.db'), { private: true });
    } catch (err) {
      const e = toSyncError(err);
      this.log.error('database could not be opened', { err: e.message, detail: e.detail });
      void this.log.close();
      throw err;
    }
    this.errors = new ErrorLog(this.db, this.redactor, this.events);
    this.timeline = new Timeline(this.db, this.redactor);
    this.orders = new Orders(this.db);
    this.attention = new Attention({ db: this.db, orders: this.orders, timeline: this.timeline, events: this.events });
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
          this.queue.retryAuthFailures(system);
          this.runner.wake();
        },
        changed: () => this.events.emit('status.changed', undefined),
      },
      opts.authPause,
    );
    this.runner.holdLane = (connector) => this.authPause.holds(connector);
    this.runner.onAuthFailure = (system) => this.authPause.pause(system);
    this.inbox = new Inbox(this.db, this.events, this.errors, this.log, path.join(opts.dataDir, 'inbox-files'));
    this.scheduler = new Scheduler(this.db, this.errors, this.events, this.log, this.redactor);
    this.webhooks = new WebhookServer(this.inbox, (source) => this.secrets.get(webhookSecretKey(source)), this.log, opts.webhookLimits);
    this.tunnel = new TunnelManager({
      config: () => tunnelConfig(this.settings.get('tunnel'), this.secrets.get('tunnel.ngrokAuthtoken'), this.redactor),
      log: this.log,
      ...(opts.tunnelBackoff ? { backoff: opts.tunnelBackoff } : {}),
    });
    this.connectors = new ConnectorRegistry({
      settings: this.settings,
      secrets: this.secrets,
      redactor: this.redactor,
      rateLimiters: this.rateLimiters,
      publicWebhookUrl: (source) => this.publicWebhookUrl(source),
    });
    this.checks = new SystemChecks({
      test: (system) => this.connectionTests.get(system),
      configured: (system) => this.systemConfigured(system),
      redact: (text) => this.redactor.redact(text),
      redactDetail: (text) => this.redactor.redact(text),
      changed: () => this.scheduleStatus(),
      store: {
        read: (system) => this.kvGet(`check.${system}`),
        write: (system, value) => (value === null ? this.kvDelete(`check.${system}`) : this.kvSet(`check.${system}`, value)),
      },
    });
    this.settings.onChange((section) => this.checks.saved(section));
    this.secrets.onChange((key) => this.checks.saved(key));
    registerCoreApi(this, this.apiRegistry);
    this.api = createDispatcher(this.apiRegistry, this.log, this.redactor);

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

  /** The URL a system may call us back at: only with a public address (a local one is of no use to it). */
  publicWebhookUrl(source: string): string | null {
    return this.publicUrl() ? this.webhookUrl(source) : null;
  }

  /** HTML → PDF for print forms, when this host has one. */
  get pdfRenderer(): PdfRenderer | null {
    return this.opts.pdfRenderer ?? null;
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
    await httpClientsReady();
    this.runner.setPaused(paused);
    this.authPause.start();
    this.runner.start();
    this.scheduler.start(paused);
    this.scheduleInbox();
    // The tunnel comes up in the background; its state and address arrive as status events.
    if (listening !== null) await this.tunnel.start(listening);
    this.unsubscribers.push(startMemoryReclaim(this.log));
    this.log.info('engine started', { version: ENGINE_VERSION, webhooks: this.webhooks.localUrl, paused });
  }

  /** Stops taking work, lets running jobs finish (up to `drainMs`), then closes the database. */
  async stop(drainMs = 10_000): Promise<void> {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.checks.close();
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

  /** Connection state per external system: its last real check or sync, whichever is newer. */
  private systemsStatus(pollers: EngineStatus['pollers']): EngineStatus['systems'] {
    return (['retailcrm', 'measoft', 'lifepos'] as const).map((id) => systemStatus(id, this.systemConfigured(id), pollers, this.checks.latest(id)));
  }

  private systemConfigured(id: SystemId): boolean {
    if (id === 'retailcrm') return this.connectors.isConfigured(connectors.retailcrm);
    if (id === 'measoft') return this.connectors.isConfigured(connectors.measoft);
    if (id === 'lifepos') return this.connectors.isConfigured(connectors.lifepos);
    return false;
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

  kvDelete(key: string): void {
    sql(this.db, 'DELETE FROM kv WHERE key = ?').run(key);
  }
}

/** Creates the directory (and its parents) and makes it 0700 on POSIX; on Windows the per-user profile restricts it. */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  try {
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    // A directory the merchant pointed us at and does not own (a shared mount): use it as it is.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

export function webhookSecretKey(source: string): string {
  return `webhook.${source}`;
}
