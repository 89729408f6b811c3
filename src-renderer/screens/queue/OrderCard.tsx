import { useCallback, useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import type { MethodOutput, TimelineEntry } from '../../../src-shared/api';
import { saysWhatToDo } from '../../../src-shared/error-words';
import { orderActionsFor } from '../../../src-shared/order-actions';
import { errorKindTitles } from '../../../src-shared/errors';
import { systemTitles } from '../../../src-shared/systems';
import { Alert } from '../../components/Alert';
import { LoadFailed, Loading } from '../../components/States';
import { toFailure, useActions, useApi, useTransientNotice, type Failure } from '../../hooks/useApi';
import { formatDateTime, formatTime } from '../../i18n/format';
import { ru } from '../../i18n/ru';
import { SystemChips } from './OrderRow';

type Loaded = MethodOutput<'orders.get'>;

/** `retailcrm:<id>` → the order's page in the merchant's RetailCRM, when its address is known. */
export function crmOrderUrl(crmUrl: string | null, ref: string): string | null {
  const m = /^retailcrm:(\d+)$/.exec(ref);
  if (!crmUrl || !m) return null;
  return `${crmUrl.replace(/\/+$/, '')}/orders/${m[1]}/edit`;
}

/**
 * The order card, a side sheet over the list (a modal `<dialog>`: focus stays inside, Esc closes it). Summary and
 * actions on top, then the timeline — newest first, because the merchant opens a card to see what happened last.
 */
export function OrderCard(props: {
  id: number;
  crmUrl: string | null;
  statusName: (code: string) => string;
  onClose: () => void;
  onPrint: (id: number) => void;
}) {
  const { id, onClose } = props;
  const api = useApi();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [data, setData] = useState<Loaded | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [confirming, setConfirming] = useState<'cancel' | 'resend' | null>(null);
  const actions = useActions();
  const { notice, show } = useTransientNotice(6000);

  const load = useCallback(async () => {
    try {
      const next = await api.call('orders.get', { id });
      setData(next);
      setFailure(null);
    } catch (err) {
      setFailure(toFailure(err));
    }
  }, [api, id]);

  useEffect(() => {
    setData(null);
    setConfirming(null);
    void load();
    return api.on('orders.changed', ({ ids }) => {
      if (ids.includes(id)) void load();
    });
  }, [api, id, load]);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  // Esc: first the confirmation, then the card.
  const onCancel = (e: SyntheticEvent) => {
    e.preventDefault();
    if (confirming) setConfirming(null);
    else onClose();
  };

  const act = (key: string, call: () => Promise<string>) =>
    void actions.run(key, async () => {
      show(await call());
      await load();
    });

  const order = data?.order ?? null;
  const crmLink = order ? crmOrderUrl(props.crmUrl, order.ref) : null;
  // Only what can work in the order's state is offered; the engine checks the same table.
  const can = order && data ? orderActionsFor({ ...order, waitingJobs: data.waitingJobs }) : null;
  const fromCrm = can?.refresh.ok ?? false;
  const atCourier = can?.cancelCourier.ok ?? false;
  const canResend = can?.resend.ok ?? false;
  const question =
    confirming === 'resend'
      ? { title: ru.orders.card.resendTitle, text: ru.orders.card.resendText, yes: ru.orders.card.resendYes, no: ru.orders.card.resendNo, action: 'resend' as const }
      : { title: ru.orders.card.confirmTitle, text: ru.orders.card.confirmText, yes: ru.orders.card.confirmYes, no: ru.orders.card.confirmNo, action: 'cancelCourier' as const };
  const timeline = data ? [...data.timeline].reverse() : [];

  return (
    <dialog
      ref={dialog}
      className="order-card"
      aria-labelledby={titleId}
      data-testid="order-card"
      onCancel={onCancel}
      onClick={(e) => {
        if (e.target === dialog.current) onClose();
      }}
    >
      <div className="order-card__inner">
        <header className="order-card__head">
          <h2 id={titleId} className="order-card__title">
            {ru.orders.card.title(order?.number ?? '')}
          </h2>
          {order?.attention && <span className="pill pill--error">{ru.orders.needsAttention}</span>}
          <button type="button" className="btn btn--small btn--ghost order-card__close" onClick={onClose} data-testid="order-card-close" autoFocus>
            {ru.orders.card.close}
          </button>
        </header>

        {!data ? (
          failure ? (
            <LoadFailed failure={failure} onRetry={() => void load()} />
          ) : (
            <Loading label={ru.orders.card.loading} />
          )
        ) : (
          <>
            <dl className="facts order-card__facts">
              <Fact label={ru.orders.card.customer} value={data.order.customer ?? ru.orders.noCustomer} />
              <Fact label={ru.orders.card.phone} value={data.order.phone ?? ru.orders.none} />
              <Fact label={ru.orders.card.crmStatus} value={data.order.crmStatus ? props.statusName(data.order.crmStatus) : ru.orders.none} />
              <Fact label={ru.orders.card.createdAt} value={formatDateTime(data.order.createdAt)} />
              <Fact label={ru.orders.card.updatedAt} value={formatDateTime(data.order.updatedAt)} />
              <Fact label={ru.orders.card.source} value={sourceTitle(data.order.ref)} />
            </dl>

            <section className="order-card__section" aria-label={ru.orders.card.systems}>
              <h3 className="order-card__subtitle">{ru.orders.card.systems}</h3>
              {Object.keys(data.order.systems).length ? <SystemChips order={data.order} large /> : <p className="muted">{ru.orders.card.noSystems}</p>}
            </section>

            {data.order.attention && (
              <p className="order-card__flag muted" data-testid="order-flag-hint">
                {can?.retry.ok ? ru.orders.card.flagRetry : ru.orders.card.flagDismiss}
              </p>
            )}
            <div className="order-card__actions" role="group" aria-label={ru.orders.card.actions}>
              {can?.retry.ok && (
                <button
                  type="button"
                  className="btn btn--small btn--primary"
                  data-testid="order-retry"
                  disabled={actions.isBusy('retry')}
                  aria-busy={actions.isBusy('retry')}
                  onClick={() => act('retry', async () => ru.orders.card.retried((await api.call('orders.retry', { id })).retried))}
                >
                  {ru.orders.card.retry}
                </button>
              )}
              {can?.dismiss.ok && (
                <button
                  type="button"
                  className="btn btn--small"
                  data-testid="order-dismiss"
                  title={ru.orders.card.dismissHint}
                  disabled={actions.isBusy('dismiss')}
                  aria-busy={actions.isBusy('dismiss')}
                  onClick={() => act('dismiss', async () => (await api.call('orders.action', { id, action: 'dismiss' })).message)}
                >
                  {ru.orders.card.dismiss}
                </button>
              )}
              {fromCrm && (
                <button
                  type="button"
                  className="btn btn--small"
                  data-testid="order-refresh"
                  disabled={actions.isBusy('refresh')}
                  aria-busy={actions.isBusy('refresh')}
                  onClick={() => act('refresh', async () => (await api.call('orders.action', { id, action: 'refresh' })).message)}
                >
                  {ru.orders.card.refresh}
                </button>
              )}
              <button type="button" className="btn btn--small" data-testid="order-print" onClick={() => props.onPrint(id)}>
                {ru.orders.card.print}
              </button>
              {crmLink && (
                <a className="btn btn--small" href={crmLink} target="_blank" rel="noopener noreferrer" data-testid="order-open-crm">
                  {ru.orders.card.openCrm}
                </a>
              )}
              {canResend && (
                <button
                  type="button"
                  className="btn btn--small"
                  data-testid="order-resend"
                  disabled={actions.isBusy('resend') || confirming !== null}
                  aria-busy={actions.isBusy('resend')}
                  onClick={() => setConfirming('resend')}
                >
                  {ru.orders.card.resend}
                </button>
              )}
              {atCourier && (
                <button
                  type="button"
                  className="btn btn--small order-card__danger"
                  data-testid="order-cancel-courier"
                  disabled={actions.isBusy('cancel') || confirming !== null}
                  onClick={() => setConfirming('cancel')}
                >
                  {ru.orders.card.cancelCourier}
                </button>
              )}
            </div>

            {confirming && (
              <div
                className={`order-card__confirm${confirming === 'resend' ? ' order-card__confirm--calm' : ''}`}
                role="alertdialog"
                aria-labelledby={`${titleId}-confirm`}
                aria-describedby={`${titleId}-confirm-text`}
                data-testid={confirming === 'resend' ? 'order-resend-confirm' : 'order-cancel-confirm'}
              >
                <strong id={`${titleId}-confirm`}>{question.title}</strong>
                <p id={`${titleId}-confirm-text`}>{question.text}</p>
                <div className="order-card__confirm-actions">
                  <button
                    type="button"
                    className={`btn btn--small ${confirming === 'resend' ? 'btn--primary' : 'order-card__danger-solid'}`}
                    autoFocus
                    onClick={() => {
                      const { action } = question;
                      setConfirming(null);
                      act(action === 'resend' ? 'resend' : 'cancel', async () => (await api.call('orders.action', { id, action })).message);
                    }}
                  >
                    {question.yes}
                  </button>
                  <button type="button" className="btn btn--small" onClick={() => setConfirming(null)}>
                    {question.no}
                  </button>
                </div>
              </div>
            )}

            {notice && (
              <p className="order-card__notice" role="status" data-testid="order-notice">
                {notice}
              </p>
            )}
            {actions.failure && (
              <Alert tone="error" onDismiss={actions.clearFailure} testId="order-action-failed">
                {actions.failure.message}
              </Alert>
            )}

            <section className="order-card__section order-card__timeline-section">
              <div className="order-card__timeline-head">
                <h3 className="order-card__subtitle">{ru.orders.card.timeline}</h3>
                <span className="muted">{ru.orders.card.timelineOrder}</span>
              </div>
              {timeline.length === 0 ? (
                <p className="muted" data-testid="timeline-empty">
                  {ru.orders.card.timelineEmpty}
                </p>
              ) : (
                <ol className="timeline" data-testid="timeline">
                  {timeline.map((t) => (
                    <TimelineItem key={t.id} entry={t} />
                  ))}
                </ol>
              )}
            </section>
          </>
        )}
      </div>
    </dialog>
  );
}

/** `retailcrm:47` → «RetailCRM»: where the order came from, not our internal reference. */
function sourceTitle(ref: string): string {
  const system = ref.split(':')[0] ?? '';
  return (systemTitles as Record<string, string>)[system] ?? ru.orders.card.sourceUnknown;
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function TimelineItem({ entry: t }: { entry: TimelineEntry }) {
  return (
    <li className={`timeline__item timeline__item--${t.outcome}`} data-testid={`timeline-${t.id}`}>
      <span className="timeline__dot" aria-hidden="true" />
      <div className="timeline__head">
        <span className="timeline__action" data-testid="timeline-title">
          {t.summary ?? t.action}
        </span>
        <span className={`timeline__outcome timeline__outcome--${t.outcome}`}>{ru.orders.card.outcome[t.outcome]}</span>
      </div>
      <div className="timeline__meta">
        <time dateTime={new Date(t.at).toISOString()} title={formatTime(t.at)}>
          {formatDateTime(t.at)}
        </time>
        <span>{systemTitles[t.system]}</span>
        {t.summary && <span>{t.action}</span>}
        {t.durationMs !== null && <span>{ru.orders.card.durationMs(t.durationMs)}</span>}
        {t.attempt !== null && t.attempt > 1 && <span>{ru.orders.card.attempt(t.attempt)}</span>}
      </div>
      {t.outcome === 'error' && (t.errorMessage || t.errorKind) && (
        <div className="timeline__error">
          {t.errorKind && <strong>{errorKindTitles[t.errorKind]}: </strong>}
          {t.errorMessage}
          {t.errorKind && !t.resolved && !saysWhatToDo(t.errorMessage) && (
            <p className="timeline__fix">
              <span className="timeline__fix-label">{ru.orders.card.fixTitle}: </span>
              {ru.orders.card.fix[t.errorKind]}
            </p>
          )}
        </div>
      )}
      {(t.sent || t.received) && (
        <div className="timeline__payloads">
          {t.sent && <Payload label={ru.orders.card.sent} text={t.sent} />}
          {t.received && <Payload label={ru.orders.card.received} text={t.received} />}
        </div>
      )}
    </li>
  );
}

function Payload({ label, text }: { label: string; text: string }) {
  return (
    <details className="timeline__payload">
      <summary>
        {label}
      </summary>
      <pre className="detail">{text}</pre>
    </details>
  );
}
