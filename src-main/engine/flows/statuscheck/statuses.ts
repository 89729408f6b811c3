/**
 * The partner-side vocabulary of the seed (AlterCPA «Проверка статусов по API»): 12 lead statuses, 17 standard
 * refusal reasons, and the recognition of a partner's status text the way the seed's `setstatus`/`setstc` do it.
 */

export type LeadStatus = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;
/** A recognised partner status: one of the 12, or «accept» (approve: the merchant's approve status). */
export type LeadState = LeadStatus | 'accept';

export const LEAD_STATUSES: Record<LeadStatus, string> = {
  1: 'Новый',
  2: 'Обработка',
  3: 'Перезвонить',
  4: 'Холд',
  5: 'Отмена',
  6: 'Упаковка',
  7: 'Отправка',
  8: 'В пути',
  9: 'Доставлен',
  10: 'Оплачен',
  11: 'Возврат',
  12: 'Удалён',
};

export const REFUSAL_REASONS: Record<number, string> = {
  1: 'Некорректный номер',
  2: 'Передумал',
  3: 'Не заказывал',
  4: 'Требует сертификат',
  5: 'Неверное ГЕО',
  6: 'Треш или тест',
  7: 'Дублированный заказ',
  8: 'Заказал в другом месте',
  9: 'Дорого',
  10: 'Не устраивает доставка',
  11: 'Не удалось дозвониться',
  12: 'Подозрения на фрод',
  13: 'Не говорит на языке колл-центра',
  14: 'Товар не подошел',
  15: 'Оффер отключен',
  16: 'Консультация',
  17: 'Отклонён по таймеру',
};

/** Statuses after which the partner has nothing more to say: cancelled, paid, returned, deleted. */
export const TERMINAL_LEAD_STATUSES: readonly LeadStatus[] = [5, 10, 11, 12];
/** The seed's «in processing» mode asks about these… */
export const PROCESSING_LEAD_STATUSES: readonly LeadStatus[] = [2, 3, 4];
/** …and the «accepted» mode about these. */
export const ACCEPTED_LEAD_STATUSES: readonly LeadStatus[] = [6, 7, 8, 9];

export function leadStateTitle(s: LeadState): string {
  return s === 'accept' ? 'Подтверждён' : LEAD_STATUSES[s];
}

export function normalizeWord(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\s_\-.:;,!?"'«»()[\]/\\]+/g, ' ')
    .trim();
}

/**
 * Words partners commonly answer with, Russian and English, plus RetailCRM's standard status and group codes
 * (the «another RetailCRM account» template). Exact words first; then stems, so «Отказ клиента» and
 * «cancelled_by_client» are understood too. Order of the stems matters: the first match wins.
 */
const EXACT: Record<string, LeadState> = {
  // the seed's own example words
  accept: 'accept', approve: 'accept', approved: 'accept', confirm: 'accept', confirmed: 'accept', success: 'accept',
  cancel: 5, canceled: 5, cancelled: 5, reject: 5, rejected: 5, decline: 5, declined: 5, trash: 5, refused: 5,
  new: 2, pending: 2, processing: 2, wait: 2, waiting: 2, 'in progress': 2, created: 2,
  callback: 3, recall: 3, 'call back': 3, 'no answer': 3, noanswer: 3, 'not reached': 3,
  hold: 4, onhold: 4, 'on hold': 4,
  packing: 6, packed: 7, shipped: 8, sent: 8, transit: 8, 'in transit': 8, delivering: 8,
  delivered: 9, arrived: 9, pickup: 9, 'ready for pickup': 9,
  paid: 10, buyout: 10, complete: 10, completed: 10, done: 10, bought: 10,
  return: 11, returned: 11, refund: 11, refunded: 11,
  deleted: 12, removed: 12, fraud: 12, spam: 12,
  // RetailCRM status groups
  approval: 2, assembling: 6, delivery: 8,
  // RetailCRM standard statuses
  'availability confirmed': 2, 'offer analog': 2, 'client confirmed': 'accept', prepayed: 'accept',
  'send to assembling': 6, 'assembling complete': 7, assembled: 7, closed: 10, 'send to delivery': 7, redirect: 8, 'ready for self pickup': 9,
  'cancel other': 5, 'no call': 5, 'no product': 5, 'already buyed': 5, 'delyvery did not suit': 5,
  'delivery did not suit': 5, 'prices did not suit': 5,
  // Russian
  новый: 2, обработка: 2, 'в обработке': 2, ожидание: 2,
  перезвонить: 3, недозвон: 3, 'не дозвонились': 3,
  холд: 4,
  отмена: 5, отменен: 5, отказ: 5, треш: 5, отклонен: 5,
  подтвержден: 'accept', апрув: 'accept', аппрув: 'accept', принят: 'accept',
  упаковка: 6, отправка: 7, 'в пути': 8, отправлен: 8, доставлен: 9, доставлено: 9,
  оплачен: 10, выкуплен: 10, выполнен: 10, завершен: 10,
  возврат: 11, возвращен: 11,
  удален: 12,
};

const STEMS: Array<[RegExp, LeadState]> = [
  [/(^| )(возвр|return|refund)/, 11],
  [/(^| )(удал|delet|remov|фрод|fraud)/, 12],
  [/(^| )(отмен|отказ|отклон|cancel|reject|declin|refus|trash|треш|дубл|duplicat)/, 5],
  [/(^| )(выкуп|оплач|paid|buyout|complet|заверш|выполн)/, 10],
  [/(^| )(доставлен|вручен|deliver(ed)?$|arriv|пункт выдач|pickup)/, 9],
  [/(^| )(в пути|transit|ship|отправлен|delivering|курьер)/, 8],
  [/(^| )(отправк|dispatch|packed|собран)/, 7],
  [/(^| )(упаков|pack|сборк|assembl)/, 6],
  [/(^| )(холд|hold)/, 4],
  [/(^| )(перезв|недозв|call ?back|recall|no ?answer|не дозвон)/, 3],
  [/(^| )(подтвер|апрув|аппрув|approv|accept|confirm|принят)/, 'accept'],
  [/(^| )(обработ|process|pending|wait|ожид|нов|new)/, 2],
];

/**
 * Recognises a partner's status: the merchant's own words first, then a number 1–12 (a partner that answers
 * with the seed's codes), then common words. Null when nothing fits — the order is left as it is.
 */
export function recognizeStatus(raw: unknown, own: Record<string, number | 'accept'> = {}): LeadState | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'boolean') return null;
  const text = String(raw).trim();
  if (!text) return null;
  const ownNorm = normalizedTable(own);
  const w = normalizeWord(text);
  const mine = ownNorm.get(w);
  if (mine === 'accept' || (typeof mine === 'number' && mine >= 1 && mine <= 12)) return mine as LeadState;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 12 ? (n as LeadStatus) : null;
  }
  if (w in EXACT) return EXACT[w]!;
  // «не подтверждён», «unconfirmed»: a negation is not an approval, and it is not clearly anything else.
  if (/(^| )(не|not|un) ?(подтвер|confirm|approv|accept|принят)/.test(w)) return null;
  for (const [re, s] of STEMS) if (re.test(w)) return s;
  return null;
}

const REASON_STEMS: Array<[RegExp, number]> = [
  [/(некоррект|неверн\w* номер|invalid (phone|number)|wrong (phone|number))/, 1],
  [/(передумал|changed? (his |her )?mind)/, 2],
  [/(не заказыв|did ?n.?t order|not ordered)/, 3],
  [/(сертификат|certificat)/, 4],
  [/(гео|geo|регион|country)/, 5],
  [/(треш|trash|тест|test)/, 6],
  [/(дубл|duplicat|double)/, 7],
  [/(в другом месте|elsewhere|already (bought|buyed))/, 8],
  [/(дорог|expensive|price)/, 9],
  [/(доставк|delivery)/, 10],
  [/(дозвон|unreach|no answer|not reached|no call)/, 11],
  [/(фрод|fraud)/, 12],
  [/(язык|language)/, 13],
  [/(не подош|unsuitab|not suit)/, 14],
  [/(оффер|offer (disabled|off))/, 15],
  [/(консультац|consult)/, 16],
  [/(таймер|timer|timeout)/, 17],
];

/** A refusal reason: the merchant's words, a number 1–17, the standard names, then common words. */
export function recognizeReason(raw: unknown, own: Record<string, number> = {}): number | null {
  if (raw === null || raw === undefined || typeof raw === 'boolean') return null;
  const text = String(raw).trim();
  if (!text) return null;
  const ownNorm = normalizedTable(own);
  const w = normalizeWord(text);
  if (ownNorm.has(w)) return ownNorm.get(w)!;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 17 ? n : null;
  }
  for (const [n, title] of Object.entries(REFUSAL_REASONS)) if (normalizeWord(title) === w) return Number(n);
  for (const [re, n] of REASON_STEMS) if (re.test(w)) return n;
  return null;
}

function normalizedTable<T>(t: Record<string, T>): Map<string, T> {
  return new Map(Object.entries(t).map(([k, v]) => [normalizeWord(k), v]));
}
