import { useCallback, useEffect, useRef, useState } from 'react';
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
