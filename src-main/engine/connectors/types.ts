import type { SecretKey, SettingsSection } from '../../../src-shared/settings.js';
import type { SystemId } from '../../../src-shared/systems.js';
import type { RateLimiters } from '../http/rate-limit.js';
import type { Redactor } from '../redact.js';
import type { SecretStore, SettingsStore } from '../settings/store.js';

/** What a connector may read to build its client: settings, secrets, shared limits, our public webhook address. */
export interface ConnectorContext {
  settings: SettingsStore;
  secrets: SecretStore;
  redactor: Redactor;
  rateLimiters: RateLimiters;
  /** The public URL a system may call us back at for `source`; null without a public address. */
  publicWebhookUrl(source: string): string | null;
}

export interface ConnectionTestResult {
  ok: boolean;
  message: string;
  detail?: string | null;
}

/**
 * One external system, all in one place: where its settings and secrets live, when it counts as set up, how
 * its client is built from them and how «Проверить подключение» checks it. The registry builds clients and
 * keeps them while their configuration stays the same, so a corrected key applies on the next call.
 *
 * `Arg` is for systems with several accounts at once (a cash register per profile): the cache keeps one
 * client per `instanceId(arg)`.
 */
export interface Connector<Client, Config = unknown, Arg = void> {
  id: SystemId;
  /** Its settings section. */
  section: SettingsSection;
  /** Its secrets (encrypted in the secret store). */
  secrets: readonly SecretKey[];
  /** Russian: what to fill in when it is not set up (the `auth` error a job gets). */
  notConfigured: string;
  /** Whether the merchant has filled in what it needs; cheap, never writes. Default: `config` is not null. */
  isConfigured?(ctx: ConnectorContext): boolean;
  /** Everything the client is built from, or null when not configured. Equal configs reuse the client. */
  config(ctx: ConnectorContext, arg: Arg): Config | null;
  create(config: Config, ctx: ConnectorContext): Client;
  instanceId?(arg: Arg): string;
  /** «Проверить подключение»: the account answers and has the rights the flows need. */
  testConnection?(client: Client, ctx: ConnectorContext): Promise<ConnectionTestResult>;
}
