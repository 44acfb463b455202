/**
 * Who is asking: the client IP and user agent, for rate limits, lockout audit and the sessions
 * list. By default the IP is the connection's (workerd's `request.cf.clientIp`); proxy headers
 * count only as TRUST_PROXY says, so a client cannot pick its own IP to dodge limits
 * (SECURITY-TESTS A7):
 * - `false` (default): the connection's address; every header is ignored.
 * - `true` or a hop count N (1–9): behind N proxies of your own, each appending to
 *   X-Forwarded-For. The address the nearest trusted proxy appended is the N-th entry from the
 *   right; everything left of it was written by the client, who can put anything there.
 * - `cloudflare`: CF-Connecting-IP, which Cloudflare's edge sets and overwrites (on Cloudflare
 *   itself, or behind a cloudflared tunnel that every request passes through).
 * Sessions, the audit log and the rate limits all take the address from here, so they agree.
 */
export function clientIp(request: Request, trustProxy: string | undefined): string {
  const mode = (trustProxy ?? 'false').trim().toLowerCase();
  if (mode === 'cloudflare') {
    const cf = request.headers.get('CF-Connecting-IP');
    if (cf) return cf.trim();
  } else {
    const hops = mode === 'true' ? 1 : /^[1-9]$/.test(mode) ? Number(mode) : 0;
    if (hops > 0) {
      // Several X-Forwarded-For headers are one list in order (RFC 7230 §3.2.2); Headers joins them.
      const entries = (request.headers.get('X-Forwarded-For') ?? '').split(',').map((e) => e.trim()).filter(Boolean);
      const appended = entries[entries.length - hops];
      if (appended) return appended;
    }
  }
  const fromSocket = (request as Request & { cf?: { clientIp?: string } }).cf?.clientIp;
  if (!fromSocket) return 'unknown';
  // workerd reports "address:port"; IPv6 addresses may come bracketed.
  const m = /^\[?([^\]]+?)\]?(?::\d+)?$/.exec(fromSocket.includes('.') ? fromSocket.replace(/:\d+$/, '') : fromSocket.replace(/^\[(.*)\]:\d+$/, '$1'));
  return m ? m[1]! : fromSocket;
}

export function userAgent(request: Request): string {
  return (request.headers.get('User-Agent') ?? '').slice(0, 256);
}
