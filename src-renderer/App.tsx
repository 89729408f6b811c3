import { useMemo } from 'react';
import type { PrilavokApi } from '../src-shared/api';
import { Layout } from './components/Layout';
import { ApiContext, useConnection } from './hooks/useApi';
import { EngineContext, useEngineStatus } from './hooks/useEngineStatus';
import { navigate, useCurrentScreen } from './hooks/useNavigation';
import { useShellNavigation } from './hooks/useShellNavigation';
import { screens } from './navigation';
import { NoAccess } from './screens/NoAccess';
import { useSetupOnFirstRun } from './screens/setup/firstRun';

export function App({ api }: { api: PrilavokApi | null }) {
  if (!api) return <NoAccess />;
  return <ConnectedApp api={api} />;
}

function ConnectedApp({ api }: { api: PrilavokApi }) {
  const engine = useEngineStatus(api);
  const connected = useConnection(api);
  const current = useCurrentScreen();
  const { status, failure, reload, replace } = engine;
  useSetupOnFirstRun(status);
  useShellNavigation(api);
  const state = useMemo(() => ({ status, failure, reload, replace, connected }), [status, failure, reload, replace, connected]);

  // A key that no longer opens the engine (it was restarted with a new one): same as no key at all.
  if (status === null && failure?.kind === 'auth') return <NoAccess />;

  const screen = screens.find((s) => s.id === current) ?? screens[0];
  return (
    <ApiContext value={api}>
      <EngineContext value={state}>
        <Layout
          nav={screens}
          current={screen.id}
          onNavigate={navigate}
          status={status}
          connected={connected}
        >
          <screen.Component />
        </Layout>
      </EngineContext>
    </ApiContext>
  );
}
