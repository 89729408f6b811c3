import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import v4Correction from './schemas/atol-v4-correction.json' with { type: 'json' };
import v4Schema from './schemas/atol-v4-sell.json' with { type: 'json' };
import v5Correction from './schemas/atol-v5-correction.json' with { type: 'json' };
import v5Schema from './schemas/atol-v5-sell.json' with { type: 'json' };

/**
 * The request JSON Schemas of ATOL Online v4 (document 5.23) and v5 (document 3.12), transcribed from the
 * vendor's protocol descriptions and compiled once, plus the one rule the schemas cannot express
 * (items[].sum = price × quantity). The connector validates every outgoing request with them; the emulator
 * validates every incoming one with the very same code.
 */

/** The protocol documents the schemas follow (written in each schema file too). */
export const ATOL_DOCUMENTS = {
  v4: { ffd: '1.05', version: v4Schema['x-document'].version, date: v4Schema['x-document'].date },
  v5: { ffd: '1.2', version: v5Schema['x-document'].version, date: v5Schema['x-document'].date },
} as const;

export type AtolVersion = 'v4' | 'v5';

export const atolOperations = [
  'sell',
  'sell_refund',
  'sell_correction',
  'buy',
  'buy_refund',
  'buy_correction',
  'sell_refund_correction',
  'buy_refund_correction',
] as const;
export type AtolOperation = (typeof atolOperations)[number];

/** v5 adds the refund corrections. */
export function operationSupported(version: AtolVersion, op: string): op is AtolOperation {
  if (!(atolOperations as readonly string[]).includes(op)) return false;
  return version === 'v5' || !op.endsWith('_refund_correction');
}

export const isCorrection = (op: string): boolean => op.endsWith('_correction');

export interface SchemaIssue {
  /** `receipt.items[0].name` */
  field: string;
  /** Russian. */
  message: string;
}

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  // ATOL's callback_url pattern uses escapes (`\:`, `\,`) that are only valid without the `u` flag.
  unicodeRegExp: false,
  // ATOL counts string lengths in UTF-16 code units (an emoji is two), not in code points. Ajv marks the
  // option deprecated but keeps honouring it; its one-line notice is dropped below.
  unicode: false,
  logger: {
    log: () => undefined,
    warn: (...args: unknown[]) => {
      if (!String(args[0]).startsWith('DEPRECATED: option unicode')) console.warn(...args);
    },
    error: (...args: unknown[]) => console.error(...args),
  },
  // Roubles and quantities as binary floats: 0.1 + 0.2 must still count as a multiple of 0.01.
  multipleOfPrecision: 9,
});
// v5 marks gs1m as base64; ajv knows no formats by itself.
ajv.addFormat('base64', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
ajv.addSchema(v4Schema);
ajv.addSchema(v4Correction);
ajv.addSchema(v5Schema);
ajv.addSchema(v5Correction);

const compiled = new Map<string, ValidateFunction>();

function validator(version: AtolVersion, op: AtolOperation): ValidateFunction {
  const key = `${version}:${isCorrection(op) ? 'correction' : 'receipt'}`;
  let v = compiled.get(key);
  if (!v) {
    const schema = isCorrection(op) ? (version === 'v4' ? v4Correction : v5Correction) : version === 'v4' ? v4Schema : v5Schema;
    v = ajv.compile({ $ref: schema.$id });
    compiled.set(key, v);
  }
  return v;
}

/** `/receipt/items/0/name` → `receipt.items[0].name`. */
function fieldOf(path: string, extra?: string): string {
  const parts = path.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : `${out ? '.' : ''}${p}`;
  return out || 'запрос';
}

const TYPE_RU: Record<string, string> = {
  string: 'строкой',
  number: 'числом',
  integer: 'целым числом',
  boolean: 'логическим значением',
  object: 'объектом',
  array: 'списком',
};

function describe(e: ErrorObject): SchemaIssue | null {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field: fieldOf(e.instancePath, String(p.missingProperty)), message: 'обязательное поле не заполнено' };
    case 'additionalProperties':
      return { field: fieldOf(e.instancePath, String(p.additionalProperty)), message: 'поле не предусмотрено протоколом этой версии' };
    case 'type':
      return { field: fieldOf(e.instancePath), message: `должно быть ${TYPE_RU[String(p.type)] ?? String(p.type)}` };
    case 'maxLength':
      return { field: fieldOf(e.instancePath), message: `длиннее ${String(p.limit)} символов` };
    case 'minLength':
      return { field: fieldOf(e.instancePath), message: 'не заполнено' };
    case 'pattern':
      return { field: fieldOf(e.instancePath), message: 'неверный формат' };
    case 'enum':
      return { field: fieldOf(e.instancePath), message: `недопустимое значение (допустимо: ${(p.allowedValues as unknown[]).join(', ')})` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { field: fieldOf(e.instancePath), message: `больше допустимого (${String(p.limit)})` };
    case 'minimum':
    case 'exclusiveMinimum':
      return { field: fieldOf(e.instancePath), message: `меньше допустимого (${String(p.limit)})` };
    case 'multipleOf':
      return { field: fieldOf(e.instancePath), message: 'слишком много знаков после запятой' };
    case 'minItems':
      return { field: fieldOf(e.instancePath), message: `нужно не меньше ${String(p.limit)}` };
    case 'maxItems':
      return { field: fieldOf(e.instancePath), message: `не больше ${String(p.limit)}` };
    case 'oneOf':
      return { field: fieldOf(e.instancePath), message: 'нужно ровно одно из полей' };
    case 'anyOf':
      return e.instancePath.endsWith('/client')
        ? { field: fieldOf(e.instancePath), message: 'нужен e-mail или телефон покупателя' }
        : { field: fieldOf(e.instancePath), message: 'не подходит ни под один вариант' };
    case 'dependencies':
      return { field: fieldOf(e.instancePath, String(p.missingProperty)), message: `обязательно вместе с ${String(p.property)}` };
    case '$ref':
    case 'if':
      return null;
    default:
      return { field: fieldOf(e.instancePath), message: e.message ?? e.keyword };
  }
}

const kopOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) : null);
const microOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1_000_000) : null);
const rubText = (kop: number): string => (kop / 100).toFixed(2);

/** round(price × quantity) in kopecks, half up; the quantity in millionths. Exact for every amount the protocol allows. */
export function itemSumKop(priceKop: number, qtyMicro: number): number {
  return Number((BigInt(priceKop) * BigInt(qtyMicro) * 2n + 1_000_000n) / 2_000_000n);
}

/**
 * The arithmetic the protocol requires and the schema cannot say: every item's `sum` equals `price × quantity`
 * rounded to the kopeck (tag 1043 = 1079 × 1023; ATOL no longer corrects it), and that product stays within the
 * price limit.
 */
export function atolArithmeticIssues(body: unknown): SchemaIssue[] {
  if (!body || typeof body !== 'object') return [];
  const b = body as Record<string, unknown>;
  const docKey = b.receipt && typeof b.receipt === 'object' ? 'receipt' : b.correction && typeof b.correction === 'object' ? 'correction' : null;
  if (!docKey) return [];
  const items = (b[docKey] as Record<string, unknown>).items;
  if (!Array.isArray(items)) return [];
  const out: SchemaIssue[] = [];
  items.forEach((raw, i) => {
    if (!raw || typeof raw !== 'object') return;
    const it = raw as Record<string, unknown>;
    const price = kopOf(it.price);
    const qty = microOf(it.quantity);
    const sum = kopOf(it.sum);
    if (price === null || qty === null || sum === null || price < 0 || qty <= 0) return;
    const expected = itemSumKop(price, qty);
    const field = `${docKey}.items[${i}].sum`;
    if (expected > 1_000_000_000_000) out.push({ field, message: 'цена × количество больше 10 000 000 000' });
    else if (expected !== sum) out.push({ field, message: `не равна цене × количество (${rubText(price)} × ${qty / 1_000_000} = ${rubText(expected)}, а передано ${rubText(sum)})` });
  });
  return out;
}

/** Problems of a request body by the protocol's schema and arithmetic; an empty list means it is valid. */
export function validateAtolRequest(version: AtolVersion, op: AtolOperation, body: unknown): SchemaIssue[] {
  const v = validator(version, op);
  const arithmetic = atolArithmeticIssues(body);
  if (v(body)) return arithmetic;
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of v.errors ?? []) {
    // `anyOf`/`oneOf` list each branch's `required` too; the summary line says it better.
    if (e.keyword === 'required' && (e.schemaPath.includes('/anyOf/') || e.schemaPath.includes('/oneOf/'))) continue;
    const d = describe(e);
    if (!d) continue;
    const k = `${d.field}:${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return [...out, ...arithmetic];
}

/** «Ошибочные поля: receipt.items[0].name (длиннее 128 символов); …» — the shape of ATOL's error 32 text. */
export const issuesText = (issues: SchemaIssue[]): string => issues.map((i) => `${i.field} (${i.message})`).join('; ');
