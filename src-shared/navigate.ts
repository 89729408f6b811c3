/**
 * A request from the desktop shell to show a screen of the window (a notification or a tray item was clicked):
 * the error log, the settings (a first start), or the queue with one order opened. Checked by hand so the sandboxed preload stays small.
 */
export type NavigateRequest = { screen: 'errors' } | { screen: 'setup' } | { screen: 'queue'; orderId: number };

export function parseNavigateRequest(value: unknown): NavigateRequest | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (v.screen === 'errors' && keys.length === 1) return { screen: 'errors' };
  if (v.screen === 'setup' && keys.length === 1) return { screen: 'setup' };
  if (
    v.screen === 'queue' &&
    keys.length === 2 &&
    typeof v.orderId === 'number' &&
    Number.isSafeInteger(v.orderId) &&
    v.orderId > 0
  ) {
    return { screen: 'queue', orderId: v.orderId };
  }
  return null;
}
