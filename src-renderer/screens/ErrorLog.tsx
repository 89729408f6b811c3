import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ErrorEntry, PrilavokApi } from '../../src-shared/api';
import { systems, systemTitles, type SystemId } from '../../src-shared/systems';
import { Alert } from '../components/Alert';
import { downloadBlob } from '../components/download';
import { ErrorRow } from '../components/ErrorRow';
import { Empty, LoadFailed, Loading } from '../components/States';
import { toFailure, useActions, useApi, useTransientNotice, type Failure } from '../hooks/useApi';
import { useEngine } from '../hooks/useEngineStatus';
import { navigate } from '../hooks/useNavigation';
import { openOrder } from '../hooks/useOpenOrder';
import { ru } from '../i18n/ru';
import { localStamp, toCsv } from './errorLogCsv';

const PAGE = 100;
const MAX_PAGE = 500;

/**
 * «Журнал ошибок»: the whole log, newest first, live. Filters (unread only, system), acknowledge one or all,
 * retry, the technical detail on demand, a link to the order in the queue, and a CSV export for Excel.
 */
export function ErrorLog() {
  const api = useApi();
  const { status, connected } = useEngine();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [system, setSystem] = useState<SystemId | ''>('');
  const log = useFullErrorLog(api, { unreadOnly, connected, engineUnread: status?.errors.unread });
  const { run, isBusy, failure, clearFailure } = useActions();
  const { notice, show } = useTransientNotice();
  const unreadId = useId();
  const systemId = useId();

  const shown = system ? log.items.filter((e) => e.system === system) : log.items;
  const filtered = unreadOnly || system !== '';

  const acknowledge = (id: number) => run(`ack:${id}`, () => log.acknowledge({ ids: [id] }));
  const acknowledgeAll = () => run('ack:all', () => log.acknowledge({ all: true }));
  const retry = (id: number) =>
    run(`retry:${id}`, async () => {
      show((await log.retry(id)) ? ru.errors.retried : ru.errors.notRetried);
    });
  const exportCsv = () =>
    run('csv', async () => {
      const entries = await fetchAll(api, unreadOnly);
      const rows = system ? entries.filter((e) => e.system === system) : entries;
      downloadBlob(new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' }), ru.errorLog.csv.filename(localStamp(Date.now()).slice(0, 10)));
      show(ru.errorLog.exported(rows.length));
    });
  const open = (orderId: number) => {
    openOrder.open(orderId);
    navigate('queue');
  };

  return (
    <div className="errors-screen" data-testid="errors-screen">
      <div className="errors-screen__head">
        <h1 className="page-title">{ru.errorLog.title}</h1>
        {log.unread > 0 && (
          <span className="count-badge" data-testid="errors-screen-unread" title={ru.errors.unread(log.unread)}>
            {ru.errors.unreadShort(log.unread)}
            <span className="visually-hidden"> {ru.errors.unread(log.unread)}</span>
          </span>
        )}
        <p className="section__caption errors-screen__caption">{ru.errorLog.caption}</p>
      </div>

      <div className="card errors-toolbar" role="group" aria-label={ru.errorLog.filters}>
        <label className="errors-toolbar__check" htmlFor={unreadId}>
          <input id={unreadId} type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} data-testid="errors-unread-only" />
          {ru.errorLog.unreadOnly}
        </label>
        <label className="errors-toolbar__field" htmlFor={systemId}>
          <span>{ru.errorLog.system}</span>
          <select
            id={systemId}
            className="errors-toolbar__select"
            value={system}
            onChange={(e) => setSystem(e.target.value as SystemId | '')}
            data-testid="errors-system"
          >
            <option value="">{ru.errorLog.allSystems}</option>
            {systems.map((s) => (
              <option key={s} value={s}>
                {systemTitles[s]}
              </option>
            ))}
          </select>
        </label>
        <span className="errors-toolbar__notice" role="status">
          {notice}
        </span>
        <button
          type="button"
          className="btn btn--small"
          disabled={log.unread === 0 || isBusy('ack:all')}
          aria-busy={isBusy('ack:all')}
          onClick={() => void acknowledgeAll()}
          data-testid="errors-ack-all"
        >
          {ru.errors.ackAll}
        </button>
        <button
          type="button"
          className="btn btn--small"
          disabled={isBusy('csv')}
          aria-busy={isBusy('csv')}
          onClick={() => void exportCsv()}
          data-testid="errors-csv"
        >
          {isBusy('csv') && <span className="spinner spinner--small" aria-hidden="true" />}
          {ru.errorLog.exportCsv}
        </button>
      </div>

      {failure && (
        <Alert tone="error" onDismiss={clearFailure}>
          {failure.message}
        </Alert>
      )}

      <section className="card error-log errors-screen__list" aria-label={ru.errorLog.title} data-testid="errors-list">
        {log.loading ? (
          <Loading />
        ) : log.failure && log.items.length === 0 ? (
          <div className="errors-screen__pad">
            <LoadFailed failure={log.failure} onRetry={() => void log.reload()} />
          </div>
        ) : shown.length === 0 && !log.hasMore ? (
          filtered ? (
            <Empty title={ru.errorLog.emptyFiltered}>{ru.errorLog.emptyFilteredHint}</Empty>
          ) : (
            <Empty title={ru.errors.empty}>{ru.errors.emptyHint}</Empty>
          )
        ) : (
          <>
            {log.failure && (
              <div className="errors-screen__pad">
                <LoadFailed failure={log.failure} onRetry={() => void log.reload()} />
              </div>
            )}
            {shown.length > 0 && (
              <ol className="error-list">
                {shown.map((entry) => (
                  <ErrorRow
                    key={entry.id}
                    entry={entry}
                    ackBusy={isBusy(`ack:${entry.id}`) || isBusy('ack:all')}
                    retryBusy={isBusy(`retry:${entry.id}`)}
                    onAcknowledge={() => void acknowledge(entry.id)}
                    onRetry={() => void retry(entry.id)}
                    onOpenOrder={entry.orderId !== null ? () => open(entry.orderId!) : undefined}
                  />
                ))}
              </ol>
            )}
            <div className="errors-screen__foot">
              <span className="muted">{ru.errorLog.shown(shown.length)}</span>
              {log.hasMore && (
                <button
                  type="button"
                  className="btn btn--small"
                  onClick={() => void log.loadMore()}
                  disabled={log.loadingMore}
                  aria-busy={log.loadingMore}
                  data-testid="errors-more"
                >
                  {ru.errorLog.loadMore}
                </button>
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}

/**
 * The log page by page (`beforeId`), live: `errors.logged` puts new entries on top; after acknowledge / retry,
 * a reconnect, or when the engine's unread count disagrees with ours, the loaded part is fetched again.
 */
function useFullErrorLog(api: PrilavokApi, opts: { unreadOnly: boolean; connected: boolean; engineUnread: number | undefined }) {
  const [items, setItems] = useState<ErrorEntry[]>([]);
  const [unread, setUnread] = useState(0);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const loaded = useRef(0);
  const unreadRef = useRef(0);
  const inFlight = useRef(false);
  const seq = useRef(0);
  const itemsRef = useRef(items);
  useEffect(() => {
    itemsRef.current = items;
  }, [items]);
  const { unreadOnly } = opts;

  const reload = useCallback(async () => {
    const n = ++seq.current;
    inFlight.current = true;
    const limit = Math.min(MAX_PAGE, Math.max(PAGE, loaded.current));
    try {
      const res = await api.call('errors.list', { limit, unreadOnly });
      if (n !== seq.current) return;
      loaded.current = res.items.length;
      unreadRef.current = res.unread;
      setItems(res.items);
      setUnread(res.unread);
      setHasMore(res.items.length === limit);
      setFailure(null);
    } catch (err) {
      if (n === seq.current) setFailure(toFailure(err));
    } finally {
      if (n === seq.current) {
        inFlight.current = false;
        setLoading(false);
      }
    }
  }, [api, unreadOnly]);

  const loadMore = useCallback(async () => {
    const last = items.at(-1);
    if (!last) return;
    const n = seq.current;
    setLoadingMore(true);
    try {
      const res = await api.call('errors.list', { limit: PAGE, unreadOnly, beforeId: last.id });
      if (n !== seq.current) return;
      setItems((prev) => {
        const seen = new Set(prev.map((e) => e.id));
        const next = [...prev, ...res.items.filter((e) => !seen.has(e.id))];
        loaded.current = next.length;
        return next;
      });
      setHasMore(res.items.length === PAGE);
      setFailure(null);
    } catch (err) {
      setFailure(toFailure(err));
    } finally {
      setLoadingMore(false);
    }
  }, [api, items, unreadOnly]);

  useEffect(() => {
    loaded.current = 0;
    setLoading(true);
    void reload();
    return api.on('errors.logged', (entry) => {
      // A repeat of a problem already listed: the same entry with a new count, in its place.
      if (itemsRef.current.some((e) => e.id === entry.id)) {
        setItems((prev) => prev.map((e) => (e.id === entry.id ? entry : e)));
        return;
      }
      if (!entry.acknowledged) unreadRef.current += 1;
      setUnread(unreadRef.current);
      setItems((prev) => {
        if (prev.some((e) => e.id === entry.id) || (unreadOnly && entry.acknowledged)) return prev;
        loaded.current = prev.length + 1;
        return [entry, ...prev];
      });
    });
  }, [api, reload, unreadOnly]);

  const wasConnected = useRef(opts.connected);
  useEffect(() => {
    if (opts.connected && !wasConnected.current) void reload();
    wasConnected.current = opts.connected;
  }, [opts.connected, reload]);

  useEffect(() => {
    if (opts.engineUnread === undefined || inFlight.current) return;
    if (opts.engineUnread !== unreadRef.current) void reload();
  }, [opts.engineUnread, reload]);

  const acknowledge = useCallback(
    async (which: { ids: number[] } | { all: true }) => {
      const res = await api.call('errors.acknowledge', which);
      unreadRef.current = res.unread;
      setUnread(res.unread);
      await reload();
    },
    [api, reload],
  );

  const retry = useCallback(
    async (id: number) => {
      const res = await api.call('errors.retry', { id });
      await reload();
      return res.retried;
    },
    [api, reload],
  );

  return { items, unread, hasMore, loading, loadingMore, failure, reload, loadMore, acknowledge, retry };
}

/** Every entry of the log (optionally unread only), page by page. */
async function fetchAll(api: PrilavokApi, unreadOnly: boolean): Promise<ErrorEntry[]> {
  const all: ErrorEntry[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const res = await api.call('errors.list', { limit: MAX_PAGE, unreadOnly, ...(beforeId !== undefined ? { beforeId } : {}) });
    all.push(...res.items);
    const last = res.items.at(-1);
    if (res.items.length < MAX_PAGE || !last) return all;
    beforeId = last.id;
  }
}
