import {
  apiMethods,
  isMethodName,
  type ApiError,
  type ApiResponse,
  type MethodName,
  type MethodOutput,
} from '../../../src-shared/api.js';
import type { z } from 'zod';
import { SyncError, toSyncError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Redactor } from '../redact.js';
import { describeIssues } from '../settings/store.js';

export type ApiHandlers = {
  [M in MethodName]: (input: z.output<(typeof apiMethods)[M]['input']>) => Promise<MethodOutput<M>> | MethodOutput<M>;
};

export type Dispatch = (method: string, input: unknown) => Promise<ApiResponse<unknown>>;

/**
 * The one place the window's requests enter the engine, whatever carried them: the method must exist, the
 * input must match its schema, and the answer is checked against the contract before it leaves.
 * Failures come back as values with a Russian message; messages and details pass the redactor.
 */
export function createDispatcher(handlers: ApiHandlers, log: Logger, redactor: Redactor): Dispatch {
  return async (method, input) => {
    if (!isMethodName(method)) {
      return fail({ kind: 'fatal', message: 'Неизвестная команда', detail: `unknown method ${method}` });
    }
    const spec = apiMethods[method];
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) {
      return fail({ kind: 'needsAttention', message: `Неверный запрос: ${describeIssues(parsed.error)}`, detail: null });
    }
    try {
      const handler = handlers[method] as (i: unknown) => Promise<unknown> | unknown;
      const result = await handler(parsed.data);
      const checked = spec.output.safeParse(result);
      if (!checked.success) {
        throw new Error(`answer of ${method} breaks the contract: ${checked.error.message}`);
      }
      return { ok: true, result: checked.data };
    } catch (err) {
      const e = toSyncError(err);
      if (!(err instanceof SyncError)) log.error('api call failed', { method, err });
      return fail({ kind: e.kind, message: redactor.redact(e.message), detail: redactor.redact(e.detail) });
    }
  };
}

function fail(error: ApiError): ApiResponse<never> {
  return { ok: false, error };
}
