import type { EngineStatus } from '../../src-shared/api';
import { formatNumber } from '../i18n/format';
import { ru } from '../i18n/ru';

/** Events that came in from outside and wait for the engine to take them apart. */
export function InboxCard({ inbox }: { inbox: EngineStatus['inbox'] }) {
  return (
    <section className="card side-card" aria-labelledby="inbox-title" data-testid="inbox">
      <h2 id="inbox-title" className="card__label">
        {ru.inbox.title}
      </h2>
      <dl className="facts">
        <div className="facts__row">
          <dt>{ru.inbox.pending}</dt>
          <dd className={inbox.pending > 0 ? 'text-strong' : 'muted'}>{formatNumber(inbox.pending)}</dd>
        </div>
        <div className="facts__row">
          <dt>{ru.inbox.failed}</dt>
          <dd className={inbox.failed > 0 ? 'text-error' : 'muted'}>{formatNumber(inbox.failed)}</dd>
        </div>
      </dl>
    </section>
  );
}

/** Where RetailCRM, LIFE POS, Leeloo and the rest send their events. */
export function WebhooksCard({ webhooks }: { webhooks: EngineStatus['webhooks'] }) {
  return (
    <section className="card side-card" aria-labelledby="webhooks-title" data-testid="webhooks">
      <h2 id="webhooks-title" className="card__label">
        {ru.webhooks.title}
      </h2>
      {webhooks.listening && webhooks.localUrl ? (
        <dl className="facts facts--stacked">
          <div className="facts__row">
            <dt>{ru.webhooks.local}</dt>
            <dd>
              <code className="url">{webhooks.localUrl}</code>
            </dd>
          </div>
          <div className="facts__row">
            <dt>{ru.webhooks.public}</dt>
            <dd>
              {webhooks.publicUrl ? (
                <code className="url">{webhooks.publicUrl}</code>
              ) : (
                <span className="text-warning">{ru.webhooks.publicMissing}</span>
              )}
            </dd>
          </div>
        </dl>
      ) : (
        <p className="text-warning">{webhooks.error ?? ru.webhooks.notListening}</p>
      )}
    </section>
  );
}
