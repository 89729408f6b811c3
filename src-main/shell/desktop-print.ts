import type { WebContentsPrintOptions } from 'electron';
import type { ApiError, ApiResponse, MethodInput, MethodOutput } from '../../src-shared/api.js';
import type { DesktopInput, DesktopMethodName, DesktopOutput, DesktopPrinter, RememberedPrinters } from '../../src-shared/desktop.js';
import type { PrintFormId } from '../engine/printforms/types.js';
import type { PrinterProfile } from './printing.js';

/**
 * The desktop-only print methods, as decisions over small injected parts: which printers exist (the window's
 * own list), the remembered printer per form (prefs), the engine's rendering, the silent print. Nothing here
 * touches Electron, so every rule is unit-tested; main.ts wires the real parts in.
 */
/** The engine's answer to `print.render`. */
export type RenderResponse = ApiResponse<MethodOutput<'print.render'>>;

export interface DesktopPrintDeps {
  printers(): Promise<DesktopPrinter[]>;
  prefs: { printers(): RememberedPrinters; setPrinter(form: PrintFormId, printer: string | null): void };
  render(input: MethodInput<'print.render'>): Promise<RenderResponse>;
  /** Print options for a printer and form: the form's exact page, silent. */
  options(profile: PrinterProfile): WebContentsPrintOptions;
  print(html: string, options: WebContentsPrintOptions): Promise<void>;
}

type Handlers = { [M in DesktopMethodName]: (input: DesktopInput<M>) => Promise<ApiResponse<DesktopOutput<M>>> };

const fail = (kind: ApiError['kind'], message: string, detail: string | null = null): { ok: false; error: ApiError } => ({
  ok: false,
  error: { kind, message, detail },
});

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function printerMissing(printer: string): string {
  return `Принтер «${printer}» не найден: он выключен, отключён или удалён. Выберите другой принтер.`;
}

/** Installed printers, or the reason the list could not be read. */
async function installed(deps: DesktopPrintDeps): Promise<ApiResponse<DesktopPrinter[]>> {
  try {
    return { ok: true, result: await deps.printers() };
  } catch (err) {
    return fail('retryable', 'Не удалось получить список принтеров. Попробуйте ещё раз.', errText(err));
  }
}

export function desktopPrintHandlers(deps: DesktopPrintDeps): Handlers {
  return {
    async 'desktop.printers'() {
      const list = await installed(deps);
      if (!list.ok) return list;
      return { ok: true, result: { printers: list.result, remembered: deps.prefs.printers() } };
    },

    async 'desktop.setPrinter'(input) {
      if (input.printer !== null) {
        const list = await installed(deps);
        if (!list.ok) return list;
        if (!list.result.some((p) => p.name === input.printer)) return fail('needsAttention', printerMissing(input.printer));
      }
      deps.prefs.setPrinter(input.form, input.printer);
      return { ok: true, result: { remembered: deps.prefs.printers() } };
    },

    async 'desktop.print'(input) {
      let shown: string | null = null;
      if (input.printer !== null) {
        const list = await installed(deps);
        if (!list.ok) return list;
        const found = list.result.find((p) => p.name === input.printer);
        if (!found) return fail('needsAttention', printerMissing(input.printer));
        shown = found.displayName;
      }
      const rendered = await deps.render({ orderIds: input.orderIds, form: input.form });
      if (!rendered.ok) return rendered;
      const { html, skipped, notice } = rendered.result;
      const orders = new Set(input.orderIds).size - new Set(skipped.map((s) => s.id)).size;
      if (orders <= 0 || !html.trim()) return fail('needsAttention', 'Нечего печатать: ни один из выбранных заказов не попал в форму.');
      try {
        await deps.print(html, deps.options({ printer: input.printer, form: input.form }));
      } catch (err) {
        return fail('needsAttention', errText(err));
      }
      deps.prefs.setPrinter(input.form, input.printer);
      return { ok: true, result: { printer: shown, orders, skipped, notice, remembered: deps.prefs.printers() } };
    },
  };
}

/** Runs one desktop method on input the gateway has already validated. */
export function runDesktopMethod(handlers: Handlers, method: DesktopMethodName, input: unknown): Promise<ApiResponse<unknown>> {
  return (handlers[method] as (i: unknown) => Promise<ApiResponse<unknown>>)(input);
}
