import { useActions, useApi, useTransientNotice } from '../hooks/useApi';
import { useErrorLog } from '../hooks/useErrorLog';
import { navigate } from '../hooks/useNavigation';
import { openOrder } from '../hooks/useOpenOrder';
import { ru } from '../i18n/ru';
import { Alert } from './Alert';
import { ErrorRow } from './ErrorRow';
import { Empty, LoadFailed, Loading } from './States';

/** How many of the newest entries the dashboard shows; the whole log is its own screen. */
const RECENT = 5;

function openInQueue(orderId: number): void {
  openOrder.open(orderId);
  navigate('queue');
}

/** The dashboard's short panel: the newest entries of the error log, live, with «Прочитано» and «Повторить». */
export function ErrorLogPanel({ connected, engineUnread }: { connected: boolean; engineUnread: number | undefined }) {
  const api = useApi();
  const log = useErrorLog(api, { connected, engineUnread });
  const { run, isBusy, failure, clearFailure } = useActions();
  const { notice, show } = useTransientNotice();

  const acknowledge = (id: number) => run(`ack:${id}`, () => log.acknowledge({ ids: [id] }));
  const acknowledgeAll = () => run('ack:all', () => log.acknowledge({ all: true }));
  const retry = (id: number) =>
    run(`retry:${id}`, async () => {
      show((await log.retry(id)) ? ru.errors.retried : ru.errors.notRetried);
    });

  return (
    <section className="card error-log" aria-labelledby="errors-title" data-testid="error-log">
      <div className="error-log__head">
        <h2 id="errors-title" className="section__title">
          {ru.errorLog.recentTitle}
        </h2>
        {log.unread > 0 && (
          <>
            <span className="count-badge" data-testid="errors-unread" title={ru.errors.unread(log.unread)} aria-hidden="true">
              {ru.errors.unreadShort(log.unread)}
            </span>
            <span className="visually-hidden">{ru.errors.unread(log.unread)}</span>
          </>
        )}
        <span className="error-log__notice" role="status">
          {notice}
        </span>
        <button
          type="button"
          className="btn btn--small error-log__ack-all"
          disabled={log.unread === 0 || isBusy('ack:all')}
          aria-busy={isBusy('ack:all')}
          onClick={() => void acknowledgeAll()}
        >
          {ru.errors.ackAll}
        </button>
        <button type="button" className="btn btn--small btn--ghost error-log__open" onClick={() => navigate('errors')} data-testid="error-log-open">
          {ru.errorLog.openAll}
        </button>
      </div>
      {failure && (
        <Alert tone="error" onDismiss={clearFailure}>
          {failure.message}
        </Alert>
      )}
      {log.loading ? (
        <Loading />
      ) : log.failure && log.items.length === 0 ? (
        <LoadFailed failure={log.failure} onRetry={() => void log.reload()} />
      ) : log.items.length === 0 ? (
        <Empty title={ru.errors.empty}>{ru.errors.emptyHint}</Empty>
      ) : (
        <>
          {log.failure && <LoadFailed failure={log.failure} onRetry={() => void log.reload()} />}
          <ol className="error-list">
            {log.items.slice(0, RECENT).map((entry) => (
              <ErrorRow
                key={entry.id}
                entry={entry}
                ackBusy={isBusy(`ack:${entry.id}`) || isBusy('ack:all')}
                retryBusy={isBusy(`retry:${entry.id}`)}
                onAcknowledge={() => void acknowledge(entry.id)}
                onRetry={() => void retry(entry.id)}
                onOpenOrder={entry.orderId !== null ? () => openInQueue(entry.orderId!) : undefined}
              />
            ))}
          </ol>
          {log.items.length > RECENT && (
            <p className="error-log__more">
              <button type="button" className="btn btn--small btn--ghost" onClick={() => navigate('errors')}>
                {ru.errorLog.moreInLog}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
