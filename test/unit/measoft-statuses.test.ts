import { describe, expect, it } from 'vitest';
import { MEASOFT_STATUSES } from '../../src-main/engine/connectors/measoft/types.js';
import { measoftStatuses } from '../../src-shared/measoft-statuses.js';

describe('MeaSoft statuses the merchant maps in the wizard', () => {
  it('are the statuses the engine knows, with the same Russian titles', () => {
    const shared = Object.fromEntries(measoftStatuses.map((s) => [s.code, s.title]));
    expect(shared).toEqual(MEASOFT_STATUSES);
  });

  it('each code appears once and fits the status map schema', () => {
    const codes = measoftStatuses.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^[A-Z_]+$/);
  });

  it('the statuses of an ordinary delivery are shown first', () => {
    const common = measoftStatuses.filter((s) => s.common).map((s) => s.code);
    for (const c of ['NEW', 'PICKUP', 'ACCEPTED', 'DEPARTURE', 'CONFIRM', 'DATECHANGE', 'PICKUPREADY', 'DELIVERY', 'COURIERDELIVERED', 'COMPLETE', 'PARTIALLY', 'COURIERRETURN', 'CANCELED', 'RETURNING', 'RETURNED', 'LOST']) {
      expect(common).toContain(c);
    }
  });
});
