import jsonata from 'jsonata';
import { SyncError } from '../../errors.js';

/**
 * The partner's answer → rows, through a JSONata expression the merchant writes (a sandboxed expression
 * language: no code runs, no file or network access). Evaluation has a budget: time, call depth, sequence
 * length and the size of what it returns; anything over it stops with a Russian message that says why.
 */

export interface PartnerRow {
  /** The partner's id of the order. */
  id: string;
  /** The status as the partner gave it; several candidates are tried in turn (e.g. a status and its group). */
  status: string[];
  reason: string | null;
  comment: string | null;
  track: string | null;
  /** `true`: hold with the partner's default; a number: hold for that many days. */
  hold: boolean | number | null;
}

export interface MappingBudget {
  timeMs: number;
  /** Maximum call depth (recursion). */
  depth: number;
  /** Longest list the expression may build. */
  sequence: number;
  /** Rows per answer. */
  rows: number;
  /** Characters of the result as JSON. */
  resultChars: number;
  expressionChars: number;
}

export const DEFAULT_BUDGET: MappingBudget = {
  timeMs: 1000,
  depth: 200,
  sequence: 100_000,
  rows: 10_000,
  resultChars: 2_000_000,
  expressionChars: 4000,
};

export interface MappingResult {
  rows: PartnerRow[];
  /** Rows the expression produced that are unusable (no id, wrong types), with a Russian reason each. */
  invalid: Array<{ index: number; message: string }>;
}

/** What else the expression may read besides the answer: `$asked` (the partner ids in this request), `$mode`. */
export interface MappingBindings {
  asked: string[];
  mode: 'processing' | 'accepted' | 'range';
}

export async function evaluateMapping(
  expression: string,
  data: unknown,
  bindings: MappingBindings,
  budget: MappingBudget = DEFAULT_BUDGET,
): Promise<MappingResult> {
  if (expression.length > budget.expressionChars) {
    throw mappingError(
      `Выражение сопоставления слишком длинное: ${expression.length} символов, можно не больше ${budget.expressionChars}.`,
      `expression length ${expression.length}`,
    );
  }
  let expr: jsonata.Expression;
  try {
    expr = jsonata(expression, { timeout: budget.timeMs, stack: budget.depth, sequence: budget.sequence });
  } catch (err) {
    const e = err as { message?: string; position?: number; token?: string };
    throw mappingError(
      `Ошибка в выражении сопоставления${typeof e.position === 'number' ? ` около символа ${e.position}` : ''}: проверьте скобки, кавычки и имена полей.`,
      `jsonata parse: ${e.message ?? String(err)}${e.token ? ` (token ${e.token})` : ''}`,
    );
  }
  // `$eval` would parse a new expression outside the budget, and a huge `$pad` allocates before any check.
  expr.registerFunction('eval', () => {
    throw Object.assign(new Error('$eval is disabled'), { code: 'PRILAVOK_EVAL' });
  });
  expr.registerFunction(
    'pad',
    (s: string, width: number, ch?: string) => {
      if (Math.abs(width) > 10_000) throw Object.assign(new Error('pad width'), { code: 'PRILAVOK_SIZE' });
      const fill = ch ?? ' ';
      const n = Math.max(0, Math.abs(width) - [...s].length);
      const extra = fill.repeat(Math.ceil(n / Math.max(1, fill.length))).slice(0, n);
      return width < 0 ? extra + s : s + extra;
    },
    '<s-n?s?:s>',
  );
  // Strings grow without building a sequence (`$a & $a` doubles): every step's result is measured.
  const maxString = budget.resultChars;
  (expr.assign as unknown as (name: symbol, value: unknown) => void).call(expr, Symbol.for('jsonata.__evaluate_exit'), (_e: unknown, _i: unknown, _env: unknown, result: unknown) => {
    if (typeof result === 'string' && result.length > maxString) throw Object.assign(new Error('string too long'), { code: 'PRILAVOK_SIZE' });
  });
  let out: unknown;
  try {
    out = await expr.evaluate(data, { asked: bindings.asked, mode: bindings.mode });
  } catch (err) {
    throw runtimeError(err, budget);
  }
  if (out === undefined || out === null) return { rows: [], invalid: [] };
  const list = Array.isArray(out) ? out : [out];
  if (list.length > budget.rows) {
    throw mappingError(
      `Выражение сопоставления вернуло ${list.length} строк, можно не больше ${budget.rows}: уменьшите количество заказов в запросе.`,
      `rows ${list.length}`,
    );
  }
  let size: number;
  try {
    size = JSON.stringify(list).length;
  } catch {
    throw mappingError('Выражение сопоставления вернуло то, что нельзя превратить в строки (функцию или цикл).', 'result not serialisable');
  }
  if (size > budget.resultChars) {
    throw mappingError(
      `Результат сопоставления слишком большой (${Math.round(size / 1000)} тыс. символов, можно до ${Math.round(budget.resultChars / 1000)} тыс.): возвращайте только id, статус и комментарий.`,
      `result ${size} chars`,
    );
  }
  const rows: PartnerRow[] = [];
  const invalid: MappingResult['invalid'] = [];
  list.forEach((item, index) => {
    const r = toRow(item);
    if (typeof r === 'string') invalid.push({ index, message: r });
    else rows.push(r);
  });
  return { rows, invalid };
}

function toRow(item: unknown): PartnerRow | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'строка должна быть объектом { id, status }';
  const o = item as Record<string, unknown>;
  const id = scalarText(o.id);
  if (!id) return 'у строки нет id заказа';
  const statuses = (Array.isArray(o.status) ? o.status : [o.status]).map(scalarText).filter((s): s is string => !!s);
  if (o.status !== undefined && o.status !== null && statuses.length === 0) return `статус заказа ${id} — не текст и не число`;
  let hold: PartnerRow['hold'] = null;
  if (typeof o.hold === 'boolean') hold = o.hold;
  else if (typeof o.hold === 'number' && Number.isInteger(o.hold) && o.hold >= 0 && o.hold <= 365) hold = o.hold;
  else if (o.hold !== undefined && o.hold !== null) return `hold заказа ${id} — не true/false и не число дней`;
  return {
    id,
    status: statuses,
    reason: scalarText(o.reason),
    comment: limited(scalarText(o.comment), 1000),
    track: limited(scalarText(o.track), 100),
    hold,
  };
}

function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function limited(s: string | null, n: number): string | null {
  return s && s.length > n ? s.slice(0, n) : s;
}

function runtimeError(err: unknown, budget: MappingBudget): SyncError {
  const e = err as { code?: string; message?: string; position?: number };
  const detail = `jsonata ${e.code ?? ''}: ${e.message ?? String(err)}`;
  switch (e.code) {
    case 'D1012':
      return mappingError(
        `Выражение сопоставления выполнялось дольше ${budget.timeMs / 1000} с и остановлено: похоже на бесконечный цикл.`,
        detail,
      );
    case 'D1011':
    case 'U1001':
      return mappingError('Выражение сопоставления слишком глубоко вызывает само себя и остановлено: похоже на бесконечную рекурсию.', detail);
    case 'D2014':
    case 'D2015':
    case 'PRILAVOK_SIZE':
      return mappingError(`Выражение сопоставления строит слишком большой список или строку (больше ${budget.sequence} элементов) и остановлено.`, detail);
    case 'PRILAVOK_EVAL':
      return mappingError('Функция $eval в выражении сопоставления запрещена.', detail);
  }
  if (err instanceof RangeError) {
    return mappingError('Выражение сопоставления строит слишком большую строку или список и остановлено.', detail);
  }
  return mappingError(
    `Выражение сопоставления не выполнилось${typeof e.position === 'number' ? ` (около символа ${e.position})` : ''}: проверьте типы полей и функции.`,
    detail,
  );
}

function mappingError(message: string, detail: string): SyncError {
  return new SyncError({ kind: 'needsAttention', system: 'statuscheck', message, detail, code: 'mapping' });
}
