import { useEffect } from 'react';
import type { NavigateRequest } from '../../src-shared/navigate';
import { navigate } from './useNavigation';
import { openOrder } from './useOpenOrder';

type ShellApi = { onNavigate?: (listener: (req: NavigateRequest) => void) => () => void };

/**
 * The desktop app's tray and notifications ask the window to show a screen: the error log, or the queue with
 * one order opened. Only in Electron (the preload provides `onNavigate`); the browser has no such requests.
 */
export function useShellNavigation(api: unknown): void {
  useEffect(() => {
    const onNavigate = (api as ShellApi | null)?.onNavigate;
    if (typeof onNavigate !== 'function') return;
    return onNavigate((req) => {
      if (req.screen === 'queue') openOrder.open(req.orderId);
      navigate(req.screen);
    });
  }, [api]);
}
