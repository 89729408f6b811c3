import { measoftStatuses } from '../../../src-shared/measoft-statuses.js';

/**
 * What one step of an order's history did, in the merchant's words: «MeaSoft: Доставлен → RetailCRM: статус
 * «Выполнен», оплата 1 990 ₽ отмечена». Built from the job behind the step (its kind, payload and result), so the
 * order card says what happened instead of repeating the step's title; the raw exchange stays one click away.
 */

export interface StepFacts {
  kind: string;
  payload: unknown;
  result: unknown;
  outcome: 'ok' | 'error' | 'info';
}

/** RetailCRM status code → its name in the merchant's account, when known. */
export type StatusName = (code: string) => string | null;

const DELIVERED = new Set(['COMPLETE', 'PARTIALLY']);

export function rubles(kopecks: number): string {
  const whole = Math.trunc(kopecks / 100);
  const rest = Math.abs(kopecks % 100);
  const grouped = String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${kopecks < 0 ? '−' : ''}${grouped}${rest ? `,${String(rest).padStart(2, '0')}` : ''}\u00a0₽`;
}

function measoftTitle(code: string, given?: string | null): string {
  return given || measoftStatuses.find((s) => s.code === code)?.title || code;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

/** Null when there is nothing better to say than the step's title. */
export function describeStep(f: StepFacts, statusName: StatusName = () => null): string | null {
  const p = obj(f.payload);
  const r = obj(f.result);
  const skipped = str(r.skipped);
  const crmStatus = (code: string) => `статус «${statusName(code) ?? code}»`;
  if (f.outcome === 'error') {
    switch (f.kind) {
      case 'retailcrm.courierStatus':
        return `MeaSoft: ${measoftTitle(String(p.code ?? ''), str(p.title))} → RetailCRM: не записано`;
      case 'measoft.createOrder':
        return 'Передача заказа в MeaSoft не удалась';
      case 'measoft.updateOrder':
        return 'Изменения не переданы в MeaSoft';
      case 'measoft.cancelOrder':
        return 'Отмена в MeaSoft не удалась';
      default:
        return null;
    }
  }
  switch (f.kind) {
    case 'retailcrm.courierStatus': {
      const from = `MeaSoft: ${measoftTitle(String(p.code ?? ''), str(p.title))}`;
      if (skipped) return `${from} — уже пришёл следующий статус, этот пропущен`;
      const parts: string[] = [];
      const status = str(r.status);
      parts.push(status ? crmStatus(status) : 'записан статус доставки');
      const payments = typeof r.payments === 'number' ? r.payments : 0;
      if (payments > 0 && DELIVERED.has(String(p.code))) {
        const how = p.paytype === 'CARD' ? ' картой' : p.paytype === 'CASH' ? ' наличными' : '';
        parts.push(typeof p.priceKopecks === 'number' ? `оплата${how} ${rubles(p.priceKopecks)} отмечена` : 'оплата отмечена');
      }
      return `${from} → RetailCRM: ${parts.join(', ')}`;
    }
    case 'measoft.createOrder': {
      if (skipped) return skipped === 'superseded' ? 'Передача в MeaSoft не понадобилась: заказ изменился раньше' : 'Не передан в MeaSoft: это больше не курьерская доставка';
      const orderno = str(r.orderno);
      const again = str(p.previous);
      return `${again ? 'Заказ отправлен в MeaSoft заново' : 'Заказ передан в MeaSoft'}${orderno ? `: №${orderno}` : ''}`;
    }
    case 'measoft.updateOrder': {
      const notSent = str(r.notSent);
      if (notSent) return `Изменения не переданы в MeaSoft: курьерская служба уже везёт заказ (статус «${measoftTitle(notSent)}») — сообщите их по телефону`;
      if (skipped === 'delivery is over') return 'Изменение курьеру не нужно: доставка уже завершена';
      if (skipped === 'unchanged') return 'Для курьера ничего не изменилось — в MeaSoft не отправляли';
      if (skipped) return 'Изменение для MeaSoft не понадобилось';
      const orderno = str(r.orderno);
      return `Изменения переданы в MeaSoft${orderno ? ` (заказ №${orderno})` : ''}`;
    }
    case 'measoft.cancelOrder': {
      if (r.already) return 'Заказ уже был отменён в MeaSoft';
      if (skipped === 'never reached MeaSoft') return 'Отмена: заказ так и не попал в MeaSoft';
      if (skipped === 'courier delivery again') return 'Отмена не понадобилась: заказ снова курьерский';
      if (skipped === 'delivery is over') return 'Отменять нечего: доставка уже завершена';
      if (skipped) return 'Отмена в MeaSoft не понадобилась';
      const no = str(r.cancelled);
      return `Заказ${no ? ` №${no}` : ''} отменён в MeaSoft`;
    }
    case 'retailcrm.courierWriteBack': {
      const track = str(p.barcode) ?? str(p.orderno);
      return `RetailCRM: записан трек-номер${track ? ` ${track}` : ''}`;
    }
    case 'retailcrm.refreshOrder':
      return 'Заказ перечитан из RetailCRM';
    case 'retailcrm.posStatus': {
      const status = str(p.status);
      return status ? `LIFE POS → RetailCRM: ${crmStatus(status)}` : null;
    }
    case 'retailcrm.posPayment': {
      if (r.already) return 'Оплата из LIFE POS уже была в RetailCRM';
      return typeof p.kopecks === 'number' ? `LIFE POS → RetailCRM: оплата ${rubles(p.kopecks)} отмечена` : null;
    }
    case 'lifepos.createSale': {
      const outcome = str(r.outcome);
      if (str(r.skipped)) return null;
      return outcome === 'exists' ? 'Продажа уже была в LIFE POS' : 'Продажа создана в LIFE POS';
    }
    default:
      return null;
  }
}

/** A finished job that did not do what its title says (changes not passed on): shown as information, not «Успешно». */
export function stepOutcome(f: StepFacts): StepFacts['outcome'] {
  return f.outcome === 'ok' && str(obj(f.result).notSent) ? 'info' : f.outcome;
}
