/**
 * Security headers on every response, errors and static files included (SECURITY-TESTS I9).
 *
 * The CSP allows only this origin: no inline script, no third-party script, font or connection,
 * so neither an injected tag nor a compromised dependency can phone home. HSTS is sent only
 * when the request arrived over TLS (directly or, with TRUST_PROXY, as a proxy reports it).
 */
import type { MiddlewareHandler } from 'hono';

export interface SecurityHeaderOptions {
  /** Whether to believe `X-Forwarded-Proto` from a reverse proxy. */
  trustProxy: boolean;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(options: SecurityHeaderOptions): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // A WebSocket upgrade (101) carries no document; its headers are immutable anyway.
    if (c.res.status === 101) return;
    try {
      c.res.headers.set('X-Content-Type-Options', 'nosniff');
    } catch {
      c.res = new Response(c.res.body, c.res); // a fetched response's headers are immutable
    }
    const h = c.res.headers;
    // A route that set its own (stricter) policy keeps it: an image served alone is sandboxed.
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    h.set('X-Frame-Options', 'DENY');
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('Permissions-Policy', 'camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), interest-cohort=()');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    const url = new URL(c.req.url);
    const forwardedTls = options.trustProxy && c.req.header('X-Forwarded-Proto') === 'https';
    if (url.protocol === 'https:' || forwardedTls) h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  };
}
