import { setTimeout as sleep } from 'node:timers/promises';
import { rng as seededRng } from '../retailcrm/seed.js';

/*
 * Leeloo.ai as a webhook sender (contracts/leeloo.md): realistic Russian SALE payloads in the exact shape of the
 * real one from the seed article, the other event types the intake must accept and ignore, and a sender that
 * POSTs them the way Leeloo does — accumulated, in `{"events":[…]}` batches, with a delay, sometimes twice.
 *
 * The SALE fields follow the real payload. The ORDER fields follow the contract; the SUBSCRIPTION and
 * INCOMING_MESSAGE fields are not documented and are a plausible guess (ids + names + time), which is enough for
 * an intake that has to accept and ignore them.
 */

export type LeelooEventType = 'SALE' | 'ORDER' | 'SUBSCRIPTION' | 'INCOMING_MESSAGE';

export interface LeelooEvent {
  type: LeelooEventType;
  data: Record<string, unknown>;
}

/** The payment integration id from the seed article; Leeloo's `payment_method` tells which merchant sold. */
export const DEFAULT_PAYMENT_METHOD = '603ca3e25875340012dc8c3a';

const HEX = '0123456789abcdef';

/**
 * A 24-hex id like Leeloo's Mongo ObjectIds: 8 hex digits of seconds since the epoch, then 16 random ones.
 * With a seeded `rng` and an `at` time the id is deterministic; without `at` the time part comes from `rng` when
 * one is given (somewhere in 2021–2025), from the clock otherwise.
 */
export function leelooId(rng: () => number = Math.random, at?: Date): string {
  const seconds =
    at !== undefined
      ? Math.floor(at.getTime() / 1000)
      : rng === Math.random
        ? Math.floor(Date.now() / 1000)
        : 1_609_459_200 + Math.floor(rng() * 5 * 365 * 86_400);
  let id = (seconds >>> 0).toString(16).padStart(8, '0');
  for (let i = 0; i < 16; i++) id += HEX[Math.floor(rng() * 16) % 16];
  return id;
}

// ------------------------------------------------------------------------------------------ reference data

interface Person {
  first: string;
  last: string;
  latin: string;
}

const people: Person[] = [
  { first: 'Виталий', last: 'Бутурлин', latin: 'vitaliy.buturlin' },
  { first: 'Анастасия', last: 'Ковалёва', latin: 'nastya.kovaleva' },
  { first: 'Екатерина', last: 'Смирнова', latin: 'katya.smirnova' },
  { first: 'Дмитрий', last: 'Волков', latin: 'd.volkov' },
  { first: 'Ольга', last: 'Никитина', latin: 'olga_nikitina' },
  { first: 'Сергей', last: 'Морозов', latin: 'morozov.sergey' },
  { first: 'Юлия', last: 'Лебедева', latin: 'yulia.lebedeva' },
  { first: 'Алексей', last: 'Фёдоров', latin: 'alexey.fedorov' },
  { first: 'Марина', last: 'Соколова', latin: 'marina.sokolova' },
  { first: 'Ирина', last: 'Павлова', latin: 'irina_pavlova' },
  { first: 'Наталья', last: 'Егорова', latin: 'natalia.egorova' },
  { first: 'Артём', last: 'Семёнов', latin: 'artem.semenov' },
  { first: 'Ксения', last: 'Белова', latin: 'ksenia.belova' },
  { first: 'Павел', last: 'Козлов', latin: 'pavel.kozlov' },
];

const mailDomains = ['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru', 'inbox.ru', 'list.ru', 'rambler.ru'];

/** Offers of an online school selling through Leeloo funnels, with their usual prices in roubles. */
const offers: Array<{ name: string; prices: number[] }> = [
  { name: 'Онлайн-курс «Таргетированная реклама с нуля»', prices: [30240, 24900, 19900] },
  { name: 'Марафон «Стройность за 21 день»', prices: [2990, 3490] },
  { name: 'Консультация психолога, 60 минут', prices: [4500, 5000] },
  { name: 'Курс «Английский для путешественников» — тариф «Стандарт»', prices: [10770, 12900] },
  { name: 'Наставничество по продвижению в Telegram, 3 месяца', prices: [59000, 75000] },
  { name: 'Мини-курс «Бюджет семьи»', prices: [990, 1490] },
  { name: 'Интенсив «Продажи в переписке» (запись)', prices: [1990] },
  { name: 'Клуб «Осознанное питание»: подписка на месяц', prices: [1290, 1490.5] },
  { name: 'Гайд «Как запустить воронку за выходные»', prices: [490] },
  { name: 'Курс «Дизайн интерьера» — тариф «С куратором», рассрочка', prices: [45600, 38000] },
];

const connections = [
  'Telegram-бот школы',
  'WhatsApp: отдел продаж',
  'ВКонтакте: сообщество',
  'Воронка «Бесплатный урок»',
  'Тестовый заказ',
  'Instagram Direct',
];

const leadGenTools = ['Чек-лист «10 ошибок в рекламе»', 'Бесплатный урок', 'Запись на вебинар', 'Тест «Какой вы инвестор»'];

const messages = [
  'Здравствуйте! Сколько стоит курс?',
  'Добрый день, не пришла ссылка на оплату',
  'Можно оплатить в рассрочку?',
  'Спасибо, всё получила!',
  'Когда начинается следующий поток?',
  'Хочу вернуть деньги, курс не подошёл',
];

/** 2024-01-01T00:00:00Z: generated times fall within the following year. */
const BASE_TIME = 1_704_067_200_000;
const YEAR_MS = 365 * 86_400_000;

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length) % list.length] as T;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

function phone(r: () => number): string {
  let digits = '';
  for (let i = 0; i < 9; i++) digits += String(Math.floor(r() * 10) % 10);
  return `+79${digits}`;
}

function email(r: () => number, p: Person): string {
  const n = Math.floor(r() * 1000);
  return `${p.latin}${r() < 0.5 ? '' : String(n)}@${pick(r, mailDomains)}`;
}

function createdAt(r: () => number): Date {
  return new Date(BASE_TIME + Math.floor(r() * YEAR_MS));
}

// ------------------------------------------------------------------------------------------ events

export interface SaleOptions {
  seed?: number;
  /** Major units (roubles), as Leeloo sends it. */
  price?: number;
  paymentMethod?: string;
  /** `null` sends `"email": null`, as for a lead who gave only a phone. */
  email?: string | null;
  phone?: string | null;
  offerName?: string;
  orderId?: string;
}

/**
 * A SALE event with every field of the real payload, in its order. The same seed (and options) gives the same
 * event; without a seed the event is random. `created_at` lies in 2024, and the order id starts with its time.
 */
export function makeSale(o: SaleOptions = {}): LeelooEvent {
  const r = seededRng(o.seed ?? randomSeed());
  const at = createdAt(r);
  const person = pick(r, people);
  const offer = pick(r, offers);
  const price = o.price ?? pick(r, offer.prices);
  // The rouble/dollar rate Leeloo applied: unrounded, like 30240 → 395.8972542555293 in the seed article.
  const rate = 72 + r() * 25;
  const generatedEmail = email(r, person);
  const generatedPhone = phone(r);
  const data: Record<string, unknown> = {
    order_id: o.orderId ?? leelooId(r, at),
    account_id: leelooId(r, new Date(at.getTime() - Math.floor(r() * 30 * 86_400_000))),
    person_id: leelooId(r, new Date(at.getTime() - Math.floor(r() * 30 * 86_400_000))),
    offer_id: leelooId(r, new Date(BASE_TIME - Math.floor(r() * YEAR_MS))),
    offer_name: o.offerName ?? offer.name,
    price,
    price_usd: price / rate,
    currency: 'RUB',
    payment_method: o.paymentMethod ?? DEFAULT_PAYMENT_METHOD,
    email: o.email === undefined ? generatedEmail : o.email,
    phone: o.phone === undefined ? generatedPhone : o.phone,
    connection_id: leelooId(r, new Date(BASE_TIME - Math.floor(r() * YEAR_MS))),
    created_at: at.toISOString(),
    account_name: `${person.first} ${person.last}`,
    connection_name: pick(r, connections),
  };
  return { type: 'SALE', data };
}

/** An event the intake must accept and ignore; deterministic for a seed. */
export function makeOtherEvent(type: 'ORDER' | 'SUBSCRIPTION' | 'INCOMING_MESSAGE', o: { seed?: number } = {}): LeelooEvent {
  const r = seededRng(o.seed ?? randomSeed());
  const at = createdAt(r);
  const person = pick(r, people);
  const accountId = leelooId(r, new Date(at.getTime() - Math.floor(r() * 30 * 86_400_000)));
  switch (type) {
    case 'ORDER': {
      const offer = pick(r, offers);
      return {
        type,
        data: {
          order_id: leelooId(r, at),
          account_id: accountId,
          offer_name: offer.name,
          price: pick(r, offer.prices),
          currency: 'RUB',
          email: email(r, person),
          phone: phone(r),
          created_at: at.toISOString(),
        },
      };
    }
    case 'SUBSCRIPTION':
      return {
        type,
        data: {
          account_id: accountId,
          person_id: leelooId(r, at),
          leadgentool_id: leelooId(r, new Date(BASE_TIME - Math.floor(r() * YEAR_MS))),
          leadgentool_name: pick(r, leadGenTools),
          connection_id: leelooId(r, new Date(BASE_TIME - Math.floor(r() * YEAR_MS))),
          connection_name: pick(r, connections),
          account_name: `${person.first} ${person.last}`,
          created_at: at.toISOString(),
        },
      };
    case 'INCOMING_MESSAGE':
      return {
        type,
        data: {
          account_id: accountId,
          person_id: leelooId(r, at),
          connection_id: leelooId(r, new Date(BASE_TIME - Math.floor(r() * YEAR_MS))),
          connection_name: pick(r, connections),
          account_name: `${person.first} ${person.last}`,
          message: pick(r, messages),
          created_at: at.toISOString(),
        },
      };
  }
}

// ------------------------------------------------------------------------------------------ sender

export interface LeelooSendResult {
  status: number;
  body: string;
}

export interface LeelooBatchOptions {
  /** Events per POST (at least 1). */
  batchSize: number;
  /** Pause between two POSTs. */
  delayMs: number;
  /** Share (0…1) of the events that are sent once more, identical, in a later batch. */
  duplicateShare?: number;
}

export interface LeelooSender {
  /** One POST: `{"events":[…]}` (default), or the bare `{type,data}` of exactly one event with shape 'single'. */
  send(events: LeelooEvent[], o?: { shape?: 'batch' | 'single' }): Promise<LeelooSendResult>;
  /** Accumulated, delayed delivery: batches of `batchSize`, `delayMs` apart, with a share of them resent. */
  sendBatches(events: LeelooEvent[], o: LeelooBatchOptions): Promise<LeelooSendResult[]>;
  /** Every POST made, in order: when it was answered (ms since the epoch), how many events, the HTTP status. */
  sent: Array<{ at: number; events: number; status: number }>;
}

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Splits events into batches the way a delayed, retrying sender would deliver them: every batch holds at most
 * `batchSize` events, and each chosen duplicate goes out again, unchanged, in a batch after the one that carried
 * its original. Duplicates are spread evenly over the events.
 */
export function planBatches(events: LeelooEvent[], batchSize: number, duplicateShare = 0): LeelooEvent[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!(duplicateShare >= 0 && duplicateShare <= 1)) throw new RangeError(`duplicateShare must be within 0…1, got ${duplicateShare}`);
  const n = events.length;
  const k = Math.round(n * duplicateShare);
  const chosen = new Set<number>();
  for (let j = 0; j < k; j++) chosen.add(Math.min(n - 1, Math.floor(((j + 0.5) * n) / k)));

  const batches: LeelooEvent[][] = [];
  const due: LeelooEvent[] = [];
  let next = 0;
  while (next < n || due.length > 0) {
    const batch: LeelooEvent[] = [];
    const fresh: LeelooEvent[] = [];
    while (batch.length < batchSize && due.length > 0) batch.push(due.shift() as LeelooEvent);
    while (batch.length < batchSize && next < n) {
      const event = events[next] as LeelooEvent;
      batch.push(event);
      if (chosen.has(next)) fresh.push(structuredClone(event));
      next++;
    }
    due.push(...fresh);
    batches.push(batch);
  }
  return batches;
}

export function createLeelooSender(url: string): LeelooSender {
  const sent: LeelooSender['sent'] = [];

  async function post(payload: unknown, count: number): Promise<LeelooSendResult> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Leeloo.ai webhook' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await res.text();
    sent.push({ at: Date.now(), events: count, status: res.status });
    return { status: res.status, body };
  }

  return {
    sent,
    async send(events, o = {}) {
      if (o.shape === 'single') {
        if (events.length !== 1) throw new RangeError(`the single-object shape carries exactly one event, got ${events.length}`);
        return post(events[0], 1);
      }
      return post({ events }, events.length);
    },
    async sendBatches(events, o) {
      if (!(o.delayMs >= 0)) throw new RangeError(`delayMs must be non-negative, got ${o.delayMs}`);
      const batches = planBatches(events, o.batchSize, o.duplicateShare ?? 0);
      const results: LeelooSendResult[] = [];
      for (const [i, batch] of batches.entries()) {
        if (i > 0 && o.delayMs > 0) await sleep(o.delayMs);
        results.push(await post({ events: batch }, batch.length));
      }
      return results;
    },
  };
}
