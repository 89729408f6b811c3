import { memo } from 'react';
import type { OrderSummary } from '../../../src-shared/api';
import { systems, systemTitles, type SystemId } from '../../../src-shared/systems';
import { formatDateTime } from '../../i18n/format';
import { ru } from '../../i18n/ru';

/**
 * Chips with a problem first (a narrow row must still show it), then in the order systems are listed everywhere
 * else (RetailCRM, courier, POS, cash register…).
 */
export function orderedChips(order: OrderSummary) {
  const rank = (s: string) => {
    const i = systems.indexOf(s as SystemId);
    return i === -1 ? systems.length : i;
  };
  return Object.entries(order.systems)
    .sort(([a, x], [b, y]) => Number(y.attention) - Number(x.attention) || rank(a) - rank(b))
    .map(([system, chip]) => ({ system, title: systemTitles[system as SystemId] ?? system, ...chip }));
}

export function SystemChips({ order, large = false }: { order: OrderSummary; large?: boolean }) {
  return (
    <span className={`orders-chips${large ? ' orders-chips--large' : ''}`}>
      {orderedChips(order).map((c) => (
        <span
          key={c.system}
          className={`orders-chip${c.attention ? ' orders-chip--attention' : ''}`}
          title={`${c.title}: ${c.label}`}
          data-testid={`chip-${c.system}`}
        >
          <span className="orders-chip__system">{c.title}</span>
          <span className="orders-chip__label">{c.label}</span>
        </span>
      ))}
    </span>
  );
}

/** One order in the list; the whole row is the button that opens its card. */
export const OrderRow = memo(function OrderRow(props: {
  order: OrderSummary;
  statusName: (code: string) => string;
  onOpen: (order: OrderSummary) => void;
}) {
  const o = props.order;
  return (
    <button
      type="button"
      className={`orders-row orders-grid${o.attention ? ' orders-row--attention' : ''}`}
      data-testid={`order-${o.id}`}
      data-attention={o.attention}
      onClick={() => props.onOpen(o)}
    >
      <span className="orders-row__mark">
        {o.attention && (
          <span className="orders-attention" title={ru.orders.needsAttention}>
            <span className="visually-hidden">{ru.orders.needsAttention}</span>
          </span>
        )}
      </span>
      <span className="orders-row__number">{o.number}</span>
      <span className={`orders-row__customer${o.customer ? '' : ' muted'}`}>{o.customer ?? ru.orders.noCustomer}</span>
      <span className="orders-row__phone">{o.phone ?? ru.orders.none}</span>
      <span className="orders-row__date">{formatDateTime(o.createdAt)}</span>
      <span className="orders-row__status">{o.crmStatus ? props.statusName(o.crmStatus) : ru.orders.none}</span>
      {Object.keys(o.systems).length ? <SystemChips order={o} /> : <span className="muted">{ru.orders.none}</span>}
    </button>
  );
});

/** A row whose page is on its way. */
export function RowPlaceholder() {
  return (
    <div className="orders-row orders-row--placeholder orders-grid" aria-label={ru.orders.rowLoading}>
      <span />
      <span className="orders-skeleton" />
      <span className="orders-skeleton orders-skeleton--wide" />
      <span className="orders-skeleton" />
      <span className="orders-skeleton" />
      <span className="orders-skeleton" />
      <span />
    </div>
  );
}
