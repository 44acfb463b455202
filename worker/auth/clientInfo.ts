/**
 * Who is asking: the client IP and user agent, for rate limits, lockout audit and the sessions
 * list. The IP comes from the connection (workerd's `request.cf.clientIp`); proxy headers
 * (`CF-Connecting-IP`, then the first `X-Forwarded-For` hop) count only when TRUST_PROXY is true,
 * so a client cannot pick its own IP to dodge limits (SECURITY-TESTS A7).
 */
export function clientIp(request: Request, trustProxy: boolean): string {
  if (trustProxy) {
    const cf = request.headers.get('CF-Connecting-IP');
    if (cf) return cf.trim();
    const xff = request.headers.get('X-Forwarded-For');
    if (xff) return xff.split(',')[0]!.trim();
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
