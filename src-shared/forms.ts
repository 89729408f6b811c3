import { z } from 'zod';

/*
 * Requests from the merchant's website: the settings of the form and the embeddable snippet built from them.
 * The snippet is what the merchant pastes into the site, so its words live here with the settings, not in the
 * window's dictionary.
 */

/** What a form field means to the intake. `other` fields are only written into the request. */
export const formFieldRoles = ['name', 'email', 'phone', 'company', 'inn', 'topic', 'service', 'message', 'other'] as const;
export type FormFieldRole = (typeof formFieldRoles)[number];

/** Names the snippet and the intake use themselves: a merchant's field cannot take them. */
export const reservedFieldNames = ['website', 'pf_id', 'tranid', 'formid', 'test', 'file'] as const;
export const HONEYPOT_FIELD = 'website';
export const WIDGET_ID_FIELD = 'pf_id';
export const FILE_FIELD = 'file';

export const formFieldSchema = z.object({
  /** The field's name in the post (latin). */
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'латинские буквы, цифры, «_» и «-», с буквы')
    .refine((n) => !(reservedFieldNames as readonly string[]).includes(n.toLowerCase()), 'это имя занято самим Прилавком'),
  /** What the visitor sees and what the request's «Поле: значение» line says. */
  label: z.string().trim().min(1).max(80),
  type: z.enum(['text', 'email', 'tel', 'textarea']).default('text'),
  required: z.boolean().default(false),
  role: z.enum(formFieldRoles).default('other'),
});
export type FormField = z.output<typeof formFieldSchema>;

export const defaultFormFields: FormField[] = [
  { name: 'name', label: 'Имя', type: 'text', required: true, role: 'name' },
  { name: 'email', label: 'E-mail', type: 'email', required: true, role: 'email' },
  { name: 'phone', label: 'Телефон', type: 'tel', required: false, role: 'phone' },
  { name: 'company', label: 'Компания', type: 'text', required: false, role: 'company' },
  { name: 'inn', label: 'ИНН', type: 'text', required: false, role: 'inn' },
  { name: 'topic', label: 'Тема обращения', type: 'text', required: true, role: 'topic' },
  { name: 'message', label: 'Сообщение', type: 'textarea', required: true, role: 'message' },
];

const code = z.string().trim().min(1).max(100);
/** A list the window edits as one line of text, items separated by commas or spaces. */
const listOf = <T extends z.ZodType>(item: T) => z.preprocess((v) => (typeof v === 'string' ? v.split(/[\s,;]+/).filter(Boolean) : v), z.array(item));
const origin = z
  .string()
  .trim()
  .transform((v) => v.replace(/\/+$/, '').toLowerCase())
  .pipe(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, 'адрес сайта вида https://shop.ru'));

export const formsSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The request number is this prefix and a six-digit sequence: «С-000123». */
    numberPrefix: z.string().trim().max(10).regex(/^[^\s<>&"']*$/, 'без пробелов и знаков < > & " \'').default('С-'),
    fields: z.array(formFieldSchema).min(1).max(30).default(defaultFormFields),
    /** The form has a file input; `fileRequired`: it is refused without a file («Прикрепите файл»). */
    fileEnabled: z.boolean().default(true),
    fileRequired: z.boolean().default(false),
    fileLabel: z.string().trim().min(1).max(80).default('Файл'),
    maxFileMb: z.number().positive().max(10).default(10),
    maxTotalMb: z.number().positive().max(50).default(20),
    /** Allowed file types: name endings or MIME types; empty = any. */
    fileTypes: listOf(z.string().trim().min(2).max(100)).pipe(z.array(z.string()).max(40)).default(['.pdf', '.doc', '.docx', '.xls', '.xlsx', '.jpg', '.jpeg', '.png', '.txt', '.zip']),
    /** Shown after sending; `{number}` becomes the request number. */
    successText: z.string().trim().min(1).max(500).default('Ваша заявка №{number} отправлена. Мы свяжемся с вами в рабочее время по мск с 9:00 до 18:00'),
    /** Shown when Prilavok cannot be reached: how else to reach the merchant. */
    fallbackText: z.string().trim().min(1).max(500).default('Не удалось отправить заявку. Позвоните нам или напишите на почту — введённые данные сохранены в форме.'),
    submitText: z.string().trim().min(1).max(40).default('Отправить'),
    /** Sites whose pages may post (CORS). */
    allowedOrigins: listOf(origin).pipe(z.array(z.string()).max(20)).default([]),
    /** Posts per minute from one visitor's address. */
    perIpPerMinute: z.number().int().min(1).max(600).default(10),
    /** RetailCRM: the store, order type, method and status of the request. */
    site: code.nullable().default(null),
    orderType: code.nullable().default(null),
    orderMethod: code.nullable().default(null),
    orderStatus: code.nullable().default(null),
    /** RetailCRM custom fields (codes) that receive «Тема обращения» and «Коммерческий сервис». */
    topicField: code.nullable().default(null),
    serviceField: code.nullable().default(null),
    /** The message also goes to the customer's card as a note. */
    customerNote: z.boolean().default(false),
    /** A task for a manager about each request. */
    taskPerformerId: z.number().int().positive().nullable().default(null),
    /** …or for the first active member of this RetailCRM user group (code), when no manager is chosen. */
    taskUserGroup: code.nullable().default(null),
    taskText: z.string().trim().min(1).max(250).default('Обработать заявку с сайта №{number}'),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.fields.forEach((f, i) => {
      const key = f.name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `поле «${f.name}» уже есть` });
      seen.add(key);
    });
    if (s.fileRequired && !s.fileEnabled) ctx.addIssue({ code: 'custom', path: ['fileRequired'], message: 'файл не может быть обязательным, когда в форме нет поля для файла' });
    if (s.maxTotalMb < s.maxFileMb) ctx.addIssue({ code: 'custom', path: ['maxTotalMb'], message: 'общий размер не может быть меньше размера одного файла' });
  });
export type FormsSettings = z.output<typeof formsSettingsSchema>;

export function requestNumberText(template: string, number: string): string {
  return template.split('{number}').join(number);
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The snippet's own words (its buttons and hints); the merchant's texts come from the settings. */
export const snippetWords = {
  sending: 'Отправка…',
  fillField: 'Заполните поле',
  attachFile: 'Прикрепите файл',
  ok: 'Хорошо',
  required: 'обязательное поле',
};

/**
 * The form to paste into the site: HTML, its style and a small script; no framework and nothing loaded from
 * elsewhere. Without the script it is still a plain form that posts to Prilavok and gets a page back.
 */
export function buildSnippet(s: FormsSettings, postUrl: string, id = 'prilavok-form'): string {
  const fid = id.replace(/[^A-Za-z0-9_-]/g, '');
  const inputs = s.fields
    .map((f) => {
      const req = f.required ? ` required aria-required="true"` : '';
      const mark = f.required ? ` <span class="pf-req" title="${esc(snippetWords.required)}">*</span>` : '';
      const control =
        f.type === 'textarea'
          ? `<textarea name="${esc(f.name)}" rows="4"${req}></textarea>`
          : `<input name="${esc(f.name)}" type="${f.type}"${req}${f.type === 'email' ? ' autocomplete="email"' : f.type === 'tel' ? ' autocomplete="tel"' : ''}>`;
      return `  <label class="pf-field"><span class="pf-label">${esc(f.label)}${mark}</span>${control}<span class="pf-hint" aria-live="polite"></span></label>`;
    })
    .join('\n');
  const accept = s.fileTypes.length ? ` accept="${esc(s.fileTypes.join(','))}"` : '';
  const file = s.fileEnabled
    ? `  <label class="pf-field pf-file"><span class="pf-label">${esc(s.fileLabel)}${s.fileRequired ? ` <span class="pf-req">*</span>` : ''}</span><input name="${FILE_FIELD}" type="file" multiple${accept}${s.fileRequired ? ' data-pf-required="1"' : ''}><span class="pf-hint" aria-live="polite"></span></label>`
    : '';
  const config = JSON.stringify({
    success: s.successText,
    fallback: s.fallbackText,
    sending: snippetWords.sending,
    fill: snippetWords.fillField,
    attach: snippetWords.attachFile,
  }).replace(/</g, '\\u003c');
  return `<form id="${fid}" class="prilavok-form" action="${esc(postUrl)}" method="post" enctype="multipart/form-data" novalidate>
<style>
#${fid}{display:grid;gap:12px;max-width:480px;font:15px/1.4 system-ui,sans-serif}
#${fid} [hidden]{display:none!important}
#${fid} .pf-field{display:grid;gap:4px}
#${fid} input,#${fid} textarea{font:inherit;padding:8px;border:1px solid #b8b8b8;border-radius:6px}
#${fid} .pf-req{color:#c62828}
#${fid} .pf-invalid input,#${fid} .pf-invalid textarea{border-color:#c62828;background:#fff5f5}
#${fid} .pf-hint{color:#c62828;font-size:13px;min-height:1em}
#${fid} .pf-hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
#${fid} button{font:inherit;padding:10px 18px;border:0;border-radius:6px;background:#1565c0;color:#fff;cursor:pointer}
#${fid}.pf-sending button[type=submit]{opacity:.6;cursor:progress}
#${fid} .pf-done,#${fid} .pf-fail{padding:12px;border-radius:6px}
#${fid} .pf-done{background:#e8f5e9}
#${fid} .pf-done p,#${fid} p.pf-fail{margin:0 0 8px}
#${fid} .pf-fail{background:#fff3e0}
</style>
${inputs}
${file}
  <div class="pf-hp" aria-hidden="true"><label>Website<input name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></label></div>
  <input type="hidden" name="${WIDGET_ID_FIELD}" value="">
  <p class="pf-fail" role="alert" hidden></p>
  <button type="submit">${esc(s.submitText)}</button>
  <div class="pf-done" role="status" hidden><p class="pf-done-text"></p><button type="button" class="pf-ok">${esc(snippetWords.ok)}</button></div>
</form>
<script>
(function () {
  var form = document.getElementById(${JSON.stringify(fid)});
  if (!form || !window.fetch || !window.FormData) return;
  var t = ${config};
  var submit = form.querySelector('button[type=submit]');
  var submitText = submit.textContent;
  var fail = form.querySelector('.pf-fail');
  var done = form.querySelector('.pf-done');
  var idField = form.querySelector('input[name=${WIDGET_ID_FIELD}]');
  function hint(el, text) {
    var box = el.closest('.pf-field');
    box.classList.toggle('pf-invalid', !!text);
    box.querySelector('.pf-hint').textContent = text || '';
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + '-' + Math.random().toString(36).slice(2);
  }
  form.addEventListener('input', function (e) { if (e.target.closest('.pf-field')) hint(e.target, ''); });
  form.addEventListener('change', function (e) { if (e.target.type === 'file') hint(e.target, ''); });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (form.classList.contains('pf-sending')) return;
    fail.hidden = true;
    var first = null;
    Array.prototype.forEach.call(form.querySelectorAll('[required]'), function (el) {
      var empty = !String(el.value).trim();
      hint(el, empty ? t.fill : '');
      if (empty && !first) first = el;
    });
    var file = form.querySelector('input[type=file][data-pf-required]');
    if (file && file.files.length === 0) {
      hint(file, t.attach);
      if (!first) first = file;
    }
    if (first) { first.focus(); return; }
    // One id per filled form: a retry after a lost answer is the same request, not a second one.
    if (!idField.value) idField.value = newId();
    form.classList.add('pf-sending');
    submit.disabled = true;
    submit.textContent = t.sending;
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(function (body) { return { status: res.status, body: body }; }, function () { return { status: res.status, body: null }; });
      })
      .then(function (r) {
        if (r.status === 200 && r.body && r.body.ok) {
          Array.prototype.forEach.call(form.children, function (el) { if (el !== done && el.tagName !== 'STYLE') el.hidden = true; });
          done.querySelector('.pf-done-text').textContent = t.success.split('{number}').join(r.body.number);
          done.hidden = false;
          done.querySelector('.pf-ok').focus();
          return;
        }
        // A refusal says what to fix (a file too big, wait a minute); anything else is «we could not be reached».
        var refused = r.status >= 400 && r.status < 500 && r.body && r.body.error;
        fail.textContent = refused ? r.body.error : t.fallback;
        fail.hidden = false;
      }, function () {
        fail.textContent = t.fallback;
        fail.hidden = false;
      })
      .then(function () {
        form.classList.remove('pf-sending');
        submit.disabled = false;
        submit.textContent = submitText;
      });
  });
  form.querySelector('.pf-ok').addEventListener('click', function () { window.location.reload(); });
})();
</script>`;
}
