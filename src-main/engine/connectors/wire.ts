import { z } from 'zod';

/*
 * Lenient atoms for wire shapes of APIs that are loose about types (ids as numbers or strings, numbers as
 * strings): each accepts every variant a service sends and yields one type.
 */

/** A string, or null when absent; numbers are accepted (ids and codes sometimes travel as numbers). */
export const str = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? null : String(v)));

/** As `str`, and an empty string is null too. */
export const strOrNull = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));

/** A number, or null when absent or not numeric; numeric strings are accepted. */
export const num = z
  .unknown()
  .optional()
  .transform((v): number | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return null;
  });
