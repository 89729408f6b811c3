import { statuscheckPartnerSchema } from '../../../../src-shared/settings.js';
import type { Partner } from './rules.js';

/**
 * Ready partner templates the wizard starts from; the merchant fills in the address and the key.
 *
 * «Другой аккаунт RetailCRM»: a partner (another shop, a fulfilment) that keeps our orders in its own RetailCRM
 * with our order id as its `externalId`. Id modes read `GET /api/v5/orders/statuses?externalIds[]=…` (answers
 * `{ orders: [{ id, externalId, status, group }] }`; GET, not POST; at most 500 ids a request); the date range reads
 * `GET /api/v5/orders?filter[createdAtFrom]=…&filter[createdAtTo]=…&limit=100&page=N` page by page. The key goes
 * in the `X-API-KEY` header. The status codes and groups of a standard RetailCRM are recognised as they are;
 * the merchant adds the partner's own codes to the table.
 *
 * «JSON API»: `POST` with a JSON body `{ "ids": [...] }` or `{ "from": "…", "to": "…" }` and a bearer token;
 * the answer `{ orders: [{ id, status, reason?, comment?, track? }] }`.
 */
export type TemplateId = 'retailcrm' | 'json';

export function partnerTemplate(template: TemplateId, id: string, name: string, baseUrl: string): Partner {
  const base = baseUrl.replace(/\/+$/, '');
  if (template === 'retailcrm') {
    return statuscheckPartnerSchema.parse({
      id,
      name,
      partnerId: { source: 'id' },
      request: {
        method: 'GET',
        url: `${base}/api/v5/orders/statuses`,
        headers: [{ name: 'X-API-KEY', value: '{secret:apiKey}' }],
        fields: [{ name: 'externalIds[]', value: '{ide}' }],
      },
      rangeRequest: {
        method: 'GET',
        url: `${base}/api/v5/orders`,
        headers: [{ name: 'X-API-KEY', value: '{secret:apiKey}' }],
        fields: [
          { name: 'filter[createdAtFrom]', value: '{from}' },
          { name: 'filter[createdAtTo]', value: '{to}' },
          { name: 'limit', value: '100' },
        ],
      },
      paging: { param: 'page', totalPages: 'pagination.totalPageCount', maxPages: 20 },
      secrets: ['apiKey'],
      answerFormat: 'json',
      expression: 'orders[externalId].{ "id": $string(externalId), "status": [status, group], "track": delivery.data.trackNumber }',
    });
  }
  return statuscheckPartnerSchema.parse({
    id,
    name,
    partnerId: { source: 'externalId' },
    request: {
      method: 'POST',
      url: `${base}/status`,
      headers: [{ name: 'Authorization', value: 'Bearer {secret:token}' }],
      fields: [{ name: 'ids', value: '{ide}' }],
      bodyFormat: 'json',
    },
    rangeRequest: {
      method: 'POST',
      url: `${base}/status`,
      headers: [{ name: 'Authorization', value: 'Bearer {secret:token}' }],
      fields: [
        { name: 'from', value: '{ffrom}' },
        { name: 'to', value: '{fto}' },
      ],
      bodyFormat: 'json',
    },
    secrets: ['token'],
    answerFormat: 'json',
    expression: 'orders.{ "id": $string(id), "status": status, "reason": reason, "comment": comment, "track": track }',
  });
}
