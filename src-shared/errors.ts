/**
 * How an error should be handled:
 * - `retryable`: a network blip, timeout, 5xx, rate limit — the engine retries with backoff;
 * - `auth`: credentials are wrong or expired beyond renewal — the merchant must fix settings;
 * - `needsAttention`: the data is wrong (validation) — the merchant must fix the order, then retry;
 * - `fatal`: a bug or an impossible state — retrying cannot help.
 */
export const errorKinds = ['retryable', 'auth', 'needsAttention', 'fatal'] as const;
export type ErrorKind = (typeof errorKinds)[number];

export const errorKindTitles: Record<ErrorKind, string> = {
  retryable: 'Временная ошибка',
  auth: 'Ошибка доступа',
  needsAttention: 'Нужно внимание',
  fatal: 'Критическая ошибка',
};
