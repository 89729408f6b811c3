import type { ApiResponse } from '../../src-shared/api.js';

/** Messages between the Electron shell and the engine running in its utility process. */
export type ToEngine =
  | { type: 'call'; id: number; method: string; input: unknown }
  | { type: 'stop' }
  /** The shell's answer to a host request; `data` is base64 for binary results. */
  | { type: 'hostResult'; id: number; ok: true; data: string }
  | { type: 'hostResult'; id: number; ok: false; message: string };

/**
 * What the engine asks of the shell: the OS key store (Electron `safeStorage`, main process only) and
 * Chromium's print-to-PDF. For `encrypt` the data is the plain text, for `decrypt` the base64 ciphertext.
 */
export type HostRequest =
  | { type: 'secret'; id: number; op: 'encrypt' | 'decrypt'; data: string }
  | { type: 'pdf'; id: number; html: string; page: { widthMm: number; heightMm: number } };

/** Set by the shell in the engine's environment when it serves host requests. */
export const HOST_SECRETS_ENV = 'PRILAVOK_HOST_SECRETS';
export const HOST_SECRETS_WARNING_ENV = 'PRILAVOK_SECRETS_WARNING';
export const HOST_PDF_ENV = 'PRILAVOK_HOST_PDF';

export type FromEngine =
  | { type: 'ready' }
  | { type: 'result'; id: number; response: ApiResponse<unknown> }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'fatal'; message: string }
  | { type: 'stopped' }
  | HostRequest;
