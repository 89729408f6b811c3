import { printForms } from '../../printforms/types.js';
import type { FlowModule } from '../types.js';
import { PrintService } from './service.js';

/** Courier print forms for the order queue: labels and waybills, as HTML to print or as a PDF. */
export const printFlow = {
  id: 'print',
  install({ engine, connectors, api }) {
    const print = new PrintService(engine, connectors, engine.pdfRenderer);
    api.handleAll({
      'print.forms': () => ({ forms: printForms }),
      'print.render': ({ orderIds, form }) => print.render(orderIds, form),
      'print.pdf': async ({ orderIds, form }) => {
        const r = await print.pdf(orderIds, form);
        return { pdfBase64: r.pdf.toString('base64'), filename: r.filename, skipped: r.skipped };
      },
    });
    return print;
  },
} satisfies FlowModule<unknown>;
