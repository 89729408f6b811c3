import { describe, expect, it, vi } from 'vitest';
import type { WebContentsPrintOptions } from 'electron';
import type { ApiResponse } from '../../src-shared/api.js';
import { choosePrinter, desktopMethods, type DesktopPrinter } from '../../src-shared/desktop.js';
import type { DesktopPrintDeps, RenderResponse } from '../../src-main/shell/desktop-print.js';

/** The shell's printing with Electron replaced: no hidden windows here, only the decisions around them. */
vi.mock('electron', () => import('../mocks/electron.js'));
vi.mock('electron-store', () => ({ default: class {} }));

const { desktopPrintHandlers, runDesktopMethod } = await import('../../src-main/shell/desktop-print.js');
const { registerDesktopGateway, registerIpcGateway } = await import('../../src-main/shell/ipc-gateway.js');
const { printOptions, toDesktopPrinters } = await import('../../src-main/shell/printing.js');
const { Prefs, memoryStore, defaultPrefs } = await import('../../src-main/shell/prefs.js');

const zebra: DesktopPrinter = { name: 'Zebra_ZD410', displayName: 'Zebra ZD410', isDefault: false };
const hp: DesktopPrinter = { name: 'HP_LaserJet', displayName: 'HP LaserJet', isDefault: true };

describe('which printer a form prints to', () => {
  it('the remembered printer while it is installed, else the system default, else none (the OS decides)', () => {
    expect(choosePrinter([zebra, hp], 'Zebra_ZD410')).toBe('Zebra_ZD410');
    expect(choosePrinter([zebra, hp], 'Gone_Printer')).toBe('HP_LaserJet');
    expect(choosePrinter([zebra, hp], null)).toBe('HP_LaserJet');
    expect(choosePrinter([zebra], undefined)).toBeNull();
    expect(choosePrinter([], 'Zebra_ZD410')).toBeNull();
  });

  it("Electron's list: display names, the default where the OS tells it, no nameless or repeated entries", () => {
    expect(
      toDesktopPrinters([
        { name: 'Zebra_ZD410', displayName: 'Zebra ZD410', options: {} },
        { name: 'HP_LaserJet', displayName: '', options: { 'printer-is-default': 'true' } },
        { name: 'Old', displayName: 'Old', isDefault: true },
        { name: '', displayName: 'Broken' },
        { name: 'Zebra_ZD410', displayName: 'Zebra again' },
      ]),
    ).toEqual([
      { name: 'Zebra_ZD410', displayName: 'Zebra ZD410', isDefault: false },
      { name: 'HP_LaserJet', displayName: 'HP_LaserJet', isDefault: true },
      { name: 'Old', displayName: 'Old', isDefault: true },
    ]);
  });

  it('without a chosen printer the print goes to the system default: no device name, still the exact page', () => {
    const o = printOptions({ printer: null, form: 'label-75x120' });
    expect(o).not.toHaveProperty('deviceName');
    expect(o).toMatchObject({ silent: true, pageSize: { width: 75_000, height: 120_000 }, margins: { marginType: 'none' } });
  });
});

function world(o: { printers?: DesktopPrinter[]; render?: RenderResponse; printFails?: string; listFails?: boolean } = {}) {
  const prefs = new Prefs(memoryStore({ ...defaultPrefs, printers: {} }));
  const printed: Array<{ html: string; options: WebContentsPrintOptions }> = [];
  const rendered: unknown[] = [];
  const deps: DesktopPrintDeps = {
    printers: async () => {
      if (o.listFails) throw new Error('cups down');
      return o.printers ?? [zebra, hp];
    },
    prefs,
    render: async (input) => {
      rendered.push(input);
      return o.render ?? { ok: true, result: { html: '<p>labels</p>', source: 'prilavok', skipped: [], notice: null } };
    },
    options: printOptions,
    print: async (html, options) => {
      if (o.printFails) throw new Error(o.printFails);
      printed.push({ html, options });
    },
  };
  return { prefs, printed, rendered, h: desktopPrintHandlers(deps) };
}

describe('desktop print methods', () => {
  it('lists the printers with the printer remembered per form', async () => {
    const w = world();
    w.prefs.setPrinter('waybill-a4', 'HP_LaserJet');
    expect(await w.h['desktop.printers']({})).toEqual({ ok: true, result: { printers: [zebra, hp], remembered: { 'waybill-a4': 'HP_LaserJet' } } });
  });

  it('a printer list that cannot be read is a Russian, retryable failure', async () => {
    const w = world({ listFails: true });
    expect(await w.h['desktop.printers']({})).toMatchObject({ ok: false, error: { kind: 'retryable', message: expect.stringMatching(/список принтеров/), detail: 'cups down' } });
  });

  it('remembers a printer for a form, forgets it with null, refuses a printer that is not installed', async () => {
    const w = world();
    expect(await w.h['desktop.setPrinter']({ form: 'label-100x150', printer: 'Zebra_ZD410' })).toEqual({ ok: true, result: { remembered: { 'label-100x150': 'Zebra_ZD410' } } });
    const gone = await w.h['desktop.setPrinter']({ form: 'waybill-a4', printer: 'Canon_Gone' });
    expect(gone).toMatchObject({ ok: false, error: { kind: 'needsAttention', message: expect.stringMatching(/Принтер «Canon_Gone» не найден/) } });
    expect(w.prefs.printers()).toEqual({ 'label-100x150': 'Zebra_ZD410' });
    await w.h['desktop.setPrinter']({ form: 'label-100x150', printer: null });
    expect(w.prefs.printers()).toEqual({});
  });

  it('prints the rendered orders silently to the chosen printer with the form page, counts them and remembers the printer', async () => {
    const w = world({
      render: { ok: true, result: { html: '<p>two labels</p>', source: 'prilavok', skipped: [{ id: 9, number: '9C', reason: 'Заказ ещё не передан в курьерскую службу.' }], notice: null } },
    });
    const res = await w.h['desktop.print']({ orderIds: [7, 8, 9], form: 'label-100x150', printer: 'Zebra_ZD410' });
    expect(res).toEqual({
      ok: true,
      result: {
        printer: 'Zebra ZD410',
        orders: 2,
        skipped: [{ id: 9, number: '9C', reason: 'Заказ ещё не передан в курьерскую службу.' }],
        notice: null,
        remembered: { 'label-100x150': 'Zebra_ZD410' },
      },
    });
    expect(w.rendered).toEqual([{ orderIds: [7, 8, 9], form: 'label-100x150' }]);
    expect(w.printed).toHaveLength(1);
    expect(w.printed[0]!.html).toBe('<p>two labels</p>');
    expect(w.printed[0]!.options).toMatchObject({ silent: true, deviceName: 'Zebra_ZD410', pageSize: { width: 100_000, height: 150_000 } });
  });

  it('null prints to the system default and forgets the form’s printer', async () => {
    const w = world();
    w.prefs.setPrinter('waybill-a4', 'HP_LaserJet');
    const res = await w.h['desktop.print']({ orderIds: [1], form: 'waybill-a4', printer: null });
    expect(res).toMatchObject({ ok: true, result: { printer: null, orders: 1, remembered: {} } });
    expect(w.printed[0]!.options).not.toHaveProperty('deviceName');
    expect(w.printed[0]!.options).toMatchObject({ landscape: true, pageSize: { width: 210_000, height: 297_000 } });
  });

  it('a printer that is gone: refused before rendering, nothing printed, nothing remembered', async () => {
    const w = world({ printers: [hp] });
    const res = await w.h['desktop.print']({ orderIds: [1], form: 'label-100x150', printer: 'Zebra_ZD410' });
    expect(res).toMatchObject({ ok: false, error: { kind: 'needsAttention', message: 'Принтер «Zebra_ZD410» не найден: он выключен, отключён или удалён. Выберите другой принтер.' } });
    expect(w.rendered).toEqual([]);
    expect(w.printed).toEqual([]);
    expect(w.prefs.printers()).toEqual({});
  });

  it("nothing to print: the engine's Russian refusal comes back as it is; an empty document is refused too", async () => {
    const refusal: RenderResponse = { ok: false, error: { kind: 'needsAttention', message: 'Печать невозможна: Заказ ещё не передан в курьерскую службу.', detail: null } };
    const w = world({ render: refusal });
    expect(await w.h['desktop.print']({ orderIds: [3], form: 'label-100x150', printer: 'Zebra_ZD410' })).toEqual(refusal);
    const all = world({ render: { ok: true, result: { html: '<p/>', source: 'prilavok', skipped: [{ id: 3, number: null, reason: 'Заказ не найден.' }], notice: null } } });
    expect(await all.h['desktop.print']({ orderIds: [3], form: 'label-100x150', printer: null })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^Нечего печатать/) } });
    expect([...w.printed, ...all.printed]).toEqual([]);
  });

  it('a printer failure comes back as its Russian message; the printer is not remembered', async () => {
    const w = world({ printFails: 'Принтер «Zebra_ZD410» не напечатал документ: offline.' });
    const res = await w.h['desktop.print']({ orderIds: [1], form: 'label-100x150', printer: 'Zebra_ZD410' });
    expect(res).toMatchObject({ ok: false, error: { kind: 'needsAttention', message: 'Принтер «Zebra_ZD410» не напечатал документ: offline.' } });
    expect(w.prefs.printers()).toEqual({});
  });
});

describe('desktop gateway', () => {
  type Handler = (event: { senderFrame: { url: string } }, method: unknown, input: unknown) => Promise<ApiResponse<unknown>>;
  function gateway() {
    const handlers = new Map<string, Handler>();
    const ipc = { handle: (channel: string, fn: Handler) => void handlers.set(channel, fn) };
    const w = world();
    const served: Array<[string, unknown]> = [];
    const isOurFrame = (e: unknown) => (e as { senderFrame: { url: string } }).senderFrame.url.startsWith('file:///app/');
    registerIpcGateway(ipc as never, { isOurFrame, call: async () => ({ ok: true, result: 'engine' }) });
    registerDesktopGateway(ipc as never, {
      isOurFrame,
      serve: async (_e, method, input) => {
        served.push([method, input]);
        return runDesktopMethod(w.h, method, input);
      },
    });
    return { handler: handlers.get('prilavok:desktop')!, engine: handlers.get('prilavok:call')!, served, w };
  }
  const ours = { senderFrame: { url: 'file:///app/index.html' } };

  it('serves the desktop methods to our window, on their own channel', async () => {
    const g = gateway();
    expect(await g.handler(ours, 'desktop.setPrinter', { form: 'label-75x120', printer: 'Zebra_ZD410' })).toEqual({ ok: true, result: { remembered: { 'label-75x120': 'Zebra_ZD410' } } });
    expect(await g.handler(ours, 'desktop.printers', undefined)).toMatchObject({ ok: true, result: { printers: [zebra, hp] } });
    expect(g.served.map(([m]) => m)).toEqual(['desktop.setPrinter', 'desktop.printers']);
    // The engine's door does not know the desktop methods, and the desktop door does not pass engine methods.
    expect(await g.engine(ours, 'desktop.printers', {})).toMatchObject({ ok: false, error: { message: 'Неизвестная команда' } });
    expect(await g.handler(ours, 'print.render', { orderIds: [1], form: 'label-100x150' })).toMatchObject({ ok: false, error: { message: 'Неизвестная команда' } });
  });

  it('refuses a foreign frame, an unknown method and bad payloads before anything is printed or remembered', async () => {
    const g = gateway();
    const foreign = await g.handler({ senderFrame: { url: 'https://evil.example/' } }, 'desktop.print', { orderIds: [1], form: 'label-100x150', printer: 'Zebra_ZD410' });
    expect(foreign).toMatchObject({ ok: false, error: { kind: 'fatal', message: 'Запрос из чужого окна отклонён' } });
    expect(await g.handler(ours, 'desktop.formatDisk', {})).toMatchObject({ ok: false, error: { message: 'Неизвестная команда' } });
    const bad = [
      ['desktop.print', { orderIds: [], form: 'label-100x150', printer: 'Zebra_ZD410' }],
      ['desktop.print', { orderIds: [1], form: 'poster-a0', printer: 'Zebra_ZD410' }],
      ['desktop.print', { orderIds: [1], form: 'label-100x150' }],
      ['desktop.print', { orderIds: ['1'], form: 'label-100x150', printer: null }],
      ['desktop.setPrinter', { form: 'label-100x150', printer: '' }],
      ['desktop.setPrinter', { form: 'label-100x150', printer: 'Zebra_ZD410', extra: true }],
      ['desktop.printers', { all: true }],
    ] as const;
    for (const [method, input] of bad) {
      expect(await g.handler(ours, method, input), `${method} ${JSON.stringify(input)}`).toMatchObject({ ok: false, error: { kind: 'needsAttention', message: 'Неверный запрос' } });
    }
    expect(g.served).toEqual([]);
    expect(g.w.printed).toEqual([]);
    expect(g.w.prefs.printers()).toEqual({});
  });

  it('the contract accepts exactly what the window sends', () => {
    expect(desktopMethods['desktop.print'].input.parse({ orderIds: [1, 2], form: 'waybill-a4', printer: 'HP LaserJet (сеть)' })).toEqual({ orderIds: [1, 2], form: 'waybill-a4', printer: 'HP LaserJet (сеть)' });
    expect(desktopMethods['desktop.setPrinter'].input.safeParse({ form: 'label-100x150', printer: '   ' }).success).toBe(false);
    expect(desktopMethods['desktop.setPrinter'].input.safeParse({ form: 'label-100x150', printer: null }).success).toBe(true);
  });
});
