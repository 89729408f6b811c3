import type { TriggerInstruction } from '../../../../src-shared/api.js';
import type { Engine } from '../../engine.js';

/**
 * The RetailCRM triggers the merchant creates by hand (only a person can), with our webhook URL and every
 * parameter to copy: the courier flow's delivery types, and the LIFE POS one when that flow is on.
 */
export function crmTriggers(engine: Engine, source: string): { url: string | null; publicUrl: string | null; triggers: TriggerInstruction[] } {
  const url = engine.webhookUrl(source);
  const publicUrl = engine.publicUrl();
  const codes = JSON.stringify(engine.settings.get('courier').deliveryTypes);
  const target = url ?? '';
  const pos = engine.settings.get('pos');
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
