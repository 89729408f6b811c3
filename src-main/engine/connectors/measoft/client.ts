import { SyncError } from '../../errors.js';
import { createHttpClient, type HttpResponse } from '../../http/client.js';
import type { RateLimiters } from '../../http/rate-limit.js';
import { createWebSession, type WebSession } from '../../http/session.js';
import type { Redactor } from '../../redact.js';
import type { CallOptions, MeasoftClient, MeasoftConfig, MeasoftOrderInput, MeasoftOrderState } from './types.js';
import {
  authNode,
  buildOrderRequest,
  buildXml,
  EDIT_ORDER_ROOT,
  orderAnswers,
  parseCalc,
  parseStatusReq,
  parseTownList,
  parseTracking,
  parseWaybill,
  buildWaybillRequest,
  parseXml,
  requestError,
  type WireError,
  type XmlNode,
  XmlSyntaxError,
} from './xml.js';

/** MeaSoft's fair-usage budget per account (not published; a courteous default). */
const RATE_PER_SEC = 5;
const BURST = 5;

const AUTH_CODES = new Set(['25', '24']);
const RETRYABLE_CODES = new Set(['33', '13']);

function isAuthError(e: WireError): boolean {
  return e.bare === true || AUTH_CODES.has(e.code) || /авториз|authoriz|authentic|auth error/i.test(`${e.message ?? ''} ${e.messageRu ?? ''}`);
}

function reason(e: WireError): string {
  return e.messageRu ?? e.message ?? `код ошибки ${e.code}`;
}

export function createMeasoftClient(o: { config: MeasoftConfig; redactor: Redactor; limiters?: RateLimiters; timeoutMs?: number }): MeasoftClient {
  const { config, redactor } = o;
  // Credentials travel inside the XML body: make sure they never reach a log line.
  redactor.addSecret(config.password);
  const auth = { extra: config.extra, login: config.login, pass: config.password };
  const http = createHttpClient({
    system: 'measoft',
    redactor,
    timeoutMs: o.timeoutMs,
    headers: { 'content-type': 'text/xml; charset=utf-8', accept: 'text/xml, application/xml' },
    ...(o.limiters ? { limiter: o.limiters.get(`measoft:${config.url}:${config.extra}:${config.login}`, RATE_PER_SEC, BURST) } : {}),
  });

  let web: WebSession | null = null;
  const webSession = (): WebSession => {
    web ??= createWebSession({
      system: 'measoft',
      baseUrl: config.printBaseUrl ?? new URL(config.url).origin,
      redactor,
      timeoutMs: o.timeoutMs,
      login: {
        path: '/extraauth/login',
        csrfField: '_csrf',
        fields: { 'ExtraLoginForm[login]': config.login, 'ExtraLoginForm[password]': config.password },
      },
    });
    return web;
  };

  const failure = (e: WireError, op: string, detail: string, orderno?: string): SyncError => {
    const code = Number.isFinite(Number(e.code)) ? Number(e.code) : e.code;
    if (e.bare) {
      // A root with only error="1" is how MeaSoft refuses the credentials.
      return new SyncError({
        kind: 'auth',
        system: 'measoft',
        code,
        detail,
        message: 'MeaSoft: неверный логин, пароль или код службы. Проверьте их в настройках курьерской службы.',
      });
    }
    if (isAuthError(e)) {
      return new SyncError({
        kind: 'auth',
        system: 'measoft',
        code,
        detail,
        message: `MeaSoft: ошибка авторизации (${reason(e)}). Проверьте код службы, логин и пароль в настройках.`,
      });
    }
    if (RETRYABLE_CODES.has(e.code)) {
      return new SyncError({ kind: 'retryable', system: 'measoft', code, detail, message: `MeaSoft временно не смог выполнить запрос (${reason(e)}). Повторим автоматически.` });
    }
    return new SyncError({
      kind: 'needsAttention',
      system: 'measoft',
      code,
      detail,
      message: orderno !== undefined ? `MeaSoft отклонил заказ ${orderno}: ${reason(e)}` : `MeaSoft отклонил запрос ${op}: ${reason(e)}`,
    });
  };

  /**
   * Posts one XML request and returns the parsed root. Every MeaSoft call is safe to repeat: reads are reads,
   * and order writes are deduplicated by MeaSoft by `orderno` (a repeated `neworder` answers error 17, which we
   * adopt), so an ambiguous failure is retryable for all of them.
   */
  const call = async (op: string, xml: string, opts: CallOptions | undefined): Promise<{ node: XmlNode; res: HttpResponse }> => {
    const res = await http.request({ method: 'POST', url: config.url, body: xml, idempotent: true, ...(opts?.signal ? { signal: opts.signal } : {}) });
    let parsed: { root: string; node: XmlNode };
    try {
      parsed = parseXml(res.body);
    } catch (err) {
      if (!(err instanceof XmlSyntaxError)) throw err;
      throw new SyncError({
        kind: 'retryable',
        system: 'measoft',
        code: 'MALFORMED',
        message: 'MeaSoft прислал неразборчивый ответ. Повторим позже.',
        detail: redactor.summarize(`${op} → HTTP ${res.status}\n${res.body}`, 2000),
      });
    }
    const err = requestError(parsed.node);
    if (err) throw failure(err, op, redactor.summarize(`${op} → ${res.body}`, 2000) ?? op);
    return { node: parsed.node, res };
  };

  const detailOf = (op: string, res: HttpResponse) => redactor.summarize(`${op} → ${res.body}`, 2000) ?? op;

  const status = async (orderno: string, opts?: CallOptions): Promise<MeasoftOrderState | null> => {
    const { node } = await call('statusreq', buildXml('statusreq', { auth: authNode(auth), orderno, quickstatus: 'NO' }), opts);
    return parseStatusReq(node).find((s) => s.orderno === orderno) ?? parseStatusReq(node)[0] ?? null;
  };

  const requireOrderno = (orderno: string) => {
    if (!orderno.trim()) {
      throw new SyncError({ kind: 'fatal', system: 'measoft', message: 'MeaSoft: у заказа нет номера — отправка невозможна.' });
    }
  };

  /** The one per-order answer for `orderno`, or a failure. */
  const answerFor = (node: XmlNode, orderno: string) => {
    const answers = orderAnswers(node);
    return answers.find((a) => a.orderno === orderno) ?? answers[0] ?? null;
  };

  return {
    async checkCredentials(opts) {
      try {
        const { node } = await call('client', buildXml('client', { auth: authNode(auth) }), opts);
        const code = node['code'] ?? (node['client'] as XmlNode | undefined)?.['code'];
        return { ok: true, clientCode: typeof code === 'string' ? code : String((code as XmlNode | undefined)?.['#text'] ?? '') };
      } catch (err) {
        if (err instanceof SyncError && err.kind === 'auth') return { ok: false, message: err.message };
        if (err instanceof SyncError && err.kind === 'needsAttention') return { ok: false, message: err.message };
        throw err;
      }
    },

    async createOrder(input, opts) {
      requireOrderno(input.orderno);
      const { node, res } = await call('neworder', buildOrderRequest('neworder', auth, input), opts);
      const a = answerFor(node, input.orderno);
      if (!a) throw failure({ code: 'EMPTY', message: 'no createorder in the answer', messageRu: 'пустой ответ на создание заказа' }, 'neworder', detailOf('neworder', res), input.orderno);
      if (a.error?.code === '17') {
        // Already created (by us, on an attempt whose answer was lost, or earlier this year): adopt it.
        const existing = await status(input.orderno, opts);
        return { outcome: 'exists', orderno: input.orderno, barcode: existing?.barcode ?? null, orderprice: null };
      }
      if (a.error) throw failure(a.error, 'neworder', detailOf('neworder', res), input.orderno);
      const price = a.orderprice === null ? null : Number(a.orderprice.replace(',', '.'));
      return {
        outcome: 'created',
        orderno: a.orderno ?? input.orderno,
        barcode: a.barcode,
        orderprice: price !== null && Number.isFinite(price) ? price : null,
      };
    },

    async editOrder(input: MeasoftOrderInput, opts) {
      requireOrderno(input.orderno);
      const { node, res } = await call(EDIT_ORDER_ROOT, buildOrderRequest(EDIT_ORDER_ROOT, auth, input), opts);
      const a = answerFor(node, input.orderno);
      if (a?.error) throw failure(a.error, EDIT_ORDER_ROOT, detailOf(EDIT_ORDER_ROOT, res), input.orderno);
    },

    async cancelOrder(orderno, opts) {
      requireOrderno(orderno);
      const { node, res } = await call('cancelorder', buildXml('cancelorder', { auth: authNode(auth), order: [{ '@_orderno': orderno }] }), opts);
      const a = answerFor(node, orderno);
      if (a?.error) {
        const err = failure(a.error, 'cancelorder', detailOf('cancelorder', res), orderno);
        if (err.kind !== 'needsAttention') throw err;
        // A repeated cancel (the first answer was lost) is refused as «already cancelled»: that is success.
        const current = await status(orderno, opts).catch(() => null);
        if (current?.status.code === 'CANCELED') return;
        throw err;
      }
    },

    status,

    async changes(streamId, opts) {
      const { node } = await call(
        'statusreq',
        buildXml('statusreq', { auth: authNode(auth), client: 'CLIENT', changes: 'ONLY_LAST', streamid: String(streamId), quickstatus: 'NO' }),
        opts,
      );
      return parseStatusReq(node);
    },

    async commitChanges(streamId, opts) {
      await call('commitlaststatus', buildXml('commitlaststatus', { auth: authNode(auth), client: 'CLIENT', streamid: String(streamId) }), opts);
    },

    async calculator(q, opts) {
      const calc: XmlNode = {
        '@_townfrom': q.townfrom,
        '@_townto': q.townto,
        '@_mass': String(q.mass),
        '@_service': q.service === undefined ? undefined : String(q.service),
        '@_price': q.price === undefined ? undefined : String(q.price),
        '@_inshprice': q.inshprice === undefined ? undefined : String(q.inshprice),
        '@_pricetype': 'CUSTOMER',
      };
      const { node } = await call('calculator', buildXml('calculator', { auth: authNode(auth), calc }), opts);
      return parseCalc(node);
    },

    async townList(q, opts) {
      const { node } = await call(
        'townlist',
        buildXml('townlist', {
          auth: { '@_extra': config.extra },
          conditions: { namestarts: q.nameStarts, name: q.name },
          limit: q.limit === undefined ? undefined : { limitfrom: '0', limitcount: String(q.limit) },
        }),
        opts,
      );
      return parseTownList(node);
    },

    async tracking(orderno, opts) {
      try {
        const { node } = await call('tracking', buildXml('tracking', { extra: config.extra, orderno }), opts);
        return parseTracking(node);
      } catch (err) {
        // 11 = orders not found.
        if (err instanceof SyncError && err.code === 11) return null;
        throw err;
      }
    },

    async waybill(ordernos, opts) {
      if (ordernos.length === 0) throw new SyncError({ kind: 'fatal', system: 'measoft', message: 'MeaSoft: не выбраны заказы для печати.' });
      const form = opts?.form ?? config.printForm;
      const { node, res } = await call('waybill', buildWaybillRequest(auth, ordernos, form), opts);
      const pdf = parseWaybill(node);
      if (!pdf || pdf.length === 0) {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'measoft',
          code: 'NO_CONTENT',
          message: `MeaSoft не вернул печатную форму для заказов ${ordernos.join(', ')}. Проверьте, что заказы есть в MeaSoft, или выберите форму Прилавка.`,
          detail: redactor.summarize(`waybill → ${res.body}`, 2000),
        });
      }
      if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'measoft',
          code: 'NOT_PDF',
          message: 'MeaSoft прислал печатную форму не в формате PDF. Выберите форму Прилавка или обратитесь в курьерскую службу.',
          detail: `waybill content starts with ${JSON.stringify(pdf.subarray(0, 16).toString('latin1'))}, ${pdf.length} bytes`,
        });
      }
      return pdf;
    },

    async printPage(ordernos, opts) {
      if (ordernos.length === 0) throw new SyncError({ kind: 'fatal', system: 'measoft', message: 'MeaSoft: не выбраны заказы для печати.' });
      const page = await webSession().get('/print/', { searchParams: { orderno: ordernos.join(',') }, ...(opts?.signal ? { signal: opts.signal } : {}) });
      return page.body;
    },
  };
}
