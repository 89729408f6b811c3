import type { Engine } from '../../src-main/engine/engine.js';
import type { Settings } from '../../src-shared/settings.js';
import { startMeasoftEmulator, type MeasoftEmulator, type MeasoftEmulatorOptions } from './measoft/server.js';
import { allScopes, startRetailCrmEmulator, type RetailCrmEmulator, type RetailCrmEmulatorOptions } from './retailcrm/server.js';

/** The emulator key Prilavok uses; a second key plays the shop's managers working through other integrations. */
export const PRILAVOK_KEY = 'prilavok-key';
export const OTHER_KEY = 'other-integration-key';

export interface Emulators {
  crm: RetailCrmEmulator;
  ms: MeasoftEmulator;
  close(): Promise<void>;
}

export async function startEmulators(o: { crm?: RetailCrmEmulatorOptions; ms?: MeasoftEmulatorOptions } = {}): Promise<Emulators> {
  const all = [...allScopes];
  const crm = await startRetailCrmEmulator({ keys: [{ key: PRILAVOK_KEY, scopes: all }, { key: OTHER_KEY, scopes: all }], ...o.crm });
  const ms = await startMeasoftEmulator(o.ms);
  return {
    crm,
    ms,
    close: async () => {
      await crm.close();
      await ms.close();
    },
  };
}

/** The courier settings a merchant of the demo shop would choose. */
export const demoCourierSettings: Partial<Settings['courier']> = {
  enabled: true,
  triggerStatuses: ['send-to-delivery'],
  deliveryTypes: ['measoft-city', 'measoft-region'],
  codPaymentTypes: ['cod', 'cash'],
  cardOnDeliveryPaymentTypes: [],
  paymentTypeMap: { CASH: 'cash', CARD: 'bank-card' },
  paidPaymentStatus: 'paid',
  replacePayment: true,
  statusMap: {
    DELIVERY: 'delivering',
    COURIERDELIVERED: 'delivering',
    COMPLETE: 'complete',
    PARTIALLY: 'complete',
    DATECHANGE: 'redirect',
    CANCELED: 'cancel-other',
    RETURNED: 'cancel-other',
  },
  sender: { company: 'ИП Лавкина О. С., магазин «Уютный дом»', person: 'Ольга Лавкина', phone: '+7 495 120-45-67', town: 'Москва', address: 'ул. Бакунинская, д. 32, стр. 1' },
};

/** Points an engine at the emulators: settings and secrets exactly as the setup wizard saves them. */
export async function connectEngine(
  engine: Engine,
  emu: Emulators,
  o: { historyIntervalSec?: number; pollIntervalSec?: number; courier?: Partial<Settings['courier']> } = {},
): Promise<void> {
  engine.settings.update('retailcrm', { url: emu.crm.url, historyIntervalSec: o.historyIntervalSec ?? 60 });
  engine.settings.update('measoft', { url: `${emu.ms.url}/api/`, extra: '8', login: 'test', pollIntervalSec: o.pollIntervalSec ?? 60 });
  engine.settings.update('courier', { ...demoCourierSettings, ...o.courier });
  await engine.secrets.set('retailcrm.apiKey', PRILAVOK_KEY);
  await engine.secrets.set('measoft.password', 'testm');
}

/** Registers the three triggers the wizard tells the merchant to create, aimed at our webhook route. */
export function addCourierTriggers(crm: RetailCrmEmulator, hookUrl: string, codes = ['measoft-city', 'measoft-region']): void {
  crm.addTrigger({
    name: 'Отправка заказа в курьерскую службу',
    fields: ['status'],
    when: (order) => order.status === 'send-to-delivery' && codes.includes(order.delivery?.code ?? ''),
    url: hookUrl,
    params: { id: '{{ order.getId() }}', status: '{{ order.getStatus().getCode() }}' },
  });
  crm.addTrigger({
    name: 'Отмена при смене типа доставки',
    fields: ['delivery_type'],
    url: hookUrl,
    params: { id: '{{ order.getId() }}' },
  });
  crm.addTrigger({
    name: 'Изменения заказа',
    fields: ['first_name', 'last_name', 'phone', 'delivery_address.street', 'delivery_address.text', 'delivery_date', 'delivery_time', 'order_product', 'weight', 'payments', 'total_summ'],
    url: hookUrl,
    params: { id: '{{ order.getId() }}' },
  });
}
