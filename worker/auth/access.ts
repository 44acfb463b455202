/**
 * What a user may do in a channel, from storage facts: effectivePermissions for community
 * channels (with timeouts taking away what sends), the fixed DM set for direct channels, and
 * nothing for non-members, banned users or unknown channels — which callers answer with 404 so
 * a channel's existence does not leak (DESIGN invariant 4). Personal groups (docs/permissions.md)
 * are facts passed to the same function, never special cases in routes.
 */
import { DM_PERMISSIONS, effectivePermissions, Permission, rankIn, type Override, type PersonalGroupFacts } from '../../protocol/permissions';
import type { ChannelAccess, ChannelGroup, Member, PersonalGroupAccess } from '../storage/Storage';

/** Bits a timed-out member loses until the timeout ends: they may read but not speak. */
export const TIMEOUT_REVOKES = Permission.SEND | Permission.REACT | Permission.ATTACH | Permission.MENTION_EVERYONE;
/**
 * What a quarantined account (issue #16) may not do in any channel: what a timeout takes, and
 * speaking, video and screens in calls. Reading, joining calls to listen, and everything about
 * their own account stay.
 */
export const QUARANTINE_REVOKES = TIMEOUT_REVOKES | Permission.SPEAK | Permission.VIDEO | Permission.SCREEN_SHARE;
/**
 * What a quarantined account may not do as a community's moderator or admin: an account held for
 * review does not moderate others meanwhile (deleting messages, muting, kicking, banning, timing
 * out, warning, purging, reviewing reports, managing channels, roles, invites, emoji or the theme).
 */
export const QUARANTINE_MODERATION_REVOKES =
  Permission.MANAGE_MESSAGES |
  Permission.MANAGE_CHANNELS |
  Permission.MANAGE_ROLES |
  Permission.KICK |
  Permission.BAN |
  Permission.TIMEOUT |
  Permission.MANAGE_INVITES |
  Permission.MANAGE_WEBHOOKS |
  Permission.MANAGE_EMOJI |
  Permission.ADMINISTRATOR |
  Permission.MUTE_MEMBERS;

/**
 * All an encrypted webhook's bot account (issue #17 item 4) may do in its one channel: read (so
 * its client learns the members and their keys) and post. It never reacts, moderates or joins calls.
 */
export const WEBHOOK_BOT_PERMISSIONS = Permission.VIEW | Permission.SEND;

/** The personal-group facts for `userId`, or undefined for an ordinary group. */
function groupFacts(group: PersonalGroupAccess | null, userId: string): PersonalGroupFacts | undefined {
  return group ? { owner: group.ownerUserId === userId, private: group.private, listed: group.listed } : undefined;
}

export function permissionsIn(access: ChannelAccess | null, now: number): number {
  if (!access) return 0;
  // A quarantined account, and both people of a 1:1 DM with a block between them, read but do not write.
  const held = access.quarantined ? ~(QUARANTINE_REVOKES | QUARANTINE_MODERATION_REVOKES) : access.blocked ? ~QUARANTINE_REVOKES : ~0;
  // A DM nobody else has accepted yet (a request) can be read by its starter, not written to.
  if (access.channel.communityId === null) return access.directMember ? (access.directPeersAccepted === false ? Permission.VIEW : DM_PERMISSIONS & held) : 0;
  if (!access.member || access.banned) return access.bot ? WEBHOOK_BOT_PERMISSIONS & held : 0;
  const roles: Record<string, Override> = {};
  let member: Override | undefined;
  for (const o of access.overrides) {
    if (o.targetType === 'role') roles[o.targetId] = { allow: Number(o.allow), deny: Number(o.deny) };
    else if (o.targetId === access.member.userId) member = { allow: Number(o.allow), deny: Number(o.deny) };
  }
  const personalGroup = groupFacts(access.personalGroup, access.member.userId);
  let bits = effectivePermissions({
    role: access.member.role,
    customRoles: access.customRoles,
    channelOverrides: { roles, ...(member ? { member } : {}) },
    ...(personalGroup ? { personalGroup } : {}),
  });
  if (access.member.timedOutUntil !== null && access.member.timedOutUntil > now) bits &= ~TIMEOUT_REVOKES;
  return bits & held;
}

/**
 * The rank `access`'s user acts with in the channel (protocol/permissions.ts rankIn): their
 * built-in rank, raised inside a personal group they own; 0 in DMs, where nobody moderates.
 */
export function rankInChannel(access: ChannelAccess | null): number {
  if (!access?.member || access.channel.communityId === null) return 0;
  return rankIn(access.member.role, access.personalGroup?.ownerUserId === access.member.userId);
}

/** A group's personal-group facts from its row and its member list; null for an ordinary group. */
export function personalGroupAccess(group: ChannelGroup, listedUserIds: readonly string[], userId: string): PersonalGroupAccess | null {
  if (!group.ownerUserId) return null;
  return { groupId: group.id, ownerUserId: group.ownerUserId, private: group.privateAt != null, listed: listedUserIds.includes(userId) };
}

/**
 * A member's bits for a group as a whole — what creating a channel in it, or managing a
 * personal group, checks: community bits (no channel overrides) plus the personal-group step,
 * timeout applied. For an ordinary group (`group` null) these are the community bits.
 */
export function permissionsInGroup(member: Member, customRoles: { id: string; permissions: number }[], group: PersonalGroupAccess | null, now: number, quarantined = false): number {
  const personalGroup = groupFacts(group, member.userId);
  let bits = effectivePermissions({ role: member.role, customRoles, ...(personalGroup ? { personalGroup } : {}) });
  if (member.timedOutUntil !== null && member.timedOutUntil > now) bits &= ~TIMEOUT_REVOKES;
  if (quarantined) bits &= ~(QUARANTINE_REVOKES | QUARANTINE_MODERATION_REVOKES);
  return bits;
}
