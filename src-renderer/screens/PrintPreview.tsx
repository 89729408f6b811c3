import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type SyntheticEvent } from 'react';
import type { MethodOutput, OrderSummary } from '../../src-shared/api';
import type { DesktopPrinter } from '../../src-shared/desktop';
import { Alert } from '../components/Alert';
import { mergeHeld } from '../lib/held-list';
import { base64ToBytes, downloadBlob } from '../components/download';
import { Empty, LoadFailed, Loading } from '../components/States';
import { toFailure, useActions, useApi, useTransientNotice, type Failure } from '../hooks/useApi';
import { useDesktopPrinters } from '../hooks/useDesktopPrinters';
import { usePrintSelection } from '../hooks/usePrintSelection';
import { ru } from '../i18n/ru';

type PrintForm = MethodOutput<'print.forms'>['forms'][number];
type FormId = PrintForm['id'];
type Rendered = MethodOutput<'print.render'>;

const LIST_LIMIT = 200;
const SEARCH_DEBOUNCE_MS = 200;
const RENDER_DEBOUNCE_MS = 250;
/** CSS pixels per millimetre (96 dpi), and the grey margin the forms draw around each page on screen. */
const PX_PER_MM = 96 / 25.4;
const SCREEN_MARGIN_MM = 6;
const SCROLLBAR_PX = 18;

/**
 * «Печатные формы»: choose orders that are at the courier, the form, see it exactly as it prints, then print
 * or save a PDF. The selection lives in a shared store, so «Печать» in the queue opens this screen preselected.
 */
export function PrintPreview() {
  const api = useApi();
  const { ids: selected, setIds } = usePrintSelection();
  const forms = usePrintForms();
  const [formId, setFormId] = useState<FormId>('label-100x150');
  const [search, setSearch] = useState('');
  const list = useCourierOrders(search);
  const preview = usePreview(selected, formId);
  const { run, isBusy, failure, clearFailure } = useActions();
  const { notice, show } = useTransientNotice(6000);
  const [printJob, setPrintJob] = useState<{ n: number; html: string } | null>(null);
  // In the desktop app: a printer per form and silent printing; in a browser this stays unused.
  const desktop = useDesktopPrinters(formId);

  const form = forms.items?.find((f) => f.id === formId) ?? null;
  const selectedSet = useMemo(() => new Set(selected), [selected]);

  const toggle = (id: number) => setIds(selectedSet.has(id) ? selected.filter((x) => x !== id) : [...selected, id]);
  const shownIds = list.items.map((o) => o.id);
  const allShownSelected = shownIds.length > 0 && shownIds.every((id) => selectedSet.has(id));
  const toggleAll = () =>
    setIds(allShownSelected ? selected.filter((id) => !shownIds.includes(id)) : [...selected, ...shownIds.filter((id) => !selectedSet.has(id))]);

  const savePdf = () =>
    run('pdf', async () => {
      const res = await api.call('print.pdf', { orderIds: selected, form: formId });
      downloadBlob(new Blob([base64ToBytes(res.pdfBase64)], { type: 'application/pdf' }), res.filename);
      show(ru.print.pdfSaved(res.filename));
    });

  // Printing goes through a second, hidden frame: the visible preview stays fully sandboxed (`sandbox=""`), while
  // the print frame is same-origin so this window may call its print(), and allows modals so the print dialog
  // may open. It never gets `allow-scripts`, so the form itself can run nothing (it also carries its own CSP).
  const printNow = () => {
    if (!preview.result) return;
    if (desktop.isDesktop) {
      void run('print', async () => {
        const res = await desktop.print(selected);
        show(ru.print.sentToPrinter(res.printer, formId === 'waybill-a4' ? ru.print.waybillCount(res.orders) : ru.print.labelsCount(res.orders)));
      });
      return;
    }
    setPrintJob((prev) => ({ n: (prev?.n ?? 0) + 1, html: preview.result!.html }));
  };
  const onPrintFrameLoad = (e: SyntheticEvent<HTMLIFrameElement>) => {
    const win = e.currentTarget.contentWindow;
    if (!win) return;
    show(ru.print.printOpened);
    win.focus();
    win.print();
  };

  const canAct = selected.length > 0 && preview.result !== null && !preview.loading;

  return (
    <div className="print" data-testid="print-screen">
      <div className="print__head">
        <div className="print__titles">
          <h1 className="page-title">{ru.print.title}</h1>
          <p className="section__caption">{ru.print.caption}</p>
        </div>
        <div className="print-preview__actions">
          <span className="print-preview__notice" role="status" data-testid="print-status">
            {notice}
          </span>
          <button
            type="button"
            className="btn"
            onClick={() => void savePdf()}
            disabled={!canAct || isBusy('pdf')}
            aria-busy={isBusy('pdf')}
            data-testid="print-pdf"
          >
            {isBusy('pdf') && <span className="spinner spinner--small" aria-hidden="true" />}
            {ru.print.pdf}
          </button>
          <button
            type="button"
            className="btn btn--primary"
            onClick={printNow}
            disabled={!canAct || isBusy('print')}
            aria-busy={isBusy('print')}
            data-testid="print-print"
            title={desktop.isDesktop ? ru.print.printSilentTitle : ru.print.printHint}
          >
            {isBusy('print') && <span className="spinner spinner--small" aria-hidden="true" />}
            {isBusy('print') ? ru.print.printing : ru.print.print}
          </button>
        </div>
      </div>

      <div className="print__columns">
        <section className="card print-orders" aria-labelledby="print-orders-title" data-testid="print-orders">
          <div className="print-orders__head">
            <h2 id="print-orders-title" className="section__title">
              {ru.print.ordersTitle}
            </h2>
            <span className="print-orders__count" data-testid="print-selected-count" aria-live="polite">
              {ru.print.selected(selected.length)}
            </span>
          </div>
          <label className="print-orders__search">
            <span className="visually-hidden">{ru.print.search}</span>
            <input
              type="search"
              className="print-orders__input"
              placeholder={ru.print.searchPlaceholder}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              data-testid="print-search"
            />
          </label>
          <div className="print-orders__tools">
            <button type="button" className="btn btn--small" onClick={toggleAll} disabled={shownIds.length === 0} data-testid="print-select-all">
              {allShownSelected ? ru.print.clear : ru.print.selectAll}
            </button>
            {selected.length > 0 && !allShownSelected && (
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setIds([])}>
                {ru.print.clear}
              </button>
            )}
          </div>
          {list.loading && list.items.length === 0 ? (
            <Loading />
          ) : list.failure && list.items.length === 0 ? (
            <LoadFailed failure={list.failure} onRetry={list.reload} />
          ) : list.items.length === 0 ? (
            search.trim() ? (
              <Empty title={ru.print.nothingFound}>{ru.print.nothingFoundHint}</Empty>
            ) : (
              <Empty title={ru.print.noOrders}>{ru.print.noOrdersHint}</Empty>
            )
          ) : (
            <>
              {list.pending > 0 && (
                <button type="button" className="btn btn--small btn--ghost print-orders__pending" data-testid="print-orders-pending" onClick={list.release}>
                  {ru.print.newOrders(list.pending)}
                </button>
              )}
              <ul
                className="print-orders__list"
                aria-busy={list.loading}
                data-testid="print-orders-list"
                onPointerEnter={() => list.hold(true)}
                onPointerLeave={() => list.hold(false)}
              >
                {list.items.map((o) => (
                  <OrderOption key={o.id} order={o} checked={selectedSet.has(o.id)} onToggle={() => toggle(o.id)} />
                ))}
              </ul>
              {list.total > list.items.length && <p className="muted print-orders__more">{ru.print.showingFirst(list.items.length, list.total)}</p>}
            </>
          )}
        </section>

        <section className="card print-preview" aria-labelledby="print-preview-title">
          <div className="print-preview__bar">
            <h2 id="print-preview-title" className="visually-hidden">
              {ru.print.previewTitle}
            </h2>
            <FormPicker forms={forms.items} failure={forms.failure} value={formId} onChange={setFormId} onRetry={forms.reload} />
            {desktop.isDesktop && (
              <PrinterPicker
                printers={desktop.printers}
                selected={desktop.selected}
                hasDefault={desktop.hasDefault}
                failure={desktop.failure}
                onRetry={desktop.reload}
                onChange={(printer) => void run('printer', () => desktop.select(printer))}
                busy={isBusy('printer')}
              />
            )}
          </div>
          {desktop.missing && (
            <Alert tone="warning" testId="print-printer-missing">
              {ru.print.printerMissing(desktop.missing, desktop.printers?.find((p) => p.name === desktop.selected)?.displayName ?? null)}
            </Alert>
          )}
          {desktop.isDesktop && desktop.printers?.length === 0 && (
            <Alert tone="warning" testId="print-no-printers">
              {ru.print.noPrinters}
            </Alert>
          )}

          {failure && (
            <Alert tone="error" onDismiss={clearFailure}>
              {failure.message}
            </Alert>
          )}
          {preview.result?.notice && (
            <Alert tone="warning" testId="print-notice">
              {preview.result.notice}
            </Alert>
          )}
          {preview.result && preview.result.skipped.length > 0 && (
            <Alert tone="warning" title={ru.print.skippedTitle(preview.result.skipped.length)} testId="print-skipped">
              <ul className="print-skipped">
                {preview.result.skipped.map((s) => (
                  <li key={s.id}>
                    <strong>{ru.print.skippedOrder(s.number, s.id)}</strong> — {s.reason}
                  </li>
                ))}
              </ul>
            </Alert>
          )}

          {selected.length === 0 ? (
            <div className="print-preview__empty">
              <Empty title={ru.print.chooseOrders}>{ru.print.chooseOrdersHint}</Empty>
            </div>
          ) : preview.failure && !preview.result ? (
            <div className="print-preview__empty">
              <Alert tone={preview.failure.kind === 'needsAttention' ? 'warning' : 'error'} onRetry={preview.reload} testId="print-failure">
                {preview.failure.message}
              </Alert>
            </div>
          ) : preview.result && form ? (
            <>
              {preview.failure && <LoadFailed failure={preview.failure} onRetry={preview.reload} />}
              <PreviewStage rendered={preview.result} form={form} loading={preview.loading} />
              <p className="print-preview__meta muted">
                <span data-testid="print-source">{preview.result.source === 'measoft' ? ru.print.sourceMeasoft : ru.print.sourcePrilavok}</span>
                <span className="dot-sep" aria-hidden="true" />
                <span>{ru.print.pages(selected.length - preview.result.skipped.length)}</span>
                <span className="dot-sep" aria-hidden="true" />
                <span>{desktop.isDesktop ? ru.print.printSilentHint(form.page.widthMm, form.page.heightMm) : ru.print.printHint}</span>
              </p>
            </>
          ) : (
            <div className="print-preview__empty">
              <Loading label={ru.print.rendering} />
            </div>
          )}
        </section>
      </div>

      {printJob && (
        <iframe
          key={printJob.n}
          className="print-frame"
          title={ru.print.previewFrame}
          aria-hidden="true"
          tabIndex={-1}
          sandbox="allow-same-origin allow-modals"
          srcDoc={printJob.html}
          onLoad={onPrintFrameLoad}
          data-testid="print-frame-hidden"
        />
      )}
    </div>
  );
}

function OrderOption({ order, checked, onToggle }: { order: OrderSummary; checked: boolean; onToggle: () => void }) {
  const chip = order.systems.measoft;
  return (
    <li className={`print-order${checked ? ' print-order--checked' : ''}`} data-testid={`print-order-${order.number}`}>
      <label className="print-order__label">
        <input type="checkbox" checked={checked} onChange={onToggle} aria-label={ru.print.selectOrder(order.number)} />
        <span className="print-order__main">
          <span className="print-order__top">
            <span className="print-order__number">{order.number}</span>
            {chip && (
              <span className={`print-order__chip${chip.attention ? ' print-order__chip--attention' : ''}`} title={chip.label}>
                {chip.label}
              </span>
            )}
          </span>
          <span className="print-order__customer" title={order.customer ?? order.phone ?? undefined}>
            {order.customer ?? order.phone ?? ''}
          </span>
        </span>
      </label>
    </li>
  );
}

function FormPicker(props: {
  forms: PrintForm[] | null;
  failure: Failure | null;
  value: FormId;
  onChange: (id: FormId) => void;
  onRetry: () => void;
}) {
  const name = useId();
  if (props.failure && !props.forms) return <LoadFailed failure={props.failure} onRetry={props.onRetry} />;
  if (!props.forms) return <span className="spinner spinner--small" aria-hidden="true" />;
  return (
    <fieldset className="print-forms" data-testid="print-forms">
      <legend className="visually-hidden">{ru.print.formLabel}</legend>
      {props.forms.map((f) => (
        <label key={f.id} className={`print-forms__option${f.id === props.value ? ' print-forms__option--checked' : ''}`}>
          <input type="radio" name={name} value={f.id} checked={f.id === props.value} onChange={() => props.onChange(f.id)} data-testid={`print-form-${f.id}`} />
          <span>{f.title}</span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * The printer for the chosen form (desktop app only): installed printers, preselected with the one remembered
 * for the form or the system default; a choice is remembered for the form at once.
 */
function PrinterPicker(props: {
  printers: DesktopPrinter[] | null;
  selected: string | null;
  hasDefault: boolean;
  failure: Failure | null;
  busy: boolean;
  onChange: (printer: string | null) => void;
  onRetry: () => void;
}) {
  const id = useId();
  if (props.failure && !props.printers) {
    return (
      <div className="print-printer print-printer--failed" data-testid="print-printer-failed">
        <span className="print-printer__error">{props.failure.message}</span>
        <button type="button" className="btn btn--small" onClick={props.onRetry}>
          {ru.print.printersRetry}
        </button>
      </div>
    );
  }
  return (
    <div className="print-printer">
      <label className="print-printer__label" htmlFor={id}>
        {ru.print.printer}
      </label>
      <select
        id={id}
        className="print-printer__select"
        value={props.selected ?? ''}
        onChange={(e) => props.onChange(e.target.value || null)}
        disabled={!props.printers || props.busy}
        aria-busy={!props.printers || props.busy}
        data-testid="print-printer"
      >
        {!props.printers ? (
          <option value="">{ru.print.printersLoading}</option>
        ) : (
          <>
            {!props.hasDefault && <option value="">{ru.print.printerDefault}</option>}
            {props.printers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.isDefault ? `${p.displayName} — ${ru.print.printerDefault.toLowerCase()}` : p.displayName}
              </option>
            ))}
          </>
        )}
      </select>
    </div>
  );
}

/**
 * The form as it will print, in a frame with no permissions at all (`sandbox=""`: no scripts, no forms, an
 * opaque origin). The frame's own size is one page with the grey margins the form draws on screen, at 96 dpi;
 * it is scaled down as a whole to fit, so the proportions are the paper's. Further pages scroll inside.
 */
function PreviewStage({ rendered, form, loading }: { rendered: Rendered; form: PrintForm; loading: boolean }) {
  const stage = useRef<HTMLDivElement>(null);
  const [room, setRoom] = useState<{ w: number; h: number } | null>(null);

  useLayoutEffect(() => {
    const el = stage.current;
    if (!el) return;
    const measure = () => setRoom({ w: el.clientWidth, h: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const natW = Math.ceil((form.page.widthMm + 2 * SCREEN_MARGIN_MM) * PX_PER_MM + SCROLLBAR_PX);
  const natH = Math.ceil((form.page.heightMm + 2 * SCREEN_MARGIN_MM) * PX_PER_MM);
  const scale = room ? Math.min(room.w / natW, room.h / natH, 1.5) : 0;

  return (
    <div className="print-stage" ref={stage} data-testid="print-stage">
      {room && scale > 0 && (
        <div className="print-stage__paper" style={{ width: Math.floor(natW * scale), height: Math.floor(natH * scale) }}>
          <iframe
            className="print-stage__frame"
            title={ru.print.previewFrame}
            sandbox=""
            srcDoc={rendered.html}
            style={{ width: natW, height: natH, transform: `scale(${scale})` }}
            data-testid="print-frame"
            data-form={form.id}
          />
        </div>
      )}
      {loading && (
        <div className="print-stage__busy">
          <Loading label={ru.print.rendering} />
        </div>
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------

function usePrintForms() {
  const api = useApi();
  const [items, setItems] = useState<PrintForm[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const reload = useCallback(() => {
    setFailure(null);
    api.call('print.forms', {}).then(
      (r) => setItems(r.forms),
      (err: unknown) => setFailure(toFailure(err)),
    );
  }, [api]);
  useEffect(reload, [reload]);
  return { items, failure, reload };
}

/** Orders that went to the courier (they have a MeaSoft chip), searched on the engine; live on `orders.changed`. */
function useCourierOrders(search: string) {
  const api = useApi();
  const [items, setItems] = useState<OrderSummary[]>([]);
  const [pending, setPending] = useState(0);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [query, setQuery] = useState(search.trim());
  const seq = useRef(0);
  const held = useRef(false);
  const latest = useRef<OrderSummary[]>([]);
  const shown = useRef<OrderSummary[]>([]);

  useEffect(() => {
    const t = setTimeout(() => setQuery(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [search]);

  const apply = useCallback((fresh: OrderSummary[], hold: boolean) => {
    latest.current = fresh;
    const next = mergeHeld(shown.current, fresh, hold);
    shown.current = next.items;
    setItems(next.items);
    setPending(next.pending);
  }, []);

  const reload = useCallback(() => {
    const n = ++seq.current;
    setLoading(true);
    api.call('orders.list', { system: 'measoft', search: query || undefined, limit: LIST_LIMIT }).then(
      (r) => {
        if (n !== seq.current) return;
        apply(r.items, held.current);
        setTotal(r.total);
        setFailure(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (n !== seq.current) return;
        setFailure(toFailure(err));
        setLoading(false);
      },
    );
  }, [api, query, apply]);

  // A new search is the merchant's own doing: its answer is shown as it comes.
  useEffect(() => {
    held.current = false;
  }, [query]);
  useEffect(reload, [reload]);

  // New orders reach the courier while the screen is open: fetch again, at most twice a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('orders.changed', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, 500);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [api, reload]);

  const hold = useCallback(
    (on: boolean) => {
      held.current = on;
      if (!on) apply(latest.current, false);
    },
    [apply],
  );
  const release = useCallback(() => apply(latest.current, false), [apply]);

  return { items, pending, total, loading, failure, reload, hold, release };
}

/** The exact preview of the chosen orders in the chosen form; a newer choice drops an older answer. */
function usePreview(orderIds: number[], form: FormId) {
  const api = useApi();
  const [result, setResult] = useState<Rendered | null>(null);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const key = orderIds.join(',');

  useEffect(() => {
    const n = ++seq.current;
    if (!key) {
      setResult(null);
      setFailure(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    const t = setTimeout(() => {
      const ids = key.split(',').map(Number);
      api.call('print.render', { orderIds: ids, form }).then(
        (r) => {
          if (n !== seq.current) return;
          setResult(r);
          setFailure(null);
          setLoading(false);
        },
        (err: unknown) => {
          if (n !== seq.current) return;
          setResult(null);
          setFailure(toFailure(err));
          setLoading(false);
        },
      );
    }, RENDER_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [api, key, form, nonce]);

  const reload = useCallback(() => setNonce((x) => x + 1), []);
  return { result, loading, failure, reload };
}
