/**
 * `/api/dms`: direct messages (1:1) and group DMs (up to 25 people) — channels outside any
 * community, whose members are listed on the channel itself.
 *
 * Starting a 1:1 DM with someone you already have one with returns that one. Anyone in a DM may
 * do everything a message needs and nothing that manages (DM_PERMISSIONS). There is deliberately
 * no route here, or anywhere, by which a community or instance admin reads, edits, deletes or
 * joins other people's DMs (issue 5, item 7); messages themselves travel end-to-end encrypted
 * over the channel socket and the server cannot read them.
 */
import { Hono } from 'hono';
import { CreateDmRequest } from '../../protocol/communities';
import { ApiError } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { digest, newId } from '../auth/secrets';
import { noStore, requireAuth } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { notifyRooms } from '../rooms';
import type { Channel, Storage } from '../storage/Storage';
import { isStorageError } from '../storage/StorageError';

function dmView(ch: Channel, memberIds: string[]) {
  return { id: ch.id, kind: ch.kind, createdAt: ch.createdAt, memberIds };
}

/**
 * A 1:1 DM's channel id, derived from the pair: two "start a DM" calls racing each other insert
 * the same primary key, so one of them creates the channel and the other finds it. (Group DMs
 * and DMs made before this rule have random ids; `existingDm` still finds those.)
 */
export function pairChannelId(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return `dm${digest(`chatalot-dm:${x}:${y}`).slice(0, 30)}`;
}

/** The existing 1:1 DM between `me` and `other`, if any. */
async function existingDm(storage: Storage, me: string, other: string): Promise<{ channel: Channel; members: string[] } | null> {
  for (const ch of await storage.listDirectChannels(me)) {
    if (ch.kind !== 'dm') continue;
    const members = await storage.listChannelMembers(ch.id);
    if (members.length === 2 && members.includes(other)) return { channel: ch, members };
  }
  return null;
}

export const dmRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .post('/', async (c) => {
    const body = await jsonBody(c, CreateDmRequest);
    const me = c.var.auth.user.id;
    const others = [...new Set(body.userIds)];
    if (others.includes(me)) throw new ApiError('validation_failed', 'userIds: list the other people, not yourself');
    const storage = await c.var.storage();
    const users = await Promise.all(others.map((id) => storage.getUserById(id)));
    if (users.some((u) => !u)) throw new ApiError('not_found', 'no such user');
    if (others.length === 1) {
      const existing = await existingDm(storage, me, others[0]!);
      if (existing) return c.json({ channel: dmView(existing.channel, existing.members) }, 200);
    }
    const now = c.var.now();
    const members = [me, ...others];
    const pair = others.length === 1;
    try {
      const channel = await storage.createDirectChannel(
        { id: pair ? pairChannelId(me, others[0]!) : newId(), communityId: null, groupId: null, kind: pair ? 'dm' : 'group_dm', name: '', position: 0, createdAt: now, archivedAt: null, slowModeSeconds: 0 },
        members,
        now,
      );
      return c.json({ channel: dmView(channel, members) }, 201);
    } catch (e) {
      // The other call of a race created it first.
      const existing = pair && isStorageError(e) && e.code === 'conflict' ? await existingDm(storage, me, others[0]!) : null;
      if (!existing) throw e;
      return c.json({ channel: dmView(existing.channel, existing.members) }, 200);
    }
  })

  .get('/', async (c) => {
    const storage = await c.var.storage();
    const channels = await storage.listDirectChannels(c.var.auth.user.id);
    return c.json({ dms: await Promise.all(channels.map(async (ch) => dmView(ch, await storage.listChannelMembers(ch.id)))) });
  })

  .delete('/:id/members/me', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    const access = await storage.channelAccess(c.req.param('id'), me);
    if (!access || access.channel.communityId !== null || !access.directMember) throw new ApiError('not_found', 'no such DM');
    if (access.channel.kind === 'dm') throw new ApiError('conflict', 'a 1:1 DM cannot be left; only group DMs can');
    await storage.removeChannelMember(access.channel.id, me);
    await notifyRooms(c.env, [access.channel.id], { kind: 'removed', userId: me, reason: 'left' });
    return c.body(null, 204);
  });
