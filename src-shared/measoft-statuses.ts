/**
 * MeaSoft delivery statuses the merchant maps to RetailCRM statuses («Курьерская доставка» → таблица статусов).
 * A plain list, free of any runtime, so the engine and the window read the same codes and titles.
 * `common`: the statuses an order of a small shop actually passes through; the rest are shown on request.
 */
export const measoftStatuses = [
  { code: 'AWAITING_SYNC', title: 'Ожидает синхронизации', common: false },
  { code: 'NEW', title: 'Новый', common: true },
  { code: 'NEWPICKUP', title: 'Создан забор', common: false },
  { code: 'PICKUP', title: 'Забран у отправителя', common: true },
  { code: 'ACCEPTED', title: 'Получен складом', common: true },
  { code: 'INVENTORY', title: 'Инвентаризация', common: false },
  { code: 'DEPARTURING', title: 'Планируется отправка', common: false },
  { code: 'DEPARTURE', title: 'Отправлено на другой склад', common: true },
  { code: 'CONFIRM', title: 'Согласована доставка', common: true },
  { code: 'UNCONFIRM', title: 'Не удалось согласовать доставку', common: false },
  { code: 'DATECHANGE', title: 'Перенос даты доставки', common: true },
  { code: 'PICKUPREADY', title: 'Готов к выдаче в ПВЗ', common: true },
  { code: 'DELIVERY', title: 'Выдан курьеру на доставку', common: true },
  { code: 'COURIERDELIVERED', title: 'Доставлен (предварительно)', common: true },
  { code: 'COMPLETE', title: 'Доставлен', common: true },
  { code: 'PARTIALLY', title: 'Доставлен частично', common: true },
  { code: 'COURIERRETURN', title: 'Курьер вернул на склад', common: true },
  { code: 'CANCELED', title: 'Не доставлен', common: true },
  { code: 'RETURNING', title: 'Планируется возврат', common: true },
  { code: 'RETURNED', title: 'Возвращён клиенту', common: true },
  { code: 'LOST', title: 'Утерян', common: true },
  { code: 'COURIERPARTIALLY', title: 'Доставлен частично (предварительно)', common: false },
  { code: 'COURIERCANCELED', title: 'Отказ (предварительно)', common: false },
  { code: 'PARTLYRETURNING', title: 'Планируется частичный возврат', common: false },
  { code: 'PARTLYRETURNED', title: 'Частично возвращён клиенту', common: false },
  { code: 'WMSASSEMBLED', title: 'Собран на складе', common: false },
  { code: 'WMSDISASSEMBLED', title: 'Разобран на складе', common: false },
  { code: 'CUSTOMSPROCESS', title: 'Таможенное оформление', common: false },
  { code: 'CUSTOMSFINISHED', title: 'Таможенное оформление завершено', common: false },
  { code: 'TRANSACCEPTED', title: 'Получен складом перевозчика', common: false },
  { code: 'PICKUPTRANS', title: 'Забран у перевозчика', common: false },
  { code: 'STORETAKE', title: 'Забран со склада', common: false },
  { code: 'DEPARTUREDELAY', title: 'Задержка отправки', common: false },
  { code: 'CUSTOMSDELAY', title: 'Задержка на таможне', common: false },
  { code: 'WITHDRAWN_FROM_PICKUP_POINT', title: 'Изъят из ПВЗ', common: false },
] as const satisfies ReadonlyArray<{ code: string; title: string; common: boolean }>;

export type MeasoftStatusCode = (typeof measoftStatuses)[number]['code'];
