import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';
import type { OrderSummary } from '../../../src-shared/api';
import { ru } from '../../i18n/ru';
import { OrderRow, RowPlaceholder } from './OrderRow';

export const ROW_HEIGHT = 48;

/** The rows on screen, for live updates to re-read just those. */
export interface VisibleRange {
  start: number;
  end: number;
}

/**
 * The virtualised list: only the rows in view (plus a margin) exist in the page, so ten thousand orders scroll as
 * smoothly as ten. Rows not yet fetched show a placeholder and ask for their page. Arrow keys, Page Up / Down,
 * Home and End move between rows.
 */
export function OrderList(props: {
  total: number;
  row: (index: number) => OrderSummary | undefined;
  ensure: (start: number, end: number) => void;
  visible: RefObject<VisibleRange>;
  /** Changes with the query: the list goes back to the top. */
  queryKey: string;
  busy: boolean;
  statusName: (code: string) => string;
  onOpen: (order: OrderSummary) => void;
}) {
  const { total, row, ensure, visible, queryKey } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;

  useEffect(() => {
    visible.current = { start: first, end: last };
    if (total > 0) ensure(first, last);
  }, [first, last, total, ensure, visible]);

  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [queryKey]);

  const focusRow = (index: number) => {
    const target = Math.max(0, Math.min(total - 1, index));
    const find = () => scrollRef.current?.querySelector<HTMLButtonElement>(`[data-index="${target}"] button`);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    // A row already in the page takes focus at once (the next key may follow immediately); a far one once it is
    // rendered, or once its page has arrived.
    const near = find();
    if (near) return near.focus();
    let tries = 0;
    const attempt = () => {
      const el = find();
      if (el) el.focus();
      else if (tries++ < 60) requestAnimationFrame(attempt);
    };
    requestAnimationFrame(attempt);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const holder = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (!holder) return;
    const index = Number(holder.dataset.index);
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const to: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: total - 1,
    };
    if (!(e.key in to)) return;
    e.preventDefault();
    focusRow(to[e.key]!);
  };

  return (
    <div className="orders-list" data-testid="orders-list" aria-busy={props.busy}>
      <div className="orders-head orders-grid" aria-hidden="true">
        <span />
        <span>{ru.orders.col.number}</span>
        <span>{ru.orders.col.customer}</span>
        <span>{ru.orders.col.phone}</span>
        <span>{ru.orders.col.date}</span>
        <span>{ru.orders.col.crmStatus}</span>
        <span>{ru.orders.col.systems}</span>
      </div>
      <div className="orders-scroll" ref={scrollRef} data-testid="orders-scroll" onKeyDown={onKeyDown}>
        <div role="list" aria-label={ru.orders.listLabel} className="orders-canvas" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const order = row(item.index);
            return (
              <div
                key={item.key}
                role="listitem"
                aria-posinset={item.index + 1}
                aria-setsize={total}
                data-index={item.index}
                className="orders-slot"
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                {order ? <OrderRow order={order} statusName={props.statusName} onOpen={props.onOpen} /> : <RowPlaceholder />}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
