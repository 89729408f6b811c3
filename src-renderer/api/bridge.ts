import {
  ApiCallError,
  type ApiResponse,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodOutput,
  type PrilavokApi,
} from '../../src-shared/api';
import { ru } from '../i18n/ru';

type Listener = (payload: unknown) => void;

/**
 * The API over the headless bridge: calls are POST /api/<method> with the access token, events arrive on one
 * WebSocket that reconnects by itself (with a growing pause) when the engine restarts.
 */
export function createBridgeApi(token: string, origin: string = window.location.origin): PrilavokApi & {
  onConnection(listener: (connected: boolean) => void): () => void;
} {
  const listeners = new Map<string, Set<Listener>>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let socket: WebSocket | null = null;
  let retryMs = 500;

  const connect = () => {
    const url = new URL('/events', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      connectionListeners.forEach((l) => l(true));
    };
    ws.onmessage = (m) => {
      try {
        const { event, payload } = JSON.parse(String(m.data)) as { event: string; payload: unknown };
        listeners.get(event)?.forEach((l) => l(payload));
      } catch {
        // A malformed frame is ignored; the next status event repairs the view.
      }
    };
    ws.onclose = () => {
      connectionListeners.forEach((l) => l(false));
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  connect();

  return {
    async call<M extends MethodName>(method: M, input: unknown): Promise<MethodOutput<M>> {
      let res: Response;
      try {
        res = await fetch(new URL(`/api/${method}`, origin), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch (err) {
        throw new ApiCallError({ kind: 'retryable', message: ru.connection.unreachable, detail: String(err) });
      }
      if (res.status === 401) {
        throw new ApiCallError({ kind: 'auth', message: ru.connection.unauthorized, detail: null });
      }
      const body = (await res.json()) as ApiResponse<MethodOutput<M>>;
      if (!body.ok) throw new ApiCallError(body.error);
      return body.result;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(socket?.readyState === WebSocket.OPEN);
      return () => connectionListeners.delete(listener);
    },
  };
}
