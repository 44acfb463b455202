/**
 * One Durable Object per client IP holding its token buckets, so a limit holds across every
 * isolate of a workerd process and, on Cloudflare, across machines. Buckets live in memory:
 * an object that is evicted after a quiet spell forgets a bucket that had refilled anyway.
 */
import { DurableObject } from 'cloudflare:workers';
import { take, type Bucket } from '../protocol/rateLimit';

export class RateLimiterObject extends DurableObject {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token from `bucket`; the answer says when to retry if none was left. */
  async take(bucket: string, ratePerSecond: number, now: number): Promise<{ ok: boolean; retryAfterMs: number }> {
    const result = take(this.buckets.get(bucket), ratePerSecond, now);
    this.buckets.set(bucket, result.bucket);
    return result.ok ? { ok: true, retryAfterMs: 0 } : { ok: false, retryAfterMs: result.retryAfterMs };
  }
}
