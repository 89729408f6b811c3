/* How RetailCRM and the nginx in front of it answer when something is wrong. */
import type { Json } from './types.js';

/** An error the server answers as RetailCRM does; thrown from anywhere below a route. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorMsg: string,
    readonly errors?: Record<string, string> | string[],
  ) {
    super(errorMsg);
  }
}

/** RetailCRM's error envelope. */
export function errorBody(errorMsg: string, errors?: Record<string, string> | string[]): Json {
  return { success: false, errorMsg, ...(errors ? { errors } : {}) };
}

/** What nginx answers when the upstream is down (an injected 502). */
export const badGatewayPage = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';

/** What nginx answers for a path outside the API. */
export const notAllowedPage = '<html><head><title>405 Not Allowed</title></head><body><center><h1>405 Not Allowed</h1></center><hr><center>nginx</center></body></html>';

/** A body cut off mid-way (an injected malformed answer). */
export const truncatedBody = '{"success":true,"orders":[{"id":1,';
