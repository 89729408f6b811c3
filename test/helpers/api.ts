/**
 * The window's API over the headless bridge, as end-to-end tests call it to set the scene or check a result:
 * the answer's `result`, or an error with the engine's Russian message. `port` is read on each call (the bridge
 * starts in `beforeAll`).
 */
export function apiCaller(port: () => number, token: string) {
  return async function call<T>(method: string, input: unknown = {}): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${port()}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
    if (!body.ok) throw new Error(body.error?.message ?? 'call failed');
    return body.result;
  };
}
