/**
 * Node options the engine process starts with (the desktop app's engine process, `npm run headless`).
 *
 * `--max-semi-space-size=1`: V8's young generation grows up to 16 MB per semi-space under a burst of work (a
 * catch-up of thousands of orders) and Node never shrinks it back, so an engine that once caught up kept ~30 MB
 * it no longer used. With 1 MB semi-spaces short-lived objects are collected a little more often, which costs
 * a few percent of CPU in a burst and nothing at rest.
 *
 * `--expose-gc`: after such a burst the old generation is left mostly empty but still committed (V8 shrinks it
 * only when it runs short, and Node gives it no idle time to do so); the engine collects once when it has grown
 * (see `memory.ts`), which hands the pages back.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--expose-gc'];
