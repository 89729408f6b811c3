import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { apiMethods, isMethodName, type ApiResponse } from '../../src-shared/api.js';

/**
 * The one door from windows into the engine: only frames of windows we created, only known methods, only
 * payloads that match the method's schema. Everything else is refused before it reaches the engine.
 */
export function registerIpcGateway(
  ipc: IpcMain,
  opts: { isOurFrame: (event: IpcMainInvokeEvent) => boolean; call: (method: string, input: unknown) => Promise<ApiResponse<unknown>> },
): void {
  ipc.handle('prilavok:call', async (event, method: unknown, input: unknown): Promise<ApiResponse<unknown>> => {
    if (!opts.isOurFrame(event)) {
      return { ok: false, error: { kind: 'fatal', message: 'Запрос из чужого окна отклонён', detail: null } };
    }
    if (typeof method !== 'string' || !isMethodName(method)) {
      return { ok: false, error: { kind: 'fatal', message: 'Неизвестная команда', detail: String(method) } };
    }
    const parsed = apiMethods[method].input.safeParse(input ?? {});
    if (!parsed.success) {
      return { ok: false, error: { kind: 'needsAttention', message: 'Неверный запрос', detail: parsed.error.message } };
    }
    return opts.call(method, input ?? {});
  });
}
