import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { z } from 'zod';
import { apiMethods, isMethodName, type ApiResponse } from '../../src-shared/api.js';
import { desktopMethods, isDesktopMethodName, type DesktopMethodName } from '../../src-shared/desktop.js';

type Guarded = { ok: true; method: string; input: unknown } | { ok: false; response: ApiResponse<never> };

/** The guards every door shares: our frame, a known method, a payload its schema accepts. */
function guard(
  isOurFrame: (event: IpcMainInvokeEvent) => boolean,
  event: IpcMainInvokeEvent,
  method: unknown,
  input: unknown,
  schemaOf: (method: string) => z.ZodType | null,
): Guarded {
  if (!isOurFrame(event)) {
    return { ok: false, response: { ok: false, error: { kind: 'fatal', message: 'Запрос из чужого окна отклонён', detail: null } } };
  }
  const schema = typeof method === 'string' ? schemaOf(method) : null;
  if (typeof method !== 'string' || !schema) {
    return { ok: false, response: { ok: false, error: { kind: 'fatal', message: 'Неизвестная команда', detail: String(method) } } };
  }
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    return { ok: false, response: { ok: false, error: { kind: 'needsAttention', message: 'Неверный запрос', detail: parsed.error.message } } };
  }
  return { ok: true, method, input: parsed.data };
}

/**
 * The one door from windows into the engine: only frames of windows we created, only known methods, only
 * payloads that match the method's schema. Everything else is refused before it reaches the engine.
 */
export function registerIpcGateway(
  ipc: IpcMain,
  opts: { isOurFrame: (event: IpcMainInvokeEvent) => boolean; call: (method: string, input: unknown) => Promise<ApiResponse<unknown>> },
): void {
  ipc.handle('prilavok:call', async (event, method: unknown, input: unknown): Promise<ApiResponse<unknown>> => {
    const g = guard(opts.isOurFrame, event, method, input, (m) => (isMethodName(m) ? apiMethods[m].input : null));
    if (!g.ok) return g.response;
    // The engine checks the payload again with the same schema; it gets it as the window sent it.
    return opts.call(g.method, input ?? {});
  });
}

/**
 * The desktop app's own door (printers, silent printing), served by the main process, never by the engine.
 * The same guards as the engine's door; the handler gets the payload as its schema parsed it.
 */
export function registerDesktopGateway(
  ipc: IpcMain,
  opts: {
    isOurFrame: (event: IpcMainInvokeEvent) => boolean;
    serve: (event: IpcMainInvokeEvent, method: DesktopMethodName, input: unknown) => Promise<ApiResponse<unknown>>;
  },
): void {
  ipc.handle('prilavok:desktop', async (event, method: unknown, input: unknown): Promise<ApiResponse<unknown>> => {
    const g = guard(opts.isOurFrame, event, method, input, (m) => (isDesktopMethodName(m) ? desktopMethods[m].input : null));
    if (!g.ok) return g.response;
    try {
      return await opts.serve(event, g.method as DesktopMethodName, g.input);
    } catch (err) {
      return { ok: false, error: { kind: 'fatal', message: 'Не удалось выполнить команду печати', detail: err instanceof Error ? err.message : String(err) } };
    }
  });
}
