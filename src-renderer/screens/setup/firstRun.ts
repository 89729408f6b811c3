import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { EngineStatus } from '../../../src-shared/api';
import { navigate } from '../../hooks/useNavigation';

/**
 * «Открывать настройку при запуске»: while RetailCRM is not connected the window can open on the wizard instead
 * of the overview. A preference of this window (kept in its local storage), chosen on the settings screen.
 */
const KEY = 'prilavok.setupOnStart';
const listeners = new Set<() => void>();

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export function setOpenSetupOnStart(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEY, '1');
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the choice lasts until the window closes.
  }
  listeners.forEach((l) => l());
}

export function useOpenSetupOnStart(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
  );
}

/** Called once by the window: on the first status, opens the wizard if RetailCRM is not set up and the merchant asked for it. */
export function useSetupOnFirstRun(status: EngineStatus | null): void {
  const decided = useRef(false);
  useEffect(() => {
    if (decided.current || !status) return;
    decided.current = true;
    const crm = status.systems.find((s) => s.id === 'retailcrm');
    if (read() && crm && !crm.configured) navigate('setup');
  }, [status]);
}
