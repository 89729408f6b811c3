/** `localtunnel` ships no types for its inner module; localtunnel.ts describes the part it uses. */
declare module 'localtunnel/lib/Tunnel.js' {
  const Tunnel: unknown;
  export default Tunnel;
}
