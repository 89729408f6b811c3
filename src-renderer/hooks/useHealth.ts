import { useMemo } from 'react';
import type { EngineStatus } from '../../src-shared/api';
import { health, type Health } from '../../src-shared/health';
import { useNow } from './useNow';

/** The state the header and «Обзор» show, from the engine's live status and the connection to it. */
export function useHealth(status: EngineStatus | null, connected: boolean): Health {
  const now = useNow();
  return useMemo(() => health({ engineUp: connected, status, now }), [status, connected, now]);
}
