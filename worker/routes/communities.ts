/**
 * `/api/communities`: communities and what lives in them — channel groups, channels, members,
 * built-in and custom roles, timeouts, bans and community invites.
 *
 * Every decision goes through protocol/permissions.ts: community-wide actions use the member's
 * community bits (effectivePermissions without channel overrides), acting on another member also
 * needs a higher built-in rank, and nobody grants bits they do not hold themselves (ADMINISTRATOR
 * only the owner; SECURITY-TESTS Z4). Someone who is not a member — never joined, left, kicked or
 * banned — gets 404 for everything, so a community's existence does not leak. Changes to who
 * may be in or do what in a channel are pushed to the channel rooms at once (Z3).
 *
 * It does not touch DMs (worker/routes/dms.ts): no role, however high, reaches a DM from here.
 * Channel-level settings and overrides are in worker/routes/channels.ts; joining by invite is in
 * worker/routes/communityInvites.ts.
 */
import { Hono, type Context } from 'hono';
import {
  BanRequest,
  CreateChannelRequest,
  CreateCommunityInviteRequest,
  CreateCommunityRequest,
  CreateGroupRequest,
  CreatePersonalGroupRequest,
  CreateRoleRequest,
  RenameCommunityRequest,
  SetMemberRoleRequest,
  SetThemeRequest,
  TimeoutRequest,
  TransferCommunityRequest,
  UpdateGroupRequest,
  UpdatePersonalGroupRequest,
} from '../../protocol/communities';
import { ApiError } from '../../protocol/errors';
import { effectivePermissions, has, isStaff, Permission, RANK, type BuiltInRole } from '../../protocol/permissions';
import type { AppEnv } from '../app';
import { permissionsIn, permissionsInGroup, personalGroupAccess, TIMEOUT_REVOKES, QUARANTINE_MODERATION_REVOKES, rankInChannel } from '../auth/access';
import { audit } from '../auth/audit';
import { confirmPassword } from '../auth/confirmPassword';
import { base64url, newId, randomBytes } from '../auth/secrets';
import { noStore, requireAuth, requireNotQuarantined } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { announcesCommunityChanges } from '../middleware/listChanges';
import { inviteState } from './communityInvites';
import { mayInviteToInstance } from './invites';
import { notifyRooms, type RoomChange } from '../rooms';
import type { Ban, Channel, ChannelGroup, Community, Invite, Member, MemberRole, PersonalGroupAccess, Storage } from '../storage/Storage';
import { deleteFile, sweepFilesLater } from './files';
import { dropImage, storeImage } from './images';
import { EMOJI_NAME, MAX_EMOJI_PER_COMMUNITY } from '../../protocol/images';
import { CommunityModerationRequest, MAX_PURGE_PER_CHANNEL, PurgeRequest, WarnRequest } from '../../protocol/reports';
import { sanitizeCommunityCss } from '../moderation/cssSanitizer';
import { themeScope } from '../../protocol/theme';
import { REVIEW_BITS, reportViews, warnMember } from '../moderation/reports';

/** Name of the group and channel every new community starts with. */
export const FIRST_GROUP_NAME = 'General';
export const FIRST_CHANNEL_NAME = 'general';
/** Random bytes in a community invite code: 96 bits, unguessable, 16 characters of base64url. */
const INVITE_CODE_BYTES = 12;
/** How many pages of the moderation log GET /bans reads at most (see listBans below). */
const BAN_LOG_PAGES = 20;
const BAN_LOG_PAGE = 500;

type Ctx = Context<AppEnv>;

/** What the signed-in user is in one community: their membership and community-wide bits. */
export interface Standing {
  community: Community;
  member: Member;
  /** Community-wide bits: built-in role OR custom roles, no channel overrides, timeout and quarantine applied. */
  bits: number;
  /** The caller's account is quarantined (issue #16): it is staff by no role while held. */
  quarantined?: boolean;
}

const notFound = (what = 'community') => new ApiError('not_found', `no such ${what}`);
const forbidden = (message: string) => new ApiError('forbidden', message);

/**
 * The custom roles a member holds. Storage has no direct query for this yet, so it is read from
 * `channelAccess` on any channel of the community (the roles do not depend on the channel). A
 * community without channels yields none — the member then has only their built-in role's bits,
 * which fails closed.
 */
export async function customRolesOf(storage: Storage, communityId: string, userId: string, channels?: Channel[]): Promise<{ id: string; permissions: number }[]> {
  const any = (channels ?? (await storage.listChannels(communityId)))[0];
  if (!any) return [];
  return (await storage.channelAccess(any.id, userId))?.customRoles ?? [];
}

/** Community-wide bits of a member: what community routes (kick, roles, invites…) check. */
export function communityBits(member: Member, customRoles: { id: string; permissions: number }[], now: number, quarantined = false): number {
  let bits = effectivePermissions({ role: member.role, customRoles });
  if (member.timedOutUntil !== null && member.timedOutUntil > now) bits &= ~TIMEOUT_REVOKES;
  // An account held for review moderates nobody meanwhile (issue #16; auth/access.ts).
  if (quarantined) bits &= ~(TIMEOUT_REVOKES | QUARANTINE_MODERATION_REVOKES);
  return bits;
}

/** The caller's standing in community `id`; 404 when it does not exist or they are not a member. */
export async function standingIn(c: Ctx, storage: Storage, id: string): Promise<Standing> {
  const userId = c.var.auth.user.id;
  const [community, member, ban] = await Promise.all([storage.getCommunity(id), storage.getMember(id, userId), storage.getBan(id, userId)]);
  if (!community || !member || ban) throw notFound();
  const bits = communityBits(member, await customRolesOf(storage, id, userId), c.var.now(), c.var.auth.user.quarantinedAt !== null);
  return { community, member, bits, quarantined: c.var.auth.user.quarantinedAt !== null };
}

/** Throws 403 unless `bits` include `permission`. */
export function requirePermission(bits: number, permission: number, what: string): void {
  if (!has(bits, permission)) throw forbidden(`this needs the ${what} permission`);
}

/** Whether a member with built-in role `actor` may act on one with role `target`: strictly higher rank. */
export function outranks(actor: MemberRole, target: MemberRole): boolean {
  return RANK[actor as BuiltInRole] > RANK[target as BuiltInRole];
}

/**
 * Z4: whether someone holding `actorBits` (as `actorRole`) may create, grant, take away or delete
 * `bits`. Only bits they hold themselves, and ADMINISTRATOR only for the owner.
 */
export function mayGrant(actorRole: MemberRole, actorBits: number, bits: number): boolean {
  if (actorRole === 'owner') return true;
  if (bits & Permission.ADMINISTRATOR) return false;
  return (bits & ~actorBits) === 0;
}

/**
 * Throws 403 unless the actor is `userId` or outranks them: for acting on what another member
 * did (their ban, their invite). Someone no longer in the community counts as a plain member.
 */
export async function requireOutranksMember(storage: Storage, s: Standing, userId: string, action: string): Promise<void> {
  if (userId === s.member.userId) return;
  const other = await storage.getMember(s.community.id, userId);
  if (!outranks(s.member.role, other?.role ?? 'member')) throw forbidden(`you can only ${action} members whose role is below yours`);
}

/** Throws 403 unless the actor outranks the target. */
export function requireOutranks(actor: Member, target: Member, action: string): void {
  if (!outranks(actor.role, target.role)) throw forbidden(`you can only ${action} members whose role is below yours`);
}

/** Kicks `userId` out of the community (KICK, and a rank above theirs); audited, their sockets closed. */
export async function kickMember(c: Ctx, storage: Storage, s: Standing, userId: string): Promise<void> {
  requirePermission(s.bits, Permission.KICK, 'KICK');
  const target = await targetMember(storage, s.community.id, userId);
  requireOutranks(s.member, target, 'kick');
  await storage.removeMember(s.community.id, target.userId);
  await dropCustomRoles(storage, s.community.id, target.userId);
  await audit(c, 'member_kicked', c.var.auth.user.id, { communityId: s.community.id, targetId: target.userId });
  await notifyRemoved(c, (await storage.listChannels(s.community.id)).map((ch) => ch.id), target.userId, 'kicked');
}

/** Times `userId` out for `seconds` (0 lifts it): TIMEOUT, and a rank above theirs; audited, applied to open sockets. */
export async function timeOutMember(c: Ctx, storage: Storage, s: Standing, userId: string, seconds: number): Promise<{ userId: string; timedOutUntil: number | null }> {
  requirePermission(s.bits, Permission.TIMEOUT, 'TIMEOUT');
  const target = await targetMember(storage, s.community.id, userId);
  requireOutranks(s.member, target, 'time out');
  const timedOutUntil = seconds === 0 ? null : c.var.now() + seconds * 1000;
  await storage.updateMember(s.community.id, target.userId, { timedOutUntil });
  await audit(c, 'member_timed_out', c.var.auth.user.id, { communityId: s.community.id, targetId: target.userId, seconds });
  await notifyPermissions(c, storage, await storage.listChannels(s.community.id), [target.userId]);
  return { userId: target.userId, timedOutUntil };
}

/** Bans `userId` (member or not) from the community: BAN, and a rank above theirs; audited, their sockets closed. */
export async function banUser(c: Ctx, storage: Storage, s: Standing, userId: string, reason: string, expiresInSeconds?: number): Promise<Ban> {
  requirePermission(s.bits, Permission.BAN, 'BAN');
  const now = c.var.now();
  if (!(await storage.getUserById(userId))) throw notFound('user');
  // A non-member is banned as if they were a plain member: you still need a rank above that.
  const target = (await storage.getMember(s.community.id, userId)) ?? { role: 'member' as const };
  if (!outranks(s.member.role, target.role)) throw forbidden('you can only ban members whose role is below yours');
  const existing = await storage.getBan(s.community.id, userId);
  if (existing && (existing.expiresAt === null || existing.expiresAt > now)) throw new ApiError('conflict', 'this user is already banned');
  if (existing) await storage.unban(s.community.id, userId);
  const ban = await storage.banMember({
    communityId: s.community.id,
    userId,
    reason,
    bannedBy: c.var.auth.user.id,
    createdAt: now,
    expiresAt: expiresInSeconds !== undefined ? now + expiresInSeconds * 1000 : null,
  });
  await audit(c, 'member_banned', c.var.auth.user.id, { communityId: s.community.id, targetId: userId });
  await notifyRemoved(c, (await storage.listChannels(s.community.id)).map((ch) => ch.id), userId, 'banned');
  return ban;
}

/** Tells every channel of a community that `userId` is gone (kicked, banned, left, deleted). */
export async function notifyRemoved(c: Ctx, channelIds: string[], userId: string, reason: Extract<RoomChange, { kind: 'removed' }>['reason']): Promise<void> {
  await notifyRooms(c.env, channelIds, { kind: 'removed', userId, reason });
}

/** Recomputes each user's bits in each channel and pushes them to the rooms (timeouts, roles, overrides). */
export async function notifyPermissions(c: Ctx, storage: Storage, channels: Channel[], userIds: string[]): Promise<void> {
  const now = c.var.now();
  await Promise.all(
    channels.map(async (ch) => {
      // Every user's access to the channel in a few reads, not several per user (issue #21).
      const access = new Map(await storage.channelAccessMany(ch.id, userIds));
      await Promise.all(
        userIds.map((userId) => {
          const a = access.get(userId) ?? null;
          return notifyRooms(c.env, [ch.id], { kind: 'permissions', userId, permissions: permissionsIn(a, now), rank: rankInChannel(a) });
        }),
      );
    }),
  );
}

/** Removes every custom role a leaving member holds, so rejoining does not bring them back. */
async function dropCustomRoles(storage: Storage, communityId: string, userId: string): Promise<void> {
  const roles = await storage.listRoles(communityId);
  await Promise.all(roles.map((r) => storage.unassignRole(communityId, userId, r.id)));
}

export function channelView(ch: Channel, permissions?: number) {
  return {
    id: ch.id,
    communityId: ch.communityId,
    groupId: ch.groupId,
    kind: ch.kind,
    name: ch.name,
    position: ch.position,
    archived: ch.archivedAt !== null,
    archivedAt: ch.archivedAt,
    slowModeSeconds: ch.slowModeSeconds,
    callCap: ch.callCap ?? null,
    disappearSeconds: ch.disappearSeconds ?? null,
    createdAt: ch.createdAt,
    ...(permissions !== undefined ? { permissions } : {}),
  };
}

const groupView = (g: ChannelGroup) => ({
  id: g.id,
  communityId: g.communityId,
  name: g.name,
  position: g.position,
  createdAt: g.createdAt,
  ownerUserId: g.ownerUserId ?? null,
  private: g.privateAt != null,
});

/** A group as `member` sees it: its personal-group facts and their bits for it as a whole (0 = they cannot see it). */
export interface GroupStanding {
  group: ChannelGroup;
  personal: PersonalGroupAccess | null;
  bits: number;
}

/** `member`'s standing in `group`: permissionsInGroup with the group's personal-group facts. */
export async function groupStanding(storage: Storage, member: Member, customRoles: { id: string; permissions: number }[], group: ChannelGroup, now: number, quarantined = false): Promise<GroupStanding> {
  const listed = group.ownerUserId ? await storage.listGroupMembers(group.id) : [];
  const personal = personalGroupAccess(group, listed, member.userId);
  return { group, personal, bits: permissionsInGroup(member, customRoles, personal, now, quarantined) };
}

/** Group `groupId` of the community as the caller sees it; 404 when it does not exist or they cannot see it. */
async function visibleGroup(c: Ctx, storage: Storage, s: Standing, groupId: string): Promise<GroupStanding> {
  const group = (await storage.listGroups(s.community.id)).find((g) => g.id === groupId);
  if (!group) throw notFound('group');
  const gs = await groupStanding(storage, s.member, await customRolesOf(storage, s.community.id, s.member.userId), group, c.var.now(), c.var.auth.user.quarantinedAt !== null);
  if (!has(gs.bits, Permission.VIEW)) throw notFound('group');
  return gs;
}

/** A personal group the caller can see, or 404 (an ordinary group is not a personal group). */
async function visiblePersonalGroup(c: Ctx, storage: Storage, s: Standing, groupId: string): Promise<GroupStanding & { personal: PersonalGroupAccess }> {
  const gs = await visibleGroup(c, storage, s, groupId);
  if (!gs.personal) throw notFound('personal group');
  return { ...gs, personal: gs.personal };
}

/** Throws 403 unless the caller is staff for personal groups (moderator rank or MANAGE_CHANNELS). */
function requireStaff(s: Standing, action: string): void {
  if (s.quarantined || !isStaff(s.member.role as BuiltInRole, s.bits)) throw forbidden(`only moderators or members with MANAGE_CHANNELS can ${action}`);
}

/** Throws 403 unless the caller owns the personal group or is staff. */
function requireOwnerOrStaff(s: Standing, gs: GroupStanding & { personal: PersonalGroupAccess }, action: string): void {
  if (s.quarantined || (gs.personal.ownerUserId !== s.member.userId && !isStaff(s.member.role as BuiltInRole, s.bits))) throw forbidden(`only the group's owner or moderators can ${action}`);
}

/**
 * Deletes a group. A personal group takes its channels with it (they would otherwise become
 * ordinary channels and show a private group's channels to everyone); an ordinary group leaves
 * them outside any group, as before. Open sockets on deleted channels close.
 */
async function deleteGroupAndNotify(c: Ctx, storage: Storage, communityId: string, group: ChannelGroup): Promise<void> {
  if (!group.ownerUserId) {
    await storage.deleteGroup(group.id);
    return;
  }
  const [channels, members] = await Promise.all([storage.listChannels(communityId), storage.listMembers(communityId)]);
  const inGroup = channels.filter((ch) => ch.groupId === group.id);
  for (const ch of inGroup) await storage.deleteChannel(ch.id);
  await storage.deleteGroup(group.id);
  await sweepFilesLater(c, storage);
  const ids = inGroup.map((ch) => ch.id);
  if (ids.length > 0) await Promise.all(members.map((m) => notifyRemoved(c, ids, m.userId, 'deleted')));
}

/** The channels of group `groupId`. */
async function channelsOfGroup(storage: Storage, communityId: string, groupId: string): Promise<Channel[]> {
  return (await storage.listChannels(communityId)).filter((ch) => ch.groupId === groupId);
}
const communitySummary = (x: Community) => ({ id: x.id, name: x.name, ownerId: x.ownerId, createdAt: x.createdAt, iconId: x.iconId ?? null, bannerId: x.bannerId ?? null, accent: x.accent ?? null });

/** A community as `userId` sees it: groups, the channels they can VIEW with their bits in each, their role. */
export async function communityView(storage: Storage, community: Community, member: Member, now: number, quarantined = false) {
  const [groups, channels] = await Promise.all([storage.listGroups(community.id), storage.listChannels(community.id)]);
  const visible = (
    await Promise.all(channels.map(async (ch) => ({ ch, bits: permissionsIn(await storage.channelAccess(ch.id, member.userId), now) })))
  ).filter((x) => has(x.bits, Permission.VIEW));
  const customRoles = await customRolesOf(storage, community.id, member.userId, channels);
  // A private personal group is left out, like a channel without VIEW, for those who cannot see it.
  const seenGroups = (await Promise.all(groups.map((g) => groupStanding(storage, member, customRoles, g, now, quarantined)))).filter((g) => has(g.bits, Permission.VIEW)).map((g) => g.group);
  return {
    community: communitySummary(community),
    role: member.role,
    roles: customRoles.map((r) => r.id),
    permissions: communityBits(member, customRoles, now, quarantined),
    groups: seenGroups.map(groupView),
    channels: visible.map((x) => channelView(x.ch, x.bits)),
  };
}

function inviteView(i: Invite, now: number) {
  const state = inviteState(i, now);
  return { code: i.code, communityId: i.communityId, maxUses: i.maxUses, uses: i.uses, expiresAt: i.expiresAt, revokedAt: i.revokedAt, createdAt: i.createdAt, createdBy: i.createdBy, admitsNewAccounts: i.admitsNewAccounts, state };
}

/** The target member of an action, or 404. */
async function targetMember(storage: Storage, communityId: string, userId: string): Promise<Member> {
  const m = await storage.getMember(communityId, userId);
  if (!m) throw notFound('member');
  return m;
}

/**
 * Current bans of a community. Storage cannot list bans yet (only `getBan`), so this reads the
 * community's `member_banned` events from the moderation log and keeps the users still banned
 * now. Bounded by BAN_LOG_PAGES × BAN_LOG_PAGE events instance-wide; replace with
 * `Storage.listBans` when it exists.
 */
async function listBans(storage: Storage, communityId: string, now: number) {
  const candidates = new Set<string>();
  let before: number | undefined;
  for (let page = 0; page < BAN_LOG_PAGES; page++) {
    const events = await storage.listAudit({ event: 'member_banned', limit: BAN_LOG_PAGE, ...(before !== undefined ? { before } : {}) });
    for (const e of events) {
      try {
        const d = JSON.parse(e.detail) as { communityId?: string; targetId?: string };
        if (d.communityId === communityId && d.targetId) candidates.add(d.targetId);
      } catch {
        // not one of ours
      }
    }
    if (events.length < BAN_LOG_PAGE) break;
    before = events[events.length - 1]!.createdAt;
  }
  const bans = await Promise.all([...candidates].map((u) => storage.getBan(communityId, u)));
  return bans.filter((b) => b !== null && (b.expiresAt === null || b.expiresAt > now));
}

/**
 * The checks giving and taking a custom role share, in order: MANAGE_ROLES, the target is a
 * member, the role exists, the actor outranks the target, and the actor holds every bit of it.
 */
async function roleChange(c: Context<AppEnv>, acting: string, verb: string) {
  const storage = await c.var.storage();
  const s = await standingIn(c, storage, c.req.param('id')!);
  requirePermission(s.bits, Permission.MANAGE_ROLES, 'MANAGE_ROLES');
  const target = await targetMember(storage, s.community.id, c.req.param('userId')!);
  const role = (await storage.listRoles(s.community.id)).find((r) => r.id === c.req.param('roleId'));
  if (!role) throw notFound('role');
  requireOutranks(s.member, target, acting);
  if (!mayGrant(s.member.role, s.bits, role.permissions)) throw forbidden(`you can only ${verb} roles whose permissions you hold yourself`);
  return { storage, s, target, role };
}

/** Sets (from the request body) or removes a community's icon or banner; the one replaced is deleted. */
async function setCommunityImage(c: Context<AppEnv>, slot: 'icon' | 'banner', set: boolean) {
  const storage = await c.var.storage();
  const s = await standingIn(c, storage, c.req.param('id')!);
  requirePermission(s.bits, Permission.ADMINISTRATOR, 'ADMINISTRATOR');
  const id = set ? await storeImage(c, slot) : null;
  const look = slot === 'icon' ? { iconId: id } : { bannerId: id };
  await storage.updateCommunityLook(s.community.id, look);
  await dropImage(c.env, storage, slot === 'icon' ? s.community.iconId : s.community.bannerId);
  return c.json({ community: communitySummary({ ...s.community, ...look }) });
}

export const communityRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)
  .use('*', announcesCommunityChanges(async (c) => c.req.path.match(/\/api\/communities\/([A-Za-z0-9_-]{1,64})(?:\/|$)/)?.[1] ?? null))

  // ── Communities ──────────────────────────────────────────────────────────────────────────

  .post('/', async (c) => {
    const body = await jsonBody(c, CreateCommunityRequest);
    const storage = await c.var.storage();
    const now = c.var.now();
    const userId = c.var.auth.user.id;
    const community: Community = { id: newId(), name: body.name, ownerId: userId, createdAt: now };
    const group: ChannelGroup = { id: newId(), communityId: community.id, name: FIRST_GROUP_NAME, position: 0, createdAt: now };
    const channel: Channel = { id: newId(), communityId: community.id, groupId: group.id, kind: 'text', name: FIRST_CHANNEL_NAME, position: 0, createdAt: now, archivedAt: null, slowModeSeconds: 0 };
    await storage.createCommunity({ community, group, channel });
    const member = await targetMember(storage, community.id, userId);
    return c.json(await communityView(storage, community, member, now), 201);
  })

  .get('/', async (c) => {
    const storage = await c.var.storage();
    const userId = c.var.auth.user.id;
    const communities = await storage.listCommunitiesForUser(userId);
    const rows = await Promise.all(communities.map(async (x) => ({ ...communitySummary(x), role: (await storage.getMember(x.id, userId))?.role ?? 'member' })));
    return c.json({ communities: rows });
  })

  .get('/:id', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    return c.json(await communityView(storage, s.community, s.member, c.var.now(), c.var.auth.user.quarantinedAt !== null));
  })

  .patch('/:id', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.ADMINISTRATOR, 'ADMINISTRATOR');
    const body = await jsonBody(c, RenameCommunityRequest);
    if (body.name !== undefined) await storage.renameCommunity(s.community.id, body.name);
    if (body.accent !== undefined) await storage.updateCommunityLook(s.community.id, { accent: body.accent });
    return c.json({ community: communitySummary({ ...s.community, ...body }) });
  })

  // Icon and banner (issue #13 item 5): the body is the image; ADMINISTRATOR, like the name.
  .put('/:id/icon', (c) => setCommunityImage(c, 'icon', true))
  .delete('/:id/icon', (c) => setCommunityImage(c, 'icon', false))
  .put('/:id/banner', (c) => setCommunityImage(c, 'banner', true))
  .delete('/:id/banner', (c) => setCommunityImage(c, 'banner', false))

  // Custom emoji (issue #13 item 6): any member lists them; MANAGE_EMOJI adds and deletes.
  .get('/:id/emoji', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    return c.json({ emoji: await storage.listEmoji(s.community.id), max: MAX_EMOJI_PER_COMMUNITY });
  })

  .put('/:id/emoji/:name', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_EMOJI, 'MANAGE_EMOJI');
    const name = c.req.param('name');
    if (!EMOJI_NAME.test(name)) throw new ApiError('validation_failed', 'an emoji name is 2–32 lowercase letters, digits or underscores');
    const imageId = await storeImage(c, 'emoji');
    const emoji = { name, imageId, createdBy: c.var.auth.user.id, createdAt: c.var.now() };
    const result = await storage.addEmoji(s.community.id, emoji, MAX_EMOJI_PER_COMMUNITY);
    if (result !== 'added') {
      await dropImage(c.env, storage, imageId);
      throw result === 'exists' ? new ApiError('conflict', `:${name}: already exists here; delete it first to replace it`) : new ApiError('quota_exceeded', `a community may have at most ${MAX_EMOJI_PER_COMMUNITY} custom emoji`);
    }
    await audit(c, 'emoji_added', c.var.auth.user.id, { communityId: s.community.id, name });
    return c.json({ emoji }, 201);
  })

  .delete('/:id/emoji/:name', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_EMOJI, 'MANAGE_EMOJI');
    const imageId = await storage.deleteEmoji(s.community.id, c.req.param('name'));
    if (!imageId) throw notFound('emoji');
    await dropImage(c.env, storage, imageId);
    await audit(c, 'emoji_deleted', c.var.auth.user.id, { communityId: s.community.id, name: c.req.param('name') });
    return c.body(null, 204);
  })

  .post('/:id/transfer', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    if (s.member.role !== 'owner') throw forbidden('only the owner can transfer the community');
    const body = await jsonBody(c, TransferCommunityRequest);
    const me = c.var.auth.user.id;
    if (body.userId === me) throw new ApiError('conflict', 'you already own this community');
    const target = await targetMember(storage, s.community.id, body.userId);
    await confirmPassword(c, body.password);
    if (!(await storage.transferCommunity(s.community.id, me, target.userId))) throw new ApiError('conflict', 'the community changed meanwhile; reload and try again');
    await audit(c, 'ownership_transferred', me, { communityId: s.community.id, targetId: target.userId });
    await notifyPermissions(c, storage, await storage.listChannels(s.community.id), [me, target.userId]);
    return c.json({ community: communitySummary({ ...s.community, ownerId: target.userId }), previousOwnerRole: 'admin' });
  })

  .delete('/:id', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    if (s.member.role !== 'owner') throw forbidden('only the owner can delete a community');
    const [channels, members] = await Promise.all([storage.listChannels(s.community.id), storage.listMembers(s.community.id)]);
    const emoji = await storage.listEmoji(s.community.id);
    await storage.deleteCommunity(s.community.id);
    for (const id of [s.community.iconId, s.community.bannerId, ...emoji.map((e) => e.imageId)]) await dropImage(c.env, storage, id);
    await sweepFilesLater(c, storage);
    await audit(c, 'community_deleted', c.var.auth.user.id, { communityId: s.community.id });
    // The rows are gone; close every socket still open on the community's channels.
    const ids = channels.map((ch) => ch.id);
    await Promise.all(members.map((m) => notifyRemoved(c, ids, m.userId, 'deleted')));
    return c.body(null, 204);
  })

  // ── Groups ───────────────────────────────────────────────────────────────────────────────

  .post('/:id/groups', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    const body = await jsonBody(c, CreateGroupRequest);
    const groups = await storage.listGroups(s.community.id);
    const group = await storage.createGroup({ id: newId(), communityId: s.community.id, name: body.name, position: Math.max(-1, ...groups.map((g) => g.position)) + 1, createdAt: c.var.now() });
    return c.json({ group: groupView(group) }, 201);
  })

  .patch('/:id/groups/:groupId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    const body = await jsonBody(c, UpdateGroupRequest);
    const group = (await storage.listGroups(s.community.id)).find((g) => g.id === c.req.param('groupId'));
    if (!group) throw notFound('group');
    await storage.updateGroup(group.id, body);
    return c.json({ group: groupView({ ...group, ...body }) });
  })

  .delete('/:id/groups/:groupId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    const group = (await storage.listGroups(s.community.id)).find((g) => g.id === c.req.param('groupId'));
    if (!group) throw notFound('group');
    await deleteGroupAndNotify(c, storage, s.community.id, group);
    if (group.ownerUserId) await audit(c, 'personal_group_deleted', c.var.auth.user.id, { communityId: s.community.id, groupId: group.id });
    return c.body(null, 204);
  })

  // ── Personal groups (docs/permissions.md) ──────────────────────────────────────────────

  .post('/:id/personal-groups', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requireStaff(s, 'create personal groups');
    const body = await jsonBody(c, CreatePersonalGroupRequest);
    const owner = await targetMember(storage, s.community.id, body.userId);
    const now = c.var.now();
    const groups = await storage.listGroups(s.community.id);
    const group = await storage.createGroup({
      id: newId(),
      communityId: s.community.id,
      name: body.name,
      position: Math.max(-1, ...groups.map((g) => g.position)) + 1,
      createdAt: now,
      ownerUserId: owner.userId,
      privateAt: now,
    });
    await audit(c, 'personal_group_created', c.var.auth.user.id, { communityId: s.community.id, groupId: group.id, targetId: owner.userId });
    return c.json({ group: groupView(group) }, 201);
  })

  .patch('/:id/personal-groups/:groupId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const gs = await visiblePersonalGroup(c, storage, s, c.req.param('groupId'));
    const body = await jsonBody(c, UpdatePersonalGroupRequest);
    requireOwnerOrStaff(s, gs, 'rename a personal group');
    // Privacy stays with moderators: the owner cannot open their group to the community.
    if (body.private !== undefined) requireStaff(s, "change a personal group's privacy");
    const patch: { name?: string; privateAt?: number | null } = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.private !== undefined && body.private !== gs.personal.private) patch.privateAt = body.private ? c.var.now() : null;
    await storage.updateGroup(gs.group.id, patch);
    if (patch.privateAt !== undefined) {
      await audit(c, 'personal_group_privacy', c.var.auth.user.id, { communityId: s.community.id, groupId: gs.group.id, private: body.private === true });
      const members = await storage.listMembers(s.community.id);
      await notifyPermissions(c, storage, await channelsOfGroup(storage, s.community.id, gs.group.id), members.map((m) => m.userId));
    }
    return c.json({ group: groupView({ ...gs.group, ...patch }) });
  })

  .delete('/:id/personal-groups/:groupId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const gs = await visiblePersonalGroup(c, storage, s, c.req.param('groupId'));
    requireStaff(s, 'delete personal groups');
    await deleteGroupAndNotify(c, storage, s.community.id, gs.group);
    await audit(c, 'personal_group_deleted', c.var.auth.user.id, { communityId: s.community.id, groupId: gs.group.id });
    return c.body(null, 204);
  })

  .get('/:id/personal-groups/:groupId/members', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const gs = await visiblePersonalGroup(c, storage, s, c.req.param('groupId'));
    const ids = await storage.listGroupMembers(gs.group.id);
    const users = await Promise.all(ids.map((id) => storage.getUserById(id)));
    return c.json({ ownerUserId: gs.personal.ownerUserId, members: ids.map((userId, i) => ({ userId, username: users[i]?.username ?? null, displayName: users[i]?.displayName ?? null, avatarId: users[i]?.avatarId ?? null, bannerId: users[i]?.bannerId ?? null })) });
  })

  .put('/:id/personal-groups/:groupId/members/:userId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const gs = await visiblePersonalGroup(c, storage, s, c.req.param('groupId'));
    requireOwnerOrStaff(s, gs, "change a personal group's members");
    // Only people already in the community: inviting new people stays with MANAGE_INVITES.
    const target = await targetMember(storage, s.community.id, c.req.param('userId'));
    await storage.addGroupMember(gs.group.id, target.userId, c.var.now());
    await audit(c, 'personal_group_member_added', c.var.auth.user.id, { communityId: s.community.id, groupId: gs.group.id, targetId: target.userId });
    await notifyPermissions(c, storage, await channelsOfGroup(storage, s.community.id, gs.group.id), [target.userId]);
    return c.body(null, 204);
  })

  .delete('/:id/personal-groups/:groupId/members/:userId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const gs = await visiblePersonalGroup(c, storage, s, c.req.param('groupId'));
    requireOwnerOrStaff(s, gs, "change a personal group's members");
    const userId = c.req.param('userId');
    // Staff acting on someone else's group go through rank like every moderation action.
    if (gs.personal.ownerUserId !== s.member.userId) await requireOutranksMember(storage, s, userId, "remove from a personal group");
    if (!(await storage.removeGroupMember(gs.group.id, userId))) throw notFound('group member');
    await audit(c, 'personal_group_member_removed', c.var.auth.user.id, { communityId: s.community.id, groupId: gs.group.id, targetId: userId });
    // Bits of 0 close their sockets on the group's channels at once.
    await notifyPermissions(c, storage, await channelsOfGroup(storage, s.community.id, gs.group.id), [userId]);
    return c.body(null, 204);
  })

  // ── Channels ─────────────────────────────────────────────────────────────────────────────

  .post('/:id/channels', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const body = await jsonBody(c, CreateChannelRequest);
    // In a group, the caller's bits for that group decide (a personal group's owner holds
    // MANAGE_CHANNELS there); outside any group, their community bits.
    const bits = body.groupId !== undefined ? (await visibleGroup(c, storage, s, body.groupId)).bits : s.bits;
    requirePermission(bits, Permission.MANAGE_CHANNELS, 'MANAGE_CHANNELS');
    const channels = await storage.listChannels(s.community.id);
    const channel = await storage.createChannel({
      id: newId(),
      communityId: s.community.id,
      groupId: body.groupId ?? null,
      kind: body.kind,
      name: body.name,
      position: Math.max(-1, ...channels.map((ch) => ch.position)) + 1,
      createdAt: c.var.now(),
      archivedAt: null,
      slowModeSeconds: 0,
    });
    const channelBits = permissionsIn(await storage.channelAccess(channel.id, c.var.auth.user.id), c.var.now());
    return c.json({ channel: channelView(channel, channelBits) }, 201);
  })

  // ── Members ──────────────────────────────────────────────────────────────────────────────

  .get('/:id/members', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const [members, channels] = await Promise.all([storage.listMembers(s.community.id), storage.listChannels(s.community.id)]);
    // A few reads for every member at once (issue #21): per member, a community of 250 cost
    // about 2,000 storage round trips each time a member list was opened.
    const ids = members.map((m) => m.userId);
    const [users, access] = await Promise.all([storage.getUsersByIds(ids), channels[0] ? storage.channelAccessMany(channels[0].id, ids) : Promise.resolve([])]);
    const userOf = new Map(users.map((u) => [u.id, u]));
    const rolesOf = new Map(access.map(([userId, a]) => [userId, a.customRoles]));
    const rows = members.map((m) => {
      const user = userOf.get(m.userId);
      return { userId: m.userId, username: user?.username ?? null, displayName: user?.displayName ?? null, avatarId: user?.avatarId ?? null, bannerId: user?.bannerId ?? null, statusText: user?.statusText ?? null, role: m.role, joinedAt: m.joinedAt, timedOutUntil: m.timedOutUntil, roles: (rolesOf.get(m.userId) ?? []).map((r) => r.id) };
    });
    return c.json({ members: rows });
  })

  .delete('/:id/members/me', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    if (s.member.role === 'owner') throw new ApiError('conflict', 'the owner cannot leave; transfer the community to another member first, or delete it');
    const userId = c.var.auth.user.id;
    await storage.removeMember(s.community.id, userId);
    await dropCustomRoles(storage, s.community.id, userId);
    await notifyRemoved(c, (await storage.listChannels(s.community.id)).map((ch) => ch.id), userId, 'left');
    return c.body(null, 204);
  })

  .delete('/:id/members/:userId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    await kickMember(c, storage, s, c.req.param('userId'));
    return c.body(null, 204);
  })

  .patch('/:id/members/:userId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_ROLES, 'MANAGE_ROLES');
    const body = await jsonBody(c, SetMemberRoleRequest);
    const target = await targetMember(storage, s.community.id, c.req.param('userId'));
    requireOutranks(s.member, target, 'change the role of');
    if (body.role === 'admin' && s.member.role !== 'owner') throw forbidden('only the owner can make admins');
    if (!outranks(s.member.role, body.role)) throw forbidden('you can only give roles below your own');
    await storage.updateMember(s.community.id, target.userId, { role: body.role });
    await audit(c, 'role_changed', c.var.auth.user.id, { communityId: s.community.id, targetId: target.userId, from: target.role, to: body.role });
    await notifyPermissions(c, storage, await storage.listChannels(s.community.id), [target.userId]);
    return c.json({ userId: target.userId, role: body.role });
  })

  .post('/:id/members/:userId/timeout', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const body = await jsonBody(c, TimeoutRequest);
    return c.json(await timeOutMember(c, storage, s, c.req.param('userId'), body.seconds));
  })

  // ── Theme (issue #16 item 8): custom CSS, sanitized here, applied by members' clients ─────

  .get('/:id/theme', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const theme = await storage.getCommunityTheme(s.community.id);
    // Members get what their clients apply; the text as written is for those who may edit it.
    return c.json({ css: theme.css, ...(has(s.bits, Permission.ADMINISTRATOR) ? { source: theme.source } : {}) });
  })

  .put('/:id/theme', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.ADMINISTRATOR, 'ADMINISTRATOR');
    const body = await jsonBody(c, SetThemeRequest);
    let result: { css: string; removed: string[] };
    try {
      result = sanitizeCommunityCss(body.css, { scope: themeScope(s.community.id), blobUrlPrefix: '/api/images/' });
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError('validation_failed', `css: ${e.message}`);
      throw e;
    }
    const empty = body.css.trim() === '';
    await storage.setCommunityTheme(s.community.id, empty ? { source: null, css: null } : { source: body.css, css: result.css });
    await audit(c, 'community_theme_changed', c.var.auth.user.id, { communityId: s.community.id, bytes: result.css.length, removed: result.removed.length });
    return c.json({ css: empty ? null : result.css, removed: result.removed });
  })

  // ── Reports and warnings (issue #16) ─────────────────────────────────────────────────────

  .get('/:id/reports', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    if ((s.bits & REVIEW_BITS) === 0) throw forbidden('reviewing reports needs MANAGE_MESSAGES, KICK, BAN or TIMEOUT');
    const before = Number(c.req.query('before'));
    const reports = await storage.listReports({ queue: 'community', communityId: s.community.id, open: c.req.query('status') !== 'closed', ...(before > 0 ? { before } : {}), limit: 50 });
    return c.json({ reports: await reportViews(storage, reports) });
  })

  .post('/:id/members/:userId/warnings', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const body = await jsonBody(c, WarnRequest);
    return c.json({ warning: await warnMember(c, storage, s, c.req.param('userId'), body.reason) }, 201);
  })

  .post('/:id/members/:userId/purge', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_MESSAGES, 'MANAGE_MESSAGES');
    const body = await jsonBody(c, PurgeRequest);
    const userId = c.req.param('userId');
    // A member, or someone banned from here (ban, then purge): anyone else is not this community's business.
    const [member, ban] = await Promise.all([storage.getMember(s.community.id, userId), storage.getBan(s.community.id, userId)]);
    if (!member && !ban) throw notFound('member');
    // A banned user is purged as a plain member: you still need a rank above that.
    const target = member ?? { role: 'member' as const };
    if (userId !== c.var.auth.user.id && !outranks(s.member.role, target.role)) throw forbidden('you can only purge the messages of members whose role is below yours');
    const all = await storage.listChannels(s.community.id);
    const channels = body.channelId === undefined ? all : all.filter((ch) => ch.id === body.channelId);
    if (channels.length === 0) throw notFound('channel');
    const since = body.since ?? 0;
    const until = body.until ?? c.var.now();
    const counts = await Promise.all(
      channels.map(async (ch) => ({
        channelId: ch.id,
        count: await c.env.CHANNEL_ROOM.get(c.env.CHANNEL_ROOM.idFromName(ch.id)).purge(userId, since, until, c.var.auth.user.id, MAX_PURGE_PER_CHANNEL, body.dryRun === true),
        // Their files go too. Which message holds which file is inside the ciphertext, so the
        // server takes what the member began uploading there in the same window: a file whose
        // upload began before `since`, for a message sent after it, stays (docs/permissions.md).
        files: await storage.listFilesBy(ch.id, userId, since, until, MAX_PURGE_PER_CHANNEL),
      })),
    );
    if (!body.dryRun) for (const x of counts) for (const f of x.files) await deleteFile(c.env, storage, f);
    const count = counts.reduce((n, x) => n + x.count, 0);
    const files = counts.reduce((n, x) => n + x.files.length, 0);
    const more = counts.some((x) => x.count >= MAX_PURGE_PER_CHANNEL || x.files.length >= MAX_PURGE_PER_CHANNEL);
    if (!body.dryRun) await audit(c, 'messages_purged', c.var.auth.user.id, { communityId: s.community.id, targetId: userId, count, files, since, until, ...(body.channelId ? { channelId: body.channelId } : {}) });
    return c.json({ count, files, more, dryRun: body.dryRun === true, channels: counts.filter((x) => x.count > 0 || x.files.length > 0).map((x) => ({ channelId: x.channelId, count: x.count, files: x.files.length })) });
  })

  .get('/:id/members/:userId/warnings', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    if ((s.bits & REVIEW_BITS) === 0) throw forbidden('reading warnings needs MANAGE_MESSAGES, KICK, BAN or TIMEOUT');
    const warnings = await storage.listWarnings(c.req.param('userId'), s.community.id);
    // Someone who never was a member here (nor warned here) is not this community's business.
    if (warnings.length === 0 && !(await storage.getMember(s.community.id, c.req.param('userId')))) throw notFound('member');
    return c.json({ warnings });
  })

  .get('/:id/moderation', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    if ((s.bits & REVIEW_BITS) === 0) throw forbidden('this needs MANAGE_MESSAGES, KICK, BAN or TIMEOUT');
    return c.json(await storage.getCommunityModeration(s.community.id));
  })

  .put('/:id/moderation', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.ADMINISTRATOR, 'ADMINISTRATOR');
    const body = await jsonBody(c, CommunityModerationRequest);
    await storage.setCommunityModeration(s.community.id, body);
    return c.json(body);
  })

  // ── Bans ─────────────────────────────────────────────────────────────────────────────────

  .post('/:id/bans', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    const body = await jsonBody(c, BanRequest);
    return c.json({ ban: await banUser(c, storage, s, body.userId, body.reason ?? '', body.expiresInSeconds) }, 201);
  })

  .get('/:id/bans', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.BAN, 'BAN');
    return c.json({ bans: await listBans(storage, s.community.id, c.var.now()) });
  })

  .delete('/:id/bans/:userId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.BAN, 'BAN');
    const ban = await storage.getBan(s.community.id, c.req.param('userId'));
    if (!ban) throw notFound('ban');
    // A ban stands against anyone below whoever imposed it: a moderator cannot lift the owner's.
    await requireOutranksMember(storage, s, ban.bannedBy, 'lift bans imposed by');
    if (!(await storage.unban(s.community.id, ban.userId))) throw notFound('ban');
    await audit(c, 'member_unbanned', c.var.auth.user.id, { communityId: s.community.id, targetId: c.req.param('userId') });
    return c.body(null, 204);
  })

  // ── Custom roles ─────────────────────────────────────────────────────────────────────────

  .post('/:id/roles', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_ROLES, 'MANAGE_ROLES');
    const body = await jsonBody(c, CreateRoleRequest);
    if (!mayGrant(s.member.role, s.bits, body.permissions)) throw forbidden('a role may only hold permissions you hold yourself (ADMINISTRATOR: owner only)');
    const roles = await storage.listRoles(s.community.id);
    const role = await storage.createRole({ id: newId(), communityId: s.community.id, name: body.name, permissions: body.permissions, position: Math.max(-1, ...roles.map((r) => r.position)) + 1 });
    await audit(c, 'role_created', c.var.auth.user.id, { communityId: s.community.id, roleId: role.id, permissions: role.permissions });
    return c.json({ role }, 201);
  })

  .get('/:id/roles', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    return c.json({ roles: await storage.listRoles(s.community.id) });
  })

  .delete('/:id/roles/:roleId', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_ROLES, 'MANAGE_ROLES');
    const role = (await storage.listRoles(s.community.id)).find((r) => r.id === c.req.param('roleId'));
    if (!role) throw notFound('role');
    if (!mayGrant(s.member.role, s.bits, role.permissions)) throw forbidden('you can only delete roles whose permissions you hold yourself');
    const [channels, members] = await Promise.all([storage.listChannels(s.community.id), storage.listMembers(s.community.id)]);
    await storage.deleteRole(s.community.id, role.id);
    await audit(c, 'role_deleted', c.var.auth.user.id, { communityId: s.community.id, roleId: role.id });
    await notifyPermissions(c, storage, channels, members.map((m) => m.userId));
    return c.body(null, 204);
  })

  .put('/:id/members/:userId/roles/:roleId', async (c) => {
    const { storage, s, target, role } = await roleChange(c, 'give roles to', 'give');
    await storage.assignRole(s.community.id, target.userId, role.id);
    await audit(c, 'role_assigned', c.var.auth.user.id, { communityId: s.community.id, targetId: target.userId, roleId: role.id });
    await notifyPermissions(c, storage, await storage.listChannels(s.community.id), [target.userId]);
    return c.body(null, 204);
  })

  .delete('/:id/members/:userId/roles/:roleId', async (c) => {
    const { storage, s, target, role } = await roleChange(c, 'take roles from', 'take away');
    if (!(await storage.unassignRole(s.community.id, target.userId, role.id))) throw notFound('role assignment');
    await audit(c, 'role_unassigned', c.var.auth.user.id, { communityId: s.community.id, targetId: target.userId, roleId: role.id });
    await notifyPermissions(c, storage, await storage.listChannels(s.community.id), [target.userId]);
    return c.body(null, 204);
  })

  // ── Invites ──────────────────────────────────────────────────────────────────────────────

  .post('/:id/invites', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requireNotQuarantined(c.var.auth.user, 'invite people');
    requirePermission(s.bits, Permission.MANAGE_INVITES, 'MANAGE_INVITES');
    const body = await jsonBody(c, CreateCommunityInviteRequest);
    // A link that also creates accounts is an instance invite in disguise: only those who may
    // hand out instance invites may make one.
    if (body.admitsNewAccounts && !mayInviteToInstance(c.var.auth.user.instanceRole)) {
      throw new ApiError('forbidden', 'only instance administrators can create invites that admit new accounts');
    }
    const now = c.var.now();
    const invite = await storage.createInvite({
      code: base64url(randomBytes(INVITE_CODE_BYTES)),
      communityId: s.community.id,
      createdBy: c.var.auth.user.id,
      maxUses: body.maxUses ?? null,
      uses: 0,
      expiresAt: body.expiresInSeconds !== undefined ? now + body.expiresInSeconds * 1000 : null,
      revokedAt: null,
      createdAt: now,
      admitsNewAccounts: body.admitsNewAccounts ?? false,
    });
    await audit(c, 'invite_created', c.var.auth.user.id, { communityId: s.community.id, maxUses: invite.maxUses ?? 0, ...(invite.admitsNewAccounts ? { admitsNewAccounts: true } : {}) });
    return c.json(inviteView(invite, now), 201);
  })

  .get('/:id/invites', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_INVITES, 'MANAGE_INVITES');
    const now = c.var.now();
    return c.json({ invites: (await storage.listInvites(s.community.id)).map((i) => inviteView(i, now)) });
  })

  .delete('/:id/invites/:code', async (c) => {
    const storage = await c.var.storage();
    const s = await standingIn(c, storage, c.req.param('id'));
    requirePermission(s.bits, Permission.MANAGE_INVITES, 'MANAGE_INVITES');
    const invite = await storage.getInvite(c.req.param('code'));
    if (!invite || invite.communityId !== s.community.id) throw notFound('invite');
    // Your own invites are yours to revoke; someone else's only if you outrank them.
    await requireOutranksMember(storage, s, invite.createdBy, 'revoke invites created by');
    await storage.revokeInvite(invite.code, c.var.now());
    await audit(c, 'invite_revoked', c.var.auth.user.id, { communityId: s.community.id });
    return c.body(null, 204);
  });
