/**
 * Blocking (issue #16 item 3): what a block changes on the server, at once.
 * - A 1:1 DM between the two turns read-only for both (storage marks its access `blocked`; the
 *   room is told their permissions now, so open sockets follow), and neither may start a DM with
 *   the other (routes/dms.ts).
 * - Presence and typing are hidden both ways: each stops following the other, each sees the
 *   other offline, and the hubs leave blocked people out of typing and presence from then on.
 * - Their messages in shared channels still arrive (everyone in a channel reads the same log):
 *   the blocker's devices collapse them. The blocked person is not told.
 */
import type { Env } from '../env';
import { permissionsIn, rankInChannel } from '../auth/access';
import { hubOf } from '../hubs';
import { notifyRooms } from '../rooms';
import type { Storage } from '../storage/Storage';
import { pairChannelId } from '../routes/dms';

/** Applies a block or unblock between `a` and `b` to open sockets: their 1:1 DM's permissions and their presence. */
export async function applyBlockChange(env: Env, storage: Storage, a: string, b: string, now: number): Promise<void> {
  const dm = pairChannelId(a, b);
  if (await storage.getChannel(dm)) {
    for (const userId of [a, b]) {
      const access = await storage.channelAccess(dm, userId);
      await notifyRooms(env, [dm], { kind: 'permissions', userId, permissions: permissionsIn(access, now), rank: rankInChannel(access) });
    }
  }
  if (!env.USER_HUB) return;
  const blocked = (await storage.blockedEitherWay(a, [b])).includes(b);
  if (!blocked) return;
  await Promise.allSettled([
    hubOf(env, a).forgetFollower(a, b),
    hubOf(env, b).forgetFollower(b, a),
    hubOf(env, a).presenceOf(a, b, 'offline'),
    hubOf(env, b).presenceOf(b, a, 'offline'),
  ]);
}
