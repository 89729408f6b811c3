import { useCallback, useEffect, useRef, useState } from 'react';
import type { CrmReferences, SettingsView } from '../../../src-shared/api';
import { toFailure, useApi, type Failure } from '../../hooks/useApi';
import type { ReferencesState } from './types';

/** Settings and secret states, fetched once; every save answers with the new view, which replaces it. */
export function useSettingsView() {
  const api = useApi();
  const [view, setView] = useState<SettingsView | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  const reload = useCallback(async () => {
    setFailure(null);
    try {
      setView(await api.call('settings.get', {}));
    } catch (err) {
      setFailure(toFailure(err));
    }
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { view, failure, reload, setView };
}

/**
 * RetailCRM's reference books for the dropdowns. Loaded when `enabled` (RetailCRM is connected) and again when
 * `connection` changes — a new address, key or store means other books.
 */
export function useReferences(enabled: boolean, connection: string): ReferencesState {
  const api = useApi();
  const [refs, setRefs] = useState<CrmReferences | null>(null);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const latest = useRef(0);

  const reload = useCallback(
    async (refresh = false) => {
      const n = ++latest.current;
      setLoading(true);
      setFailure(null);
      try {
        const res = await api.call('references.get', refresh ? { refresh: true } : {});
        if (n === latest.current) setRefs(res);
      } catch (err) {
        if (n === latest.current) {
          setRefs(null);
          setFailure(toFailure(err));
        }
      } finally {
        if (n === latest.current) setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    if (!enabled) {
      latest.current++;
      setRefs(null);
      setFailure(null);
      setLoading(false);
      return;
    }
    void reload(true);
  }, [enabled, connection, reload]);

  return { refs, loading, failure, reload };
}
