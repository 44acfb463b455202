/**
 * One Durable Object per client IP (`ip:…`) or per account (`user:…`) holding its token buckets,
 * so a limit holds across every isolate of a workerd process and, on Cloudflare, across machines.
 *
 * Fast buckets (requests per second) live in memory: an object that is evicted after a quiet
 * spell forgets a bucket that had refilled anyway. Slow allowances (one-time prekey claims per
 * hour or day) are kept in the object's storage, because waiting out an eviction must not refill
 * them. Open-socket leases (hardening #11.2) are counted here too. None of it holds anything but
 * counters, ids and times.
 */
import { DurableObject } from 'cloudflare:workers';
import { take, type Bucket } from '../protocol/rateLimit';
import { Leases } from './leases';

/** Keys one Durable Object storage get or put takes at most. */
const STORAGE_KEYS_AT_ONCE = 128;

export class RateLimiterObject extends DurableObject {
  private readonly buckets = new Map<string, Bucket>();
  /** Open sockets of this IP or account. */
  private readonly leases = new Leases();

  /**
   * Counts an open socket against `cap`; false (and nothing held) when `cap` sockets are open.
   * Leases live in memory and lapse at `expiresAt`, when the socket's token would close it
   * anyway: an eviction or a lost release can only ever undercount, never lock anyone out.
   */
  async acquire(leaseId: string, cap: number, expiresAt: number, now: number): Promise<boolean> {
    return this.leases.acquire(leaseId, cap, expiresAt, now);
  }

  /** The socket holding `leaseId` closed. */
  async release(leaseId: string): Promise<void> {
    this.leases.release(leaseId);
  }

  /** Takes one token from `bucket`; the answer says when to retry if none was left. */
  async take(bucket: string, ratePerSecond: number, now: number): Promise<{ ok: boolean; retryAfterMs: number }> {
    const result = take(this.buckets.get(bucket), ratePerSecond, now);
    this.buckets.set(bucket, result.bucket);
    return result.ok ? { ok: true, retryAfterMs: 0 } : { ok: false, retryAfterMs: result.retryAfterMs };
  }

  /**
   * Takes one token from a stored bucket holding at most `capacity` that refills `capacity`
   * tokens every `periodMs`. True when a token was there.
   */
  async takeStored(bucket: string, capacity: number, periodMs: number, now: number): Promise<boolean> {
    const key = `bucket:${bucket}`;
    const stored = await this.ctx.storage.get<Bucket>(key);
    const result = take(stored, (capacity * 1000) / periodMs, now, capacity);
    await this.ctx.storage.put(key, result.bucket);
    return result.ok;
  }

  /**
   * `takeStored` on many buckets of one shape at once (a batch claim's per-pair allowances):
   * one answer per bucket, in order, with one storage read and one write per 128 buckets.
   */
  async takeStoredEach(buckets: string[], capacity: number, periodMs: number, now: number): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < buckets.length; i += STORAGE_KEYS_AT_ONCE) {
      const keys = buckets.slice(i, i + STORAGE_KEYS_AT_ONCE).map((b) => `bucket:${b}`);
      const stored = await this.ctx.storage.get<Bucket>(keys);
      const next: Record<string, Bucket> = {};
      for (const key of keys) {
        const result = take(next[key] ?? stored.get(key), (capacity * 1000) / periodMs, now, capacity);
        next[key] = result.bucket;
        out.push(result.ok);
      }
      await this.ctx.storage.put(next);
    }
    return out;
  }

  /** Takes up to `wanted` tokens from one stored bucket; answers how many it took. */
  async takeStoredUpTo(bucket: string, wanted: number, capacity: number, periodMs: number, now: number): Promise<number> {
    const key = `bucket:${bucket}`;
    let current = await this.ctx.storage.get<Bucket>(key);
    let taken = 0;
    for (; taken < wanted; taken++) {
      const result = take(current, (capacity * 1000) / periodMs, now, capacity);
      current = result.bucket;
      if (!result.ok) break;
    }
    if (current) await this.ctx.storage.put(key, current);
    return taken;
  }
}
