import type { Engine } from '../engine.js';
import { toSyncError } from '../errors.js';
import { Connections } from '../connectors/connections.js';
import type { PdfRenderer } from '../printforms/pdf.js';
import { CourierFlow } from './courier/flow.js';
import { CrmSync } from './crm-sync.js';
import { PosFlow } from './pos/flow.js';
import { FiscalFlow } from './fiscal/flow.js';
import { LeelooFlow } from './leeloo.js';
import { FormsFlow } from './forms/index.js';
import { PrintService } from './print.js';
import { SetupService } from './setup.js';
import { TunnelFlow } from './tunnel.js';

export interface Flows {
  connections: Connections;
  crm: CrmSync;
  courier: CourierFlow;
  print: PrintService;
  setup: SetupService;
  pos: PosFlow;
  fiscal: FiscalFlow;
  leeloo: LeelooFlow;
  forms: FormsFlow;
  tunnel: TunnelFlow;
}

/** Connectors and flows on top of the engine core: every route, job kind, poller and connection test. */
export async function installFlows(engine: Engine, opts: { pdfRenderer?: PdfRenderer | null } = {}): Promise<Flows> {
  const connections = new Connections(engine);
  const crm = new CrmSync(engine, connections);
  await crm.install();
  const courier = new CourierFlow(engine, connections);
  courier.install(crm);
  const pos = new PosFlow(engine, connections);
  await pos.install(crm);
  const fiscal = new FiscalFlow(engine, connections);
  await fiscal.install(crm);
  courier.onDelivered = (db, o) => {
    try {
      fiscal.requestCod(db, o);
    } catch (err) {
      // A receipt that cannot be built must not hold up the delivery status: it is the merchant's to fix.
      engine.errors.record(toSyncError(err, 'kassa'), { orderId: o.orderId });
      engine.orders.setChip(o.orderId, 'kassa', { state: 'invalid', label: 'Чек не сформирован', attention: true });
    }
  };
  const print = new PrintService(engine, connections, courier, opts.pdfRenderer ?? null);
  const setup = new SetupService(engine, connections, courier);
  const leeloo = new LeelooFlow(engine, connections, fiscal);
  await leeloo.install();
  const forms = new FormsFlow(engine, connections);
  await forms.install();
  const tunnel = new TunnelFlow(engine, connections, pos);
  tunnel.install();
  return { connections, crm, courier, print, setup, pos, fiscal, leeloo, forms, tunnel };
}
