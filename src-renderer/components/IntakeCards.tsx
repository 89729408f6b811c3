import type { EngineStatus } from '../../src-shared/api';
import { navigate } from '../hooks/useNavigation';
import { formatNumber } from '../i18n/format';
import { ru } from '../i18n/ru';
import { Copyable } from '../screens/setup/TriggersStep';
import { RelativeTime } from './RelativeTime';

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

/** How the webhook server is reached from the internet: the way, whether it is up, the address to copy. */
export function TunnelCard({ tunnel }: { tunnel: EngineStatus['tunnel'] }) {
  const c = ru.tunnel.card;
  return (
    <section className={`card side-card tunnel-card tunnel-card--${tunnel.provider === 'none' ? 'none' : tunnel.state}`} aria-labelledby="tunnel-title" data-testid="tunnel-card" data-state={tunnel.state} data-provider={tunnel.provider}>
      <h2 id="tunnel-title" className="card__label">
        {c.title}
      </h2>
      {tunnel.provider === 'none' ? (
        <>
          <p className="tunnel-card__none">{c.noneText}</p>
          <button type="button" className="btn btn--small" onClick={() => navigate('setup')} data-testid="tunnel-setup">
            {c.setUp}
          </button>
        </>
      ) : (
        <>
          <div className="tunnel-card__state">
            <span className="tunnel-card__dot" aria-hidden="true" />
            <span className="tunnel-card__name">{ru.tunnel.providerNames[tunnel.provider]}</span>
            <span className="tunnel-card__label" data-testid="tunnel-card-state">
              {c.states[tunnel.state]}
            </span>
          </div>
          {tunnel.state === 'down' && tunnel.error && (
            <p className="tunnel-card__error" role="alert" data-testid="tunnel-card-error">
              {tunnel.error}
            </p>
          )}
          <dl className="facts facts--stacked">
            {tunnel.url && (
              <div className="facts__row">
                <dt>{c.address}</dt>
                <dd>
                  <Copyable value={tunnel.url} what={c.copyWhat} testId="tunnel-card-url" block />
                </dd>
              </div>
            )}
            <div className="facts__row">
              <dt>{c.since}</dt>
              <dd>
                <RelativeTime at={tunnel.since} />
              </dd>
            </div>
          </dl>
        </>
      )}
    </section>
  );
}
