import type { EngineStatus } from '../../src-shared/api';
import { useActions, useApi, useTransientNotice } from '../hooks/useApi';
import { useHealth } from '../hooks/useHealth';
import { navigate } from '../hooks/useNavigation';
import { ru } from '../i18n/ru';
import { Alert } from './Alert';
import { EngineBadge } from './EngineBadge';
import { RelativeTime } from './RelativeTime';

/** Is Prilavok working, and the two things the merchant may want to do about it. */
export function EngineCard({ status, onStatus, connected = true }: { status: EngineStatus; onStatus: (s: EngineStatus) => void; connected?: boolean }) {
  const api = useApi();
  const health = useHealth(status, connected);
  const extra = health.reasons.length > 1 ? health.reasons : [];
  const { run, isBusy, failure, clearFailure } = useActions();
  const { notice, show } = useTransientNotice();

  const togglePause = () =>
    run('pause', async () => onStatus(await api.call(status.paused ? 'engine.resume' : 'engine.pause', {})));
  const syncNow = () =>
    run('sync', async () => {
      onStatus(await api.call('engine.syncNow', {}));
      show(ru.engine.syncStarted);
    });

  return (
    <section className={`card engine engine--${health.state === 'paused' ? 'paused' : health.tone === 'ok' ? 'running' : health.tone}`} aria-labelledby="engine-title">
      <div className="engine__main">
        <h2 id="engine-title" className="card__label">
          {ru.engine.stateLabel}
        </h2>
        <div
          className="engine__state"
          data-testid="engine-state"
          data-state={health.state}
          role="status"
          aria-live="polite"
        >
          <EngineBadge health={health} large />
          <span className="engine__hint" data-testid="engine-hint">
            {health.hint}
          </span>
          {extra.length > 0 && (
            <ul className="engine__reasons" data-testid="engine-reasons">
              {extra.map((r) => (
                <li key={r.text} className={`engine__reason engine__reason--${r.tone}`}>
                  {r.text}
                </li>
              ))}
            </ul>
          )}
          {health.go && (
            <button type="button" className={`btn${health.state === 'firstRun' ? ' btn--primary' : ''}`} data-testid="engine-go" onClick={() => navigate(health.go!)}>
              {ru.engine.go[health.go]}
            </button>
          )}
        </div>
        <p className="engine__meta">
          <span>{ru.engine.version(status.version)}</span>
          <span aria-hidden="true" className="dot-sep" />
          <span>
            {ru.engine.startedAt} <RelativeTime at={status.startedAt} />
          </span>
        </p>
      </div>
      <div className="engine__actions">
        <button
          type="button"
          className="btn"
          data-testid="pause-toggle"
          disabled={isBusy('pause')}
          aria-busy={isBusy('pause')}
          onClick={() => void togglePause()}
        >
          <span className={`icon ${status.paused ? 'icon--play' : 'icon--pause'}`} aria-hidden="true" />
          {status.paused ? ru.engine.resume : ru.engine.pause}
        </button>
        <button
          type="button"
          className={`btn${health.state === 'firstRun' ? '' : ' btn--primary'}`}
          data-testid="sync-now"
          disabled={isBusy('sync')}
          aria-busy={isBusy('sync')}
          onClick={() => void syncNow()}
        >
          <span className="icon icon--sync" aria-hidden="true" />
          {ru.engine.syncNow}
        </button>
        <span className="engine__notice" role="status">
          {notice}
        </span>
      </div>
      {failure && (
        <div className="engine__failure">
          <Alert tone="error" onDismiss={clearFailure}>
            {failure.message}
          </Alert>
        </div>
      )}
    </section>
  );
}
