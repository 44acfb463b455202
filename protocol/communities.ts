/**
 * Request schemas for communities, groups, channels, members, roles, bans, community invites and
 * DMs (valibot), shared by the worker's routes and the client. Strict objects: an unknown field
 * is a 400, so nobody can smuggle `isAdmin`, `roles` or `ownerId` into an update (SECURITY-TESTS
 * Z4). These schemas check shape only; who may do what is decided by protocol/permissions.ts.
 */
import { Accent } from './images';
import * as v from 'valibot';
import { CleanText, NameField } from './names';
import { ALL_PERMISSIONS, Permission } from './permissions';

/** Names of communities, groups, channels and roles: 1–100 characters after cleaning (protocol/names.ts). */
export const MAX_NAME_CHARS = 100;
/** A ban reason is a short note for moderators, not a document. */
export const MAX_BAN_REASON_CHARS = 512;
/** Positions are small sort keys; a bound keeps them integers every back end stores exactly. */
export const MAX_POSITION = 1_000_000;
/** Slow mode goes up to six hours, as in common chat apps; longer is a read-only channel. */
export const MAX_SLOW_MODE_SECONDS = 21_600;
/** Disappearing messages (issue #15 item 5): the shortest and longest timer a conversation may set, seconds. */
export const MIN_DISAPPEAR_SECONDS = 300;
export const MAX_DISAPPEAR_SECONDS = 28 * 86_400;
/** Timeouts last from one minute to 28 days; 0 lifts one. */
export const MIN_TIMEOUT_SECONDS = 60;
export const MAX_TIMEOUT_SECONDS = 2_419_200;
/** A group DM holds at most 25 people, including its creator (issue 5, item 1). */
export const MAX_GROUP_DM_MEMBERS = 25;
/** Ban durations up to one year; without one a ban lasts until lifted. */
export const MAX_BAN_SECONDS = 31_536_000;
/** Community invites expire between one hour and one year after creation (issue 5, item 2). */
export const MIN_INVITE_SECONDS = 3600;
export const MAX_INVITE_SECONDS = 31_536_000;

/** Every community, group, personal-group, channel and role name passes through here, so none is stored with hidden characters. */
const Name = NameField(MAX_NAME_CHARS);
const Position = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_POSITION));
/** Server-made ids: 128-bit random, base64url (22 characters); bounded so junk never reaches storage. */
export const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1–64 characters of [A-Za-z0-9_-]'));
/** A set of permission bits; only bits that exist. */
export const PermissionBits = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(0),
  v.check((n) => (n & ~ALL_PERMISSIONS) === 0, 'permissions contain unknown bits'),
);
/** Override bits: ADMINISTRATOR is community-wide and never set per channel. */
const OverrideBits = v.pipe(
  PermissionBits,
  v.check((n) => (n & Permission.ADMINISTRATOR) === 0, 'ADMINISTRATOR cannot be set in a channel override'),
);

export const CreateCommunityRequest = v.strictObject({ name: Name });
/** A change of name and/or accent colour (null removes the accent); icon and banner are uploads of their own. */
export const RenameCommunityRequest = v.pipe(
  v.strictObject({ name: v.optional(Name), accent: v.optional(v.nullable(Accent)) }),
  v.check((b) => b.name !== undefined || b.accent !== undefined, 'say what to change: name or accent'),
);

/** A group DM's accent colour (null removes it); its icon is an upload of its own. */
/** A DM's settings: a group DM's accent colour, and any DM's disappearing-messages timer (issue #15). */
export const UpdateDmRequest = v.strictObject({
  accent: v.optional(v.nullable(Accent)),
  disappearSeconds: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(MIN_DISAPPEAR_SECONDS, `disappearSeconds must be at least ${MIN_DISAPPEAR_SECONDS} (5 minutes)`), v.maxValue(MAX_DISAPPEAR_SECONDS, `disappearSeconds must be at most ${MAX_DISAPPEAR_SECONDS} (4 weeks)`)))),
});

export const CreateGroupRequest = v.strictObject({ name: Name });
export const UpdateGroupRequest = v.strictObject({ name: v.optional(Name), position: v.optional(Position) });

/** A personal group for community member `userId`, who will administer it (docs/permissions.md). It starts private. */
export const CreatePersonalGroupRequest = v.strictObject({ userId: Id, name: Name });
/** Renaming (owner or staff) and privacy (staff only) of a personal group. */
export const UpdatePersonalGroupRequest = v.strictObject({ name: v.optional(Name), private: v.optional(v.boolean()) });

export const CreateChannelRequest = v.strictObject({
  name: Name,
  kind: v.picklist(['text', 'voice'], "kind must be 'text' or 'voice'"),
  groupId: v.optional(Id),
});
export const UpdateChannelRequest = v.strictObject({
  name: v.optional(Name),
  position: v.optional(Position),
  /** A group of the same community, or null to take the channel out of its group. */
  groupId: v.optional(v.nullable(Id)),
  archived: v.optional(v.boolean()),
  slowModeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_SLOW_MODE_SECONDS))),
  /** A voice channel's call cap, 1–25 devices (protocol/calls.ts), or null for the maximum. Applies to the next joins. */
  /** Disappearing messages: messages sent from now on are erased this many seconds after the room accepts them (5 minutes to 4 weeks), or null for off. */
  disappearSeconds: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(MIN_DISAPPEAR_SECONDS, `disappearSeconds must be at least ${MIN_DISAPPEAR_SECONDS} (5 minutes)`), v.maxValue(MAX_DISAPPEAR_SECONDS, `disappearSeconds must be at most ${MAX_DISAPPEAR_SECONDS} (4 weeks)`)))),
  callCap: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1, 'callCap must be at least 1'), v.maxValue(25, 'callCap must be at most 25 (MAX_CALL_PARTICIPANTS)')))),
});
export const SetOverrideRequest = v.strictObject({
  targetType: v.picklist(['role', 'member'], "targetType must be 'role' or 'member'"),
  targetId: Id,
  allow: OverrideBits,
  deny: OverrideBits,
});

/** Built-in roles a member can be given; nobody is made owner this way. */
/** Owner only: hand the community to another member (you become an admin). The password guards against a stolen session. */
export const TransferCommunityRequest = v.strictObject({ userId: Id, password: v.pipe(v.string(), v.minLength(1, 'password is required'), v.maxLength(1024)) });
export const SetMemberRoleRequest = v.strictObject({ role: v.picklist(['admin', 'moderator', 'member'], "role must be 'admin', 'moderator' or 'member'") });
export const TimeoutRequest = v.strictObject({
  seconds: v.pipe(
    v.number(),
    v.integer(),
    v.check((n) => n === 0 || (n >= MIN_TIMEOUT_SECONDS && n <= MAX_TIMEOUT_SECONDS), `seconds must be 0 (lift) or ${MIN_TIMEOUT_SECONDS}–${MAX_TIMEOUT_SECONDS}`),
  ),
});
export const BanRequest = v.strictObject({
  userId: Id,
  reason: v.optional(CleanText(MAX_BAN_REASON_CHARS, 'reason')),
  expiresInSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(MAX_BAN_SECONDS))),
});

export const CreateRoleRequest = v.strictObject({ name: Name, permissions: PermissionBits });

export const CreateCommunityInviteRequest = v.strictObject({
  maxUses: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))),
  expiresInSeconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(MIN_INVITE_SECONDS, 'expiry must be at least one hour'), v.maxValue(MAX_INVITE_SECONDS, 'expiry must be at most one year')),
  ),
  /** Also lets someone without an account register on an invite-only instance; instance admins only. */
  admitsNewAccounts: v.optional(v.boolean()),
});

/** The other people in a new DM (one) or group DM (up to 24 besides you). */
export const CreateDmRequest = v.strictObject({
  userIds: v.pipe(v.array(Id), v.minLength(1, 'name at least one other user'), v.maxLength(MAX_GROUP_DM_MEMBERS - 1, `a group DM holds at most ${MAX_GROUP_DM_MEMBERS} people including you`)),
});

/** Community theming (issue #16 item 8): custom CSS, sanitized by the server (worker/moderation/cssSanitizer.ts); at most 16 KiB. */
export const SetThemeRequest = v.strictObject({ css: v.pipe(v.string(), v.maxLength(16_384, 'css: at most 16,384 characters')) });
