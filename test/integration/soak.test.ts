import { describe, expect, it } from 'vitest';
import { runSoak } from '../soak/soak.js';

describe('soak (short)', () => {
  it('a headless process SIGKILLed at random moments while orders of every flow arrive and card payments are paid and returned: every effect exactly once, nothing stuck', async () => {
    const r = await runSoak({ orders: 40, kills: 3, seed: 7, budgetMs: 120_000 });
    const summary = { ...r, details: r.details.slice(0, 20) };
    expect(r.kills, JSON.stringify(summary)).toBe(3);
    expect(r.movements).toBeGreaterThan(r.orders.fiscal + r.orders.leeloo);
    expect({ duplicates: r.duplicates, missingReceipts: r.missingReceipts, missingEffects: r.missingEffects, stuckJobs: r.stuckJobs, falseAttention: r.falseAttention }, JSON.stringify(summary)).toEqual({
      duplicates: 0,
      missingReceipts: 0,
      missingEffects: 0,
      stuckJobs: 0,
      falseAttention: 0,
    });
  }, 170_000);
});
