import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DeliverManyFrame, MAX_DELIVER_ITEMS } from '../../../protocol/hub';
import { MAX_FRAME_BYTES } from '../../../protocol/limits';
import { eachLimited, packDeliveries, slicesByUser, type DeliverItem } from './batching';

const item = (i: number, bytes: number): DeliverItem => ({ clientMsgId: `delivery-${String(i).padStart(6, '0')}`, to: { userId: `user${i}`, deviceId: `device${i}` }, ciphertext: 'A'.repeat(bytes) });

describe('packDeliveries', () => {
  it('keeps every item once, in order, in frames the hub accepts (item count and bytes)', () => {
    for (const bytes of [16, 2_700, 20_000, 60_000]) {
      const items = Array.from({ length: 300 }, (_, i) => item(i, bytes));
      const frames = packDeliveries(items);
      expect(frames.flat()).toEqual(items);
      for (const f of frames) {
        const frame = { type: 'deliver-many', items: f };
        expect(v.safeParse(DeliverManyFrame, frame).success).toBe(true);
        expect(f.length).toBeLessThanOrEqual(MAX_DELIVER_ITEMS);
        expect(JSON.stringify(frame).length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      }
    }
  });

  it('puts a sender-key distribution to 1,000 devices (about 2.7 KB each) in a few dozen frames, not a thousand', () => {
    const frames = packDeliveries(Array.from({ length: 1000 }, (_, i) => item(i, 2_650)));
    expect(frames.length).toBeLessThanOrEqual(40);
  });
});

describe('slicesByUser', () => {
  const targets = (users: number, perUser: number) => Array.from({ length: users * perUser }, (_, i) => ({ userId: `u${Math.floor(i / perUser)}`, deviceId: `d${i}` }));
  it('keeps every target once, in order, with each user whole in one slice', () => {
    const ts = [...targets(10, 3), { userId: 'u0', deviceId: 'late' }];
    const slices = slicesByUser(ts, 4, 100);
    expect(slices.flat().map((t) => t.deviceId).sort()).toEqual(ts.map((t) => t.deviceId).sort());
    for (const u of ['u0', 'u5']) expect(slices.filter((s) => s.some((t) => t.userId === u))).toHaveLength(1);
    expect(slices.map((s) => new Set(s.map((t) => t.userId)).size)).toEqual([4, 4, 2]);
  });
  it('bounds a slice by devices too, except for one user who alone has more', () => {
    expect(slicesByUser(targets(250, 4), 64, 128).map((s) => s.length)).toEqual([...Array(7).fill(128), 104]);
    expect(slicesByUser(targets(30, 1), 64, 128).map((s) => s.length)).toEqual([30]);
    expect(slicesByUser(targets(2, 10), 64, 8).map((s) => s.length)).toEqual([10, 10]);
    expect(slicesByUser([], 64, 128)).toEqual([]);
  });
});

describe('eachLimited', () => {
  it('runs every item with at most `limit` at once and reports the first failure after the rest ran', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await expect(
      eachLimited([...Array(50).keys()], 7, async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, n % 3));
        running--;
        if (n === 10) throw new Error('item 10 failed');
        done.push(n);
      }),
    ).rejects.toThrow('item 10 failed');
    expect(peak).toBeLessThanOrEqual(7);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(50).keys()].filter((n) => n !== 10));
  });
});
