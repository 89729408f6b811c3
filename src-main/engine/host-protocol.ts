import type { ApiResponse } from '../../src-shared/api.js';

/** Messages between the Electron shell and the engine running in its utility process. */
export type ToEngine = { type: 'call'; id: number; method: string; input: unknown } | { type: 'stop' };

export type FromEngine =
  | { type: 'ready' }
  | { type: 'result'; id: number; response: ApiResponse<unknown> }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'fatal'; message: string }
  | { type: 'stopped' };
