import type { EngineStatus } from '../../src-shared/api';
import { systemTitles } from '../../src-shared/systems';
import { ru } from '../i18n/ru';
import { RelativeTime } from './RelativeTime';

/** Each external system: set up or not, when it last synced, and what is wrong with it now. */
export function SystemsCard({ systems }: { systems: EngineStatus['systems'] }) {
  return (
    <section className="card side-card" aria-labelledby="systems-title" data-testid="systems">
      <h2 id="systems-title" className="card__label">
        {ru.systems.title}
      </h2>
      <ul className="systems">
        {systems.map((s) => {
          const state = !s.configured ? 'off' : s.lastError ? 'error' : s.lastOkAt ? 'ok' : 'waiting';
          const label = { off: ru.systems.notConfigured, error: ru.systems.failing, ok: ru.systems.ok, waiting: ru.systems.waiting }[state];
          return (
            <li key={s.id} className={`systems__item systems__item--${state}`} data-testid={`system-${s.id}`}>
              <span className="systems__dot" aria-hidden="true" />
              <span className="systems__name">{systemTitles[s.id]}</span>
              <span className="systems__state">{label}</span>
              {s.configured && s.lastOkAt !== null && (
                <span className="systems__when muted">
                  {ru.systems.lastSync}: <RelativeTime at={s.lastOkAt} />
                </span>
              )}
              {s.configured && s.lastError && <span className="systems__error">{s.lastError}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
