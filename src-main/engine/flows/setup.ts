import type { CrmReferences, OrderAction, TriggerInstruction } from '../../../src-shared/api.js';
import type { Engine } from '../engine.js';
import { SyncError } from '../errors.js';
import type { Connections } from '../connectors/connections.js';
import type { CourierFlow } from './courier/flow.js';
import { CRM_WEBHOOK_SOURCE } from './crm-sync.js';

const REFERENCES_TTL_MS = 5 * 60_000;

/** What the setup wizard and the order queue need from the flows: reference books, trigger texts, actions. */
export class SetupService {
  private references: { key: string; value: CrmReferences } | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly connections: Connections,
    private readonly courier: CourierFlow,
  ) {}

  /** The merchant's RetailCRM reference books for the wizard's dropdowns (cached for a few minutes). */
  /** A RetailCRM status name from the reference book already loaded (null before the window asked for it). */
  statusName(code: string): string | null {
    return this.references?.value.statuses.find((s) => s.code === code)?.name ?? null;
  }

  async crmReferences(refresh = false): Promise<CrmReferences> {
    const crm = this.connections.retailcrm();
    const key = JSON.stringify(this.engine.settings.get('retailcrm'));
    if (!refresh && this.references?.key === key && Date.now() - this.references.value.fetchedAt < REFERENCES_TTL_MS) {
      return this.references.value;
    }
    const [statuses, deliveryTypes, paymentTypes, paymentStatuses, stores, sites, userGroups] = await Promise.all([
      crm.statuses(),
      crm.deliveryTypes(),
      crm.paymentTypes(),
      crm.paymentStatuses(),
      crm.stores(),
      crm.sites(),
      crm.userGroups(),
    ]);
    const item = (r: { code: string; name: string | null; active: boolean }) => ({ code: r.code, name: r.name || r.code, active: r.active });
    const value: CrmReferences = {
      statuses: statuses.map((s) => ({ ...item(s), group: s.group ?? null })),
      deliveryTypes: deliveryTypes.map(item),
      paymentTypes: paymentTypes.map(item),
      paymentStatuses: paymentStatuses.map(item),
      stores: stores.map(item),
      sites: sites.map(item),
      userGroups: userGroups.map((g) => ({ code: g.code, name: g.name || g.code, active: true, id: g.id })),
      fetchedAt: Date.now(),
    };
    this.references = { key, value };
    return value;
  }

  /** The RetailCRM triggers to create by hand, with our webhook URL and every parameter to copy. */
  triggers(): { url: string | null; publicUrl: string | null; triggers: TriggerInstruction[] } {
    const url = this.engine.webhookUrl(CRM_WEBHOOK_SOURCE);
    const publicUrl = this.engine.publicUrl();
    const codes = JSON.stringify(this.engine.settings.get('courier').deliveryTypes);
    const target = url ?? '';
    const pos = this.engine.settings.get('pos');
    const posTriggers: TriggerInstruction[] = pos.enabled
      ? [
          {
            name: 'Прилавок: продажи LIFE POS',
            event: 'Изменение заказа',
            condition: 'changeSet.hasChangedField("status") or changeSet.hasChangedField("shipment_store") or changeSet.hasChangedField("payments.status")',
            url: target,
            method: 'POST',
            params: [
              { name: 'id', value: '{{ order.getId() }}' },
              { name: 'status', value: '{{ order.getStatus().getCode() }}' },
            ],
          },
        ]
      : [];
    return {
      url,
      publicUrl,
      triggers: [
        {
          name: 'Прилавок: заказы курьерской службы',
          event: 'Изменение заказа',
          condition: `order.getDeliveryType() and order.getDeliveryType().getCode() in ${codes}`,
          url: target,
          method: 'POST',
          params: [
            { name: 'id', value: '{{ order.getId() }}' },
            { name: 'status', value: '{{ order.getStatus().getCode() }}' },
          ],
        },
        {
          name: 'Прилавок: смена типа доставки',
          event: 'Изменение заказа',
          condition: `changeSet.hasChangedField("delivery_type") and changeSet.getOldValue("delivery_type") and changeSet.getOldValue("delivery_type").getCode() in ${codes}`,
          url: target,
          method: 'POST',
          params: [{ name: 'id', value: '{{ order.getId() }}' }],
        },
        ...posTriggers,
      ],
    };
  }

  orderAction(id: number, action: OrderAction): { message: string } {
    const order = this.engine.orders.get(id);
    if (!order) throw new SyncError({ kind: 'needsAttention', message: 'Заказ не найден.', detail: `order ${id}` });
    if (action === 'cancelCourier') return { message: this.courier.cancelByHand(id) };
    if (action === 'resend') return { message: this.courier.resendByHand(id) };
    const m = /^retailcrm:(\d+)$/.exec(order.ref);
    if (!m) throw new SyncError({ kind: 'needsAttention', message: 'Этот заказ пришёл не из RetailCRM: перечитывать неоткуда.' });
    this.engine.queue.enqueue({
      kind: 'retailcrm.refreshOrder',
      connector: 'retailcrm',
      key: `crm:refresh:${m[1]}:manual:${Date.now()}`,
      payload: { crmId: Number(m[1]) },
      orderId: id,
    });
    return { message: `Заказ №${order.number} будет перечитан из RetailCRM и отправлен дальше по правилам.` };
  }
}
