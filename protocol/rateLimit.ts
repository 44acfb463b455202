/**
 * The token bucket: `rate` tokens a second, holding at most `capacity` (by default `rate`: one
 * second of burst). Pure: state and the time come in, the decision and the new state go out.
 */
export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type TakeResult = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterMs: number };

export function take(bucket: Bucket | undefined, ratePerSecond: number, now: number, capacity = ratePerSecond): TakeResult {
  const start = bucket ?? { tokens: capacity, updatedAt: now };
  const elapsed = Math.max(0, now - start.updatedAt);
  const tokens = Math.min(capacity, start.tokens + (elapsed * ratePerSecond) / 1000);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, updatedAt: now } };
  return { ok: false, bucket: { tokens, updatedAt: now }, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / ratePerSecond) };
}
