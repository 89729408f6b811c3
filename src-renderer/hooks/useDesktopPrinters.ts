import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiCallError } from '../../src-shared/api';
import {
  choosePrinter,
  type DesktopFormId,
  type DesktopInput,
  type DesktopMethodName,
  type DesktopOutput,
  type DesktopPrinter,
  type PrilavokDesktop,
  type RememberedPrinters,
} from '../../src-shared/desktop';
import { ru } from '../i18n/ru';
import { toFailure, type Failure } from './useApi';

declare global {
  interface Window {
    /** Set by the desktop app's preload: printers and silent printing. Absent in a plain browser. */
    prilavokDesktop?: PrilavokDesktop;
  }
}

/** The desktop app's printing, when this window runs inside it; null in a plain browser. */
export function desktopBridge(): PrilavokDesktop | null {
  const d = typeof window === 'undefined' ? undefined : window.prilavokDesktop;
  return d && typeof d.call === 'function' ? d : null;
}

async function call<M extends DesktopMethodName>(d: PrilavokDesktop, method: M, input: DesktopInput<M>): Promise<DesktopOutput<M>> {
  const res = await d.call(method, input);
  if (!res || typeof res !== 'object') throw new ApiCallError({ kind: 'fatal', message: ru.state.failed, detail: null });
  if (!res.ok) throw new ApiCallError(res.error);
  return res.result;
}

export type DesktopPrintResult = DesktopOutput<'desktop.print'>;

/**
 * The printer for the chosen form in the desktop app: the installed printers, the one remembered for the form
 * (or the system default), choosing another (remembered at once), and silent printing to it.
 */
export function useDesktopPrinters(form: DesktopFormId) {
  const desktop = useMemo(desktopBridge, []);
  const [printers, setPrinters] = useState<DesktopPrinter[] | null>(null);
  const [remembered, setRemembered] = useState<RememberedPrinters>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const seq = useRef(0);

  const reload = useCallback(() => {
    if (!desktop) return;
    const n = ++seq.current;
    setFailure(null);
    call(desktop, 'desktop.printers', {}).then(
      (r) => {
        if (n !== seq.current) return;
        setPrinters(r.printers);
        setRemembered(r.remembered);
      },
      (err: unknown) => {
        if (n === seq.current) setFailure(toFailure(err));
      },
    );
  }, [desktop]);
  useEffect(reload, [reload]);

  const wanted = remembered[form] ?? null;
  const selected = printers ? choosePrinter(printers, wanted) : null;
  /** A printer remembered for this form that is no longer installed. */
  const missing = printers && wanted && !printers.some((p) => p.name === wanted) ? wanted : null;
  /** Whether the OS named its default printer; if not, «the system default» is a choice of its own. */
  const hasDefault = printers?.some((p) => p.isDefault) ?? false;

  const select = useCallback(
    async (printer: string | null) => {
      if (!desktop) return;
      const before = remembered;
      setRemembered((r) => {
        const next = { ...r };
        if (printer) next[form] = printer;
        else delete next[form];
        return next;
      });
      try {
        setRemembered((await call(desktop, 'desktop.setPrinter', { form, printer })).remembered);
      } catch (err) {
        setRemembered(before);
        throw err;
      }
    },
    [desktop, form, remembered],
  );

  const print = useCallback(
    async (orderIds: number[]): Promise<DesktopPrintResult> => {
      if (!desktop) throw new ApiCallError({ kind: 'fatal', message: ru.state.failed, detail: null });
      const res = await call(desktop, 'desktop.print', { orderIds, form, printer: selected });
      setRemembered(res.remembered);
      return res;
    },
    [desktop, form, selected],
  );

  return { isDesktop: desktop !== null, printers, selected, missing, hasDefault, failure, reload, select, print };
}
