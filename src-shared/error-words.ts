import { measoftStatuses } from './measoft-statuses.js';

/**
 * The technical line of an error (for support) told in the merchant's words. The line itself stays — labelled
 * «Технические данные» — but «Подробности» in the window and in the CSV lead with Russian: what the other system
 * said, what the code means. Unknown lines get no translation rather than a guess.
 */

function status(code: string): string {
  const t = measoftStatuses.find((s) => s.code === code)?.title;
  return t ? `«${t}»` : code;
}

const httpMeaning: Record<number, string> = {
  400: 'сервер отклонил данные',
  401: 'нет доступа: неверный ключ, логин или пароль',
  403: 'доступ запрещён: у ключа не хватает прав',
  404: 'по этому адресу ничего нет',
  409: 'данные уже изменены кем-то другим',
  429: 'слишком много запросов, сервер просит подождать',
  500: 'ошибка на стороне сервера',
  502: 'сервер временно недоступен',
  503: 'сервер временно недоступен',
  504: 'сервер не ответил вовремя',
};

const rules: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [
    /MeaSoft order (\S+) status (\w+); edits are accepted only while NEW or AWAITING_SYNC/,
    (m) => `Заказ ${m[1]} в MeaSoft в статусе ${status(m[2]!)}. Изменения курьерская служба принимает, только пока заказ в статусе «Новый» или «Ожидает синхронизации».`,
  ],
  [
    /MeaSoft order (\S+) status (\w+); cancel is accepted only while NEW or AWAITING_SYNC/,
    (m) => `Заказ ${m[1]} в MeaSoft в статусе ${status(m[2]!)}. Отменить заказ через программу можно, только пока он в статусе «Новый» или «Ожидает синхронизации».`,
  ],
  [/errormsgru="([^"]+)"/, (m) => `MeaSoft ответил: «${m[1]}»${/\berror="(\d+)"/.exec(m.input)?.[1] ? ` (код ошибки ${/\berror="(\d+)"/.exec(m.input)![1]})` : ''}.`],
  [/previous MeaSoft order (\S+) status (\w+)/, (m) => `Прежний заказ ${m[1]} в MeaSoft в статусе ${status(m[2]!)}.`],
  [/MeaSoft order (\S+) status (\S+)/, (m) => (m[1] === '-' ? 'В MeaSoft этого заказа нет.' : `Заказ ${m[1]} в MeaSoft в статусе ${status(m[2]!)}.`)],
  [/sale (\S+) state (\S+) payment (\S+)/, (m) => `Продажа ${m[1]} в LIFE POS: состояние ${m[2]}, оплата ${m[3]}.`],
  [/EADDRINUSE/, () => 'Порт уже занят другой программой.'],
  [/ECONNREFUSED/, () => 'По этому адресу никто не принимает соединения: сервер выключен или адрес (порт) указан неверно.'],
  [/ENOTFOUND|EAI_AGAIN/, () => 'Такой адрес не найден: проверьте, как он написан, и есть ли интернет.'],
  [/ETIMEDOUT|timed? ?out|timeout/i, () => 'Сервер не ответил вовремя.'],
  [/ECONNRESET|socket hang up/i, () => 'Соединение оборвалось на полпути.'],
  [/certificate|CERT_|SSL|TLS/i, () => 'Не удалось установить защищённое соединение (сертификат сервера не принят).'],
  [/\bHTTP (\d{3})\b/, (m) => `Сервер ответил кодом ${m[1]}${httpMeaning[Number(m[1])] ? ` — ${httpMeaning[Number(m[1])]}` : ''}.`],
];

function russian(text: string): boolean {
  return /^[^a-z]*[а-яё]/i.test(text.trim());
}

/** Russian for a technical detail line, or null when it says nothing Prilavok can put in words. */
export function explainDetail(detail: string | null | undefined): string | null {
  if (!detail || russian(detail)) return null;
  for (const [re, say] of rules) {
    const m = re.exec(detail);
    if (m) return say(m);
  }
  return null;
}

/**
 * What «Подробности» show: the merchant's words first, then the technical line for support (none when the
 * detail is Russian already — it is then the merchant's text).
 */
export function detailParts(detail: string | null | undefined): { text: string | null; technical: string | null } {
  if (!detail) return { text: null, technical: null };
  if (russian(detail)) return { text: detail, technical: null };
  return { text: explainDetail(detail), technical: detail };
}

/**
 * Whether a message already tells the merchant what to do («Сообщите их курьерской службе…»): then no generic
 * advice is added next to it — two instructions that disagree are worse than one.
 */
export function saysWhatToDo(message: string | null | undefined): boolean {
  return /(^|[\s.,:;—(«])(Сообщите|Исправьте|Проверьте|Позвоните|[Нн]ажмите|Добавьте|Укажите|Выберите|Введите|Отправьте|Обратитесь|Установите|Закройте|Откройте|Вставьте)\s/u.test(message ?? '');
}
