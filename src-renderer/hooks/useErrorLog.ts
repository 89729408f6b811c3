import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorEntry, PrilavokApi } from '../../src-shared/api';
import { toFailure, type Failure } from './useApi';

export const ERROR_LOG_LIMIT = 50;

/**
 * The newest entries of the error log, live: new entries arrive by `errors.logged` and are put on top. After
 * acknowledge / retry the list is fetched again (the engine decides what changed). When the engine's own
 * unread count disagrees with ours — another window acknowledged, or we missed events while disconnected —
 * the list is fetched again too.
 */
export function useErrorLog(api: PrilavokApi, opts: { connected: boolean; engineUnread: number | undefined }) {
  const [items, setItems] = useState<ErrorEntry[]>([]);
  const [unread, setUnread] = useState(0);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<Failure | null>(null);
  const inFlight = useRef(false);

  const reload = useCallback(async () => {
    inFlight.current = true;
    try {
      const res = await api.call('errors.list', { limit: ERROR_LOG_LIMIT });
      setItems(res.items);
      setUnread(res.unread);
      setFailure(null);
    } catch (err) {
      setFailure(toFailure(err));
    } finally {
      inFlight.current = false;
      setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    void reload();
    return api.on('errors.logged', (entry) => {
      setItems((list) => {
        if (list.some((e) => e.id === entry.id)) return list;
        if (!entry.acknowledged) setUnread((n) => n + 1);
        return [entry, ...list].slice(0, ERROR_LOG_LIMIT);
      });
    });
  }, [api, reload]);

  // Back after a lost connection: events may have been missed.
  const wasConnected = useRef(opts.connected);
  useEffect(() => {
    if (opts.connected && !wasConnected.current) void reload();
    wasConnected.current = opts.connected;
  }, [opts.connected, reload]);

  useEffect(() => {
    if (opts.engineUnread !== undefined && opts.engineUnread !== unread && !inFlight.current && !loading) void reload();
    // Only the engine's number triggers this; our own changes must not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.engineUnread]);

  const acknowledge = useCallback(
    async (which: { ids: number[] } | { all: true }) => {
      const res = await api.call('errors.acknowledge', which);
      setUnread(res.unread);
      await reload();
    },
    [api, reload],
  );

  /** Resolves to whether the engine put the job back in the queue. */
  const retry = useCallback(
    async (id: number) => {
      const res = await api.call('errors.retry', { id });
      await reload();
      return res.retried;
    },
    [api, reload],
  );

  return { items, unread, loading, failure, reload, acknowledge, retry };
}
