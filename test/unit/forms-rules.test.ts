import { describe, expect, it } from 'vitest';
import { buildSnippet, formsSettingsSchema } from '../../src-shared/forms.js';
import { RateWindow, readSubmission, requestText, splitName, submissionId, visitorAddress } from '../../src-main/engine/flows/forms/rules.js';

const settings = formsSettingsSchema.parse({});

describe('заявка с сайта: правила', () => {
  it('номер повторной отправки тот же: id виджета, tranid Tilda, иначе хеш полей и файлов', () => {
    expect(submissionId({ pf_id: 'abc', name: 'A' }, [])).toBe('w:abc');
    expect(submissionId({ tranid: '5331180:2618041', Name: 'A' }, [])).toBe('t:5331180:2618041');
    const a = submissionId({ name: 'Анна', message: 'Текст' }, [{ field: 'file', filename: 'a.pdf', hash: 'h1' }]);
    expect(submissionId({ message: 'Текст', name: 'Анна' }, [{ field: 'file', filename: 'a.pdf', hash: 'h1' }])).toBe(a);
    expect(submissionId({ name: 'Анна', message: 'Текст' }, [{ field: 'file', filename: 'a.pdf', hash: 'h2' }])).not.toBe(a);
    expect(submissionId({ name: 'Анна', message: 'Текст!' }, [])).not.toBe(submissionId({ name: 'Анна', message: 'Текст' }, []));
  });

  it('поля по ролям, пропущенные обязательные, ИНН только из 10 или 12 цифр, поля Tilda по их именам', () => {
    const { submission, missing } = readSubmission({ name: 'Анна', email: 'Anna@Mail.RU', inn: '77 0123 4567', extra: 'x' }, settings, {});
    expect(missing).toEqual(['Тема обращения', 'Сообщение']);
    expect(submission.contact).toEqual({ name: 'Анна', email: 'anna@mail.ru', phone: null, company: null, inn: '7701234567' });
    expect(submission.fields.map((f) => f.label)).toEqual(['Имя', 'E-mail', 'ИНН', 'extra']);
    expect(readSubmission({ inn: '123' }, settings, {}).submission.contact.inn).toBeNull();
    // A JSON post may carry numbers and lists: they are text in the request all the same.
    const json = readSubmission({ name: 'Анна', inn: 7701234567, topic: ['Касса', 'Доставка'], message: 'Текст' } as never, settings, {});
    expect(json.submission.contact.inn).toBe('7701234567');
    expect(json.submission.topic).toBe('Касса, Доставка');
    const t = readSubmission({ Name: 'Сергей', Phone: '+7 999', Comments: 'Перезвоните', tranid: '1:2', formid: 'f' }, settings, {});
    expect(t.missing).toEqual([]);
    expect(t.submission).toMatchObject({ via: 'tilda', message: 'Перезвоните', contact: { name: 'Сергей', phone: '+7 999' } });
  });

  it('текст заявки: сообщение, поля «Поле: значение», ссылки на файлы отдельно', () => {
    const { submission } = readSubmission({ name: 'Анна', message: 'Текст', link: 'https://disk.yandex.ru/d/abc' }, settings, { referer: 'https://shop.ru/contacts' });
    const text = requestText(submission, 'С-000007');
    expect(text.split('\n')).toEqual(['Текст', '', 'Заявка с сайта №С-000007', 'Имя: Анна', 'Сообщение: Текст', 'link: https://disk.yandex.ru/d/abc', '', 'Ссылки на файлы:', 'link: https://disk.yandex.ru/d/abc', '', 'Страница: https://shop.ru/contacts']);
    expect(splitName('Иванова Анна Сергеевна')).toEqual({ lastName: 'Иванова', firstName: 'Анна Сергеевна' });
  });

  it('лимит на посетителя за минуту; адрес посетителя за туннелем — из X-Forwarded-For', () => {
    const w = new RateWindow(60_000);
    expect([1, 2, 3].map((i) => w.take('1.2.3.4', 2, 1000 + i))).toEqual([true, true, false]);
    expect(w.take('1.2.3.4', 2, 62_000)).toBe(true);
    expect(visitorAddress('127.0.0.1', '5.6.7.8, 10.0.0.1')).toBe('5.6.7.8');
    expect(visitorAddress('5.6.7.8', '1.1.1.1')).toBe('5.6.7.8');
  });

  it('сниппет ничего не грузит со стороны и отмечает обязательные поля', () => {
    const html = buildSnippet(formsSettingsSchema.parse({ fileRequired: true }), 'https://t.example/hooks/form/s3cr3t');
    expect(html).not.toMatch(/<script[^>]+src=|<link|@import|url\(/i);
    expect(html.match(/https?:\/\/[^\s"'<)]+/g)).toEqual(['https://t.example/hooks/form/s3cr3t']);
    expect(html.match(/required aria-required/g)).toHaveLength(4);
    expect(html).toContain('data-pf-required="1"');
  });
});
