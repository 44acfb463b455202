/**
 * What a user may do in a channel, from storage facts: effectivePermissions for community
 * channels (with timeouts taking away what sends), the fixed DM set for direct channels, and
 * nothing for non-members, banned users or unknown channels — which callers answer with 404 so
 * a channel's existence does not leak (DESIGN invariant 4).
 */
import { DM_PERMISSIONS, effectivePermissions, Permission, type Override } from '../../protocol/permissions';
import type { ChannelAccess } from '../storage/Storage';

/** Bits a timed-out member loses until the timeout ends: they may read but not speak. */
export const TIMEOUT_REVOKES = Permission.SEND | Permission.REACT | Permission.ATTACH | Permission.MENTION_EVERYONE;

export function permissionsIn(access: ChannelAccess | null, now: number): number {
  if (!access) return 0;
  if (access.channel.communityId === null) return access.directMember ? DM_PERMISSIONS : 0;
  if (!access.member || access.banned) return 0;
  const roles: Record<string, Override> = {};
  let member: Override | undefined;
  for (const o of access.overrides) {
    if (o.targetType === 'role') roles[o.targetId] = { allow: Number(o.allow), deny: Number(o.deny) };
    else if (o.targetId === access.member.userId) member = { allow: Number(o.allow), deny: Number(o.deny) };
  }
  let bits = effectivePermissions({ role: access.member.role, customRoles: access.customRoles, channelOverrides: { roles, ...(member ? { member } : {}) } });
  if (access.member.timedOutUntil !== null && access.member.timedOutUntil > now) bits &= ~TIMEOUT_REVOKES;
  return bits;
}
