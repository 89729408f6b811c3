/*
 * The emulator's vocabulary: what tests configure and see (keys, triggers, the emulator's public face) and the
 * account's entities as the emulator keeps them (one shape; the wire shapes are in serialise.ts).
 */
import type { CrmOrder, HistoryRecord } from '../../../src-main/engine/connectors/retailcrm/types.js';
import type * as seed from './seed.js';
import type { FormsEmulatorView } from './forms.js';

export interface EmulatorKey {
  key: string;
  scopes: string[];
  /** Site codes the key may use; default: all. */
  sites?: string[];
}

export interface RetailCrmEmulatorOptions {
  keys?: EmulatorKey[];
  /** Requests per second per key; default 10; 0 turns the limit off. */
  rateLimit?: number;
  limitStatus?: 503 | 429;
  /** Site codes; default ['shop']. */
  sites?: string[];
}

export type ChangeSource = 'user' | 'api' | 'rule' | 'code';

export interface EmulatorTrigger {
  name: string;
  /** Fires when any of these history fields changed; omitted = any change. */
  fields?: string[];
  when?: (order: CrmOrder, changedFields: string[]) => boolean;
  url: string;
  /** Twig-like templates: '{{ order.getId() }}', '{{ order.getStatus().getCode() }}'… */
  params: Record<string, string>;
}

export interface TriggerLogEntry {
  name: string;
  url: string;
  status: number | null;
  /** The form body sent. */
  body: string;
  response: string | null;
  error: string | null;
}

export interface EmulatorRequest {
  method: string;
  path: string;
  key: string | null;
  status: number;
  at: number;
}

export interface RetailCrmEmulator {
  url: string;
  close(): Promise<void>;
  /** Live switches. */
  config: { rateLimit: number; limitStatus: 503 | 429 };
  createOrder(o: Partial<seed.SeedOrder> | Record<string, unknown>, as?: { source: 'user' | 'api'; key?: string }): CrmOrder;
  editOrder(id: number, patch: Record<string, unknown>, as?: { source: ChangeSource; key?: string }): CrmOrder;
  getOrder(id: number): CrmOrder | undefined;
  /** The account's administrator changes a key's rights (Настройки → Интеграция → Ключи доступа к API). */
  setKeyScopes(key: string, scopes: string[]): void;
  /** The payment endpoints as another integration or a manager uses them (history records the change per field). */
  createPayment(orderId: number, payment: Record<string, unknown>, as?: { source: ChangeSource; key?: string }): number;
  editPayment(paymentId: number, patch: Record<string, unknown>, as?: { source: ChangeSource; key?: string }): void;
  deletePayment(paymentId: number, as?: { source: ChangeSource; key?: string }): void;
  orders(): CrmOrder[];
  /** History as a caller with `forKey` would see it (apiKey.current relative to that key). */
  history(forKey?: string): HistoryRecord[];
  tasks(): Array<Record<string, unknown>>;
  customers(): Array<Record<string, unknown>>;
  corporateCustomers(): Array<Record<string, unknown>>;
  /** Files, notes, contact persons (test/emulators/retailcrm/forms.ts). */
  forms: FormsEmulatorView;
  addTrigger(t: EmulatorTrigger): void;
  triggerLog: TriggerLogEntry[];
  /** Resolves when every trigger request started so far has finished. */
  triggersSettled(): Promise<void>;
  faults: {
    latencyMs: number;
    failNext(n: number, status?: number): void;
    dropNext(n: number): void;
    malformedNext(n: number): void;
  };
  requests: EmulatorRequest[];
  resetRequests(): void;
}

export type Json = Record<string, unknown>;

export interface Payment {
  id: number;
  externalId: string | null;
  type: string;
  status: string;
  amount: number;
  paidAt: string | null;
  comment: string | null;
}

export interface Item {
  id: number;
  offer: { id: number | null; externalId: string | null; xmlId: string | null; name: string | null; article: string | null } | null;
  productName: string;
  quantity: number;
  initialPrice: number;
  discountTotal: number;
  discountManualAmount: number;
  vatRate: string;
  purchasePrice: number | null;
  status: string;
  properties: Json | [];
  comment: string | null;
}

export interface Order {
  id: number;
  externalId: string | null;
  number: string;
  site: string;
  status: string;
  statusUpdatedAt: string;
  /** The comment to the last status change (`order[statusComment]`). */
  statusComment: string | null;
  createdAt: string;
  orderType: string;
  orderMethod: string;
  managerId: number | null;
  firstName: string | null;
  lastName: string | null;
  patronymic: string | null;
  phone: string | null;
  additionalPhone: string | null;
  email: string | null;
  customerComment: string | null;
  managerComment: string | null;
  weight: number | null;
  length: number | null;
  width: number | null;
  height: number | null;
  shipmentStore: string | null;
  shipmentDate: string | null;
  shipped: boolean;
  customer: Json | null;
  items: Item[];
  delivery: {
    code: string | null;
    cost: number;
    netCost: number;
    date: string | null;
    time: { from?: string; to?: string; custom?: string };
    address: Json;
    data: Json;
  };
  payments: Payment[];
  customFields: Json;
  summ: number;
  totalSumm: number;
  prepaySum: number;
  purchaseSumm: number;
  fullPaidAt: string | null;
  discountManualAmount: number;
  fromApi: boolean;
}

export interface StoredHistory {
  id: number;
  createdAt: string;
  created?: true;
  deleted?: true;
  source: ChangeSource;
  userId: number | null;
  key: string | null;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  order: Json;
  item?: Json;
  payment?: Json;
}

/** Who made a change: history writes `source`, and `apiKey.current` is relative to `key`. */
export interface As {
  source: ChangeSource;
  key?: string | null | undefined;
}
