/** Courier print forms: the label stuck on a parcel and the A4 waybill handed to the courier with a batch. */

export type PrintFormId = 'label-100x150' | 'label-75x120' | 'waybill-a4';

export interface PrintParty {
  name: string;
  person?: string | null;
  phone?: string | null;
  town?: string | null;
  address?: string | null;
}

export interface PrintOrder {
  /** The order number; the barcode encodes `barcode ?? number`. */
  number: string;
  /** MeaSoft barcode if it differs from the order number. */
  barcode?: string | null;
  /** e.g. «Курьерская служба 2008». */
  courierService?: string | null;
  sender: PrintParty;
  receiver: PrintParty & { phone: string; address: string };
  /** ISO date (YYYY-MM-DD) or free text. */
  deliveryDate?: string | null;
  /** HH:MM (seconds are dropped). */
  timeFrom?: string | null;
  timeTo?: string | null;
  /** Cash on delivery, kopecks; 0 = prepaid. */
  codKopecks: number;
  declaredKopecks: number;
  weightGrams: number | null;
  places: number;
  items: Array<{ name: string; quantity: number; priceKopecks: number }>;
  comment?: string | null;
}

export interface PrintPage {
  widthMm: number;
  heightMm: number;
}

export interface PrintFormInfo {
  id: PrintFormId;
  /** Russian, shown in the print menu. */
  title: string;
  page: PrintPage;
}

export const printForms: PrintFormInfo[] = [
  { id: 'label-100x150', title: 'Этикетка 100×150 мм', page: { widthMm: 100, heightMm: 150 } },
  { id: 'label-75x120', title: 'Этикетка 75×120 мм', page: { widthMm: 75, heightMm: 120 } },
  { id: 'waybill-a4', title: 'Накладная A4', page: { widthMm: 297, heightMm: 210 } },
];

export function printFormInfo(id: PrintFormId): PrintFormInfo {
  const f = printForms.find((x) => x.id === id);
  if (!f) throw new RangeError(`unknown print form: ${String(id)}`);
  return f;
}
