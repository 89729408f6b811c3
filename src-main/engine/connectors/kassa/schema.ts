import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import v4Schema from './schemas/atol-v4-sell.json' with { type: 'json' };
import v5Schema from './schemas/atol-v5-sell.json' with { type: 'json' };

/**
 * The request JSON Schemas of ATOL Online v4 and v5 (transcribed from the protocol description), compiled once.
 * The connector validates every outgoing request with them; the emulator validates every incoming one.
 */

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
  // Roubles as binary floats: 0.1 + 0.2 must still count as a multiple of 0.01.
  multipleOfPrecision: 6,
});
ajv.addSchema(v4Schema);
ajv.addSchema(v5Schema);

const compiled = new Map<string, ValidateFunction>();

function validator(version: AtolVersion, op: AtolOperation): ValidateFunction {
  const key = `${version}:${isCorrection(op) ? 'correction' : 'receipt'}`;
  let v = compiled.get(key);
  if (!v) {
    const id = (version === 'v4' ? v4Schema : v5Schema).$id;
    v = ajv.compile({ $ref: isCorrection(op) ? `${id}#/definitions/correction_request` : id });
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
    case 'anyOf':
      return e.instancePath.endsWith('/client')
        ? { field: fieldOf(e.instancePath), message: 'нужен e-mail или телефон покупателя' }
        : { field: fieldOf(e.instancePath), message: 'не подходит ни под один вариант' };
    case 'dependencies':
      return { field: fieldOf(e.instancePath, String(p.missingProperty)), message: `обязательно вместе с ${String(p.property)}` };
    case '$ref':
      return null;
    default:
      return { field: fieldOf(e.instancePath), message: e.message ?? e.keyword };
  }
}

/** Problems of a request body by the protocol's schema; an empty list means it is valid. */
export function validateAtolRequest(version: AtolVersion, op: AtolOperation, body: unknown): SchemaIssue[] {
  const v = validator(version, op);
  if (v(body)) return [];
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of v.errors ?? []) {
    // `anyOf` lists each branch's `required` too; the summary line says it better.
    if (e.keyword === 'required' && e.schemaPath.includes('/anyOf/')) continue;
    const d = describe(e);
    if (!d) continue;
    const k = `${d.field}:${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
}

/** «Ошибочные поля: receipt.items[0].name (длиннее 128 символов); …» — the shape of ATOL's error 32 text. */
export const issuesText = (issues: SchemaIssue[]): string => issues.map((i) => `${i.field} (${i.message})`).join('; ');
