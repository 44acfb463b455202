/**
 * The batch form of the one-time prekey allowances (issue #21) against limiters that keep their
 * buckets as RateLimiterObject does: the same three allowances in the same order as one claim per
 * target, in a few limiter calls. The routes that use it are tested end to end in
 * tests/hardening/prekeys.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { take, type Bucket } from '../../protocol/rateLimit';
import type { Env } from '../env';
import { OPK_CLAIMS_PER_CALLER, OPK_CLAIMS_PER_PAIR, OPK_CLAIMS_PER_TARGET, mayTakeOneTimePreKeys, mayTakeOneTimePreKeysOf } from './keyAccess';

/** A RATE_LIMITER namespace whose objects hold stored buckets in maps, counting the calls made. */
function limiters() {
  const objects = new Map<string, Map<string, Bucket>>();
  let calls = 0;
  const takeOne = (buckets: Map<string, Bucket>, bucket: string, capacity: number, periodMs: number, now: number) => {
    const r = take(buckets.get(bucket), (capacity * 1000) / periodMs, now, capacity);
    buckets.set(bucket, r.bucket);
    return r.ok;
  };
  const stub = (name: string) => {
    const buckets = objects.get(name) ?? new Map<string, Bucket>();
    objects.set(name, buckets);
    return {
      takeStored: async (bucket: string, capacity: number, periodMs: number, now: number) => (calls++, takeOne(buckets, bucket, capacity, periodMs, now)),
      takeStoredEach: async (bs: string[], capacity: number, periodMs: number, now: number) => (calls++, bs.map((b) => takeOne(buckets, b, capacity, periodMs, now))),
      takeStoredUpTo: async (bucket: string, wanted: number, capacity: number, periodMs: number, now: number) => {
        calls++;
        let n = 0;
        while (n < wanted && takeOne(buckets, bucket, capacity, periodMs, now)) n++;
        return n;
      },
    };
  };
  const env = { RATE_LIMITER: { idFromName: (name: string) => name, get: (id: string) => stub(id) } } as unknown as Env;
  return { env, calls: () => calls };
}

describe('#21 D5 one-time prekey allowances for a batch claim', () => {
  it('grants what one claim per target would, in 2 + one call per target instead of three per target', async () => {
    const now = 1_000_000;
    const a = limiters();
    const b = limiters();
    const targets = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const batch = await mayTakeOneTimePreKeysOf(a.env, 'caller', ['caller', ...targets, 't0'], now);
    const single = new Set<string>();
    for (const t of ['caller', ...targets]) if (await mayTakeOneTimePreKeys(b.env, 'caller', t, now)) single.add(t);
    expect(batch).toEqual(single);
    expect(batch.size).toBe(41);
    expect(a.calls()).toBe(2 + targets.length);
    expect(b.calls()).toBe(3 * targets.length);
  });

  it(`D5 the per-pair allowance (${OPK_CLAIMS_PER_PAIR}) holds across batches`, async () => {
    const l = limiters();
    const got = [];
    for (let i = 0; i < OPK_CLAIMS_PER_PAIR + 3; i++) got.push((await mayTakeOneTimePreKeysOf(l.env, 'caller', ['victim'], 5)).has('victim'));
    expect(got.filter(Boolean)).toHaveLength(OPK_CLAIMS_PER_PAIR);
  });

  it(`D5 the per-target allowance (${OPK_CLAIMS_PER_TARGET} from everyone) holds when many callers claim in batches`, async () => {
    const l = limiters();
    let granted = 0;
    for (let i = 0; i < OPK_CLAIMS_PER_TARGET + 10; i++) granted += (await mayTakeOneTimePreKeysOf(l.env, `caller${i}`, ['victim', `own${i}`], 5)).has('victim') ? 1 : 0;
    expect(granted).toBe(OPK_CLAIMS_PER_TARGET);
  });

  it(`D5 the caller's overall allowance (${OPK_CLAIMS_PER_CALLER}) caps one batch and what follows it`, async () => {
    const l = limiters();
    const many = Array.from({ length: OPK_CLAIMS_PER_CALLER + 20 }, (_, i) => `t${i}`);
    expect((await mayTakeOneTimePreKeysOf(l.env, 'caller', many, 5)).size).toBe(OPK_CLAIMS_PER_CALLER);
    expect((await mayTakeOneTimePreKeysOf(l.env, 'caller', ['late'], 5)).size).toBe(0);
  });

  it('without a limiter binding every target may (as the single form answers)', async () => {
    expect(await mayTakeOneTimePreKeysOf({} as Env, 'caller', ['a', 'b'], 5)).toEqual(new Set(['a', 'b']));
  });
});
