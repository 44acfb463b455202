/**
 * `/api/channels`: one channel's settings (name, position, group, archive, slow mode), its
 * deletion, its permission overrides, and who can see it.
 *
 * Every check uses the caller's bits in that channel (`permissionsIn`), so a channel override can
 * grant or withhold MANAGE_CHANNELS for one channel. A channel the caller cannot see answers 404,
 * whether or not it exists. DMs and group DMs are channels too, but their fixed permissions
 * (DM_PERMISSIONS) hold no management bits, so nobody — no community or instance admin — can
 * rename, delete or override a DM here (issue 5, item 7). Creating channels is on the community
 * (worker/routes/communities.ts); leaving a DM is in worker/routes/dms.ts.
 */
import { Hono, type Context } from 'hono';
import { SetOverrideRequest, UpdateChannelRequest } from '../../protocol/communities';
import { ApiError } from '../../protocol/errors';
import { has, Permission, rankIn, RANK, type BuiltInRole } from '../../protocol/permissions';
import type { AppEnv } from '../app';
import { announcesCommunityChanges } from '../middleware/listChanges';
import { permissionsIn } from '../auth/access';
import { audit } from '../auth/audit';
import { noStore, requireAuth } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { notifyRooms } from '../rooms';
import type { Channel, ChannelAccess, Member, Storage } from '../storage/Storage';
import { channelView, communityBits, customRolesOf, groupStanding, mayGrant, notifyPermissions, notifyRemoved, requirePermission } from './communities';
import { sweepFilesLater } from './files';
import { iceServers } from '../auth/turn';
import { MAX_CALL_PARTICIPANTS } from '../../protocol/calls';

interface Seen {
  access: ChannelAccess;
  channel: Channel;
  /** The caller's bits in this channel; never 0 (that is a 404). */
  bits: number;
}

/** The channel as the caller sees it, or 404 when they cannot see it. */
async function seen(c: Context<AppEnv>, storage: Storage, id: string): Promise<Seen> {
  const access = await storage.channelAccess(id, c.var.auth.user.id);
  const bits = permissionsIn(access, c.var.now());
  if (!access || !has(bits, Permission.VIEW)) throw new ApiError('not_found', 'no such channel');
  return { access, channel: access.channel, bits };
}

/** The caller's community membership for a community channel (present whenever bits are non-zero). */
function memberOf(s: Seen): Member {
  if (!s.access.member) throw new ApiError('forbidden', 'this is not a community channel');
  return s.access.member;
}

export const channelRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)
  .use(
    '*',
    announcesCommunityChanges(async (c, storage) => {
      const id = c.req.path.match(/\/api\/channels\/([A-Za-z0-9_-]{1,64})(?:\/|$)/)?.[1];
      return id ? ((await storage.getChannel(id))?.communityId ?? null) : null;
    }),
  )

  .patch('/:id', async (c) => {
    const storage = await c.var.storage();
    const s = await seen(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    const body = await jsonBody(c, UpdateChannelRequest);
    const communityId = s.channel.communityId!;
    if (body.groupId !== undefined && body.groupId !== s.channel.groupId) {
      // Moving a channel needs MANAGE_CHANNELS where it lands too: the target group's bits, or the
      // community bits outside any group. So a personal group's owner cannot move a channel out
      // of their group, and nobody without it moves one into (or out of) a private group.
      const actor = memberOf(s);
      const customRoles = await customRolesOf(storage, communityId, actor.userId);
      let targetBits = communityBits(actor, customRoles, c.var.now(), c.var.auth.user.quarantinedAt !== null);
      if (body.groupId !== null) {
        const group = (await storage.listGroups(communityId)).find((g) => g.id === body.groupId);
        if (!group) throw new ApiError('not_found', 'no such group');
        targetBits = (await groupStanding(storage, actor, customRoles, group, c.var.now(), c.var.auth.user.quarantinedAt !== null)).bits;
        if (!has(targetBits, Permission.VIEW)) throw new ApiError('not_found', 'no such group');
      }
      requirePermission(targetBits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    }
    const patch: Partial<Pick<Channel, 'name' | 'position' | 'groupId' | 'archivedAt' | 'slowModeSeconds' | 'callCap' | 'disappearSeconds'>> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.position !== undefined) patch.position = body.position;
    if (body.groupId !== undefined) patch.groupId = body.groupId;
    if (body.slowModeSeconds !== undefined) patch.slowModeSeconds = body.slowModeSeconds;
    if (body.callCap !== undefined) patch.callCap = body.callCap;
    if (body.disappearSeconds !== undefined) patch.disappearSeconds = body.disappearSeconds;
    // Archiving keeps the first archive time; un-archiving clears it.
    if (body.archived !== undefined) patch.archivedAt = body.archived ? (s.channel.archivedAt ?? c.var.now()) : null;
    await storage.updateChannel(s.channel.id, patch);
    const updated: Channel = { ...s.channel, ...patch };
    if (body.slowModeSeconds !== undefined && body.slowModeSeconds !== s.channel.slowModeSeconds) {
      await notifyRooms(c.env, [s.channel.id], { kind: 'settings', slowModeSeconds: body.slowModeSeconds });
    }
    if (body.callCap !== undefined && body.callCap !== (s.channel.callCap ?? null)) {
      await notifyRooms(c.env, [s.channel.id], { kind: 'call-cap', callCap: body.callCap ?? MAX_CALL_PARTICIPANTS });
    }
    if (body.disappearSeconds !== undefined && body.disappearSeconds !== (s.channel.disappearSeconds ?? null)) {
      // Messages sent from now on: ones already sent keep the expiry they were stamped with.
      await notifyRooms(c.env, [s.channel.id], { kind: 'disappearing', seconds: body.disappearSeconds ?? 0 });
    }
    return c.json({ channel: channelView(updated, s.bits) });
  })

  .delete('/:id', async (c) => {
    const storage = await c.var.storage();
    const s = await seen(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    const members = await storage.listMembers(s.channel.communityId!);
    await storage.deleteChannel(s.channel.id);
    await sweepFilesLater(c, storage);
    await Promise.all(members.map((m) => notifyRemoved(c, [s.channel.id], m.userId, 'deleted')));
    return c.body(null, 204);
  })

  .put('/:id/overrides', async (c) => {
    const storage = await c.var.storage();
    const s = await seen(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_ROLES, 'MANAGE_ROLES');
    const body = await jsonBody(c, SetOverrideRequest);
    const actor = memberOf(s);
    const communityId = s.channel.communityId!;
    // Z4: you cannot allow (or deny) in a channel what you do not hold there yourself.
    if (!mayGrant(actor.role, s.bits, body.allow | body.deny)) throw new ApiError('forbidden', 'an override may only name permissions you hold in this channel');
    if (body.targetType === 'member') {
      const target = await storage.getMember(communityId, body.targetId);
      if (!target) throw new ApiError('not_found', 'no such member');
      // Inside a personal group its owner ranks above plain members and below moderators.
      const ownsGroup = s.access.personalGroup?.ownerUserId === actor.userId;
      if (rankIn(actor.role as BuiltInRole, ownsGroup) <= RANK[target.role as BuiltInRole]) throw new ApiError('forbidden', 'you can only set overrides for members whose role is below yours');
    } else {
      const role = (await storage.listRoles(communityId)).find((r) => r.id === body.targetId);
      if (!role) throw new ApiError('not_found', 'no such role');
      const actorBits = communityBits(actor, await customRolesOf(storage, communityId, actor.userId), c.var.now(), c.var.auth.user.quarantinedAt !== null);
      if (!mayGrant(actor.role, actorBits, role.permissions)) throw new ApiError('forbidden', 'you can only set overrides for roles whose permissions you hold yourself');
    }
    await storage.setChannelOverride({ channelId: s.channel.id, targetType: body.targetType, targetId: body.targetId, allow: body.allow, deny: body.deny });
    await audit(c, 'override_changed', c.var.auth.user.id, { communityId, channelId: s.channel.id, targetType: body.targetType, targetId: body.targetId, allow: body.allow, deny: body.deny });
    // Many members may be affected (a role override); recompute for everyone in the community.
    const members = await storage.listMembers(communityId);
    await notifyPermissions(c, storage, [s.channel], members.map((m) => m.userId));
    return c.body(null, 204);
  })

  // Calls (issue #14): the STUN and TURN servers for this channel's call, with TURN credentials
  // only for someone who may join it. A TURN server relays anyone holding valid credentials, so
  // they are short-lived and issued per user (the user id is in the username, for its logs).
  .get('/:id/call/ice', async (c) => {
    const storage = await c.var.storage();
    const s = await seen(c, storage, c.req.param('id'));
    if (!has(s.bits, Permission.CONNECT)) throw new ApiError('forbidden', 'joining calls in this channel needs the connect permission');
    return c.json(await iceServers(c.env, c.var.auth.user.id, c.var.now()));
  })

  // Who is in the channel's call now (each user once): what the sidebar shows under a voice channel.
  .get('/:id/call', async (c) => {
    const storage = await c.var.storage();
    const s = await seen(c, storage, c.req.param('id'));
    const userIds = await c.env.CHANNEL_ROOM.get(c.env.CHANNEL_ROOM.idFromName(s.channel.id)).callUsers();
    return c.json({ userIds });
  })

  .get('/:id/members', async (c) => {
    const storage = await c.var.storage();
    const s = await seen(c, storage, c.req.param('id'));
    const now = c.var.now();
    let rows: { userId: string; permissions: number; pending?: boolean; bot?: boolean }[];
    if (s.channel.communityId === null) {
      // A 1:1 DM lists its other side even before they accept, so the starter's client waits for
      // their keys (readable only once they accept) instead of sending to nobody; a group DM lists
      // those who accepted, and the rest get keys when they do.
      const states = await storage.directMemberStates(s.channel.id);
      const listed = s.channel.kind === 'dm' ? states : states.filter((m) => m.acceptedAt !== null);
      rows = listed.map((m) => ({ userId: m.userId, permissions: m.acceptedAt === null ? 0 : permissionsIn({ ...s.access, directMember: true }, now), ...(m.acceptedAt === null ? { pending: true } : {}) }));
    } else {
      const members = await storage.listMembers(s.channel.communityId);
      // The channel's approved encrypted webhooks (issue #17 item 4) are recipients too: their
      // bot accounts get sender keys like members, and clients mark what they post as a bot's.
      const bots = (await storage.listWebhooks(s.channel.id)).filter((w) => w.botUserId !== null && w.approvedAt !== null).map((w) => w.botUserId!);
      // A few reads for the whole community rather than several per member (issue #21).
      const access = new Map(await storage.channelAccessMany(s.channel.id, [...members.map((m) => m.userId), ...bots]));
      const withBits = [...members.map((m) => m.userId), ...bots].map((userId) => ({ userId, permissions: permissionsIn(access.get(userId) ?? null, now), ...(access.get(userId)?.bot ? { bot: true } : {}) }));
      rows = withBits.filter((m) => has(m.permissions, Permission.VIEW));
    }
    const users = new Map((await storage.getUsersByIds(rows.map((r) => r.userId))).map((u) => [u.id, u]));
    return c.json({ members: rows.map((r) => ({ ...r, username: users.get(r.userId)?.username ?? null, displayName: users.get(r.userId)?.displayName ?? null, avatarId: users.get(r.userId)?.avatarId ?? null, bannerId: users.get(r.userId)?.bannerId ?? null, statusText: users.get(r.userId)?.statusText ?? null })) });
  });
