/**
 * How a sender-key distribution to a large channel is paced (issue #21): independent pairwise
 * work run a bounded number at a time, and deliveries packed into `deliver-many` frames within
 * the hub's limits. Pure helpers, tested in batching.test.ts.
 */
import { MAX_DELIVER_ITEMS } from '../../../protocol/hub';
import { MAX_FRAME_BYTES } from '../../../protocol/limits';
import { pack } from '../../../protocol/pack';

/** Bytes of JSON one `deliver-many` may fill: under the hub's MAX_FRAME_BYTES with room for the frame's own fields. */
export const DELIVER_FRAME_BYTES = MAX_FRAME_BYTES - 2048;

/** One ciphertext for one device, as a `deliver-many` item carries it. */
export type DeliverItem = { clientMsgId: string; to: { userId: string; deviceId: string }; ciphertext: string };

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure once all have settled. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/** Packs delivery items into `deliver-many` frames, in order, each within MAX_DELIVER_ITEMS and DELIVER_FRAME_BYTES. */
export function packDeliveries(items: DeliverItem[]): DeliverItem[][] {
  return pack(items, MAX_DELIVER_ITEMS, DELIVER_FRAME_BYTES);
}

/**
 * Splits a distribution's targets into slices of whole users, in order: at most `maxUsers` users
 * (one bundle claim) and, unless one user alone has more, about `maxDevices` devices each.
 */
export function slicesByUser<T extends { userId: string }>(targets: T[], maxUsers: number, maxDevices: number): T[][] {
  const byUser = new Map<string, T[]>();
  for (const t of targets) byUser.set(t.userId, [...(byUser.get(t.userId) ?? []), t]);
  const slices: T[][] = [];
  let slice: T[] = [];
  let users = 0;
  for (const devices of byUser.values()) {
    if (slice.length > 0 && (users === maxUsers || slice.length + devices.length > maxDevices)) {
      slices.push(slice);
      slice = [];
      users = 0;
    }
    slice.push(...devices);
    users++;
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}
