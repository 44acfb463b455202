/**
 * The account-and-structure schema for the PostgreSQL dialect.
 *
 * drizzle-kit generates migrations/postgres from this file. Its twin for SQLite is
 * schema/sqlite.ts; tests/contract/schemaParity.test.ts keeps the two identical in tables,
 * columns, nullability and keys, so together they are one schema. Times are integer ms since
 * the epoch in both dialects; flags are nullable timestamps (`revoked_at`), never booleans.
 */
import { pgTable, text, bigint, integer, primaryKey, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull(),
  usernameKey: text('username_key').notNull(),
  /**
   * The username's confusable skeleton (worker/auth/names.ts): unique, so two accounts never look
   * alike, even when registered at the same moment. Null only for rows written before it existed,
   * until SqlStorage's backfill fills them (SQL cannot compute it).
   */
  usernameSkeleton: text('username_skeleton'),
  displayName: text('display_name').notNull(),
  email: text('email'),
  passwordHash: text('password_hash').notNull(),
  instanceRole: text('instance_role').notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  failedLogins: bigint('failed_logins', { mode: "number" }).notNull().default(0),
  lockedUntil: bigint('locked_until', { mode: "number" }),
  totpSecret: text('totp_secret'),
  totpEnabledAt: bigint('totp_enabled_at', { mode: "number" }),
  totpLastStep: bigint('totp_last_step', { mode: "number" }),
  recoveryVerifierHash: text('recovery_verifier_hash'),
  /** Who may start a DM with this user directly: everyone, people sharing a community (default), or nobody without a request they accept. */
  dmPolicy: text('dm_policy').notNull().default('communities'),
  /** The current avatar and profile banner (`images.id`); null = initials / none. */
  avatarId: text('avatar_id'),
  bannerId: text('banner_id'),
  /** Quarantine (issue #16): since when the account may read but not send, open DMs, upload or invite, and why; null when not. */
  quarantinedAt: bigint('quarantined_at', { mode: "number" }),
  quarantineReason: text('quarantine_reason'),
  termsVersion: integer('terms_version'),
  termsAcceptedAt: bigint('terms_accepted_at', { mode: "number" }),
  suspendedAt: bigint('suspended_at', { mode: "number" }),
  suspensionReason: text('suspension_reason'),
  /** A short status the person sets ("In a meeting"), shown beside their name; null when none. */
  statusText: text('status_text'),
}, (t) => [
  uniqueIndex('users_username_key').on(t.usernameKey),
  uniqueIndex('users_username_skeleton').on(t.usernameSkeleton),
  // At most one instance owner, even when two first registrations race.
  uniqueIndex('users_one_owner').on(t.instanceRole).where(sql`instance_role = 'owner'`),
]);

export const devices = pgTable('devices', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  identityKey: text('identity_key').notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  lastSeenAt: bigint('last_seen_at', { mode: "number" }).notNull(),
  /** The current signed X25519 prekey, as the client encoded it (JSON of base64url fields). */
  signedPreKey: text('signed_prekey'),
  /** The current signed ML-KEM-768 prekey, likewise; null when the device has none. */
  kyberPreKey: text('kyber_prekey'),
  /** The session that registered the device: removing the device ends it (issue #20: a removed device must not go on fetching the key backup). Null for devices registered before this column. */
  sessionId: text('session_id'),
}, (t) => [index('devices_user').on(t.userId)]);

/** One-time prekeys waiting to be handed out, each exactly once. */
export const oneTimePreKeys = pgTable('one_time_prekeys', {
  deviceId: text('device_id').notNull().references(() => devices.id, { onDelete: 'cascade' }),
  keyId: bigint('key_id', { mode: "number" }).notNull(),
  publicKey: text('public_key').notNull(),
}, (t) => [primaryKey({ columns: [t.deviceId, t.keyId] })]);

/** Each user's device list, signed by the client; the server keeps the newest version only. */
export const deviceLists = pgTable('device_lists', {
  userId: text('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  version: bigint('version', { mode: "number" }).notNull(),
  list: text('list').notNull(),
  updatedAt: bigint('updated_at', { mode: "number" }).notNull(),
});

/** Where a user's encrypted key backup is and which version it is; the bytes are a blob. */
export const keyBackups = pgTable('key_backups', {
  userId: text('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  version: bigint('version', { mode: "number" }).notNull(),
  size: bigint('size', { mode: "number" }).notNull(),
  updatedAt: bigint('updated_at', { mode: "number" }).notNull(),
});

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  deviceName: text('device_name').notNull(),
  ip: text('ip').notNull(),
  userAgent: text('user_agent').notNull(),
  refreshHash: text('refresh_hash').notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  lastUsedAt: bigint('last_used_at', { mode: "number" }).notNull(),
  expiresAt: bigint('expires_at', { mode: "number" }).notNull(),
  revokedAt: bigint('revoked_at', { mode: "number" }),
}, (t) => [uniqueIndex('sessions_refresh_hash').on(t.refreshHash), index('sessions_user').on(t.userId)]);

/** Every refresh token ever issued for a session, so a rotated one presented again is recognised. */
export const refreshTokens = pgTable('refresh_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  sessionId: text('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  rotatedAt: bigint('rotated_at', { mode: "number" }),
}, (t) => [index('refresh_tokens_session').on(t.sessionId)]);

/** TOTP backup codes, stored as SHA-256 digests, each usable once. */
export const backupCodes = pgTable('backup_codes', {
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  codeHash: text('code_hash').notNull(),
  usedAt: bigint('used_at', { mode: "number" }),
}, (t) => [primaryKey({ columns: [t.userId, t.codeHash] })]);

export const invites = pgTable('invites', {
  code: text('code').primaryKey(),
  communityId: text('community_id'),
  createdBy: text('created_by').notNull(),
  maxUses: bigint('max_uses', { mode: "number" }),
  uses: bigint('uses', { mode: "number" }).notNull(),
  expiresAt: bigint('expires_at', { mode: "number" }),
  revokedAt: bigint('revoked_at', { mode: "number" }),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  /** 1 when this community invite also lets someone register on an invite-only instance. */
  admitsNewAccounts: integer('admits_new_accounts').notNull().default(0),
}, (t) => [index('invites_community').on(t.communityId)]);

export const communities = pgTable('communities', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ownerId: text('owner_id').notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  /** The community's icon and banner (`images.id`) and accent colour (#rrggbb); null = none. */
  iconId: text('icon_id'),
  bannerId: text('banner_id'),
  accent: text('accent'),
  /** Warnings (issue #16 item 2): this many warnings in the community time a member out automatically (null: never). */
  warnThreshold: integer('warn_threshold'),
  /** How long that automatic timeout lasts, seconds. */
  warnTimeoutSeconds: integer('warn_timeout_seconds'),
  /** Community theming (issue #16 item 8): the custom CSS as its admins wrote it, and as the server sanitized it (what members receive). */
  themeSource: text('theme_source'),
  themeCss: text('theme_css'),
});

export const channelGroups = pgTable('channel_groups', {
  id: text('id').primaryKey(),
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  position: bigint('position', { mode: "number" }).notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  /** A personal group: the member who administers it (docs/permissions.md); null for ordinary groups. */
  ownerUserId: text('owner_user_id'),
  /** When the group was made private (only its owner, its listed members and moderators see it); null = not private. */
  privateAt: bigint('private_at', { mode: "number" }),
}, (t) => [index('channel_groups_community').on(t.communityId)]);

/** Who may see a private personal group besides its owner and moderators. */
export const channelGroupMembers = pgTable('channel_group_members', {
  groupId: text('group_id').notNull().references(() => channelGroups.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  addedAt: bigint('added_at', { mode: "number" }).notNull(),
}, (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('channel_group_members_user').on(t.userId)]);

export const channels = pgTable('channels', {
  id: text('id').primaryKey(),
  communityId: text('community_id').references(() => communities.id, { onDelete: 'cascade' }),
  groupId: text('group_id'),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  position: bigint('position', { mode: "number" }).notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  archivedAt: bigint('archived_at', { mode: "number" }),
  /** Seconds a member must wait between messages; 0 = off. Moderators are exempt. */
  slowModeSeconds: bigint('slow_mode_seconds', { mode: "number" }).notNull().default(0),
  /** A group DM's icon (`images.id`) and accent colour (#rrggbb); null = none. */
  iconId: text('icon_id'),
  accent: text('accent'),
  /** Most devices in the channel's call (issue #14); null = MAX_CALL_PARTICIPANTS (25). */
  callCap: bigint('call_cap', { mode: "number" }),
  disappearSeconds: bigint('disappear_seconds', { mode: "number" }),
}, (t) => [index('channels_community').on(t.communityId)]);

/** Who is in a DM or group DM (community channels take their members from the community). */
export const channelMembers = pgTable('channel_members', {
  channelId: text('channel_id').notNull().references(() => channels.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  joinedAt: bigint('joined_at', { mode: "number" }).notNull(),
  /** When this member accepted the DM (at creation for its starter and for auto-accepted people); null while it is a request. */
  acceptedAt: bigint('accepted_at', { mode: "number" }),
  /** When this member declined or left the 1:1 DM (blocking it); null otherwise. */
  declinedAt: bigint('declined_at', { mode: "number" }),
}, (t) => [primaryKey({ columns: [t.channelId, t.userId] }), index('channel_members_user').on(t.userId)]);

/** Custom roles a member holds. */
export const memberRoles = pgTable('member_roles', {
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  roleId: text('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.communityId, t.userId, t.roleId] })]);

/** Per-channel allow/deny bits for a custom role or one member. */
export const channelOverrides = pgTable('channel_overrides', {
  channelId: text('channel_id').notNull().references(() => channels.id, { onDelete: 'cascade' }),
  targetType: text('target_type').notNull(),
  targetId: text('target_id').notNull(),
  allow: bigint('allow', { mode: "number" }).notNull(),
  deny: bigint('deny', { mode: "number" }).notNull(),
}, (t) => [primaryKey({ columns: [t.channelId, t.targetType, t.targetId] })]);

export const members = pgTable('members', {
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  role: text('role').notNull(),
  joinedAt: bigint('joined_at', { mode: "number" }).notNull(),
  /** Until when the member may read but not send; null when not timed out. */
  timedOutUntil: bigint('timed_out_until', { mode: "number" }),
}, (t) => [primaryKey({ columns: [t.communityId, t.userId] }), index('members_user').on(t.userId)]);

export const roles = pgTable('roles', {
  id: text('id').primaryKey(),
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  permissions: bigint('permissions', { mode: "number" }).notNull(),
  position: bigint('position', { mode: "number" }).notNull(),
}, (t) => [index('roles_community').on(t.communityId)]);

export const bans = pgTable('bans', {
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  reason: text('reason').notNull(),
  bannedBy: text('banned_by').notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
  expiresAt: bigint('expires_at', { mode: "number" }),
}, (t) => [primaryKey({ columns: [t.communityId, t.userId] })]);

export const auditLog = pgTable('audit_log', {
  id: text('id').primaryKey(),
  event: text('event').notNull(),
  userId: text('user_id'),
  ip: text('ip').notNull(),
  userAgent: text('user_agent').notNull(),
  detail: text('detail').notNull(),
  createdAt: bigint('created_at', { mode: "number" }).notNull(),
}, (t) => [index('audit_log_user_time').on(t.userId, t.createdAt), index('audit_log_time').on(t.createdAt)]);

/**
 * Facts about the instance that happen once (`owner_granted_at`: the owner grant, by first
 * account or ADMIN_USERNAME, is made once and never again by name).
 */
export const instanceState = pgTable('instance_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Encrypted files (issue #13): one row per upload. The bytes are ciphertext in the blob store
 * (`files/<id>/<part>`); the server knows the conversation, the uploader, the ciphertext size and
 * when. No foreign keys on purpose: a deleted channel or account must leave the row behind so
 * the sweeper can find and delete the blobs it points at.
 */
export const files = pgTable(
  'files',
  {
    id: text('id').primaryKey(),
    channelId: text('channel_id').notNull(),
    uploaderId: text('uploader_id').notNull(),
    /** The address the upload came from: open uploads are capped per IP too. */
    uploaderIp: text('uploader_ip').notNull(),
    size: bigint('size', { mode: "number" }).notNull(),
    received: bigint('received', { mode: "number" }).notNull().default(0),
    createdAt: bigint('created_at', { mode: "number" }).notNull(),
    completedAt: bigint('completed_at', { mode: "number" }),
  },
  (t) => [index('files_channel_idx').on(t.channelId), index('files_uploader_idx').on(t.uploaderId)],
);

/**
 * Profile and community images and custom emoji (issue #13 items 5 and 6): stored as uploaded,
 * after `sniffImage` (protocol/images.ts) found a PNG, JPEG, GIF or WebP; the bytes are in the
 * blob store at `images/<id>`. A row is live while a user, community or emoji refers to it; the
 * sweeper deletes the others. No foreign keys, like `files`.
 */
export const images = pgTable(
  'images',
  {
    id: text('id').primaryKey(),
    slot: text('slot').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    size: integer('size').notNull(),
    uploaderId: text('uploader_id').notNull(),
    createdAt: bigint('created_at', { mode: "number" }).notNull(),
  },
  (t) => [index('images_uploader_idx').on(t.uploaderId)],
);

/** A community's custom emoji: `:name:` in its messages and reactions shows `images.id`. */
export const emoji = pgTable(
  'emoji',
  {
    communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    imageId: text('image_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.name] })],
);

/**
 * Reports (issue #16 item 1): a member reports a message (disclosing its plaintext and franking
 * tags, checked into `verdict`), a user or a community. `queue` says who reviews it: the
 * community's moderators, or the instance's admins (DMs, users, communities, escalations).
 */
export const reports = pgTable(
  'reports',
  {
    id: text('id').primaryKey(),
    reporterId: text('reporter_id').notNull(),
    kind: text('kind').notNull(),
    queue: text('queue').notNull(),
    communityId: text('community_id'),
    channelId: text('channel_id'),
    /** The envelope whose plaintext was disclosed, and the message it belongs to (an edit's target). */
    seq: bigint('seq', { mode: 'number' }),
    messageSeq: bigint('message_seq', { mode: 'number' }),
    accusedId: text('accused_id'),
    reason: text('reason').notNull(),
    comment: text('comment').notNull(),
    /** The plaintext the reporter disclosed (JSON text of the message body): the only plaintext the server ever holds. */
    disclosed: text('disclosed'),
    verdict: text('verdict'),
    messageTs: bigint('message_ts', { mode: 'number' }),
    status: text('status').notNull(),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
    resolvedAt: bigint('resolved_at', { mode: 'number' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('reports_queue_idx').on(t.queue, t.communityId, t.status, t.createdAt), index('reports_reporter_idx').on(t.reporterId, t.status)],
);

/** Warnings (issue #16 item 2): a moderator warns a member of a community (or an admin, instance-wide: null community). */
export const warnings = pgTable(
  'warnings',
  {
    id: text('id').primaryKey(),
    communityId: text('community_id'),
    userId: text('user_id').notNull(),
    moderatorId: text('moderator_id').notNull(),
    reason: text('reason').notNull(),
    reportId: text('report_id'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('warnings_user_idx').on(t.userId, t.communityId)],
);

/** Blocking (issue #16 item 3): `userId` blocked `blockedId`. Their 1:1 DM turns read-only, new DMs between them are refused, presence and typing are hidden both ways. */
export const blocks = pgTable(
  'blocks',
  {
    userId: text('user_id').notNull(),
    blockedId: text('blocked_id').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);

/** Announcements (issue #16 item 6): an instance-wide banner from the owner or an admin, until `ends_at` (null: until removed). */
export const announcements = pgTable('announcements', {
  id: text('id').primaryKey(),
  text: text('text').notNull(),
  severity: text('severity').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  endsAt: bigint('ends_at', { mode: 'number' }),
});

/** Who dismissed which announcement (so it stays dismissed on every device of theirs). */
export const announcementDismissals = pgTable(
  'announcement_dismissals',
  {
    announcementId: text('announcement_id').notNull().references(() => announcements.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.announcementId, t.userId] })],
);

/** Instance settings the owner and admins change at runtime (issue #16 item 6), overriding the environment: `registration_mode`. */
export const instanceSettings = pgTable('instance_settings', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});

/** Feedback and bug reports users send from settings (issue #16 item 6); admins read and close them. */
export const feedback = pgTable(
  'feedback',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    status: text('status').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    closedAt: bigint('closed_at', { mode: 'number' }),
    closedBy: text('closed_by'),
  },
  (t) => [index('feedback_status_idx').on(t.status, t.createdAt), index('feedback_user_idx').on(t.userId, t.status)],
);

/**
 * Incoming webhooks (issue #17 item 3): a channel's webhook, its secret stored as a SHA-256 digest
 * only (the URL is shown once), how often it posted and when last. Deleted with its channel.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    secretDigest: text('secret_digest').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    rotatedAt: bigint('rotated_at', { mode: 'number' }),
    posts: integer('posts').notNull().default(0),
    lastPostAt: bigint('last_post_at', { mode: 'number' }),
    /** An end-to-end encrypted webhook (issue #17 item 4): its own bot account, and when a manager approved its device into the channel. */
    botUserId: text('bot_user_id'),
    approvedAt: bigint('approved_at', { mode: 'number' }),
  },
  (t) => [index('webhooks_channel_idx').on(t.channelId), uniqueIndex('webhooks_bot_user_idx').on(t.botUserId)],
);
