import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorEntry, PrilavokApi } from '../../src-shared/api';
import { toFailure, type Failure } from './useApi';

export const ERROR_LOG_LIMIT = 50;

interface Log {
  items: ErrorEntry[];
  unread: number;
}

/**
 * The newest entries of the error log, live: new entries arrive by `errors.logged` and are put on top. After
 * acknowledge / retry the list is fetched again (the engine decides what changed). When the engine's own
 * unread count disagrees with ours — another window acknowledged, or events were missed while disconnected —
 * the list is fetched again too.
 */
export function useErrorLog(api: PrilavokApi, opts: { connected: boolean; engineUnread: number | undefined }) {
  const [log, setLog] = useState<Log>({ items: [], unread: 0 });
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<Failure | null>(null);
  const inFlight = useRef(false);
  const current = useRef(log);
  useEffect(() => {
    current.current = log;
  }, [log]);

  const reload = useCallback(async () => {
    inFlight.current = true;
    try {
      const res = await api.call('errors.list', { limit: ERROR_LOG_LIMIT });
      setLog({ items: res.items, unread: res.unread });
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
      setLog((prev) => {
        // A repeat of a listed problem: the same entry with a new count, in its place.
        if (prev.items.some((e) => e.id === entry.id)) return { ...prev, items: prev.items.map((e) => (e.id === entry.id ? entry : e)) };
        return {
          items: [entry, ...prev.items].slice(0, ERROR_LOG_LIMIT),
          unread: prev.unread + (entry.acknowledged ? 0 : 1),
        };
      });
    });
  }, [api, reload]);

  // Back after a lost connection: events may have been missed.
  const wasConnected = useRef(opts.connected);
  useEffect(() => {
    if (opts.connected && !wasConnected.current) void reload();
    wasConnected.current = opts.connected;
  }, [opts.connected, reload]);

  // Only the engine's number triggers this check; our own changes to `unread` must not.
  useEffect(() => {
    if (opts.engineUnread === undefined || inFlight.current) return;
    if (opts.engineUnread !== current.current.unread) void reload();
  }, [opts.engineUnread, reload]);

  const acknowledge = useCallback(
    async (which: { ids: number[] } | { all: true }) => {
      const res = await api.call('errors.acknowledge', which);
      setLog((prev) => ({ ...prev, unread: res.unread }));
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

  return { items: log.items, unread: log.unread, loading, failure, reload, acknowledge, retry };
}
