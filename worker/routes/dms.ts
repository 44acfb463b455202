/**
 * `/api/dms`: direct messages (1:1) and group DMs (up to 25 people) — channels outside any
 * community, whose members are listed on the channel itself.
 *
 * Starting a 1:1 DM with someone you already have one with returns that one. Anyone in a DM may
 * do everything a message needs and nothing that manages (DM_PERMISSIONS).
 *
 * Consent (hardening #11.8): a DM reaches someone directly only if their `dmPolicy` allows it —
 * `everyone`, `communities` (the default: people who share a community with them), or
 * `requests` (nobody). Otherwise it arrives as a request they accept or decline, and until
 * someone accepts, its starter can read it but not send, is not told whether it was declined,
 * and neither side's hub treats the two as sharing anything (no presence, no key deliveries, no
 * prekeys). Declining, or leaving a 1:1 DM, blocks it: the other side's new messages and requests
 * never reach you, until you accept it again. There is deliberately
 * no route here, or anywhere, by which a community or instance admin reads, edits, deletes or
 * joins other people's DMs (issue 5, item 7); messages themselves travel end-to-end encrypted
 * over the channel socket and the server cannot read them.
 */
import { Hono, type Context } from 'hono';
import { CreateDmRequest, UpdateDmRequest } from '../../protocol/communities';
import { ApiError } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { digest, newId } from '../auth/secrets';
import { noStore, requireAuth, requireNotQuarantined } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { notifyRooms } from '../rooms';
import { announceListChange, forgetFollowers, storageDirectory } from '../hubs';
import { inBackground } from '../middleware/listChanges';
import type { Channel, DirectMemberState, Storage, User } from '../storage/Storage';
import { permissionsIn } from '../auth/access';
import { isStorageError } from '../storage/StorageError';
import { dropImage, storeImage } from './images';

/**
 * A DM as `viewer` sees it: who has accepted it (`memberIds`) and whom it is still waiting for
 * (`pendingIds`: requests not yet answered and declined ones alike, so a starter never learns
 * they were declined).
 */
function dmView(ch: Channel, states: DirectMemberState[]) {
  return {
    id: ch.id,
    kind: ch.kind,
    createdAt: ch.createdAt,
    iconId: ch.iconId ?? null,
    accent: ch.accent ?? null,
    disappearSeconds: ch.disappearSeconds ?? null,
    memberIds: states.filter((m) => m.acceptedAt !== null).map((m) => m.userId),
    pendingIds: states.filter((m) => m.acceptedAt === null).map((m) => m.userId),
  };
}

/** Whether `to` takes a DM from `from` without a request, by `to`'s setting. */
async function takesDirectly(storage: Storage, from: string, to: User): Promise<boolean> {
  if (to.dmPolicy === 'everyone') return true;
  if (to.dmPolicy === 'requests') return false;
  const [mine, theirs] = await Promise.all([storage.listCommunitiesForUser(from), storage.listCommunitiesForUser(to.id)]);
  const shared = new Set(mine.map((c) => c.id));
  return theirs.some((c) => shared.has(c.id));
}

/** Tells the DM's room that whether its members may send changed (someone accepted or declined). */
async function refreshSending(c: Context<AppEnv>, storage: Storage, channelId: string): Promise<void> {
  const now = c.var.now();
  for (const m of await storage.directMemberStates(channelId)) {
    if (m.acceptedAt === null) continue;
    await notifyRooms(c.env, [channelId], { kind: 'permissions', userId: m.userId, permissions: permissionsIn(await storage.channelAccess(channelId, m.userId), now), rank: 0 });
  }
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

/** The existing 1:1 DM between `me` and `other`, if any, whatever either has answered. */
async function existingDm(storage: Storage, me: string, other: string): Promise<{ channel: Channel; states: DirectMemberState[] } | null> {
  for (const ch of await storage.listDirectChannels(me, { all: true })) {
    if (ch.kind !== 'dm') continue;
    const states = await storage.directMemberStates(ch.id);
    if (states.length === 2 && states.some((m) => m.userId === other)) return { channel: ch, states };
  }
  return null;
}

/** The DM `id` with `me` on its list, or 404. */
async function ownDm(storage: Storage, id: string, me: string): Promise<{ channel: Channel; states: DirectMemberState[]; mine: DirectMemberState }> {
  const channel = await storage.getChannel(id);
  const states = channel && channel.communityId === null ? await storage.directMemberStates(channel.id) : [];
  const mine = states.find((m) => m.userId === me);
  if (!channel || !mine) throw new ApiError('not_found', 'no such DM');
  return { channel, states, mine };
}

/** Tells these users' devices to re-read their DM list (the hub's `changed` frame). */
const tellDms = (c: Context<AppEnv>, users: string[]) => inBackground(c, announceListChange(c.env, users, { scope: 'dms' }));

/**
 * A group DM whose look the caller may change: any member who has accepted it (a 1:1 DM has the
 * other person's avatar instead, so it has none of its own).
 */
async function ownGroupDm(storage: Storage, id: string, me: string) {
  const dm = await ownDm(storage, id, me);
  if (dm.mine.acceptedAt === null) throw new ApiError('not_found', 'no such DM');
  if (dm.channel.kind !== 'group_dm') throw new ApiError('conflict', 'only a group DM has an icon and accent of its own');
  return dm;
}

/** Sets (from the request body) or removes a group DM's icon; the one replaced is deleted. */
async function setGroupIcon(c: Context<AppEnv>, set: boolean) {
  const storage = await c.var.storage();
  const dm = await ownGroupDm(storage, c.req.param('id')!, c.var.auth.user.id);
  const iconId = set ? await storeImage(c, 'icon') : null;
  await storage.updateChannelLook(dm.channel.id, { iconId });
  await dropImage(c.env, storage, dm.channel.iconId);
  await tellDms(c, dm.states.map((m) => m.userId));
  return c.json({ channel: dmView({ ...dm.channel, iconId }, dm.states) });
}

export const dmRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .post('/', async (c) => {
    requireNotQuarantined(c.var.auth.user, 'start conversations');
    const body = await jsonBody(c, CreateDmRequest);
    const me = c.var.auth.user.id;
    const others = [...new Set(body.userIds)];
    if (others.includes(me)) throw new ApiError('validation_failed', 'userIds: list the other people, not yourself');
    const storage = await c.var.storage();
    const users = await Promise.all(others.map((id) => storage.getUserById(id)));
    if (users.some((u) => !u)) throw new ApiError('not_found', 'no such user');
    // Blocking (issue #16): no conversation starts between two people with a block between them.
    const blocked = await storage.blockedEitherWay(me, others);
    if (blocked.length > 0) {
      const mine = new Set((await storage.listBlocks(me)).map((b) => b.userId));
      const name = (id: string) => users.find((u) => u!.id === id)!.username;
      const [first] = [...blocked];
      throw new ApiError('forbidden', mine.has(first!) ? `you blocked ${name(first!)}; unblock them to start a conversation` : `${name(first!)} is not accepting messages from you`);
    }
    const now = c.var.now();
    if (others.length === 1) {
      const existing = await existingDm(storage, me, others[0]!);
      if (existing) {
        // Starting a DM someone asked you for is accepting their request.
        const mine = existing.states.find((m) => m.userId === me)!;
        if (mine.acceptedAt === null) {
          await storage.setDirectMemberState(existing.channel.id, me, 'accepted', now);
          await refreshSending(c, storage, existing.channel.id);
          await tellDms(c, existing.states.map((m) => m.userId));
        }
        return c.json({ channel: dmView(existing.channel, await storage.directMemberStates(existing.channel.id)) }, 200);
      }
    }
    const members = [me, ...others];
    const pending: string[] = [];
    for (const u of users) if (!(await takesDirectly(storage, me, u!))) pending.push(u!.id);
    const pair = others.length === 1;
    try {
      const channel = await storage.createDirectChannel(
        { id: pair ? pairChannelId(me, others[0]!) : newId(), communityId: null, groupId: null, kind: pair ? 'dm' : 'group_dm', name: '', position: 0, createdAt: now, archivedAt: null, slowModeSeconds: 0 },
        members,
        now,
        pending,
      );
      // Everyone's list shows it within a second: as a conversation, or as a request to answer.
      await tellDms(c, members);
      return c.json({ channel: dmView(channel, await storage.directMemberStates(channel.id)) }, 201);
    } catch (e) {
      // The other call of a race created it first.
      const existing = pair && isStorageError(e) && e.code === 'conflict' ? await existingDm(storage, me, others[0]!) : null;
      if (!existing) throw e;
      return c.json({ channel: dmView(existing.channel, existing.states) }, 200);
    }
  })

  .get('/', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    const all = await storage.listDirectChannels(me, { all: true });
    const rows = await Promise.all(all.map(async (ch) => ({ ch, states: await storage.directMemberStates(ch.id) })));
    const mine = (states: DirectMemberState[]) => states.find((m) => m.userId === me)!;
    // Requests waiting for you (declined ones stay out of sight; starting a DM with that person
    // accepts it again), each with who is asking: the recipient cannot read the DM's member list
    // before accepting, so the names come with it.
    const requests = await Promise.all(
      rows
        .filter(({ states }) => mine(states).acceptedAt === null && mine(states).declinedAt === null)
        .map(async ({ ch, states }) => {
          const view = dmView(ch, states);
          const people = await Promise.all(
            view.memberIds.map(async (id) => {
              const u = await storage.getUserById(id);
              return { userId: id, username: u?.username ?? null, displayName: u?.displayName ?? null, avatarId: u?.avatarId ?? null, statusText: u?.statusText ?? null };
            }),
          );
          return { ...view, people };
        }),
    );
    return c.json({ dms: rows.filter(({ states }) => mine(states).acceptedAt !== null).map(({ ch, states }) => dmView(ch, states)), requests });
  })

  .post('/:id/accept', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    const dm = await ownDm(storage, c.req.param('id'), me);
    if (dm.mine.acceptedAt === null) {
      await storage.setDirectMemberState(dm.channel.id, me, 'accepted', c.var.now());
      await refreshSending(c, storage, dm.channel.id);
      await tellDms(c, dm.states.map((m) => m.userId));
    }
    return c.json({ channel: dmView(dm.channel, await storage.directMemberStates(dm.channel.id)) });
  })

  // Declining a request, or leaving a 1:1 DM: you are off it until you accept it again, and its
  // other side can no longer send (a 1:1 DM) or reach your devices and presence through it.
  .post('/:id/decline', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    const dm = await ownDm(storage, c.req.param('id'), me);
    if (dm.mine.declinedAt === null) {
      const wasIn = dm.mine.acceptedAt !== null;
      await storage.setDirectMemberState(dm.channel.id, me, 'declined', c.var.now());
      if (wasIn) await notifyRooms(c.env, [dm.channel.id], { kind: 'removed', userId: me, reason: 'left' });
      await refreshSending(c, storage, dm.channel.id);
      // Those they still share a community or another DM with keep seeing their presence.
      const others = dm.states.map((m) => m.userId).filter((u) => u !== me);
      const stillShared = others.length ? await storageDirectory(c.env).sharing(me, others) : new Set<string>();
      await forgetFollowers(c.env, me, others.filter((u) => !stillShared.has(u)));
      // A request declined is not announced to its sender (they are never told); leaving a
      // conversation one was in is, as its room already says so.
      await tellDms(c, wasIn ? [me, ...others] : [me]);
    }
    return c.body(null, 204);
  })

  // A group DM's icon and accent (issue #13 item 5): any member who has accepted it.
  .put('/:id/icon', (c) => setGroupIcon(c, true))
  .delete('/:id/icon', (c) => setGroupIcon(c, false))
  // A DM's settings: a group DM's accent (issue #13), any DM's disappearing timer (issue #15);
  // any member who has accepted it may change them, as in Signal.
  .patch('/:id', async (c) => {
    const storage = await c.var.storage();
    // Who may ask first (a stranger gets 404 whatever they send), then what they ask.
    const dm = await ownDm(storage, c.req.param('id'), c.var.auth.user.id);
    if (dm.mine.acceptedAt === null) throw new ApiError('not_found', 'no such DM');
    const body = await jsonBody(c, UpdateDmRequest);
    if (body.accent !== undefined) await ownGroupDm(storage, dm.channel.id, c.var.auth.user.id);
    let channel = dm.channel;
    if (body.accent !== undefined) {
      await storage.updateChannelLook(channel.id, { accent: body.accent });
      channel = { ...channel, accent: body.accent };
    }
    if (body.disappearSeconds !== undefined && body.disappearSeconds !== (channel.disappearSeconds ?? null)) {
      await storage.updateChannel(channel.id, { disappearSeconds: body.disappearSeconds });
      await notifyRooms(c.env, [channel.id], { kind: 'disappearing', seconds: body.disappearSeconds ?? 0 });
      channel = { ...channel, disappearSeconds: body.disappearSeconds };
    }
    await tellDms(c, dm.states.map((m) => m.userId));
    return c.json({ channel: dmView(channel, dm.states) });
  })

  .delete('/:id/members/me', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    const access = await storage.channelAccess(c.req.param('id'), me);
    if (!access || access.channel.communityId !== null || !access.directMember) throw new ApiError('not_found', 'no such DM');
    if (access.channel.kind === 'dm') throw new ApiError('conflict', 'a 1:1 DM is left by declining it (POST /api/dms/{id}/decline), which also blocks it');
    await storage.removeChannelMember(access.channel.id, me);
    await notifyRooms(c.env, [access.channel.id], { kind: 'removed', userId: me, reason: 'left' });
    await tellDms(c, [me, ...(await storage.directMemberStates(access.channel.id)).map((m) => m.userId)]);
    return c.body(null, 204);
  });
