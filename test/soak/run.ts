/**
 * `npm run soak [-- --orders 310 --kills 10 --seed 1 --budget-s 600]`: the long soak. Prints the counts and
 * `BENCH soak.duplicates|soak.missing_receipts|soak.stuck_jobs <n> count`; exits non-zero when any is not 0.
 */
import { runSoak } from './soak.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v >= 0 ? v : dflt;
}

const r = await runSoak({
  orders: arg('orders', 310),
  kills: arg('kills', 10),
  seed: arg('seed', 1),
  budgetMs: arg('budget-s', 600) * 1000,
  log: (l) => console.log(l),
});
console.log(JSON.stringify({ ...r, details: undefined }, null, 2));
for (const d of r.details) console.log(`  ${d}`);
console.log(`BENCH soak.duplicates ${r.duplicates} count`);
console.log(`BENCH soak.missing_receipts ${r.missingReceipts} count`);
console.log(`BENCH soak.stuck_jobs ${r.stuckJobs} count`);
console.log(`BENCH soak.false_attention ${r.falseAttention} count`);
process.exit(r.duplicates + r.missingReceipts + r.missingEffects + r.stuckJobs + r.falseAttention === 0 ? 0 : 1);
