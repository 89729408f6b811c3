import type { OrderAction } from '../../../src-shared/api.js';
import type { ConnectionTestTarget } from '../../../src-shared/systems.js';
import type { ApiRegistry } from '../api/dispatcher.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Migration } from '../db/migrations.js';
import type { ConnectionTestResult, Connector } from '../connectors/types.js';
import type { Engine } from '../engine.js';
import type { JobHandler } from '../jobs/runner.js';
import type { PollerContext } from '../jobs/scheduler.js';

/**
 * What a flow gets to plug itself in. Everything else it needs is on `engine`: `scheduler.register` (pollers),
 * `inbox.handle` (webhook items, validated), `addWebhookRoute`, `events` (links to other flows).
 */
export interface FlowContext {
  engine: Engine;
  connectors: ConnectorRegistry;
  /** The window's API methods this flow answers. */
  api: ApiRegistry;
  /** Registers the flow's job definitions with the runner. */
  jobs(defs: Record<string, JobHandler<unknown>>): void;
  /** A «Проверить подключение» target this flow answers (it replaces a connector's own, simpler check). */
  connectionTest(target: ConnectionTestTarget, test: () => Promise<ConnectionTestResult>): void;
  /**
   * A poller of one system: it runs every `everySec()` seconds (read each time, so a changed setting applies
   * from the next run) while the system is set up and `enabled()` — otherwise it does not run at all.
   */
  poll(p: {
    id: string;
    title: string;
    of: Connector<unknown, unknown, never>;
    everySec: () => number;
    enabled?: () => boolean;
    /** Work spread over several runs, for the overview (the first connection's sweep); null when none. */
    progress?: () => string | null;
    run(ctx: PollerContext): Promise<void>;
  }): void;
  /** An action of the order card («Отправить заново», «Перечитать»). */
  orderAction(action: OrderAction, run: (orderId: number) => { message: string }): void;
}

/**
 * A flow: one business process between systems, in its own folder — `index.ts` (this module: routes, inbox
 * handlers, jobs, pollers, API methods), `rules.ts` (pure decisions), `store.ts` (its SQL). It talks to other
 * flows only through engine events; what it returns is for the window's helpers and tests.
 */
export interface FlowModule<Service = void> {
  id: string;
  /** The flow's own tables, numbered 1..n in its folder and applied before `install` (checked like the engine's). */
  migrations?: readonly Migration[];
  install(ctx: FlowContext): Promise<Service> | Service;
}
