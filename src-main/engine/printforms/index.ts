export { printForms, printFormInfo, type PrintFormId, type PrintFormInfo, type PrintOrder, type PrintPage, type PrintParty } from './types.js';
export { renderPrintForm, barcodeSvg, type RenderOptions } from './render.js';
export { code128Svg, loadBarcodes, isCode128Text, BarcodeTextError, QUIET_ZONE_MODULES, type BarcodeOptions, type BarcodeSvg } from './barcode.js';
export { createChromiumPdfRenderer, defaultChromiumPath, CHROMIUM_ARGS, type ChromiumPdfOptions, type PdfRenderer } from './pdf.js';
export { formatRoubles, formatCod, formatWeight, formatDelivery } from './format.js';
