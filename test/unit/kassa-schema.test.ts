import { describe, expect, it } from 'vitest';
import { atolRequest } from '../../src-main/engine/connectors/kassa/atol.js';
import { buildReceipt, type ReceiptInput } from '../../src-main/engine/connectors/kassa/receipt.js';
import { issuesText, validateAtolRequest, type AtolVersion, type SchemaIssue } from '../../src-main/engine/connectors/kassa/schema.js';

/**
 * The ATOL request schemas on their own: bodies that the draft checks would never produce (a hand-made or
 * corrupted request) are refused by the schema, each problem named by its field.
 */

type Json = Record<string, unknown>;

function validBody(version: AtolVersion): Json {
  const input: ReceiptInput = {
    op: 'sell',
    externalId: 'receipt:sell:1017:pay-1',
    items: [
      { name: 'Курс «Йога для начинающих»', priceKopecks: 300_000, quantity: 1, vat: 'none', paymentObject: 'service' },
      { name: 'Коврик', priceKopecks: 150_050, quantity: 2, vat: 'vat20' },
    ],
    payments: [{ kind: 'cashless', kopecks: 600_100 }],
    customer: { email: 'buyer@example.com' },
    company: { inn: '5544332219', sno: 'usn_income', email: 'shop@example.com', paymentAddress: `https://${version}.online.atol.ru` },
    settlement: 'full_payment',
    ffd: version === 'v4' ? '1.05' : '1.2',
    createdAt: new Date('2030-02-01T10:45:07Z'),
  };
  return structuredClone(atolRequest(buildReceipt(input), version, { callbackUrl: 'https://shop.example.ru/atol/cb' }).body);
}

const receipt = (b: Json) => b.receipt as Json & { items: Json[]; company: Json; client: Json; payments: Json[] };

/** One broken body per case: what is wrong, and the issue the schema must report for it. */
const cases: Array<{ name: string; versions: AtolVersion[]; breakIt: (b: Json) => void; expected: SchemaIssue }> = [
  { name: 'no external_id', versions: ['v4', 'v5'], breakIt: (b) => delete b.external_id, expected: { field: 'external_id', message: 'обязательное поле не заполнено' } },
  { name: 'no timestamp', versions: ['v4', 'v5'], breakIt: (b) => delete b.timestamp, expected: { field: 'timestamp', message: 'обязательное поле не заполнено' } },
  { name: 'a timestamp in ISO format', versions: ['v4', 'v5'], breakIt: (b) => (b.timestamp = '2030-02-01T13:45:07'), expected: { field: 'timestamp', message: 'неверный формат' } },
  { name: 'no company INN', versions: ['v4', 'v5'], breakIt: (b) => delete receipt(b).company.inn, expected: { field: 'receipt.company.inn', message: 'обязательное поле не заполнено' } },
  { name: 'no payment address', versions: ['v4', 'v5'], breakIt: (b) => delete receipt(b).company.payment_address, expected: { field: 'receipt.company.payment_address', message: 'обязательное поле не заполнено' } },
  { name: 'no items', versions: ['v4', 'v5'], breakIt: (b) => delete (receipt(b) as Json).items, expected: { field: 'receipt.items', message: 'обязательное поле не заполнено' } },
  { name: 'no item sum', versions: ['v4', 'v5'], breakIt: (b) => delete receipt(b).items[1]!.sum, expected: { field: 'receipt.items[1].sum', message: 'обязательное поле не заполнено' } },
  { name: 'a price as a string', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[0]!.price = '3000.00'), expected: { field: 'receipt.items[0].price', message: 'должно быть числом' } },
  { name: 'the total as a string', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).total = '6001'), expected: { field: 'receipt.total', message: 'должно быть числом' } },
  { name: 'items as an object', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items = { 0: receipt(b).items[0] } as never), expected: { field: 'receipt.items', message: 'должно быть списком' } },
  { name: 'a name of 129 characters', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[0]!.name = 'Я'.repeat(129)), expected: { field: 'receipt.items[0].name', message: 'длиннее 128 символов' } },
  { name: 'an e-mail of 65 characters', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).client.email = `${'a'.repeat(53)}@example.com`), expected: { field: 'receipt.client.email', message: 'длиннее 64 символов' } },
  { name: 'an external_id of 129 characters', versions: ['v4', 'v5'], breakIt: (b) => (b.external_id = 'x'.repeat(129)), expected: { field: 'external_id', message: 'длиннее 128 символов' } },
  { name: 'an unknown payment method', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[0]!.payment_method = 'full'), expected: { field: 'receipt.items[0].payment_method', message: expect.stringMatching(/^недопустимое значение/) as unknown as string } },
  { name: 'a fraction of a kopeck', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[0]!.sum = 3000.001), expected: { field: 'receipt.items[0].sum', message: 'слишком много знаков после запятой' } },
  { name: 'a buyer without contact', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).client = {}), expected: { field: 'receipt.client', message: 'нужен e-mail или телефон покупателя' } },
  { name: 'no payments', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).payments = []), expected: { field: 'receipt.payments', message: 'нужно не меньше 1' } },
  // Version differences: v4 names the subject by a string and has no `measure`; v5 wants numbers and `measure`.
  { name: 'v4: a numeric payment_object', versions: ['v4'], breakIt: (b) => (receipt(b).items[0]!.payment_object = 4), expected: { field: 'receipt.items[0].payment_object', message: expect.stringMatching(/^недопустимое значение/) as unknown as string } },
  // Lengths are UTF-16 code units, as ATOL counts them: 65 emoji are 130 units.
  { name: 'a name of 65 emoji (130 UTF-16 units)', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[0]!.name = '🧘'.repeat(65)), expected: { field: 'receipt.items[0].name', message: 'длиннее 128 символов' } },
  // sum = price × quantity (ATOL no longer corrects it).
  { name: 'a sum that is not price × quantity', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[1]!.sum = 3001.01), expected: { field: 'receipt.items[1].sum', message: expect.stringMatching(/^не равна цене × количество \(1500\.50 × 2 = 3001\.00/) as unknown as string } },
  { name: 'an amount over 10 000 000 000', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).total = 10_000_000_000.01), expected: { field: 'receipt.total', message: 'больше допустимого (10000000000)' } },
  { name: 'a quantity with 7 decimals', versions: ['v4', 'v5'], breakIt: (b) => (receipt(b).items[0]!.quantity = 1.0000001), expected: { field: 'receipt.items[0].quantity', message: 'слишком много знаков после запятой' } },
  // v5 only: the buyer's phone is «+» and digits, the tax system is required, no receipt-level agent data.
  { name: 'v5: a phone without «+»', versions: ['v5'], breakIt: (b) => (receipt(b).client = { phone: '89161234567' }), expected: { field: 'receipt.client.phone', message: 'неверный формат' } },
  { name: 'v5: no tax system', versions: ['v5'], breakIt: (b) => delete receipt(b).company.sno, expected: { field: 'receipt.company.sno', message: 'обязательное поле не заполнено' } },
  { name: 'v5: receipt-level agent_info', versions: ['v5'], breakIt: (b) => ((receipt(b) as Json).agent_info = { type: 'another' }), expected: { field: 'receipt.agent_info', message: 'поле не предусмотрено протоколом этой версии' } },
  { name: 'v5: receipt-level supplier_info', versions: ['v5'], breakIt: (b) => ((receipt(b) as Json).supplier_info = { inn: '5544332219' }), expected: { field: 'receipt.supplier_info', message: 'поле не предусмотрено протоколом этой версии' } },
  { name: 'v5: a string payment_object', versions: ['v5'], breakIt: (b) => (receipt(b).items[0]!.payment_object = 'service'), expected: { field: 'receipt.items[0].payment_object', message: 'должно быть целым числом' } },
  { name: 'v5: no measure', versions: ['v5'], breakIt: (b) => delete receipt(b).items[1]!.measure, expected: { field: 'receipt.items[1].measure', message: 'обязательное поле не заполнено' } },
  { name: 'v5: a v4 measurement_unit', versions: ['v5'], breakIt: (b) => (receipt(b).items[0]!.measurement_unit = 'шт'), expected: { field: 'receipt.items[0].measurement_unit', message: 'поле не предусмотрено протоколом этой версии' } },
  { name: 'v5: the dropped 18 % VAT', versions: ['v5'], breakIt: (b) => (receipt(b).items[0]!.vat = { type: 'vat18' }), expected: { field: 'receipt.items[0].vat.type', message: expect.stringMatching(/^недопустимое значение/) as unknown as string } },
];

describe('ATOL request schemas (validateAtolRequest)', () => {
  it.each(['v4', 'v5'] as const)('%s: the bodies the connector builds are valid', (version) => {
    expect(validateAtolRequest(version, 'sell', validBody(version))).toEqual([]);
    expect(validateAtolRequest(version, 'sell_refund', validBody(version))).toEqual([]);
  });

  for (const version of ['v4', 'v5'] as const) {
    for (const c of cases.filter((x) => x.versions.includes(version))) {
      it(`${version}: refuses ${c.name}, naming the field`, () => {
        const body = validBody(version);
        c.breakIt(body);
        const issues = validateAtolRequest(version, 'sell', body);
        expect(issues).toContainEqual(c.expected);
        // ATOL's error 32 text names the same field.
        expect(issuesText(issues)).toContain(c.expected.field);
      });
    }
  }

  it('reports every problem of a body at once, not only the first', () => {
    const body = validBody('v4');
    delete receipt(body).company.inn;
    receipt(body).items[0]!.name = 'Я'.repeat(200);
    receipt(body).items[1]!.quantity = '2';
    const fields = validateAtolRequest('v4', 'sell', body).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['receipt.company.inn', 'receipt.items[0].name', 'receipt.items[1].quantity']));
  });

  it('a body that is not an object at all is refused', () => {
    expect(validateAtolRequest('v5', 'sell', [])).toEqual([{ field: 'запрос', message: 'должно быть объектом' }]);
    expect(validateAtolRequest('v4', 'sell', null).length).toBeGreaterThan(0);
  });
});

describe('the schemas name the documents they follow', () => {
  it('v4 is document 5.23 and v5 document 3.12, both of 09.12.2025, in every schema file', async () => {
    const { ATOL_DOCUMENTS } = await import('../../src-main/engine/connectors/kassa/schema.js');
    expect(ATOL_DOCUMENTS).toEqual({ v4: { ffd: '1.05', version: '5.23', date: '09.12.2025' }, v5: { ffd: '1.2', version: '3.12', date: '09.12.2025' } });
    const files = {
      'atol-v4-sell.json': '5.23',
      'atol-v4-correction.json': '5.23',
      'atol-v5-sell.json': '3.12',
      'atol-v5-correction.json': '3.12',
    };
    for (const [file, version] of Object.entries(files)) {
      const schema = (await import(`../../src-main/engine/connectors/kassa/schemas/${file}`, { with: { type: 'json' } })) as { default: { 'x-document': { version: string; date: string } } };
      expect(schema.default['x-document']).toMatchObject({ version, date: '09.12.2025' });
    }
  });

  it('the VAT lists of the schemas are the ones the receipt builder allows', async () => {
    const { vatRatesByFfd } = await import('../../src-main/engine/connectors/kassa/types.js');
    const v4 = (await import('../../src-main/engine/connectors/kassa/schemas/atol-v4-sell.json', { with: { type: 'json' } })).default;
    const v5 = (await import('../../src-main/engine/connectors/kassa/schemas/atol-v5-sell.json', { with: { type: 'json' } })).default;
    const enumOf = (s: unknown): string[] => (s as { properties: { receipt: { properties: { items: { items: { properties: { vat: { properties: { type: { enum: string[] } } } } } } } } } }).properties.receipt.properties.items.items.properties.vat.properties.type.enum;
    expect([...enumOf(v4)].sort()).toEqual([...vatRatesByFfd['1.05']].sort());
    expect([...enumOf(v5)].sort()).toEqual([...vatRatesByFfd['1.2']].sort());
  });
});
