import type { EngineStatus, PollerStatus } from '../../src-shared/api';
import { systemTitles } from '../../src-shared/systems';
import { useActions, useApi } from '../hooks/useApi';
import { formatInterval } from '../i18n/format';
import { ru } from '../i18n/ru';
import { Alert } from './Alert';
import { RelativeTime } from './RelativeTime';

/** What the engine checks by itself on a schedule, with a button to run each one now. */
export function PollersTable({ pollers, onStatus }: { pollers: PollerStatus[]; onStatus: (s: EngineStatus) => void }) {
  const api = useApi();
  const { run, isBusy, failure, clearFailure } = useActions();
  const sync = (id: string) => run(`poller:${id}`, async () => onStatus(await api.call('engine.syncNow', { pollerId: id })));

  return (
    <section className="section card" aria-labelledby="pollers-title">
      <div className="section__head">
        <h2 id="pollers-title" className="section__title">
          {ru.pollers.title}
        </h2>
        <p className="section__caption">{ru.pollers.caption}</p>
      </div>
      {failure && (
        <Alert tone="error" onDismiss={clearFailure}>
          {failure.message}
        </Alert>
      )}
      {pollers.length === 0 ? (
        <p className="muted">{ru.pollers.empty}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="pollers">
            <thead>
              <tr>
                <th scope="col">{ru.pollers.colTitle}</th>
                <th scope="col">{ru.pollers.colInterval}</th>
                <th scope="col">{ru.pollers.colLastRun}</th>
                <th scope="col">{ru.pollers.colLastOk}</th>
                <th scope="col">{ru.pollers.colLastError}</th>
                <th scope="col" className="table__actions">
                  <span className="visually-hidden">{ru.pollers.colActions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pollers.map((p) => (
                <PollerRow key={p.id} poller={p} busy={isBusy(`poller:${p.id}`)} onSync={() => void sync(p.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PollerRow({ poller: p, busy, onSync }: { poller: PollerStatus; busy: boolean; onSync: () => void }) {
  const failing = p.lastError !== null && (p.lastOkAt === null || (p.lastRunAt ?? 0) > p.lastOkAt);
  return (
    <tr data-testid={`poller-${p.id}`} data-running={p.running} data-active={p.active} className={failing ? 'row--failing' : !p.active ? 'row--inactive' : undefined}>
      <th scope="row">
        <span className="poller__title">{p.title}</span>
        <span className="poller__system">{systemTitles[p.system]}</span>
      </th>
      <td>{formatInterval(p.intervalMs)}</td>
      <td>
        {!p.active && !p.running ? (
          <span className="muted" title={ru.pollers.inactiveHint} data-testid="poller-inactive">
            {ru.pollers.inactive}
          </span>
        ) : p.running ? (
          <span className="running" role="status">
            <span className="spinner spinner--small" aria-hidden="true" />
            {ru.pollers.running}
          </span>
        ) : p.lastRunAt !== null ? (
          <RelativeTime at={p.lastRunAt} />
        ) : (
          <span className="muted">{ru.pollers.never}</span>
        )}
        {p.progress && (
          <span className="poller__progress" data-testid="poller-progress">
            {p.progress}
          </span>
        )}
        {p.active && !p.running && p.nextRunAt !== null && (
          <span className="poller__next">
            {ru.pollers.nextRunPrefix} <RelativeTime at={p.nextRunAt} />
          </span>
        )}
      </td>
      <td>{p.lastOkAt !== null ? <RelativeTime at={p.lastOkAt} /> : <span className="muted">{ru.pollers.never}</span>}</td>
      <td>
        {p.lastError !== null ? (
          <span className={failing ? 'text-error' : 'muted'} title={p.lastError}>
            {p.lastError}
          </span>
        ) : (
          <span className="muted">{ru.pollers.noError}</span>
        )}
      </td>
      <td className="table__actions">
        <button
          type="button"
          className="btn btn--small"
          disabled={p.running || busy || !p.active}
          title={p.active ? undefined : ru.pollers.inactiveHint}
          aria-busy={p.running || busy}
          aria-label={ru.pollers.syncAria(p.title)}
          onClick={onSync}
        >
          {ru.pollers.sync}
        </button>
      </td>
    </tr>
  );
}
