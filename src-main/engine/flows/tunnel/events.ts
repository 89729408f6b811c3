declare module '../../events.js' {
  interface InternalEvents {
    /**
     * Prilavok's public address changed (after it was recorded): systems that call us back re-point their
     * subscriptions. Listeners run detached; they report their own failures.
     */
    'tunnel.addressChanged': { url: string; previous: string | null };
  }
}
export {};
