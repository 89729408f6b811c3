import { useCallback, useEffect, useRef, useState } from 'react';
import type { MethodInput, OrderSummary, PrilavokApi } from '../../../src-shared/api';
import { toFailure, type Failure } from '../../hooks/useApi';

/** Orders fetched per request: a few screens' worth, so scrolling rarely waits. */
export const PAGE_SIZE = 200;

export type OrderQuery = Omit<MethodInput<'orders.list'>, 'limit' | 'offset'>;

interface Pages {
  /** The query these pages answer (its JSON); rows of an older query are never shown for a newer one. */
  key: string;
  total: number | null;
  pages: ReadonlyMap<number, OrderSummary[]>;
}

/**
 * The order list as pages of `orders.list`, fetched on demand as the merchant scrolls, for any number of orders.
 * A new query keeps the old rows on screen until its first page arrives (no flash of emptiness while typing);
 * answers to an outdated query are dropped. `refresh` re-reads only the given pages (the visible ones) and
 * forgets the rest, since a change may have moved orders between pages.
 */
export function useOrderPages(api: PrilavokApi, query: OrderQuery) {
  const key = JSON.stringify(query);
  const [data, setData] = useState<Pages>({ key: '', total: null, pages: new Map() });
  const [failure, setFailure] = useState<Failure | null>(null);
  const current = useRef({ key, query });
  const inFlight = useRef(new Set<number>());

  const fetchPages = useCallback(
    async (pageNumbers: number[], replace: boolean) => {
      const { key: asked, query: q } = current.current;
      pageNumbers.forEach((p) => inFlight.current.add(p));
      try {
        const answers = await Promise.all(
          pageNumbers.map((p) => api.call('orders.list', { ...q, limit: PAGE_SIZE, offset: p * PAGE_SIZE })),
        );
        if (current.current.key !== asked) return;
        setFailure(null);
        setData((prev) => {
          const keep = replace || prev.key !== asked ? new Map<number, OrderSummary[]>() : new Map(prev.pages);
          pageNumbers.forEach((p, i) => keep.set(p, answers[i]!.items));
          return { key: asked, total: answers.at(-1)!.total, pages: keep };
        });
      } catch (err) {
        if (current.current.key === asked) setFailure(toFailure(err));
      } finally {
        if (current.current.key === asked) pageNumbers.forEach((p) => inFlight.current.delete(p));
      }
    },
    [api],
  );

  // A new query: start over from its first page.
  useEffect(() => {
    current.current = { key, query: JSON.parse(key) as OrderQuery };
    inFlight.current = new Set();
    void fetchPages([0], true);
  }, [key, fetchPages]);

  const fresh = data.key === key;

  /** Makes sure the rows from `start` to `end` (indexes) are loaded or on their way. */
  const ensure = useCallback(
    (start: number, end: number) => {
      if (!fresh) return;
      const missing: number[] = [];
      for (let p = Math.floor(start / PAGE_SIZE); p <= Math.floor(Math.max(end, start) / PAGE_SIZE); p++) {
        if (!data.pages.has(p) && !inFlight.current.has(p)) missing.push(p);
      }
      if (missing.length) void fetchPages(missing, false);
    },
    [fresh, data.pages, fetchPages],
  );

  /** Re-reads the pages holding rows `start`..`end` and forgets the others. */
  const refresh = useCallback(
    (start: number, end: number) => {
      const pageNumbers: number[] = [];
      for (let p = Math.floor(start / PAGE_SIZE); p <= Math.floor(Math.max(end, start) / PAGE_SIZE); p++) pageNumbers.push(p);
      void fetchPages(pageNumbers, true);
    },
    [fetchPages],
  );

  const retry = useCallback(() => {
    setFailure(null);
    void fetchPages([0], true);
  }, [fetchPages]);

  const row = useCallback(
    (index: number): OrderSummary | undefined => data.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    [data.pages],
  );

  return {
    /** Rows of the current query, or of the previous one while the current one loads. */
    total: data.total,
    row,
    pages: data.pages,
    /** The shown rows are not yet those of the current query. */
    stale: !fresh,
    failure,
    ensure,
    refresh,
    retry,
  };
}
