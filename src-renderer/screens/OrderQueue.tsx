import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { CrmReferences, OrderSummary } from '../../src-shared/api';
import { systemTitles, type SystemId } from '../../src-shared/systems';
import { DateInput } from '../components/DateInput';
import { LoadFailed, Loading } from '../components/States';
import { useApi } from '../hooks/useApi';
import { navigate } from '../hooks/useNavigation';
import { useOpenOrder } from '../hooks/useOpenOrder';
import { usePrintSelection } from '../hooks/usePrintSelection';
import { formatNumber } from '../i18n/format';
import { burstCoalescer } from '../lib/burst';
import { ru } from '../i18n/ru';
import { OrderCard } from './queue/OrderCard';
import { OrderList, type VisibleRange } from './queue/OrderList';
import { useOrderPages, type OrderQuery } from './queue/useOrderPages';

const SEARCH_DEBOUNCE_MS = 200;
/** Changes often come in bursts (a feed of statuses): the visible rows are re-read at most this often (a
 * re-read is one `orders.list` of the rows on screen, a couple of milliseconds in the engine). */
const LIVE_REFRESH_MS = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Systems an order can have a chip for, in the filter's order. */
const orderSystems: SystemId[] = ['retailcrm', 'measoft', 'lifepos', 'kassa', 'leeloo', 'forms', 'statuscheck'];

interface Filters {
  search: string;
  attention: boolean;
  system: SystemId | '';
  crmStatus: string;
  /** `yyyy-mm-dd` from the date inputs, local days. */
  from: string;
  to: string;
}

const noFilters: Filters = { search: '', attention: false, system: '', crmStatus: '', from: '', to: '' };

function localDay(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : undefined;
}

function toQuery(f: Filters, search: string): OrderQuery {
  const q: OrderQuery = {};
  if (search) q.search = search.slice(0, 200);
  if (f.attention) q.attention = true;
  if (f.system) q.system = f.system;
  if (f.crmStatus) q.crmStatus = f.crmStatus;
  const from = localDay(f.from);
  const to = localDay(f.to);
  if (from !== undefined) q.from = from;
  // «по 14 марта» includes the whole of that day.
  if (to !== undefined) q.to = to + DAY_MS;
  return q;
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** RetailCRM's status names and the account address, when RetailCRM is set up; the queue works without them. */
function useCrmContext() {
  const api = useApi();
  const [refs, setRefs] = useState<CrmReferences | null>(null);
  const [crmUrl, setCrmUrl] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('settings.get', {}).then(
      (s) => live && setCrmUrl(s.values.retailcrm.url),
      () => undefined,
    );
    api.call('references.get', {}).then(
      (r) => live && setRefs(r),
      // Not configured or not reachable: statuses are shown by their codes.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);
  return { refs, crmUrl };
}

/**
 * «Очередь заказов»: every order Prilavok knows, where each one is in every system, and what needs the merchant.
 * Search and filters go to the engine; the list is fetched in pages as it scrolls and re-read live when orders
 * change. A click opens the order card with its history and actions.
 */
export function OrderQueue() {
  const api = useApi();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const search = useDebounced(filters.search.trim(), SEARCH_DEBOUNCE_MS);
  const query = useMemo(() => toQuery(filters, search), [filters, search]);
  const queryKey = JSON.stringify(query);
  const list = useOrderPages(api, query);
  const { refs, crmUrl } = useCrmContext();
  const visible = useRef<VisibleRange>({ start: 0, end: 0 });
  const [openId, setOpenId] = useState<number | null>(null);
  const requested = useOpenOrder();
  const print = usePrintSelection();
  const ids = useId();

  // Another screen (the error log) asked for an order: open its card.
  const { orderId: requestedId, open: clearRequest } = requested;
  useEffect(() => {
    if (requestedId === null) return;
    setOpenId(requestedId);
    clearRequest(null);
  }, [requestedId, clearRequest]);

  // Live: re-read only what is on screen — at once for a change, then at most once per interval in a burst.
  const { refresh } = list;
  useEffect(() => {
    const live = burstCoalescer(() => refresh(visible.current.start, visible.current.end), LIVE_REFRESH_MS);
    const off = api.on('orders.changed', () => live.signal());
    return () => {
      off();
      live.dispose();
    };
  }, [api, refresh]);

  // Status names from RetailCRM when available, plus every status seen in the list (RetailCRM not set up).
  const [seen, setSeen] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const found = new Set<string>();
    for (const page of list.pages.values()) for (const o of page) if (o.crmStatus) found.add(o.crmStatus);
    setSeen((prev) => {
      if ([...found].every((s) => prev.has(s))) return prev;
      return new Set([...prev, ...found]);
    });
  }, [list.pages]);
  const names = useMemo(() => new Map(refs?.statuses.map((s) => [s.code, s.name]) ?? []), [refs]);
  const statusName = useCallback((code: string) => names.get(code) ?? code, [names]);
  const statusOptions = useMemo(() => {
    const codes = new Set([...(refs?.statuses.filter((s) => s.active).map((s) => s.code) ?? []), ...seen]);
    if (filters.crmStatus) codes.add(filters.crmStatus);
    return [...codes].map((code) => ({ code, name: statusName(code) })).sort((a, b) => a.name.localeCompare(b.name, 'ru'));
  }, [refs, seen, filters.crmStatus, statusName]);

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const filtered = JSON.stringify(filters) !== JSON.stringify(noFilters);
  // «Требуют внимания» alone and nothing there is good news, not a search that missed.
  const calm = filtered && JSON.stringify({ ...filters, attention: false }) === JSON.stringify(noFilters);
  const onOpen = useCallback((o: OrderSummary) => setOpenId(o.id), []);
  const onPrint = (id: number) => {
    print.setIds([id]);
    setOpenId(null);
    navigate('print');
  };

  const total = list.total;
  const waiting = list.stale || filters.search.trim() !== search;

  return (
    <div className="orders" data-testid="orders-screen">
      <div className="orders__title">
        <h1 className="page-title">{ru.orders.title}</h1>
        <p className="section__caption">{ru.orders.caption}</p>
      </div>

      <form className="orders-filters card" role="search" aria-label={ru.orders.filters} onSubmit={(e) => e.preventDefault()}>
        <div className="orders-field orders-field--search">
          <label htmlFor={`${ids}-search`}>{ru.orders.search}</label>
          <input
            id={`${ids}-search`}
            type="search"
            className="orders-input"
            placeholder={ru.orders.searchPlaceholder}
            value={filters.search}
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
            data-testid="orders-search"
            onChange={(e) => set('search', e.target.value)}
          />
        </div>
        <label className={`orders-toggle${filters.attention ? ' orders-toggle--on' : ''}`}>
          <input type="checkbox" checked={filters.attention} data-testid="orders-attention" onChange={(e) => set('attention', e.target.checked)} />
          <span className="orders-attention" aria-hidden="true" />
          {ru.orders.attention}
        </label>
        <span className="orders-filters__break" aria-hidden="true" />
        <div className="orders-field">
          <label htmlFor={`${ids}-system`}>{ru.orders.system}</label>
          <select
            id={`${ids}-system`}
            className="orders-input"
            value={filters.system}
            data-testid="orders-system"
            onChange={(e) => set('system', e.target.value as SystemId | '')}
          >
            <option value="">{ru.orders.allSystems}</option>
            {orderSystems.map((s) => (
              <option key={s} value={s}>
                {systemTitles[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="orders-field">
          <label htmlFor={`${ids}-status`}>{ru.orders.crmStatus}</label>
          <select
            id={`${ids}-status`}
            className="orders-input"
            value={filters.crmStatus}
            data-testid="orders-status"
            onChange={(e) => set('crmStatus', e.target.value)}
          >
            <option value="">{ru.orders.allStatuses}</option>
            {statusOptions.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="orders-field orders-field--dates">
          <label htmlFor={`${ids}-from`}>{ru.orders.from}</label>
          <div className="orders-dates">
            <DateInput id={`${ids}-from`} className="orders-input orders-input--date" value={filters.from} testId="orders-from" onChange={(v) => set('from', v)} />
            <label htmlFor={`${ids}-to`} className="orders-dates__to">
              {ru.orders.to}
            </label>
            <DateInput id={`${ids}-to`} className="orders-input orders-input--date" value={filters.to} testId="orders-to" onChange={(v) => set('to', v)} />
          </div>
        </div>
        <button
          type="button"
          className="btn btn--small btn--ghost orders-reset"
          aria-label={ru.orders.resetAria}
          disabled={!filtered}
          data-testid="orders-reset"
          onClick={() => setFilters(noFilters)}
        >
          {ru.orders.reset}
        </button>
      </form>

      <div className="orders-summary">
        {total !== null && (
          <span data-testid="orders-total" data-total={list.stale ? undefined : total} aria-live="polite">
            {filtered ? ru.orders.found(formatNumber(total)) : ru.orders.total(formatNumber(total))}
          </span>
        )}
        {waiting && total !== null && (
          <span className="orders-summary__updating" role="status">
            <span className="spinner spinner--small" aria-hidden="true" />
            {ru.orders.updating}
          </span>
        )}
      </div>

      {list.failure && total === null ? (
        <LoadFailed failure={list.failure} onRetry={list.retry} />
      ) : total === null ? (
        <Loading />
      ) : (
        <>
          {list.failure && <LoadFailed failure={list.failure} onRetry={list.retry} />}
          {total === 0 && !list.stale ? (
            <div className="orders-empty card" data-testid="orders-empty">
              <span className={`orders-empty__mark${calm ? ' orders-empty__mark--calm' : filtered ? ' orders-empty__mark--search' : ''}`} aria-hidden="true" />
              <p className="empty__title">{calm ? ru.orders.noAttention : filtered ? ru.orders.nothingFound : ru.orders.empty}</p>
              <p className="empty__hint">{calm ? ru.orders.noAttentionHint : filtered ? ru.orders.nothingFoundHint : ru.orders.emptyHint}</p>
              {filtered && !calm && (
                <button type="button" className="btn btn--small" onClick={() => setFilters(noFilters)}>
                  {ru.orders.resetAria}
                </button>
              )}
            </div>
          ) : (
            <OrderList
              total={total}
              row={list.row}
              ensure={list.ensure}
              visible={visible}
              queryKey={queryKey}
              busy={waiting}
              statusName={statusName}
              onOpen={onOpen}
            />
          )}
        </>
      )}

      {openId !== null && (
        <OrderCard id={openId} crmUrl={crmUrl} statusName={statusName} onClose={() => setOpenId(null)} onPrint={onPrint} />
      )}
    </div>
  );
}
