import { EngineCard } from '../components/EngineCard';
import { ErrorLogPanel } from '../components/ErrorLogPanel';
import { InboxCard, TunnelCard, WebhooksCard } from '../components/IntakeCards';
import { PollersTable } from '../components/PollersTable';
import { QueueCards } from '../components/QueueCards';
import { SystemsCard } from '../components/SystemsCard';
import { Alert } from '../components/Alert';
import { LoadFailed, Loading } from '../components/States';
import { useEngine } from '../hooks/useEngineStatus';
import { ru } from '../i18n/ru';

/** «Обзор»: is everything working, what is waiting, and what went wrong. */
export function Dashboard() {
  const { status, failure, reload, replace, connected } = useEngine();

  return (
    <div className="dashboard" data-testid="dashboard">
      <h1 className="page-title">{ru.dashboard.title}</h1>
      {status === null ? (
        failure ? (
          <LoadFailed failure={failure} onRetry={() => void reload()} />
        ) : (
          <Loading />
        )
      ) : (
        <>
          {status.secretsWarning && (
            <Alert tone="warning" title={ru.secrets.title} testId="secrets-warning">
              {status.secretsWarning}
            </Alert>
          )}
          <EngineCard status={status} onStatus={replace} connected={connected} />
          <QueueCards queue={status.queue} />
          <div className="dashboard__columns">
            <ErrorLogPanel connected={connected} engineUnread={status.errors.unread} />
            <div className="dashboard__side">
              <SystemsCard systems={status.systems} />
              <InboxCard inbox={status.inbox} />
              <WebhooksCard webhooks={status.webhooks} />
              <TunnelCard tunnel={status.tunnel} />
            </div>
          </div>
          <PollersTable pollers={status.pollers} onStatus={replace} />
        </>
      )}
    </div>
  );
}
