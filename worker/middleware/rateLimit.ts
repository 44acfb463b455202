/**
 * Per-IP token buckets in front of the API and sockets: a general bucket (RATE_LIMIT_PER_SECOND,
 * default 20/s) and a stricter one for authentication (AUTH_RATE_LIMIT_PER_SECOND, default 5/s).
 * Over the limit: 429 with Retry-After (SECURITY-TESTS A9).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app';
import { clientIp } from '../auth/clientInfo';
import { errorResponse } from './errors';

export interface RateLimitOptions {
  bucket: 'general' | 'auth' | 'images' | 'previews';
  /** Reads the rate (requests per second) from the environment. */
  rate: (env: AppEnv['Bindings']) => number;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = c.env.RATE_LIMITER;
    if (!limiter) return next();
    const ip = clientIp(c.req.raw, c.env.TRUST_PROXY);
    const stub = limiter.get(limiter.idFromName(`ip:${ip}`));
    const result = await stub.take(options.bucket, options.rate(c.env), Date.now());
    if (!result.ok) {
      const res = errorResponse('rate_limited', 'too many requests; slow down', 429);
      res.headers.set('Retry-After', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
      return res;
    }
    return next();
  };
}

/** A positive rate from a variable, or the default. */
export function rateFrom(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
