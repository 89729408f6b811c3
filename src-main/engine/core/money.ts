/*
 * Money inside the engine is integer kopecks. Connectors convert at their edge: roubles from JSON APIs with
 * `toKopecks`, back with `fromKopecks`.
 */

/** Roubles (an API's number) → integer kopecks, rounding half away from zero. */
export function toKopecks(rub: number): number {
  if (!Number.isFinite(rub)) throw new RangeError(`not a sum of money: ${rub}`);
  // 1.005 * 100 is 100.49999…; 12 significant digits drop the binary noise before rounding.
  const k = Math.round(Number((Math.abs(rub) * 100).toPrecision(12)));
  return rub < 0 ? -k : k;
}

/** Integer kopecks → roubles for the wire. */
export function fromKopecks(k: number): number {
  if (!Number.isInteger(k)) throw new RangeError(`kopecks must be an integer: ${k}`);
  return k / 100;
}
