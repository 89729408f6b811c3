import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiCallError, type PrilavokApi } from '../../src-shared/api';
import type { ErrorKind } from '../../src-shared/errors';
import { ru } from '../i18n/ru';

/** The window's one API; provided once by App, read by every screen. */
export const ApiContext = createContext<PrilavokApi | null>(null);

export function useApi(): PrilavokApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext>');
  return api;
}

/** A failure the merchant can read: the engine's own Russian message, or a plain generic one. */
export interface Failure {
  message: string;
  kind: ErrorKind;
}

export function toFailure(err: unknown): Failure {
  if (err instanceof ApiCallError) return { message: err.message, kind: err.error.kind };
  return { message: ru.state.failed, kind: 'fatal' };
}

type ConnectionAware = PrilavokApi & { onConnection?: (listener: (connected: boolean) => void) => () => void };

/**
 * Whether the engine is reachable: `false` only once the headless bridge has reported a lost socket. The
 * Electron preload has no such notion (the engine is local to the app), so there it is always `true`.
 */
export function useConnection(api: PrilavokApi): boolean {
  const [connected, setConnected] = useState(true);
  useEffect(() => {
    const onConnection = (api as ConnectionAware).onConnection;
    if (typeof onConnection !== 'function') return;
    let first = true;
    return onConnection.call(api, (up) => {
      // The first report comes synchronously while the socket is still opening: not a loss.
      if (first && !up) {
        first = false;
        return;
      }
      first = false;
      setConnected(up);
    });
  }, [api]);
  return connected;
}

/**
 * Buttons that call the engine: which ones are busy (to disable them and show progress) and the last failure.
 * Keys name the button, e.g. `pause` or `ack:12`.
 */
export function useActions() {
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [failure, setFailure] = useState<Failure | null>(null);

  const run = useCallback(async (key: string, action: () => Promise<void>): Promise<boolean> => {
    setBusy((b) => new Set(b).add(key));
    setFailure(null);
    try {
      await action();
      return true;
    } catch (err) {
      setFailure(toFailure(err));
      return false;
    } finally {
      setBusy((b) => {
        const next = new Set(b);
        next.delete(key);
        return next;
      });
    }
  }, []);

  const clearFailure = useCallback(() => setFailure(null), []);
  return { run, isBusy: (key: string) => busy.has(key), failure, clearFailure };
}

/** A short message that clears itself, for «Синхронизация запущена» and the like. */
export function useTransientNotice(ms = 4000) {
  const [notice, setNotice] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const show = useCallback(
    (text: string) => {
      if (timer.current) clearTimeout(timer.current);
      setNotice(text);
      timer.current = setTimeout(() => setNotice(null), ms);
    },
    [ms],
  );
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return { notice, show };
}
