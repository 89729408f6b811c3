import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../src-main/engine/db/open.js';
import { Engine } from '../../src-main/engine/engine.js';
import { OTHER_KEY, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { tempDir, waitFor } from '../helpers/temp.js';

/*
 * Requests from the website against the RetailCRM emulator over real HTTP: the visitor is answered with the
 * number at once, RetailCRM gets the contact, the company, the order with that number and the files; refusals
 * leave nothing behind.
 */

const SITE = 'http://shop.test:8080';
let emu: Emulators;
let engine: Engine;
let cleanup: () => void;

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  emu = await startEmulators({ crm: { rateLimit: 0 } });
  engine = await Engine.open({ dataDir: t.dir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 300, maxRetryAfterMs: 300 }, runner: { idleMs: 50 } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  engine.settings.update('forms', {
    enabled: true,
    allowedOrigins: [SITE],
    orderType: 'eshop-legal',
    orderMethod: 'landing-page',
    orderStatus: 'new',
    topicField: 'topic',
    serviceField: 'service',
    fields: [
      { name: 'name', label: 'Имя', type: 'text', required: true, role: 'name' },
      { name: 'email', label: 'E-mail', type: 'email', required: false, role: 'email' },
      { name: 'phone', label: 'Телефон', type: 'tel', required: false, role: 'phone' },
      { name: 'company', label: 'Компания', type: 'text', required: false, role: 'company' },
      { name: 'inn', label: 'ИНН', type: 'text', required: false, role: 'inn' },
      { name: 'topic', label: 'Тема обращения', type: 'text', required: true, role: 'topic' },
      { name: 'service', label: 'Коммерческий сервис', type: 'text', required: false, role: 'service' },
      { name: 'message', label: 'Сообщение', type: 'textarea', required: true, role: 'message' },
    ],
    maxFileMb: 1,
    maxTotalMb: 2,
    fileTypes: ['.pdf', '.png', 'text/plain'],
  });
  await engine.start();
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  cleanup();
});

const url = () => engine.webhookUrl('form')!;
const drained = async () => {
  await waitFor(() => engine.inbox.counts().pending === 0, 'the inbox to be processed', 10_000);
  await waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 30_000);
};
const stored = () => ({
  inbox: (sql(engine.db, `SELECT count(*) AS n FROM inbox WHERE source = 'form'`).get() as { n: number }).n,
  numbers: (sql(engine.db, 'SELECT count(*) AS n FROM form_requests').get() as { n: number }).n,
  files: (sql(engine.db, 'SELECT count(*) AS n FROM inbox_files').get() as { n: number }).n,
});
const crmOrder = (number: string) => emu.crm.orders().find((o) => o.number === number);

function widgetForm(fields: Record<string, string>, files: Array<{ name: string; type: string; bytes: Uint8Array<ArrayBuffer> }> = []): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files) fd.append('file', new Blob([f.bytes], { type: f.type }), f.name);
  return fd;
}

async function postWidget(fd: FormData, origin = SITE) {
  const res = await fetch(url(), { method: 'POST', body: fd, headers: { accept: 'application/json', origin } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { ok: boolean; number?: string; text?: string; error?: string } };
}

async function crmCustomer(c: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${emu.crm.url}/api/v5/customers/create`, {
    method: 'POST',
    headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ customer: JSON.stringify(c) }).toString(),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a, 0xff, 0x00, 0x01]);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]);

describe('заявка с сайта: номер сразу, заказ в RetailCRM', () => {
  it('новая компания и контакт с двумя файлами: клиент-юрлицо с компанией и ИНН, контактное лицо, заказ с номером и оба файла в карточке', async () => {
    const fd = widgetForm(
      { pf_id: 'w-1', name: 'Иванова Анна', email: 'Anna@Romashka.ru', phone: '+7 (903) 111-22-33', company: 'ООО «Ромашка»', inn: '7701234567', topic: 'Подключение кассы', service: 'АТОЛ Онлайн', message: 'Нужна касса для интернет-магазина', city: 'Москва' },
      [
        { name: 'Реквизиты.pdf', type: 'application/pdf', bytes: pdf },
        { name: 'схема.png', type: 'image/png', bytes: png },
      ],
    );
    const r = await postWidget(fd);
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(r.body).toEqual({ ok: true, number: 'С-000001', text: 'Ваша заявка №С-000001 отправлена. Мы свяжемся с вами в рабочее время по мск с 9:00 до 18:00' });
    await drained();

    const person = emu.crm.customers().find((c) => c.email === 'anna@romashka.ru')!;
    expect(person).toMatchObject({ firstName: 'Анна', lastName: 'Иванова', phones: [{ number: '+7 (903) 111-22-33' }] });
    const [corp] = emu.crm.corporateCustomers();
    expect(corp).toMatchObject({ nickName: 'ООО «Ромашка»', companies: [{ name: 'ООО «Ромашка»', contragent: { contragentType: 'legal-entity', INN: '7701234567' } }] });
    expect((corp!.customerContacts as Array<{ customer: { id: number } }>).map((x) => x.customer.id)).toEqual([person.id]);

    const order = crmOrder('С-000001')!;
    expect(order).toMatchObject({ externalId: 'form-С-000001', orderType: 'eshop-legal', orderMethod: 'landing-page', status: 'new', customFields: { topic: 'Подключение кассы', service: 'АТОЛ Онлайн' } });
    expect(order.customer).toMatchObject({ id: corp!.id, type: 'customer_corporate' });
    expect(emu.crm.forms.orderLinks(order.id)).toEqual({ contact: { id: person.id }, company: { id: (corp!.mainCompany as { id: number }).id } });
    expect(order.customerComment).toContain('Нужна касса для интернет-магазина');
    for (const line of ['Имя: Иванова Анна', 'ИНН: 7701234567', 'Тема обращения: Подключение кассы', 'city: Москва']) expect(order.customerComment).toContain(line);

    const files = emu.crm.forms.files();
    expect(files.map((f) => f.filename).sort()).toEqual(['Реквизиты.pdf', 'схема.png']);
    expect(files.every((f) => f.attachment[0]?.order?.id === order.id)).toBe(true);
    expect(Buffer.from(pdf).equals(files.find((f) => f.filename === 'Реквизиты.pdf')!.content)).toBe(true);

    // The queue shows the request under its number with the site's chip, its fields in the card.
    const local = engine.orders.list({ limit: 10, offset: 0 }).items.find((o) => o.number === 'С-000001')!;
    expect(local.systems.forms).toMatchObject({ label: 'Заявка в RetailCRM' });
    const card = engine.timeline.forOrder(local.id);
    expect(JSON.stringify(card)).toContain('Реквизиты.pdf');
  });

  it('известный контакт находится по e-mail, другой — по телефону: заказы на их карточки, новых клиентов нет', async () => {
    engine.settings.update('forms', { taskUserGroup: 'manager' });
    const byEmail = await crmCustomer({ firstName: 'Пётр', email: 'petr@mail.ru' });
    const byPhone = await crmCustomer({ firstName: 'Ольга', phones: [{ number: '8 (916) 555-44-33' }] });
    const a = await postWidget(widgetForm({ pf_id: 'w-a', name: 'Пётр', email: 'PETR@mail.ru', topic: 'Доставка', message: 'Где мой заказ?' }));
    const b = await postWidget(widgetForm({ pf_id: 'w-b', name: 'Ольга', phone: '+79165554433', topic: 'Возврат', message: 'Хочу вернуть товар' }));
    expect([a.body.number, b.body.number]).toEqual(['С-000001', 'С-000002']);
    await drained();
    expect(crmOrder('С-000001')!.customer?.id).toBe(byEmail);
    expect(crmOrder('С-000002')!.customer?.id).toBe(byPhone);
    expect(emu.crm.customers()).toHaveLength(2);
    expect(emu.crm.corporateCustomers()).toHaveLength(0);
    // No manager chosen: each request's task goes to an active member of the managers' group.
    expect(emu.crm.tasks().map((t) => [t.performerId, t.text])).toEqual([
      [12, 'Обработать заявку с сайта №С-000001'],
      [12, 'Обработать заявку с сайта №С-000002'],
    ]);
  });

  it('повторная отправка той же заявки даёт тот же номер и один заказ (виджет, обычная форма)', async () => {
    const fields = { pf_id: 'w-same', name: 'Анна', email: 'anna@mail.ru', topic: 'Вопрос', message: 'Текст' };
    const first = await postWidget(widgetForm(fields));
    const again = await postWidget(widgetForm(fields));
    expect(again.body.number).toBe(first.body.number);
    const plain = new URLSearchParams({ name: 'Борис', email: 'boris@mail.ru', topic: 'Вопрос', message: 'Текст' }).toString();
    const h1 = await fetch(url(), { method: 'POST', body: plain, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const h2 = await fetch(url(), { method: 'POST', body: plain, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const n1 = /№(С-\d{6})/.exec(await h1.text())?.[1];
    const n2 = /№(С-\d{6})/.exec(await h2.text())?.[1];
    expect(n1).toBe('С-000002');
    expect(n2).toBe(n1);
    await drained();
    expect(emu.crm.orders().map((o) => o.number).sort()).toEqual(['С-000001', 'С-000002']);
  });

  it('после срока хранения истории файлы удалены, а повтор той же заявки получает прежний номер и второго заказа нет', async () => {
    const fd = () => widgetForm({ pf_id: 'w-old', name: 'Анна', email: 'anna@old.ru', topic: 'Вопрос', message: 'Текст' }, [{ name: 'Скан.pdf', type: 'application/pdf', bytes: pdf }]);
    expect((await postWidget(fd())).body.number).toBe('С-000001');
    await drained();
    expect(stored().files).toBe(1);
    // The history period ends: processed requests and their files go.
    expect(engine.inbox.prune(Date.now() + 1)).toBe(1);
    expect(stored()).toEqual({ inbox: 0, numbers: 1, files: 0 });
    const again = await postWidget(fd());
    expect(again.body.number).toBe('С-000001');
    await drained();
    expect(emu.crm.orders()).toHaveLength(1);
    expect(emu.crm.forms.files()).toHaveLength(1);
  });

  it('RetailCRM недоступен: номер сразу, заказ создаётся, когда RetailCRM снова отвечает', async () => {
    emu.crm.faults.failNext(6, 503);
    const r = await postWidget(widgetForm({ pf_id: 'w-down', name: 'Анна', email: 'anna@down.ru', topic: 'Вопрос', message: 'Текст' }));
    expect(r.body.number).toBe('С-000001');
    expect(crmOrder('С-000001')).toBeUndefined();
    await drained();
    expect(crmOrder('С-000001')).toMatchObject({ externalId: 'form-С-000001' });
    expect(emu.crm.orders()).toHaveLength(1);
  });

  it('Tilda: проверка подключения test=test — 200 «ok» без заявки; заявка Tilda — по её tranid один раз', async () => {
    engine.settings.update('forms', { customerNote: true, taskPerformerId: 12 });
    const test = await fetch(url(), { method: 'POST', body: 'test=test', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(test.status).toBe(200);
    expect(await test.text()).toBe('ok');
    expect(stored().inbox).toBe(0);
    const tilda = new URLSearchParams({ Name: 'Сергей', Email: 'sergey@tilda.test', Phone: '+7 999 123-45-67', Comments: 'Перезвоните', tranid: '5331180:2618041', formid: 'form123456' }).toString();
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url(), { method: 'POST', body: tilda, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('ok');
    }
    await drained();
    const order = crmOrder('С-000001')!;
    expect(order).toMatchObject({ email: 'sergey@tilda.test', firstName: 'Сергей' });
    expect(order.customerComment).toContain('Перезвоните');
    expect(emu.crm.orders()).toHaveLength(1);
    // A new individual comes with the order itself; the message is a note on that card, and a manager has a task.
    const person = emu.crm.customers().find((c) => c.email === 'sergey@tilda.test')!;
    expect(order.customer?.id).toBe(person.id);
    expect(emu.crm.forms.notes()).toEqual([expect.objectContaining({ customer: { id: person.id }, text: 'Заявка с сайта №С-000001: Перезвоните' })]);
    expect(emu.crm.tasks()).toEqual([expect.objectContaining({ performerId: 12, text: 'Обработать заявку с сайта №С-000001', order: { id: order.id } })]);
  });

  it('обычная HTML-форма получает русскую страницу с номером и ссылкой назад', async () => {
    const res = await fetch(url(), {
      method: 'POST',
      body: new URLSearchParams({ name: 'Анна', email: 'anna@html.ru', topic: 'Вопрос', message: 'Текст' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: SITE, referer: `${SITE}/contacts` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const page = await res.text();
    expect(page).toContain('Заявка №С-000001 принята');
    expect(page).toContain(`href="${SITE}/contacts"`);
    // A refusal reads the same way: a page with the reason, nothing stored.
    const refused = await fetch(url(), {
      method: 'POST',
      body: new URLSearchParams({ name: 'Анна', email: 'anna@html.ru' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', referer: `${SITE}/contacts` },
    });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('text/html');
    const reason = await refused.text();
    expect(reason).toContain('Заявка не отправлена');
    expect(reason).toContain('Заполните поля: Тема обращения, Сообщение.');
    expect(stored().numbers).toBe(1);
  });

  it('отказы — понятный 4xx и ничего не сохранено: большой файл, чужой тип, нет обязательного файла, ловушка для ботов, чужой сайт, неверный секрет', async () => {
    const base = { name: 'Анна', email: 'anna@mail.ru', topic: 'Вопрос', message: 'Текст' };
    const big = await postWidget(widgetForm({ ...base, pf_id: 'big' }, [{ name: 'big.pdf', type: 'application/pdf', bytes: new Uint8Array(1024 * 1024 + 1) }]));
    expect(big.status).toBe(413);
    expect(big.body.error).toContain('big.pdf');
    const exe = await postWidget(widgetForm({ ...base, pf_id: 'exe' }, [{ name: 'run.exe', type: 'application/x-msdownload', bytes: new Uint8Array(10) }]));
    expect(exe.status).toBe(415);
    const bot = await postWidget(widgetForm({ ...base, pf_id: 'bot', website: 'http://spam.example' }));
    expect(bot.status).toBe(422);
    const empty = await postWidget(widgetForm({ pf_id: 'empty', name: 'Анна' }));
    expect(empty.status).toBe(422);
    expect(empty.body.error).toBe('Заполните поля: Тема обращения, Сообщение.');
    const foreign = await postWidget(widgetForm({ ...base, pf_id: 'foreign' }), 'https://evil.example');
    expect(foreign.status).toBe(403);
    const preflight = await fetch(url(), { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    const wrong = await fetch(url().replace(/[^/]+$/, 'wrong-secret'), { method: 'POST', body: widgetForm({ ...base, pf_id: 'wrong' }) });
    expect(wrong.status).toBe(404);
    engine.settings.update('forms', { fileRequired: true });
    const noFile = await postWidget(widgetForm({ ...base, pf_id: 'nofile' }));
    expect(noFile.status).toBe(422);
    expect(noFile.body.error).toBe('Прикрепите файл.');
    expect(stored()).toEqual({ inbox: 0, numbers: 0, files: 0 });

    const ok = await fetch(url(), { method: 'OPTIONS', headers: { origin: SITE, 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
  });

  it('слишком много заявок с одного адреса за минуту: 429, третья не сохранена', async () => {
    engine.settings.update('forms', { perIpPerMinute: 2 });
    const base = { name: 'Анна', email: 'anna@mail.ru', topic: 'Вопрос', message: 'Текст' };
    const answers = [];
    for (const id of ['r1', 'r2', 'r3']) answers.push(await postWidget(widgetForm({ ...base, pf_id: id })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.body.error).toContain('Подождите минуту');
    expect(stored().numbers).toBe(2);
  });

  it('ответ RetailCRM потерян после записи (клиент, компания, заказ, файл): после «Повторить» всё по одному разу', async () => {
    for (const path of ['/customers/create', '/customers-corporate/create', '/orders/create', '/edit']) emu.crm.forms.loseAnswer(path);
    const r = await postWidget(
      widgetForm({ pf_id: 'w-lost', name: 'Анна', email: 'anna@lost.ru', company: 'ООО «Потеря»', inn: '7707083893', topic: 'Вопрос', message: 'Текст' }, [{ name: 'Скан.pdf', type: 'application/pdf', bytes: pdf }]),
    );
    expect(r.body.number).toBe('С-000001');
    const local = () => engine.orders.list({ limit: 10, offset: 0 }).items.find((o) => o.number === 'С-000001' || o.systems.forms)!;
    const attached = () => emu.crm.forms.files().filter((f) => f.attachment.length > 0);
    // Follow-up jobs are enqueued in the commit of the step before: with the inbox empty and nothing queued or
    // running, the request is either done or waiting for the merchant.
    const settled = () => { const d = engine.queue.depth(); return engine.inbox.counts().pending === 0 && d.queued + d.running + d.retrying === 0; };
    for (let i = 0; i < 8; i++) {
      await waitFor(settled, 'the jobs to settle', 15_000);
      if (!local().attention) break;
      // The merchant checked RetailCRM and presses «Повторить».
      await engine.api('orders.retry', { id: local().id });
    }
    expect(local().attention).toBe(false);
    // Each of the four lost answers stopped for the merchant once (the same problem of one order is one entry with its count).
    const lost = engine.errors.list({ limit: 50 }).filter((e) => e.message.includes('неизвестно, выполнена ли операция'));
    expect(lost.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(4);
    await drained();
    expect(emu.crm.customers().filter((c) => c.email === 'anna@lost.ru')).toHaveLength(1);
    expect(emu.crm.corporateCustomers()).toHaveLength(1);
    expect(emu.crm.orders()).toHaveLength(1);
    expect(attached().map((f) => [f.filename, f.attachment[0]?.order?.number])).toEqual([['Скан.pdf', 'С-000001']]);
    expect(emu.crm.forms.files()).toHaveLength(1);
  });

  it('RetailCRM отказывает: заявка не теряется, причина в журнале ошибок, «Повторить» отправляет снова', async () => {
    engine.settings.update('forms', { orderStatus: 'no-such-status' });
    const r = await postWidget(widgetForm({ pf_id: 'w-refused', name: 'Анна', email: 'anna@refused.ru', topic: 'Вопрос', message: 'Текст' }));
    expect(r.body.number).toBe('С-000001');
    await waitFor(() => engine.errors.list({ limit: 10 }).some((e) => e.message.includes('no-such-status')), 'the refusal in the error log', 15_000);
    const local = engine.orders.list({ limit: 10, offset: 0 }).items.find((o) => o.number === 'С-000001')!;
    expect(local.attention).toBe(true);
    engine.settings.update('forms', { orderStatus: 'new' });
    await engine.api('orders.retry', { id: local.id });
    await drained();
    expect(crmOrder('С-000001')).toMatchObject({ status: 'new' });
  });
});
