import { measoft } from '../../connectors/measoft/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Engine } from '../../engine.js';
import { SyncError, toSyncError } from '../../errors.js';
import type { PdfRenderer } from '../../printforms/pdf.js';
import { renderPrintForm } from '../../printforms/render.js';
import { loadBarcodes } from '../../printforms/barcode.js';
import { printFormInfo, type PrintFormId, type PrintOrder } from '../../printforms/types.js';
import { courierStore } from '../courier/store.js';

export interface RenderedForms {
  html: string;
  source: 'prilavok' | 'measoft';
  /** Orders that could not be printed, with the reason in Russian. */
  skipped: Array<{ id: number; number: string | null; reason: string }>;
  notice: string | null;
}

/** Courier print forms for a selection of orders: our own HTML, or MeaSoft's page with ours as the fallback. */
export class PrintService {
  constructor(
    private readonly engine: Engine,
    private readonly connectors: ConnectorRegistry,
    private readonly pdfRenderer: PdfRenderer | null,
  ) {}

  printable(orderIds: number[]): { orders: Array<PrintOrder & { orderno: string }>; skipped: RenderedForms['skipped'] } {
    const sender = this.engine.settings.get('courier').sender;
    const found = new Map(courierStore.sentOrders(this.engine.db, orderIds).map((c) => [c.orderId, c]));
    const orders: Array<PrintOrder & { orderno: string }> = [];
    const skipped: RenderedForms['skipped'] = [];
    for (const id of orderIds) {
      const c = found.get(id);
      const local = this.engine.orders.get(id);
      if (!c?.sent || !c.orderno || c.state === 'cancelled') {
        skipped.push({ id, number: local?.number ?? null, reason: !local ? 'Заказ не найден.' : 'Заказ ещё не передан в курьерскую службу.' });
        continue;
      }
      const s = c.sent;
      orders.push({
        orderno: c.orderno,
        number: c.orderno,
        barcode: c.barcode && c.barcode !== c.orderno ? c.barcode : null,
        courierService: 'Курьерская служба (MeaSoft)',
        sender: {
          name: s.sender?.company || sender.company || 'Отправитель',
          person: s.sender?.person ?? sender.person,
          phone: s.sender?.phone ?? sender.phone,
          town: s.sender?.town ?? sender.town,
          address: s.sender?.address ?? sender.address,
        },
        receiver: { name: s.receiver.person, phone: s.receiver.phone, town: s.receiver.town, address: s.receiver.address },
        deliveryDate: s.receiver.date ?? null,
        timeFrom: s.receiver.timeMin ?? null,
        timeTo: s.receiver.timeMax ?? null,
        codKopecks: s.priceKopecks,
        declaredKopecks: s.inshpriceKopecks,
        weightGrams: Math.round(s.weightKg * 1000),
        places: s.quantity,
        items: s.items.filter((i) => i.type !== 4).map((i) => ({ name: i.name, quantity: i.quantity, priceKopecks: i.retpriceKopecks })),
        comment: s.instruction ?? null,
      });
    }
    return { orders, skipped };
  }

  async render(orderIds: number[], form: PrintFormId): Promise<RenderedForms> {
    // The barcode library is loaded on first use, so an engine that never prints never holds it.
    await loadBarcodes();
    const { orders, skipped } = this.printable(orderIds);
    if (orders.length === 0) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'measoft',
        message: skipped.length === 1 ? `Печать невозможна: ${skipped[0]!.reason}` : 'Печать невозможна: ни один из выбранных заказов не передан в курьерскую службу.',
      });
    }
    if (this.engine.settings.get('measoft').printSource === 'measoft' && this.connectors.isConfigured(measoft)) {
      try {
        const html = await this.connectors.client(measoft).printPage(orders.map((o) => o.orderno));
        return { html, source: 'measoft', skipped, notice: null };
      } catch (err) {
        const e = toSyncError(err, 'measoft');
        this.engine.log.warn('MeaSoft print page unavailable; using our own form', { err: e.message, detail: e.detail });
        return {
          html: renderPrintForm(form, orders),
          source: 'prilavok',
          skipped,
          notice: `Печатная форма MeaSoft недоступна (${e.message}); показана форма Прилавка.`,
        };
      }
    }
    return { html: renderPrintForm(form, orders), source: 'prilavok', skipped, notice: null };
  }

  async pdf(orderIds: number[], form: PrintFormId): Promise<{ pdf: Buffer; filename: string; skipped: RenderedForms['skipped'] }> {
    await loadBarcodes();
    const { orders, skipped } = this.printable(orderIds);
    if (orders.length === 0) throw new SyncError({ kind: 'needsAttention', message: 'Печать невозможна: заказы ещё не переданы в курьерскую службу.' });
    const name = orders.length === 1 ? orders[0]!.orderno : `${orders.length}-orders`;
    if (this.engine.settings.get('measoft').printSource === 'measoft' && this.connectors.isConfigured(measoft)) {
      // MeaSoft's own forms come as a PDF from its documented <waybill> request; ours is the fallback.
      try {
        const pdf = await this.connectors.client(measoft).waybill(orders.map((o) => o.orderno));
        return { pdf, filename: `measoft-${name}.pdf`.replace(/[^\w.-]+/g, '_'), skipped };
      } catch (err) {
        const e = toSyncError(err, 'measoft');
        this.engine.log.warn('MeaSoft waybill PDF unavailable; using our own form', { err: e.message, detail: e.detail });
      }
    }
    if (!this.pdfRenderer) {
      throw new SyncError({ kind: 'needsAttention', message: 'Сохранение в PDF здесь недоступно: воспользуйтесь печатью браузера.' });
    }
    const info = printFormInfo(form);
    const pdf = await this.pdfRenderer.pdf(renderPrintForm(form, orders), info.page);
    return { pdf, filename: `${form}-${name}.pdf`.replace(/[^\w.-]+/g, '_'), skipped };
  }
}
