import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { EngineStatus, PrilavokApi } from '../../src-shared/api';
import { toFailure, type Failure } from './useApi';

/**
 * The engine's status, live: fetched once, then replaced by every `engine.status` event (the bridge also
 * sends one on each reconnect). Answers of pause / resume / sync go through `replace`.
 */
export function useEngineStatus(api: PrilavokApi) {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  // An event newer than a pending fetch wins: the fetch's answer is dropped.
  const version = useRef(0);

  const replace = useCallback((next: EngineStatus) => {
    version.current += 1;
    setStatus(next);
    setFailure(null);
  }, []);

  const reload = useCallback(async () => {
    const started = version.current;
    try {
      const next = await api.call('engine.status', {});
      if (version.current === started) replace(next);
    } catch (err) {
      setFailure(toFailure(err));
    }
  }, [api, replace]);

  useEffect(() => {
    const off = api.on('engine.status', replace);
    void reload();
    return off;
  }, [api, reload, replace]);

  return { status, failure, reload, replace };
}

export interface EngineState extends ReturnType<typeof useEngineStatus> {
  /** False while the headless bridge has lost its socket. */
  connected: boolean;
}

/** Status and connection, shared by the header and every screen. */
export const EngineContext = createContext<EngineState | null>(null);

export function useEngine(): EngineState {
  const state = useContext(EngineContext);
  if (!state) throw new Error('useEngine outside <EngineContext>');
  return state;
}
