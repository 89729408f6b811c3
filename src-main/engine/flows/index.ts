import type { Engine } from '../engine.js';
import { connectors } from '../connectors/index.js';
import type { Connector } from '../connectors/types.js';
import { courierFlow } from './courier/index.js';
import { crmFlow } from './crm/index.js';
import { fiscalFlow } from './fiscal/index.js';
import { formsFlow } from './forms/index.js';
import { leelooFlow } from './leeloo/index.js';
import { posFlow } from './pos/index.js';
import { printFlow } from './print/index.js';
import { statuscheckFlow } from './statuscheck/index.js';
import { tunnelFlow } from './tunnel/index.js';
import { migrate } from '../db/migrate.js';
import type { FlowContext, FlowModule } from './types.js';

/**
 * Every flow, installed in this order (a RetailCRM order reaches the courier, POS and fiscal flows in it).
 * A new flow is its folder and one line here.
 */
export const flowModules = {
  retailcrm: crmFlow,
  courier: courierFlow,
  pos: posFlow,
  fiscal: fiscalFlow,
  leeloo: leelooFlow,
  forms: formsFlow,
  tunnel: tunnelFlow,
  print: printFlow,
  statuscheck: statuscheckFlow,
} as const;

/** What each installed flow offers the window's helpers and tests. */
export type Flows = { [K in keyof typeof flowModules]: Awaited<ReturnType<(typeof flowModules)[K]['install']>> };

/** Connectors' own connection checks, then every flow: its routes, jobs, pollers, API methods and event links. */
export async function installFlows(engine: Engine): Promise<Flows> {
  for (const c of Object.values(connectors) as Array<Connector<unknown, unknown, never>>) {
    if (c.testConnection) engine.connectionTests.set(c.id, () => engine.connectors.test(c as Connector<unknown, unknown, void>));
  }
  const ctx: FlowContext = {
    engine,
    connectors: engine.connectors,
    api: engine.apiRegistry,
    jobs: (defs) => Object.values(defs).forEach((d) => engine.runner.register(d)),
    connectionTest: (target, test) => engine.connectionTests.set(target, test),
    poll: ({ id, title, of, everySec, enabled = () => true, progress, run }) =>
      engine.scheduler.register({
        id,
        title,
        system: of.id,
        get intervalMs() {
          return everySec() * 1000;
        },
        active: () => enabled() && engine.connectors.isConfigured(of),
        ...(progress ? { progress } : {}),
        run,
      }),
    orderAction: (action, run) => {
      if (engine.orderActions.has(action)) throw new Error(`order action ${action} registered twice`);
      engine.orderActions.set(action, run);
    },
  };
  const installed: Record<string, unknown> = {};
  for (const [id, flow] of Object.entries(flowModules) as Array<[string, FlowModule<unknown>]>) {
    if (flow.migrations) migrate(engine.db, flow.migrations, flow.id);
    installed[id] = await flow.install(ctx);
  }
  engine.apiRegistry.assertComplete();
  return installed as Flows;
}
