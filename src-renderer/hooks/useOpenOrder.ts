import { useSyncExternalStore } from 'react';

/**
 * The order the queue should show opened: the error log (or any screen) calls `open(id)` and moves to the
 * queue; the queue reads `orderId`, opens its card and may call `open(null)` once it has.
 */
let orderId: number | null = null;
const listeners = new Set<() => void>();

function open(id: number | null): void {
  orderId = id;
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const openOrder = { get: () => orderId, open };

export function useOpenOrder(): { orderId: number | null; open(id: number | null): void } {
  const current = useSyncExternalStore(subscribe, () => orderId);
  return { orderId: current, open };
}
