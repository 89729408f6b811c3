import { z } from 'zod';
import { printFormIds, type ApiResponse } from './api.js';

/**
 * What only the desktop app can do for the window: print silently to an installed printer with the form's
 * exact page size, and remember which printer prints which form. Served by the Electron main process (not by
 * the engine), reached through `window.prilavokDesktop`; in a plain browser it is absent and the window keeps
 * the browser's own print dialog. Every method takes one object and returns one object, checked with zod.
 */

const formId = z.enum(printFormIds);
export type DesktopFormId = z.output<typeof formId>;

/** An installed printer's OS name (what the print call takes). */
const printerName = z.string().min(1).max(300).refine((s) => s.trim().length > 0, 'empty printer name');

export const desktopPrinterSchema = z.object({
  /** The name the operating system knows the printer by. */
  name: z.string(),
  /** The name to show the merchant. */
  displayName: z.string(),
  /** The system's default printer, when the OS tells. */
  isDefault: z.boolean(),
});
export type DesktopPrinter = z.output<typeof desktopPrinterSchema>;

/** The printer remembered for each form; a form without one prints to the chosen default. */
export const rememberedPrintersSchema = z.partialRecord(formId, z.string());
export type RememberedPrinters = z.output<typeof rememberedPrintersSchema>;

const skippedSchema = z.object({ id: z.number().int(), number: z.string().nullable(), reason: z.string() });

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output };
}

export const desktopMethods = {
  /** The installed printers and the printer remembered per form. */
  'desktop.printers': method(
    z.object({}).strict(),
    z.object({ printers: z.array(desktopPrinterSchema), remembered: rememberedPrintersSchema }),
  ),
  /** Remembers the printer for a form; null forgets it (the system default prints the form). */
  'desktop.setPrinter': method(
    z.object({ form: formId, printer: printerName.nullable() }).strict(),
    z.object({ remembered: rememberedPrintersSchema }),
  ),
  /**
   * Renders the orders in the form (the engine's `print.render`) and prints them without a dialog to the
   * printer (null: the system default), then remembers that printer for the form.
   */
  'desktop.print': method(
    z
      .object({ orderIds: z.array(z.number().int().positive()).min(1).max(500), form: formId, printer: printerName.nullable() })
      .strict(),
    z.object({
      /** The printer it went to, as the merchant knows it (null: the system default). */
      printer: z.string().nullable(),
      /** Orders that went out in the document. */
      orders: z.number().int(),
      skipped: z.array(skippedSchema),
      /** Why the courier service's own form was not used, when it was not. */
      notice: z.string().nullable(),
      remembered: rememberedPrintersSchema,
    }),
  ),
} as const;

export type DesktopMethods = typeof desktopMethods;
export type DesktopMethodName = keyof DesktopMethods;
export type DesktopInput<M extends DesktopMethodName> = z.input<DesktopMethods[M]['input']>;
export type DesktopOutput<M extends DesktopMethodName> = z.output<DesktopMethods[M]['output']>;

export function isDesktopMethodName(name: string): name is DesktopMethodName {
  return Object.hasOwn(desktopMethods, name);
}

/**
 * What the preload exposes as `window.prilavokDesktop`. Failures come back as values (`ok: false` with the
 * Russian message), since an error thrown across the context bridge loses everything but its text.
 */
export interface PrilavokDesktop {
  call<M extends DesktopMethodName>(method: M, input: DesktopInput<M>): Promise<ApiResponse<DesktopOutput<M>>>;
}

/**
 * The printer a form prints to: the one remembered for it while it is still installed, else the system's
 * default printer, else null (the OS picks its default when printing).
 */
export function choosePrinter(printers: readonly DesktopPrinter[], remembered: string | null | undefined): string | null {
  if (remembered && printers.some((p) => p.name === remembered)) return remembered;
  return printers.find((p) => p.isDefault)?.name ?? null;
}
