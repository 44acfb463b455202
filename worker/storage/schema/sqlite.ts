/**
 * The account-and-structure schema for the SQLite dialect (embedded Durable Object SQLite and D1).
 *
 * drizzle-kit generates migrations/sqlite from this file. Its twin for PostgreSQL is
 * schema/postgres.ts; tests/contract/schemaParity.test.ts keeps the two identical in tables,
 * columns, nullability and keys, so together they are one schema. Times are integer ms since
 * the epoch in both dialects; flags are nullable timestamps (`revoked_at`), never booleans.
 */
import { sqliteTable, text, integer, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

export const users = sqliteTable('users', {
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
  createdAt: integer('created_at').notNull(),
  failedLogins: integer('failed_logins').notNull().default(0),
  lockedUntil: integer('locked_until'),
  totpSecret: text('totp_secret'),
  totpEnabledAt: integer('totp_enabled_at'),
  totpLastStep: integer('totp_last_step'),
  recoveryVerifierHash: text('recovery_verifier_hash'),
  /** Who may start a DM with this user directly: everyone, people sharing a community (default), or nobody without a request they accept. */
  dmPolicy: text('dm_policy').notNull().default('communities'),
  /** The current avatar and profile banner (`images.id`); null = initials / none. */
  avatarId: text('avatar_id'),
  bannerId: text('banner_id'),
  /** Quarantine (issue #16): since when the account may read but not send, open DMs, upload or invite, and why; null when not. */
  quarantinedAt: integer('quarantined_at'),
  quarantineReason: text('quarantine_reason'),
  termsVersion: integer('terms_version'),
  termsAcceptedAt: integer('terms_accepted_at'),
  suspendedAt: integer('suspended_at'),
  suspensionReason: text('suspension_reason'),
  /** A short status the person sets ("In a meeting"), shown beside their name; null when none. */
  statusText: text('status_text'),
}, (t) => [
  uniqueIndex('users_username_key').on(t.usernameKey),
  uniqueIndex('users_username_skeleton').on(t.usernameSkeleton),
  // At most one instance owner, even when two first registrations race.
  uniqueIndex('users_one_owner').on(t.instanceRole).where(sql`instance_role = 'owner'`),
]);

export const devices = sqliteTable('devices', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  identityKey: text('identity_key').notNull(),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  /** The current signed X25519 prekey, as the client encoded it (JSON of base64url fields). */
  signedPreKey: text('signed_prekey'),
  /** The current signed ML-KEM-768 prekey, likewise; null when the device has none. */
  kyberPreKey: text('kyber_prekey'),
  /** The session that registered the device: removing the device ends it (issue #20: a removed device must not go on fetching the key backup). Null for devices registered before this column. */
  sessionId: text('session_id'),
}, (t) => [index('devices_user').on(t.userId)]);

/** One-time prekeys waiting to be handed out, each exactly once. */
export const oneTimePreKeys = sqliteTable('one_time_prekeys', {
  deviceId: text('device_id').notNull().references(() => devices.id, { onDelete: 'cascade' }),
  keyId: integer('key_id').notNull(),
  publicKey: text('public_key').notNull(),
}, (t) => [primaryKey({ columns: [t.deviceId, t.keyId] })]);

/** Each user's device list, signed by the client; the server keeps the newest version only. */
export const deviceLists = sqliteTable('device_lists', {
  userId: text('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  list: text('list').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Where a user's encrypted key backup is and which version it is; the bytes are a blob. */
export const keyBackups = sqliteTable('key_backups', {
  userId: text('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  size: integer('size').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const sessions = sqliteTable('sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  deviceName: text('device_name').notNull(),
  ip: text('ip').notNull(),
  userAgent: text('user_agent').notNull(),
  refreshHash: text('refresh_hash').notNull(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  revokedAt: integer('revoked_at'),
}, (t) => [uniqueIndex('sessions_refresh_hash').on(t.refreshHash), index('sessions_user').on(t.userId)]);

/** Every refresh token ever issued for a session, so a rotated one presented again is recognised. */
export const refreshTokens = sqliteTable('refresh_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  sessionId: text('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
  createdAt: integer('created_at').notNull(),
  rotatedAt: integer('rotated_at'),
}, (t) => [index('refresh_tokens_session').on(t.sessionId)]);

/** TOTP backup codes, stored as SHA-256 digests, each usable once. */
export const backupCodes = sqliteTable('backup_codes', {
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  codeHash: text('code_hash').notNull(),
  usedAt: integer('used_at'),
}, (t) => [primaryKey({ columns: [t.userId, t.codeHash] })]);

export const invites = sqliteTable('invites', {
  code: text('code').primaryKey(),
  communityId: text('community_id'),
  createdBy: text('created_by').notNull(),
  maxUses: integer('max_uses'),
  uses: integer('uses').notNull(),
  expiresAt: integer('expires_at'),
  revokedAt: integer('revoked_at'),
  createdAt: integer('created_at').notNull(),
  /** 1 when this community invite also lets someone register on an invite-only instance. */
  admitsNewAccounts: integer('admits_new_accounts').notNull().default(0),
}, (t) => [index('invites_community').on(t.communityId)]);

export const communities = sqliteTable('communities', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ownerId: text('owner_id').notNull(),
  createdAt: integer('created_at').notNull(),
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

export const channelGroups = sqliteTable('channel_groups', {
  id: text('id').primaryKey(),
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  position: integer('position').notNull(),
  createdAt: integer('created_at').notNull(),
  /** A personal group: the member who administers it (docs/permissions.md); null for ordinary groups. */
  ownerUserId: text('owner_user_id'),
  /** When the group was made private (only its owner, its listed members and moderators see it); null = not private. */
  privateAt: integer('private_at'),
}, (t) => [index('channel_groups_community').on(t.communityId)]);

/** Who may see a private personal group besides its owner and moderators. */
export const channelGroupMembers = sqliteTable('channel_group_members', {
  groupId: text('group_id').notNull().references(() => channelGroups.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  addedAt: integer('added_at').notNull(),
}, (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('channel_group_members_user').on(t.userId)]);

export const channels = sqliteTable('channels', {
  id: text('id').primaryKey(),
  communityId: text('community_id').references(() => communities.id, { onDelete: 'cascade' }),
  groupId: text('group_id'),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  position: integer('position').notNull(),
  createdAt: integer('created_at').notNull(),
  archivedAt: integer('archived_at'),
  /** Seconds a member must wait between messages; 0 = off. Moderators are exempt. */
  slowModeSeconds: integer('slow_mode_seconds').notNull().default(0),
  /** A group DM's icon (`images.id`) and accent colour (#rrggbb); null = none. */
  iconId: text('icon_id'),
  accent: text('accent'),
  /** Most devices in the channel's call (issue #14); null = MAX_CALL_PARTICIPANTS (25). */
  callCap: integer('call_cap'),
  disappearSeconds: integer('disappear_seconds'),
}, (t) => [index('channels_community').on(t.communityId)]);

/** Who is in a DM or group DM (community channels take their members from the community). */
export const channelMembers = sqliteTable('channel_members', {
  channelId: text('channel_id').notNull().references(() => channels.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  joinedAt: integer('joined_at').notNull(),
  /** When this member accepted the DM (at creation for its starter and for auto-accepted people); null while it is a request. */
  acceptedAt: integer('accepted_at'),
  /** When this member declined or left the 1:1 DM (blocking it); null otherwise. */
  declinedAt: integer('declined_at'),
}, (t) => [primaryKey({ columns: [t.channelId, t.userId] }), index('channel_members_user').on(t.userId)]);

/** Custom roles a member holds. */
export const memberRoles = sqliteTable('member_roles', {
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  roleId: text('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.communityId, t.userId, t.roleId] })]);

/** Per-channel allow/deny bits for a custom role or one member. */
export const channelOverrides = sqliteTable('channel_overrides', {
  channelId: text('channel_id').notNull().references(() => channels.id, { onDelete: 'cascade' }),
  targetType: text('target_type').notNull(),
  targetId: text('target_id').notNull(),
  allow: integer('allow').notNull(),
  deny: integer('deny').notNull(),
}, (t) => [primaryKey({ columns: [t.channelId, t.targetType, t.targetId] })]);

export const members = sqliteTable('members', {
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  role: text('role').notNull(),
  joinedAt: integer('joined_at').notNull(),
  /** Until when the member may read but not send; null when not timed out. */
  timedOutUntil: integer('timed_out_until'),
}, (t) => [primaryKey({ columns: [t.communityId, t.userId] }), index('members_user').on(t.userId)]);

export const roles = sqliteTable('roles', {
  id: text('id').primaryKey(),
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  permissions: integer('permissions').notNull(),
  position: integer('position').notNull(),
}, (t) => [index('roles_community').on(t.communityId)]);

export const bans = sqliteTable('bans', {
  communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  reason: text('reason').notNull(),
  bannedBy: text('banned_by').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at'),
}, (t) => [primaryKey({ columns: [t.communityId, t.userId] })]);

export const auditLog = sqliteTable('audit_log', {
  id: text('id').primaryKey(),
  event: text('event').notNull(),
  userId: text('user_id'),
  ip: text('ip').notNull(),
  userAgent: text('user_agent').notNull(),
  detail: text('detail').notNull(),
  createdAt: integer('created_at').notNull(),
}, (t) => [index('audit_log_user_time').on(t.userId, t.createdAt), index('audit_log_time').on(t.createdAt)]);

/**
 * Facts about the instance that happen once (`owner_granted_at`: the owner grant, by first
 * account or ADMIN_USERNAME, is made once and never again by name).
 */
export const instanceState = sqliteTable('instance_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Encrypted files (issue #13): one row per upload. The bytes are ciphertext in the blob store
 * (`files/<id>/<part>`); the server knows the conversation, the uploader, the ciphertext size and
 * when. No foreign keys on purpose: a deleted channel or account must leave the row behind so
 * the sweeper can find and delete the blobs it points at.
 */
export const files = sqliteTable(
  'files',
  {
    id: text('id').primaryKey(),
    channelId: text('channel_id').notNull(),
    uploaderId: text('uploader_id').notNull(),
    /** The address the upload came from: open uploads are capped per IP too. */
    uploaderIp: text('uploader_ip').notNull(),
    size: integer('size').notNull(),
    received: integer('received').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    completedAt: integer('completed_at'),
  },
  (t) => [index('files_channel_idx').on(t.channelId), index('files_uploader_idx').on(t.uploaderId)],
);

/**
 * Profile and community images and custom emoji (issue #13 items 5 and 6): stored as uploaded,
 * after `sniffImage` (protocol/images.ts) found a PNG, JPEG, GIF or WebP; the bytes are in the
 * blob store at `images/<id>`. A row is live while a user, community or emoji refers to it; the
 * sweeper deletes the others. No foreign keys, like `files`.
 */
export const images = sqliteTable(
  'images',
  {
    id: text('id').primaryKey(),
    slot: text('slot').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    size: integer('size').notNull(),
    uploaderId: text('uploader_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('images_uploader_idx').on(t.uploaderId)],
);

/** A community's custom emoji: `:name:` in its messages and reactions shows `images.id`. */
export const emoji = sqliteTable(
  'emoji',
  {
    communityId: text('community_id').notNull().references(() => communities.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    imageId: text('image_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.name] })],
);

/**
 * Reports (issue #16 item 1): a member reports a message (disclosing its plaintext and franking
 * tags, checked into `verdict`), a user or a community. `queue` says who reviews it: the
 * community's moderators, or the instance's admins (DMs, users, communities, escalations).
 */
export const reports = sqliteTable(
  'reports',
  {
    id: text('id').primaryKey(),
    reporterId: text('reporter_id').notNull(),
    kind: text('kind').notNull(),
    queue: text('queue').notNull(),
    communityId: text('community_id'),
    channelId: text('channel_id'),
    /** The envelope whose plaintext was disclosed, and the message it belongs to (an edit's target). */
    seq: integer('seq'),
    messageSeq: integer('message_seq'),
    accusedId: text('accused_id'),
    reason: text('reason').notNull(),
    comment: text('comment').notNull(),
    /** The plaintext the reporter disclosed (JSON text of the message body): the only plaintext the server ever holds. */
    disclosed: text('disclosed'),
    verdict: text('verdict'),
    messageTs: integer('message_ts'),
    status: text('status').notNull(),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('reports_queue_idx').on(t.queue, t.communityId, t.status, t.createdAt), index('reports_reporter_idx').on(t.reporterId, t.status)],
);

/** Warnings (issue #16 item 2): a moderator warns a member of a community (or an admin, instance-wide: null community). */
export const warnings = sqliteTable(
  'warnings',
  {
    id: text('id').primaryKey(),
    communityId: text('community_id'),
    userId: text('user_id').notNull(),
    moderatorId: text('moderator_id').notNull(),
    reason: text('reason').notNull(),
    reportId: text('report_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('warnings_user_idx').on(t.userId, t.communityId)],
);

/** Blocking (issue #16 item 3): `userId` blocked `blockedId`. Their 1:1 DM turns read-only, new DMs between them are refused, presence and typing are hidden both ways. */
export const blocks = sqliteTable(
  'blocks',
  {
    userId: text('user_id').notNull(),
    blockedId: text('blocked_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);

/** Announcements (issue #16 item 6): an instance-wide banner from the owner or an admin, until `ends_at` (null: until removed). */
export const announcements = sqliteTable('announcements', {
  id: text('id').primaryKey(),
  text: text('text').notNull(),
  severity: text('severity').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  endsAt: integer('ends_at'),
});

/** Who dismissed which announcement (so it stays dismissed on every device of theirs). */
export const announcementDismissals = sqliteTable(
  'announcement_dismissals',
  {
    announcementId: text('announcement_id').notNull().references(() => announcements.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.announcementId, t.userId] })],
);

/** Instance settings the owner and admins change at runtime (issue #16 item 6), overriding the environment: `registration_mode`. */
export const instanceSettings = sqliteTable('instance_settings', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});

/** Feedback and bug reports users send from settings (issue #16 item 6); admins read and close them. */
export const feedback = sqliteTable(
  'feedback',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    status: text('status').notNull(),
    createdAt: integer('created_at').notNull(),
    closedAt: integer('closed_at'),
    closedBy: text('closed_by'),
  },
  (t) => [index('feedback_status_idx').on(t.status, t.createdAt), index('feedback_user_idx').on(t.userId, t.status)],
);

/**
 * Incoming webhooks (issue #17 item 3): a channel's webhook, its secret stored as a SHA-256 digest
 * only (the URL is shown once), how often it posted and when last. Deleted with its channel.
 */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    secretDigest: text('secret_digest').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    rotatedAt: integer('rotated_at'),
    posts: integer('posts').notNull().default(0),
    lastPostAt: integer('last_post_at'),
    /** An end-to-end encrypted webhook (issue #17 item 4): its own bot account, and when a manager approved its device into the channel. */
    botUserId: text('bot_user_id'),
    approvedAt: integer('approved_at'),
  },
  (t) => [index('webhooks_channel_idx').on(t.channelId), uniqueIndex('webhooks_bot_user_idx').on(t.botUserId)],
);
