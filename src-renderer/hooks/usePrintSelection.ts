import { useSyncExternalStore } from 'react';

/**
 * Which orders the print preview opens with. The queue writes here («Печать» on an order or a selection),
 * the print screen reads it when it opens and keeps its own choice afterwards.
 */
let ids: number[] = [];
const listeners = new Set<() => void>();

function setIds(next: number[]): void {
  ids = [...new Set(next)];
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const printSelection = { get: () => ids, setIds };

export function usePrintSelection(): { ids: number[]; setIds(ids: number[]): void } {
  const current = useSyncExternalStore(subscribe, () => ids);
  return { ids: current, setIds };
}
