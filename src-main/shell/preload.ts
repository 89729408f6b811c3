import { contextBridge, ipcRenderer } from 'electron';
import type { ApiResponse, EventName, PrilavokApi } from '../../src-shared/api.js';

/**
 * The sandboxed preload exposes exactly the API contract: `call` and `on`, nothing else of Electron.
 * Errors come back as values and are rethrown here with the engine's Russian message.
 */
const api: PrilavokApi = {
  async call(method, input) {
    const res = (await ipcRenderer.invoke('prilavok:call', method, input)) as ApiResponse<never>;
    if (!res.ok) throw Object.assign(new Error(res.error.message), { name: 'ApiCallError', error: res.error });
    return res.result;
  },
  on(event: EventName, listener) {
    const wrapped = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on('prilavok:event', wrapped);
    return () => void ipcRenderer.off('prilavok:event', wrapped);
  },
};

contextBridge.exposeInMainWorld('prilavok', api);
