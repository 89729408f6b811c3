import type { Settings } from '../../../src-shared/settings.js';

export type TunnelProviderId = Settings['tunnel']['provider'];
export type TunnelState = 'off' | 'connecting' | 'up' | 'down';

export interface TunnelStatus {
  provider: TunnelProviderId;
  state: TunnelState;
  /** The public base URL (no trailing slash); kept while reconnecting, so the dashboard shows the last one. */
  url: string | null;
  /** Why the tunnel is down, in Russian for the merchant. */
  error: string | null;
  /** When the state last changed (ms since epoch). */
  since: number;
}

export interface TunnelStartOptions {
  /** The local webhook server's port on 127.0.0.1. */
  localPort: number;
  /** Aborted when the manager stops or restarts the tunnel: a pending start gives up. */
  signal: AbortSignal;
  /**
   * For providers that reconnect on their own (ngrok's session does): the link went down or came back
   * without the tunnel itself ending.
   */
  onLink?: (up: boolean, detail?: string) => void;
}

export interface OpenTunnel {
  /** Public base URL, without a trailing slash. */
  url: string;
  /** Settles when the tunnel drops for good (the manager then reconnects); a rejection carries the reason. */
  closed: Promise<void>;
}

/** One way of exposing the local webhook server to the internet. */
export interface TunnelProvider {
  readonly id: Exclude<TunnelProviderId, 'none'>;
  /** Opens the tunnel; throws a SyncError (`auth` / `needsAttention` stop reconnecting until settings change). */
  start(opts: TunnelStartOptions): Promise<OpenTunnel>;
  /** Closes whatever `start` opened; safe to call twice or before `start`. */
  stop(): Promise<void>;
}

export function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
