/**
 * Community permissions: the bits, the built-in roles, and the one function that computes what a
 * member may do in a channel. Every route and every WebSocket action asks `effectivePermissions`.
 *
 * Precedence (docs/permissions.md):
 *  1. The community owner may do everything; nothing can take that away.
 *  2. Start from the member's built-in role, OR-ed with every custom role they hold.
 *  3. ADMINISTRATOR (the built-in admin role has it) grants every bit; channel overrides do not apply.
 *  4. In a channel: apply the overrides for every role the member holds together (all denies,
 *     then all allows), then the member's own override (deny, then allow). Later steps win.
 *  5. In a personal group: its owner gains PERSONAL_GROUP_OWNER, staff (moderator rank or
 *     community MANAGE_CHANNELS) keep PERSONAL_GROUP_STAFF, and in a private group everyone else
 *     not on its member list gets nothing. Overrides cannot undo this step.
 *  6. Without VIEW in a channel, nothing else in it applies.
 * Pure: no storage, no clock; callers pass the facts.
 */

export const Permission = {
  VIEW: 1 << 0,
  SEND: 1 << 1,
  ATTACH: 1 << 2,
  REACT: 1 << 3,
  MENTION_EVERYONE: 1 << 4,
  MANAGE_MESSAGES: 1 << 5,
  MANAGE_CHANNELS: 1 << 6,
  MANAGE_ROLES: 1 << 7,
  KICK: 1 << 8,
  BAN: 1 << 9,
  TIMEOUT: 1 << 10,
  MANAGE_INVITES: 1 << 11,
  MANAGE_WEBHOOKS: 1 << 12,
  MANAGE_EMOJI: 1 << 13,
  ADMINISTRATOR: 1 << 14,
  /** Join a channel's call (issue #14). */
  CONNECT: 1 << 15,
  /** Be heard in a call. Enforced by the other participants' clients: the server never sees media. */
  SPEAK: 1 << 16,
  /** Send camera video in a call (enforced like SPEAK). */
  VIDEO: 1 << 17,
  /** Share a screen in a call (enforced like SPEAK). */
  SCREEN_SHARE: 1 << 18,
  /** Server-mute someone in a call, or disconnect them from it (never someone who outranks you). */
  MUTE_MEMBERS: 1 << 19,
} as const;

export type PermissionName = keyof typeof Permission;
export const ALL_PERMISSIONS = Object.values(Permission).reduce((a, b) => a | b, 0);

export type BuiltInRole = 'owner' | 'admin' | 'moderator' | 'member';

const P = Permission;
/** What taking part in a call needs: join, be heard, show a camera and a screen. */
export const CALLS = P.CONNECT | P.SPEAK | P.VIDEO | P.SCREEN_SHARE;
/** What each built-in role may do before custom roles and overrides. */
export const BUILT_IN: Record<BuiltInRole, number> = {
  owner: ALL_PERMISSIONS,
  admin: ALL_PERMISSIONS,
  moderator: P.VIEW | P.SEND | P.ATTACH | P.REACT | P.MENTION_EVERYONE | P.MANAGE_MESSAGES | P.KICK | P.BAN | P.TIMEOUT | P.MANAGE_INVITES | CALLS | P.MUTE_MEMBERS,
  member: P.VIEW | P.SEND | P.ATTACH | P.REACT | P.MANAGE_INVITES | CALLS,
};

/** Rank of built-in roles: who may act on whom (a moderator cannot ban an admin). */
export const RANK: Record<BuiltInRole, number> = { owner: 3, admin: 2, moderator: 1, member: 0 };

/**
 * What the owner of a personal group holds in its channels, whatever overrides say: enough to
 * run the group (create, rename, archive and delete its channels, moderate its messages, set its
 * channel overrides) and nothing community-wide. MANAGE_ROLES here only reaches channel
 * overrides; custom roles and built-in roles are community actions, checked on community bits.
 */
export const PERSONAL_GROUP_OWNER = P.VIEW | P.SEND | P.ATTACH | P.REACT | P.MANAGE_MESSAGES | P.MANAGE_CHANNELS | P.MANAGE_ROLES;
/**
 * What staff keep in every personal group's channels, whatever the owner's overrides say: they
 * always see it and can delete messages there, so a personal group is never out of moderation.
 */
export const PERSONAL_GROUP_STAFF = P.VIEW | P.MANAGE_MESSAGES;
/**
 * The rank of a personal group's owner inside their group: above plain members (so they may set
 * member overrides for them) and below moderators (so they never act on staff).
 */
export const GROUP_OWNER_RANK = 0.5;

/** Staff for personal groups: moderator rank or above, or community MANAGE_CHANNELS (`bits` before channel overrides). */
export function isStaff(role: BuiltInRole, bits: number): boolean {
  return RANK[role] >= RANK.moderator || has(bits, P.MANAGE_CHANNELS);
}

/** The rank someone acts with: their built-in rank, raised to GROUP_OWNER_RANK inside a personal group they own. */
export function rankIn(role: BuiltInRole, ownsGroup: boolean): number {
  return ownsGroup ? Math.max(RANK[role], GROUP_OWNER_RANK) : RANK[role];
}

/**
 * Whether someone acting with `actorRank` may moderate (delete) a message whose author has
 * `authorRank` in the same channel: not when the author outranks them. Peers may (moderators
 * clean up after each other); a personal group's owner (GROUP_OWNER_RANK) never reaches staff's
 * messages, and nobody but the owner reaches the owner's. The MANAGE_MESSAGES bit is checked apart.
 */
export function mayModerate(actorRank: number, authorRank: number): boolean {
  return actorRank >= authorRank;
}

/** The facts about a personal group that decide access to its channels. */
export interface PersonalGroupFacts {
  /** The member is the group's owner. */
  owner: boolean;
  /** Only the owner, staff and listed members see a private group. */
  private: boolean;
  /** The member is on the group's member list. */
  listed: boolean;
}

export interface Override {
  allow: number;
  deny: number;
}

export interface PermissionFacts {
  role: BuiltInRole;
  /** Permission bits of each custom role the member holds. */
  customRoles: { id: string; permissions: number }[];
  /** Channel overrides by custom role id, and for this member. */
  channelOverrides?: { roles: Record<string, Override>; member?: Override };
  /** Present when the channel (or the group asked about) is a personal group. */
  personalGroup?: PersonalGroupFacts;
}

export function effectivePermissions(f: PermissionFacts): number {
  if (f.role === 'owner') return ALL_PERMISSIONS;
  let bits = BUILT_IN[f.role];
  for (const r of f.customRoles) bits |= r.permissions;
  if (bits & P.ADMINISTRATOR) return ALL_PERMISSIONS;
  const staff = isStaff(f.role, bits);
  const o = f.channelOverrides;
  if (o) {
    let allow = 0;
    let deny = 0;
    for (const r of f.customRoles) {
      const ov = o.roles[r.id];
      if (ov) (allow |= ov.allow), (deny |= ov.deny);
    }
    bits = (bits & ~deny) | allow;
    if (o.member) bits = (bits & ~o.member.deny) | o.member.allow;
  }
  const g = f.personalGroup;
  if (g) {
    if (g.owner) bits |= PERSONAL_GROUP_OWNER;
    if (staff) bits |= PERSONAL_GROUP_STAFF;
    // Privacy beats overrides: an override cannot show a private group to someone off its list.
    if (g.private && !g.owner && !staff && !g.listed) return 0;
  }
  return bits & P.VIEW ? bits : 0;
}

export function has(bits: number, p: number): boolean {
  return (bits & p) === p;
}

/** What anyone in a DM or group DM may do: everything a message needs, nothing that manages. */
export const DM_PERMISSIONS = P.VIEW | P.SEND | P.ATTACH | P.REACT | CALLS;
