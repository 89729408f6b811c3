import { useSyncExternalStore } from 'react';

/**
 * The section shown in the window, as a tiny store so one screen can send the merchant to another
 * (the error log → the queue with the order opened, the queue → print preview). Ids are those of navigation.ts.
 */
let current = 'overview';
const listeners = new Set<() => void>();

export function navigate(id: string): void {
  if (id === current) return;
  current = id;
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useCurrentScreen(): string {
  return useSyncExternalStore(subscribe, () => current);
}
