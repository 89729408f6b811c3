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

export type ApiHandler<M extends MethodName> = (input: z.output<(typeof apiMethods)[M]['input']>) => Promise<MethodOutput<M>> | MethodOutput<M>;

export type ApiHandlers = {
  [M in MethodName]: ApiHandler<M>;
};

/**
 * Where the engine and each flow put the API methods they answer, as they install: a flow owns its methods
 * (print forms, order actions, reference books) instead of one list in the engine. Every method of the
 * contract must have exactly one owner; `assertComplete` checks it once everything is installed.
 */
export class ApiRegistry {
  private readonly handlers = new Map<MethodName, ApiHandler<MethodName>>();

  handle<M extends MethodName>(method: M, fn: ApiHandler<M>): void {
    if (this.handlers.has(method)) throw new Error(`API method ${method} registered twice`);
    this.handlers.set(method, fn as unknown as ApiHandler<MethodName>);
  }

  /** Several methods at once: `api.handleAll({ 'print.forms': () => …, 'print.render': (i) => … })`. */
  handleAll(fns: Partial<ApiHandlers>): void {
    for (const [m, fn] of Object.entries(fns) as Array<[MethodName, ApiHandler<MethodName>]>) this.handle(m, fn);
  }

  get(method: MethodName): ApiHandler<MethodName> | undefined {
    return this.handlers.get(method);
  }

  assertComplete(): void {
    const missing = (Object.keys(apiMethods) as MethodName[]).filter((m) => !this.handlers.has(m));
    if (missing.length) throw new Error(`API methods without a handler: ${missing.join(', ')}`);
  }
}

export type Dispatch = (method: string, input: unknown) => Promise<ApiResponse<unknown>>;

/**
 * The one place the window's requests enter the engine, whatever carried them: the method must exist, the
 * input must match its schema, and the answer is checked against the contract before it leaves.
 * Failures come back as values with a Russian message; messages and details pass the redactor.
 */
export function createDispatcher(handlers: ApiRegistry, log: Logger, redactor: Redactor): Dispatch {
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
      const handler = handlers.get(method) as ((i: unknown) => Promise<unknown> | unknown) | undefined;
      if (!handler) throw new Error(`no handler for API method ${method}`);
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
