import type { ErrorEntry } from '../../src-shared/api';
import { errorKindTitles } from '../../src-shared/errors';
import { systemTitles } from '../../src-shared/systems';
import { ru } from '../i18n/ru';
import { RelativeTime } from './RelativeTime';

/** One entry of the error log: what happened, where, and what the merchant can do about it. */
export function ErrorRow(props: {
  entry: ErrorEntry;
  ackBusy: boolean;
  retryBusy: boolean;
  onAcknowledge: () => void;
  onRetry: () => void;
  /** When given, the order number is a link that opens the order (in the queue). */
  onOpenOrder?: (() => void) | undefined;
}) {
  const e = props.entry;
  return (
    <li
      className={`error-row error-row--${e.severity}${e.acknowledged ? ' error-row--read' : ''}`}
      data-testid={`error-${e.id}`}
      data-acknowledged={e.acknowledged}
    >
      <div className="error-row__head">
        <span className="error-row__time">
          <RelativeTime at={e.at} />
        </span>
        <span className={`pill pill--${e.severity}`}>{ru.errors.severity[e.severity]}</span>
        <span className="error-row__system">{systemTitles[e.system]}</span>
        <span className="error-row__kind">{errorKindTitles[e.kind]}</span>
        {e.orderNumber &&
          (props.onOpenOrder && e.orderId !== null ? (
            <button
              type="button"
              className="error-row__order error-row__order--link"
              onClick={props.onOpenOrder}
              aria-label={ru.errorLog.openOrderAria(e.orderNumber)}
              data-testid={`error-order-${e.orderId}`}
            >
              {ru.errorLog.openOrder(e.orderNumber)}
            </button>
          ) : (
            <span className="error-row__order">{ru.errors.order(e.orderNumber)}</span>
          ))}
        {(e.count ?? 1) > 1 && (
          <span className="error-row__repeat" data-testid={`error-count-${e.id}`}>
            {ru.errors.repeated(e.count ?? 1)} <RelativeTime at={e.lastSeenAt ?? e.at} />
          </span>
        )}
        {e.acknowledged && <span className="error-row__read">{ru.errors.read}</span>}
      </div>
      <p className="error-row__message">
        {!e.acknowledged && <span className="unread-dot" aria-hidden="true" />}
        {e.message}
      </p>
      {e.detail && (
        <details className="error-row__details">
          <summary>{ru.errors.details}</summary>
          <pre className="detail">{e.detail}</pre>
        </details>
      )}
      {(e.canRetry || !e.acknowledged) && (
        <div className="error-row__actions">
          {e.canRetry && (
            <button
              type="button"
              className="btn btn--small btn--primary"
              disabled={props.retryBusy}
              aria-busy={props.retryBusy}
              aria-label={ru.errors.retryAria(e.id)}
              onClick={props.onRetry}
            >
              {ru.errors.retry}
            </button>
          )}
          {!e.acknowledged && (
            <button
              type="button"
              className="btn btn--small"
              disabled={props.ackBusy}
              aria-busy={props.ackBusy}
              aria-label={ru.errors.ackAria(e.id)}
              onClick={props.onAcknowledge}
            >
              {ru.errors.ack}
            </button>
          )}
        </div>
      )}
    </li>
  );
}
