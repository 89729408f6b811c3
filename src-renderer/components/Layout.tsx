import type { ReactNode } from 'react';
import type { EngineStatus } from '../../src-shared/api';
import { ru } from '../i18n/ru';
import { useHealth } from '../hooks/useHealth';
import { EngineBadge } from './EngineBadge';

interface NavItem<Id extends string> {
  id: Id;
  title: string;
  badge?: (status: EngineStatus) => number;
}

/** The frame around every screen: the menu on the left, the header with the engine's state on top. */
export function Layout<Id extends string>(props: {
  nav: ReadonlyArray<NavItem<Id>>;
  current: Id;
  onNavigate: (id: Id) => void;
  status: EngineStatus | null;
  connected: boolean;
  children: ReactNode;
}) {
  const health = useHealth(props.status, props.connected);
  return (
    <div className="shell">
      <header className="header">
        <div className="brand">
          <span className="brand__mark" aria-hidden="true" />
          <span className="brand__name">{ru.app.name}</span>
          <span className="brand__tagline">{ru.app.tagline}</span>
        </div>
        {(props.status || !props.connected) && <EngineBadge health={health} />}
      </header>
      <nav className="sidebar" aria-label={ru.nav.label}>
        <ul>
          {props.nav.map((item) => {
            const count = item.badge && props.status ? item.badge(props.status) : 0;
            return (
              <li key={item.id}>
                <button
                  type="button"
                  className="sidebar__item"
                  aria-current={item.id === props.current ? 'page' : undefined}
                  onClick={() => props.onNavigate(item.id)}
                  data-testid={`nav-${item.id}`}
                >
                  {item.title}
                  {count > 0 && (
                    <span className="sidebar__badge" data-testid={`nav-badge-${item.id}`}>
                      {count > 99 ? '99+' : count}
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <main className="content" id="content">
        {!props.connected && (
          <div className="banner" role="alert" data-testid="connection-lost">
            {ru.connection.lost}
          </div>
        )}
        {props.children}
      </main>
    </div>
  );
}
