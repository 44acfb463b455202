/**
 * The one implementation of Storage, written in SQL both dialects accept, over a SqlExecutor.
 *
 * Embedded SQLite, D1 and PostgreSQL run these same statements, so the conformance suite
 * tests one body of queries three times rather than three bodies once. Atomic steps are single
 * statements (`UPDATE … WHERE … RETURNING`) or executor batches; nothing reads then writes.
 */
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../migrations/index';
import { usernameSkeleton } from '../auth/names';
import { migrate } from './migrate';
import type { SqlExecutor, SqlValue } from './SqlExecutor';
import { StorageError } from './StorageError';
import type { Announcement, Webhook, AuditEvent, Feedback, Ban, CommunityModeration, Report, Warning, Channel, DirectMemberState, ChannelAccess, ChannelGroup, ChannelOverride, Community, CommunityLook, Role, Device, PersonalGroupAccess, DeviceList, Invite, KeyBackupMeta, OneTimePreKey, Member, NewUser, RefreshLookup, Session, Storage, StoredFile, StoredImage, User, UserPatch } from './Storage';
import type { CustomEmoji } from '../../protocol/images';

/** Column lists that alias snake_case columns to the interface's camelCase fields. */
const USER = `id, username, display_name AS "displayName", email, password_hash AS "passwordHash", instance_role AS "instanceRole", created_at AS "createdAt",
  failed_logins AS "failedLogins", locked_until AS "lockedUntil", totp_secret AS "totpSecret", totp_enabled_at AS "totpEnabledAt",
  totp_last_step AS "totpLastStep", recovery_verifier_hash AS "recoveryVerifierHash", dm_policy AS "dmPolicy",
  avatar_id AS "avatarId", banner_id AS "bannerId", quarantined_at AS "quarantinedAt", quarantine_reason AS "quarantineReason",
  terms_version AS "termsVersion", terms_accepted_at AS "termsAcceptedAt", suspended_at AS "suspendedAt", suspension_reason AS "suspensionReason", status_text AS "statusText"`;
const SESSION = `id, user_id AS "userId", device_name AS "deviceName", ip, user_agent AS "userAgent", created_at AS "createdAt", last_used_at AS "lastUsedAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"`;
const DEVICE = `id, user_id AS "userId", name, identity_key AS "identityKey", created_at AS "createdAt", last_seen_at AS "lastSeenAt", signed_prekey AS "signedPreKey", kyber_prekey AS "kyberPreKey", session_id AS "sessionId"`;
const INVITE = `code, community_id AS "communityId", created_by AS "createdBy", max_uses AS "maxUses", uses, expires_at AS "expiresAt", revoked_at AS "revokedAt", created_at AS "createdAt", admits_new_accounts AS "admitsNewAccounts"`;
/** An invite row as stored (the flag is an integer in both dialects) made into an Invite. */
const toInvite = (row: Omit<Invite, 'admitsNewAccounts'> & { admitsNewAccounts: number }): Invite => ({ ...row, admitsNewAccounts: row.admitsNewAccounts !== 0 });
type InviteRow = Parameters<typeof toInvite>[0];
const COMMUNITY = `id, name, owner_id AS "ownerId", created_at AS "createdAt", icon_id AS "iconId", banner_id AS "bannerId", accent`;
const IMAGE = `id, slot, content_type AS "contentType", width, height, size, uploader_id AS "uploaderId", created_at AS "createdAt"`;
const imageRow = (i: StoredImage): StoredImage => ({ ...i, width: Number(i.width), height: Number(i.height), size: Number(i.size), createdAt: Number(i.createdAt) });
const EMOJI = `name, image_id AS "imageId", created_by AS "createdBy", created_at AS "createdAt"`;
const CHANNEL = `id, community_id AS "communityId", group_id AS "groupId", kind, name, position, created_at AS "createdAt", archived_at AS "archivedAt", slow_mode_seconds AS "slowModeSeconds", icon_id AS "iconId", accent, call_cap AS "callCap", disappear_seconds AS "disappearSeconds"`;
const MEMBER = `community_id AS "communityId", user_id AS "userId", role, joined_at AS "joinedAt", timed_out_until AS "timedOutUntil"`;
const GROUP = `id, community_id AS "communityId", name, position, created_at AS "createdAt", owner_user_id AS "ownerUserId", private_at AS "privateAt"`;
const ROLE = `id, community_id AS "communityId", name, permissions, position`;
const REPORT = `id, reporter_id AS "reporterId", kind, queue, community_id AS "communityId", channel_id AS "channelId", seq, message_seq AS "messageSeq", accused_id AS "accusedId", reason, comment, disclosed, verdict, message_ts AS "messageTs", status, resolution, resolved_by AS "resolvedBy", resolved_at AS "resolvedAt", created_at AS "createdAt"`;
const optionalNumber = (x: unknown) => (x === null || x === undefined ? null : Number(x));
const reportRow = (r: Report): Report => ({ ...r, seq: optionalNumber(r.seq), messageSeq: optionalNumber(r.messageSeq), messageTs: optionalNumber(r.messageTs), resolvedAt: optionalNumber(r.resolvedAt), createdAt: Number(r.createdAt) });
const WARNING = `id, community_id AS "communityId", user_id AS "userId", moderator_id AS "moderatorId", reason, report_id AS "reportId", created_at AS "createdAt"`;
const BAN = `community_id AS "communityId", user_id AS "userId", reason, banned_by AS "bannedBy", created_at AS "createdAt", expires_at AS "expiresAt"`;
const FILE = `id, channel_id AS "channelId", uploader_id AS "uploaderId", uploader_ip AS "uploaderIp", size, received, created_at AS "createdAt", completed_at AS "completedAt"`;
/** Numbers where PostgreSQL's driver hands bigint columns back as strings. */
const fileRow = (f: StoredFile): StoredFile => ({
  ...f,
  size: Number(f.size),
  received: Number(f.received),
  createdAt: Number(f.createdAt),
  completedAt: f.completedAt === null || f.completedAt === undefined ? null : Number(f.completedAt),
});
const AUDIT = `id, event, user_id AS "userId", ip, user_agent AS "userAgent", detail, created_at AS "createdAt"`;

/** Takes a user (first parameter) off every group member list of a community (second): their places go with the membership. */
const GROUP_LISTS_OF_MEMBER = 'DELETE FROM channel_group_members WHERE user_id = ? AND group_id IN (SELECT id FROM channel_groups WHERE community_id = ?)';

/** Normalizes a group row: null for ordinary groups, and a number even where a driver hands bigint columns back as strings. */
function groupRow(g: ChannelGroup): ChannelGroup {
  return { ...g, ownerUserId: g.ownerUserId ?? null, privateAt: g.privateAt === null || g.privateAt === undefined ? null : Number(g.privateAt) };
}

/**
 * Ids one batch read binds in a statement: D1 accepts at most 100 bound parameters a query, and a
 * statement below binds up to two id lists plus two values (issue #21: one statement for a
 * channel's members rather than several per member).
 */
const IDS_PER_STATEMENT = 45;

/** `xs` in slices of IDS_PER_STATEMENT, without repeats. */
function idChunks(xs: readonly string[], size = IDS_PER_STATEMENT): string[][] {
  const unique = [...new Set(xs)];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
}

/** `?, ?, …` for `n` parameters. */
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** How many users one backfill step reads and updates: one statement batch, small enough for D1's limits. */
const SKELETON_BACKFILL_BATCH = 100;

/** The case-insensitive key a username is unique under. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

export class SqlStorage implements Storage {
  constructor(private readonly db: SqlExecutor) {}

  get kind() {
    return this.db.kind;
  }

  async migrate(now: number): Promise<string[]> {
    const applied = await migrate(this.db, this.db.dialect === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS, now);
    await this.backfillUsernameSkeletons();
    return applied;
  }

  /**
   * Gives users written before migration 0005 (or by an older build still running) their
   * username skeleton, which SQL cannot compute. A row whose skeleton another user already holds
   * (two look-alikes registered before the rule existed) keeps both accounts and stays null: the
   * first one's skeleton already blocks further look-alikes. Runs with each migrate, so once
   * per isolate; after the first run only such rows are left to read.
   */
  private async backfillUsernameSkeletons(): Promise<void> {
    for (let after = ''; ; ) {
      const rows = await this.db.all<{ id: string; username: string }>(
        'SELECT id, username FROM users WHERE username_skeleton IS NULL AND id > ? ORDER BY id LIMIT ?',
        [after, SKELETON_BACKFILL_BATCH],
      );
      if (rows.length === 0) return;
      try {
        await this.db.batch(
          rows.map((r) => {
            const skeleton = usernameSkeleton(usernameKey(r.username));
            return {
              sql: 'UPDATE users SET username_skeleton = ? WHERE id = ? AND username_skeleton IS NULL AND NOT EXISTS (SELECT 1 FROM users WHERE username_skeleton = ?)',
              params: [skeleton, r.id, skeleton],
            };
          }),
        );
      } catch (e) {
        // Another process backfilling or registering at the same moment took a skeleton between
        // the check and the write; these rows stay null until the next run.
        if (!(e instanceof StorageError && e.code === 'conflict')) throw e;
      }
      after = rows[rows.length - 1]!.id;
    }
  }

  async ping(): Promise<void> {
    await this.db.all('SELECT 1 AS one');
  }

  private async one<T extends object>(sql: string, params: readonly SqlValue[]): Promise<T | null> {
    const rows = await this.db.all<T>(sql, params);
    return rows[0] ?? null;
  }

  async createUser(u: NewUser): Promise<User> {
    await this.db.run(
      'INSERT INTO users (id, username, username_key, username_skeleton, display_name, email, password_hash, instance_role, created_at, failed_logins, recovery_verifier_hash, terms_version, terms_accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)',
      [u.id, u.username, usernameKey(u.username), usernameSkeleton(usernameKey(u.username)), u.displayName, u.email, u.passwordHash, u.instanceRole, u.createdAt, u.recoveryVerifierHash, u.termsVersion ?? null, u.termsAcceptedAt ?? null],
    );
    return {
      ...u,
      failedLogins: 0,
      lockedUntil: null,
      totpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      dmPolicy: 'communities',
      avatarId: null,
      bannerId: null,
      quarantinedAt: null,
      quarantineReason: null,
      termsVersion: u.termsVersion ?? null,
      termsAcceptedAt: u.termsAcceptedAt ?? null,
      suspendedAt: null,
      suspensionReason: null,
      statusText: null,
    };
  }

  getUserById(id: string) {
    return this.one<User>(`SELECT ${USER} FROM users WHERE id = ?`, [id]);
  }

  getUserByUsername(username: string) {
    return this.one<User>(`SELECT ${USER} FROM users WHERE username_key = ?`, [usernameKey(username)]);
  }

  async hasLookAlike(username: string): Promise<boolean> {
    return (await this.one('SELECT 1 AS one FROM users WHERE username_skeleton = ?', [usernameSkeleton(usernameKey(username))])) !== null;
  }

  async claimOwnerGrant(now: number): Promise<boolean> {
    // One statement decides: the primary key lets exactly one insert through, on every back end.
    const rows = await this.db.all<{ key: string }>("INSERT INTO instance_state (key, value) VALUES ('owner_granted_at', ?) ON CONFLICT (key) DO NOTHING RETURNING key", [String(now)]);
    return rows.length === 1;
  }

  async releaseOwnerGrant(): Promise<void> {
    await this.db.run("DELETE FROM instance_state WHERE key = 'owner_granted_at'", []);
  }

  async countUsers(): Promise<number> {
    const row = await this.one<{ n: number }>('SELECT COUNT(*) AS n FROM users', []);
    return Number(row?.n ?? 0);
  }

  async searchUsers(prefix: string, after: string | null, limit: number): Promise<User[]> {
    const like = `${usernameKey(prefix).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    return this.db.all<User>(`SELECT ${USER} FROM users WHERE username_key LIKE ? ESCAPE '\\' AND username_key > ? ORDER BY username_key LIMIT ?`, [like, after ?? '', Math.max(1, Math.min(limit, 100))]);
  }

  async updateUser(id: string, patch: UserPatch): Promise<User> {
    const columns: Record<keyof UserPatch, string> = {
      displayName: 'display_name',
      email: 'email',
      passwordHash: 'password_hash',
      instanceRole: 'instance_role',
      totpSecret: 'totp_secret',
      totpEnabledAt: 'totp_enabled_at',
      recoveryVerifierHash: 'recovery_verifier_hash',
      dmPolicy: 'dm_policy',
      avatarId: 'avatar_id',
      bannerId: 'banner_id',
      quarantinedAt: 'quarantined_at',
      quarantineReason: 'quarantine_reason',
      termsVersion: 'terms_version',
      termsAcceptedAt: 'terms_accepted_at',
      suspendedAt: 'suspended_at',
      suspensionReason: 'suspension_reason',
      statusText: 'status_text',
    };
    await this.patchRow('users', columns, patch, id);
    const user = await this.getUserById(id);
    if (!user) throw new StorageError('not_found', 'updateUser: no such user', 'updateUser');
    return user;
  }

  async deleteUser(id: string): Promise<boolean> {
    const existed = (await this.getUserById(id)) !== null;
    await this.db.batch([
      { sql: 'DELETE FROM audit_log WHERE user_id = ?', params: [id] },
      { sql: 'DELETE FROM blocks WHERE user_id = ? OR blocked_id = ?', params: [id, id] },
      { sql: 'DELETE FROM announcement_dismissals WHERE user_id = ?', params: [id] },
      { sql: 'DELETE FROM users WHERE id = ?', params: [id] },
    ]);
    return existed;
  }

  async recordLoginFailure(id: string, threshold: number, lockUntil: number) {
    const row = await this.one<{ failedLogins: number; lockedUntil: number | null }>(
      `UPDATE users SET failed_logins = failed_logins + 1,
         locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
       WHERE id = ? RETURNING failed_logins AS "failedLogins", locked_until AS "lockedUntil"`,
      [threshold, lockUntil, id],
    );
    return row ?? { failedLogins: 0, lockedUntil: null };
  }

  async resetLoginFailures(id: string): Promise<void> {
    await this.db.run('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ? AND (failed_logins <> 0 OR locked_until IS NOT NULL)', [id]);
  }

  async acceptTotpStep(id: string, step: number): Promise<boolean> {
    return (await this.db.run('UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)', [step, id, step])) > 0;
  }

  async replaceBackupCodes(userId: string, codeHashes: string[]): Promise<void> {
    await this.db.batch([
      { sql: 'DELETE FROM backup_codes WHERE user_id = ?', params: [userId] },
      ...codeHashes.map((h) => ({ sql: 'INSERT INTO backup_codes (user_id, code_hash, used_at) VALUES (?, ?, NULL)', params: [userId, h] })),
    ]);
  }

  async useBackupCode(userId: string, codeHash: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE backup_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL', [now, userId, codeHash])) > 0;
  }

  async countUnusedBackupCodes(userId: string): Promise<number> {
    const row = await this.one<{ n: number }>('SELECT COUNT(*) AS n FROM backup_codes WHERE user_id = ? AND used_at IS NULL', [userId]);
    return Number(row?.n ?? 0);
  }

  async createSession(s: Session, refreshHash: string): Promise<Session> {
    await this.db.batch([
      {
        sql: 'INSERT INTO sessions (id, user_id, device_name, ip, user_agent, refresh_hash, created_at, last_used_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        params: [s.id, s.userId, s.deviceName, s.ip, s.userAgent, refreshHash, s.createdAt, s.lastUsedAt, s.expiresAt, s.revokedAt],
      },
      { sql: 'INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at) VALUES (?, ?, ?, NULL)', params: [refreshHash, s.id, s.createdAt] },
    ]);
    return s;
  }

  getSession(id: string) {
    return this.one<Session>(`SELECT ${SESSION} FROM sessions WHERE id = ?`, [id]);
  }

  listSessions(userId: string, now: number) {
    return this.db.all<Session>(`SELECT ${SESSION} FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY last_used_at DESC, id`, [userId, now]);
  }

  async accountCounts(userIds: readonly string[], now: number): Promise<[string, { sessions: number; devices: number }][]> {
    const out = new Map<string, { sessions: number; devices: number }>();
    for (const ids of idChunks(userIds)) {
      const [users, sessions, devices] = await Promise.all([
        this.db.all<{ id: string }>(`SELECT id FROM users WHERE id IN (${marks(ids.length)})`, [...ids]),
        this.db.all<{ userId: string; n: number }>(
          `SELECT user_id AS "userId", COUNT(*) AS n FROM sessions WHERE user_id IN (${marks(ids.length)}) AND revoked_at IS NULL AND expires_at > ? GROUP BY user_id`,
          [...ids, now],
        ),
        this.db.all<{ userId: string; n: number }>(`SELECT user_id AS "userId", COUNT(*) AS n FROM devices WHERE user_id IN (${marks(ids.length)}) GROUP BY user_id`, [...ids]),
      ]);
      for (const u of users) out.set(u.id, { sessions: 0, devices: 0 });
      for (const r of sessions) out.get(r.userId)!.sessions = Number(r.n);
      for (const r of devices) out.get(r.userId)!.devices = Number(r.n);
    }
    return [...out];
  }

  async rotateRefreshToken(oldHash: string, newHash: string, now: number): Promise<RefreshLookup> {
    // The conditional UPDATE decides the one winner among parallel refreshes of the same token.
    const won = await this.one<{ sessionId: string }>(
      'UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL RETURNING session_id AS "sessionId"',
      [now, oldHash],
    );
    if (won) {
      await this.db.batch([
        { sql: 'INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at) VALUES (?, ?, ?, NULL)', params: [newHash, won.sessionId, now] },
        { sql: 'UPDATE sessions SET refresh_hash = ?, last_used_at = ? WHERE id = ?', params: [newHash, now, won.sessionId] },
      ]);
      const session = await this.getSession(won.sessionId);
      return session ? { state: 'rotated', session } : { state: 'unknown' };
    }
    const seen = await this.one<{ sessionId: string; rotatedAt: number }>('SELECT session_id AS "sessionId", rotated_at AS "rotatedAt" FROM refresh_tokens WHERE token_hash = ?', [oldHash]);
    const session = seen ? await this.getSession(seen.sessionId) : null;
    if (!seen || !session) return { state: 'unknown' };
    // Its successor was made in the same step (created when this one was rotated) and is still
    // the session's current, unrotated token: the answer that carried it may never have arrived.
    const successor = await this.one<{ hash: string }>(
      'SELECT t.token_hash AS "hash" FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id AND s.refresh_hash = t.token_hash WHERE t.session_id = ? AND t.created_at = ? AND t.rotated_at IS NULL',
      [seen.sessionId, seen.rotatedAt],
    );
    return { state: 'already-rotated', session, rotatedAt: Number(seen.rotatedAt), unusedSuccessor: successor?.hash ?? null };
  }

  async revokeSession(userId: string, sessionId: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL', [now, sessionId, userId])) > 0;
  }

  async revokeAllSessions(userId: string, now: number, exceptSessionId?: string): Promise<number> {
    return exceptSessionId === undefined
      ? this.db.run('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', [now, userId])
      : this.db.run('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?', [now, userId, exceptSessionId]);
  }

  async addDevice(d: Device): Promise<Device> {
    await this.db.run('INSERT INTO devices (id, user_id, name, identity_key, created_at, last_seen_at, signed_prekey, kyber_prekey, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      d.id, d.userId, d.name, d.identityKey, d.createdAt, d.lastSeenAt, d.signedPreKey, d.kyberPreKey, d.sessionId ?? null,
    ]);
    return d;
  }

  getDevice(id: string) {
    return this.one<Device>(`SELECT ${DEVICE} FROM devices WHERE id = ?`, [id]);
  }

  async setPreKeys(deviceId: string, keys: { signedPreKey: string; kyberPreKey: string | null }): Promise<void> {
    await this.db.run('UPDATE devices SET signed_prekey = ?, kyber_prekey = ? WHERE id = ?', [keys.signedPreKey, keys.kyberPreKey, deviceId]);
  }

  async addOneTimePreKeys(deviceId: string, keys: OneTimePreKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.batch(keys.map((k) => ({ sql: 'INSERT INTO one_time_prekeys (device_id, key_id, public_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', params: [deviceId, k.keyId, k.publicKey] })));
  }

  async countOneTimePreKeys(deviceId: string): Promise<number> {
    const row = await this.one<{ n: number }>('SELECT COUNT(*) AS n FROM one_time_prekeys WHERE device_id = ?', [deviceId]);
    return Number(row?.n ?? 0);
  }

  async claimOneTimePreKey(deviceId: string): Promise<OneTimePreKey | null> {
    // SQLite has one writer, so the sub-select and the delete cannot interleave with another
    // claim; PostgreSQL needs the row lock, and SKIP LOCKED sends a parallel claim to the next key.
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await this.one<OneTimePreKey>(
        `DELETE FROM one_time_prekeys WHERE device_id = ? AND key_id = (SELECT key_id FROM one_time_prekeys WHERE device_id = ? ORDER BY key_id LIMIT 1${lock})
         RETURNING key_id AS "keyId", public_key AS "publicKey"`,
        [deviceId, deviceId],
      );
      if (claimed) return { keyId: Number(claimed.keyId), publicKey: claimed.publicKey };
      if ((await this.countOneTimePreKeys(deviceId)) === 0) return null;
    }
    return null;
  }

  async putDeviceList(l: DeviceList): Promise<boolean> {
    return (
      (await this.db.run(
        `INSERT INTO device_lists (user_id, version, list, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, list = excluded.list, updated_at = excluded.updated_at
         WHERE device_lists.version < excluded.version`,
        [l.userId, l.version, l.list, l.updatedAt],
      )) > 0
    );
  }

  async listDevicesOf(userIds: readonly string[]): Promise<Device[]> {
    const out: Device[] = [];
    for (const ids of idChunks(userIds)) out.push(...(await this.db.all<Device>(`SELECT ${DEVICE} FROM devices WHERE user_id IN (${marks(ids.length)}) ORDER BY user_id, created_at, id`, ids)));
    return out;
  }

  async claimOneTimePreKeys(deviceIds: readonly string[]): Promise<[string, OneTimePreKey][]> {
    // Each device's lowest key, deleted and returned by one statement. A key a concurrent claim
    // took first is simply not returned (PostgreSQL re-checks the row after the other delete):
    // that device's bundle goes out with its last-resort keys, never with a key handed out twice.
    const out: [string, OneTimePreKey][] = [];
    for (const ids of idChunks(deviceIds)) {
      const rows = await this.db.all<{ deviceId: string; keyId: number | string; publicKey: string }>(
        `DELETE FROM one_time_prekeys WHERE (device_id, key_id) IN
           (SELECT device_id, MIN(key_id) FROM one_time_prekeys WHERE device_id IN (${marks(ids.length)}) GROUP BY device_id)
         RETURNING device_id AS "deviceId", key_id AS "keyId", public_key AS "publicKey"`,
        ids,
      );
      for (const r of rows) out.push([r.deviceId, { keyId: Number(r.keyId), publicKey: r.publicKey }]);
    }
    return out;
  }

  async getDeviceLists(userIds: readonly string[]): Promise<DeviceList[]> {
    const out: DeviceList[] = [];
    for (const ids of idChunks(userIds)) {
      out.push(...(await this.db.all<DeviceList>(`SELECT user_id AS "userId", version, list, updated_at AS "updatedAt" FROM device_lists WHERE user_id IN (${marks(ids.length)})`, ids)));
    }
    return out;
  }

  getDeviceList(userId: string) {
    return this.one<DeviceList>('SELECT user_id AS "userId", version, list, updated_at AS "updatedAt" FROM device_lists WHERE user_id = ?', [userId]);
  }

  async createFile(f: Omit<StoredFile, 'received' | 'completedAt'>): Promise<void> {
    await this.db.run('INSERT INTO files (id, channel_id, uploader_id, uploader_ip, size, received, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)', [f.id, f.channelId, f.uploaderId, f.uploaderIp, f.size, f.createdAt]);
  }

  async getFile(id: string): Promise<StoredFile | null> {
    const row = await this.one<StoredFile>(`SELECT ${FILE} FROM files WHERE id = ?`, [id]);
    return row ? fileRow(row) : null;
  }

  async advanceFile(id: string, from: number, to: number, completedAt: number | null): Promise<boolean> {
    return (await this.db.run('UPDATE files SET received = ?, completed_at = ? WHERE id = ? AND received = ? AND completed_at IS NULL', [to, completedAt, id, from])) > 0;
  }

  async deleteFileRecord(id: string): Promise<void> {
    await this.db.run('DELETE FROM files WHERE id = ?', [id]);
  }

  async fileUsage(userId: string): Promise<{ bytes: number; openUploads: number }> {
    const row = await this.one<{ bytes: number | string | null; open: number | string | null }>(
      'SELECT SUM(size) AS bytes, SUM(CASE WHEN completed_at IS NULL THEN 1 ELSE 0 END) AS open FROM files WHERE uploader_id = ?',
      [userId],
    );
    return { bytes: Number(row?.bytes ?? 0), openUploads: Number(row?.open ?? 0) };
  }

  async openUploadsFromIp(ip: string): Promise<number> {
    const row = await this.one<{ n: number | string }>('SELECT COUNT(*) AS n FROM files WHERE uploader_ip = ? AND completed_at IS NULL', [ip]);
    return Number(row?.n ?? 0);
  }

  async listFilesBy(channelId: string, uploaderId: string, since: number, until: number, limit: number): Promise<StoredFile[]> {
    const rows = await this.db.all<StoredFile>(
      `SELECT ${FILE} FROM files WHERE channel_id = ? AND uploader_id = ? AND created_at >= ? AND created_at <= ? ORDER BY created_at, id LIMIT ?`,
      [channelId, uploaderId, since, until, limit],
    );
    return rows.map(fileRow);
  }

  async listOrphanFiles(staleBefore: number, limit: number): Promise<StoredFile[]> {
    const rows = await this.db.all<StoredFile>(
      `SELECT ${FILE} FROM files
       WHERE NOT EXISTS (SELECT 1 FROM channels c WHERE c.id = files.channel_id)
          OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = files.uploader_id)
          OR (completed_at IS NULL AND created_at < ?)
       LIMIT ?`,
      [staleBefore, limit],
    );
    return rows.map(fileRow);
  }

  async createImage(i: StoredImage): Promise<void> {
    await this.db.run('INSERT INTO images (id, slot, content_type, width, height, size, uploader_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [i.id, i.slot, i.contentType, i.width, i.height, i.size, i.uploaderId, i.createdAt]);
  }

  async getImage(id: string): Promise<StoredImage | null> {
    const row = await this.one<StoredImage>(`SELECT ${IMAGE} FROM images WHERE id = ?`, [id]);
    return row ? imageRow(row) : null;
  }

  async deleteImageRecord(id: string): Promise<void> {
    await this.db.run('DELETE FROM images WHERE id = ?', [id]);
  }

  async listOrphanImages(createdBefore: number, limit: number): Promise<StoredImage[]> {
    const rows = await this.db.all<StoredImage>(
      `SELECT ${IMAGE} FROM images
       WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_id = images.id OR u.banner_id = images.id)
         AND NOT EXISTS (SELECT 1 FROM communities c WHERE c.icon_id = images.id OR c.banner_id = images.id)
         AND NOT EXISTS (SELECT 1 FROM channels ch WHERE ch.icon_id = images.id)
         AND NOT EXISTS (SELECT 1 FROM emoji e WHERE e.image_id = images.id)
         AND NOT EXISTS (SELECT 1 FROM instance_settings s WHERE s.name = 'instance_icon' AND s.value = images.id)
       LIMIT ?`,
      [createdBefore, limit],
    );
    return rows.map(imageRow);
  }

  async updateCommunityLook(id: string, look: CommunityLook): Promise<void> {
    await this.patchRow('communities', { iconId: 'icon_id', bannerId: 'banner_id', accent: 'accent' }, look, id);
  }

  async updateChannelLook(id: string, look: Partial<Pick<Channel, 'iconId' | 'accent'>>): Promise<void> {
    await this.patchRow('channels', { iconId: 'icon_id', accent: 'accent' }, look, id);
  }

  /** Sets the columns of row `id` whose fields `patch` names (undefined: left alone; null: cleared). */
  private async patchRow<P extends object>(table: string, columns: { [K in keyof P]-?: string }, patch: P, id: string): Promise<void> {
    const keys = (Object.keys(patch) as (keyof P)[]).filter((k) => k in columns && patch[k] !== undefined);
    if (keys.length === 0) return;
    await this.db.run(`UPDATE ${table} SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE id = ?`, [...keys.map((k) => (patch[k] ?? null) as SqlValue), id]);
  }

  async listEmoji(communityId: string): Promise<CustomEmoji[]> {
    const rows = await this.db.all<CustomEmoji>(`SELECT ${EMOJI} FROM emoji WHERE community_id = ? ORDER BY name`, [communityId]);
    return rows.map((e) => ({ ...e, createdAt: Number(e.createdAt) }));
  }

  async addEmoji(communityId: string, e: CustomEmoji, max: number): Promise<'added' | 'exists' | 'full'> {
    const taken = () => this.one<{ one: number }>('SELECT 1 AS one FROM emoji WHERE community_id = ? AND name = ?', [communityId, e.name]);
    if (await taken()) return 'exists';
    // One statement: the count and the insert cannot be split by another upload.
    const added = await this.db.run(
      `INSERT INTO emoji (community_id, name, image_id, created_by, created_at)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM emoji WHERE community_id = ?) < ?
       ON CONFLICT DO NOTHING`,
      [communityId, e.name, e.imageId, e.createdBy, e.createdAt, communityId, max],
    );
    if (added > 0) return 'added';
    return (await taken()) ? 'exists' : 'full';
  }

  async deleteEmoji(communityId: string, name: string): Promise<string | null> {
    const rows = await this.db.all<{ imageId: string }>('DELETE FROM emoji WHERE community_id = ? AND name = ? RETURNING image_id AS "imageId"', [communityId, name]);
    return rows[0]?.imageId ?? null;
  }

  async putKeyBackupMeta(m: KeyBackupMeta): Promise<boolean> {
    return (
      (await this.db.run(
        `INSERT INTO key_backups (user_id, version, size, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, size = excluded.size, updated_at = excluded.updated_at
         WHERE key_backups.version < excluded.version`,
        [m.userId, m.version, m.size, m.updatedAt],
      )) > 0
    );
  }

  getKeyBackupMeta(userId: string) {
    return this.one<KeyBackupMeta>('SELECT user_id AS "userId", version, size, updated_at AS "updatedAt" FROM key_backups WHERE user_id = ?', [userId]);
  }

  listDevices(userId: string) {
    return this.db.all<Device>(`SELECT ${DEVICE} FROM devices WHERE user_id = ? ORDER BY created_at, id`, [userId]);
  }

  async removeDevice(userId: string, deviceId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM devices WHERE user_id = ? AND id = ?', [userId, deviceId])) > 0;
  }

  async createInvite(i: Invite): Promise<Invite> {
    await this.db.run(
      'INSERT INTO invites (code, community_id, created_by, max_uses, uses, expires_at, revoked_at, created_at, admits_new_accounts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [i.code, i.communityId, i.createdBy, i.maxUses, i.uses, i.expiresAt, i.revokedAt, i.createdAt, i.admitsNewAccounts ? 1 : 0],
    );
    return i;
  }

  async getInvite(code: string): Promise<Invite | null> {
    const row = await this.one<InviteRow>(`SELECT ${INVITE} FROM invites WHERE code = ?`, [code]);
    return row && toInvite(row);
  }

  async listInvites(communityId: string | null): Promise<Invite[]> {
    const rows =
      communityId === null
        ? await this.db.all<InviteRow>(`SELECT ${INVITE} FROM invites WHERE community_id IS NULL ORDER BY created_at DESC, code`)
        : await this.db.all<InviteRow>(`SELECT ${INVITE} FROM invites WHERE community_id = ? ORDER BY created_at DESC, code`, [communityId]);
    return rows.map(toInvite);
  }

  async revokeInvite(code: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL', [now, code])) > 0;
  }

  async unredeemInvite(code: string): Promise<void> {
    await this.db.run('UPDATE invites SET uses = uses - 1 WHERE code = ? AND uses > 0', [code]);
  }

  async redeemInvite(code: string, now: number): Promise<Invite> {
    // One statement decides and counts, so concurrent redemptions of the last use cannot both win.
    const used = await this.one<InviteRow>(
      `UPDATE invites SET uses = uses + 1
       WHERE code = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)
       RETURNING ${INVITE}`,
      [code, now],
    );
    if (used) return toInvite(used);
    const invite = await this.getInvite(code);
    if (!invite) throw new StorageError('not_found', 'this invite code does not exist', 'redeemInvite');
    if (invite.revokedAt !== null) throw new StorageError('invite_revoked', 'this invite code was revoked', 'redeemInvite');
    if (invite.expiresAt !== null && invite.expiresAt <= now) throw new StorageError('invite_expired', 'this invite code has expired', 'redeemInvite');
    throw new StorageError('invite_exhausted', 'this invite code has no uses left', 'redeemInvite');
  }

  async createCommunity({ community: c, group: g, channel: ch }: { community: Community; group: ChannelGroup; channel: Channel }): Promise<Community> {
    await this.db.batch([
      { sql: 'INSERT INTO communities (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)', params: [c.id, c.name, c.ownerId, c.createdAt] },
      { sql: 'INSERT INTO members (community_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)', params: [c.id, c.ownerId, 'owner', c.createdAt] },
      { sql: 'INSERT INTO channel_groups (id, community_id, name, position, created_at) VALUES (?, ?, ?, ?, ?)', params: [g.id, c.id, g.name, g.position, g.createdAt] },
      {
        sql: 'INSERT INTO channels (id, community_id, group_id, kind, name, position, created_at, archived_at, slow_mode_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        params: [ch.id, c.id, g.id, ch.kind, ch.name, ch.position, ch.createdAt, ch.archivedAt, ch.slowModeSeconds],
      },
    ]);
    return { ...c, iconId: null, bannerId: null, accent: null };
  }

  async renameCommunity(id: string, name: string): Promise<void> {
    await this.db.run('UPDATE communities SET name = ? WHERE id = ?', [name, id]);
  }

  async transferCommunity(id: string, fromUserId: string, toUserId: string): Promise<boolean> {
    // Both statements are conditioned on the same facts, checked before either changes them,
    // so a transfer racing another (or a leave) changes everything or nothing.
    if (fromUserId === toUserId || (await this.getCommunity(id))?.ownerId !== fromUserId) return false;
    const facts = 'EXISTS (SELECT 1 FROM communities WHERE id = ? AND owner_id = ?) AND EXISTS (SELECT 1 FROM members WHERE community_id = ? AND user_id = ?)';
    await this.db.batch([
      {
        sql: `UPDATE members SET role = CASE WHEN user_id = ? THEN 'owner' ELSE 'admin' END WHERE community_id = ? AND user_id IN (?, ?) AND ${facts}`,
        params: [toUserId, id, fromUserId, toUserId, id, fromUserId, id, toUserId],
      },
      { sql: `UPDATE communities SET owner_id = ? WHERE id = ? AND ${facts}`, params: [toUserId, id, id, fromUserId, id, toUserId] },
    ]);
    return (await this.getCommunity(id))?.ownerId === toUserId;
  }

  async deleteCommunity(id: string): Promise<boolean> {
    // Its reports (with what they disclosed) and warnings go with it; reports already escalated to the instance stay.
    await this.db.batch([
      { sql: `DELETE FROM reports WHERE community_id = ? AND queue = 'community'`, params: [id] },
      { sql: 'DELETE FROM warnings WHERE community_id = ?', params: [id] },
    ]);
    return (await this.db.run('DELETE FROM communities WHERE id = ?', [id])) > 0;
  }

  async createGroup(g: ChannelGroup): Promise<ChannelGroup> {
    const ownerUserId = g.ownerUserId ?? null;
    const privateAt = g.privateAt ?? null;
    await this.db.run('INSERT INTO channel_groups (id, community_id, name, position, created_at, owner_user_id, private_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      g.id,
      g.communityId,
      g.name,
      g.position,
      g.createdAt,
      ownerUserId,
      privateAt,
    ]);
    return { ...g, ownerUserId, privateAt };
  }

  async listGroups(communityId: string) {
    const rows = await this.db.all<ChannelGroup>(`SELECT ${GROUP} FROM channel_groups WHERE community_id = ? ORDER BY position, created_at, id`, [communityId]);
    return rows.map(groupRow);
  }

  async updateGroup(id: string, patch: Partial<Pick<ChannelGroup, 'name' | 'position' | 'privateAt'>>): Promise<void> {
    if (patch.name !== undefined) await this.db.run('UPDATE channel_groups SET name = ? WHERE id = ?', [patch.name, id]);
    if (patch.position !== undefined) await this.db.run('UPDATE channel_groups SET position = ? WHERE id = ?', [patch.position, id]);
    if (patch.privateAt !== undefined) await this.db.run('UPDATE channel_groups SET private_at = ? WHERE id = ?', [patch.privateAt, id]);
  }

  async addGroupMember(groupId: string, userId: string, now: number): Promise<void> {
    await this.db.run('INSERT INTO channel_group_members (group_id, user_id, added_at) VALUES (?, ?, ?) ON CONFLICT (group_id, user_id) DO NOTHING', [groupId, userId, now]);
  }

  async removeGroupMember(groupId: string, userId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM channel_group_members WHERE group_id = ? AND user_id = ?', [groupId, userId])) > 0;
  }

  async listGroupMembers(groupId: string): Promise<string[]> {
    const rows = await this.db.all<{ userId: string }>('SELECT user_id AS "userId" FROM channel_group_members WHERE group_id = ? ORDER BY added_at, user_id', [groupId]);
    return rows.map((r) => r.userId);
  }

  async deleteGroup(id: string): Promise<boolean> {
    const existed = (await this.db.all('SELECT id FROM channel_groups WHERE id = ?', [id])).length > 0;
    await this.db.batch([
      { sql: 'UPDATE channels SET group_id = NULL WHERE group_id = ?', params: [id] },
      { sql: 'DELETE FROM channel_group_members WHERE group_id = ?', params: [id] },
      { sql: 'DELETE FROM channel_groups WHERE id = ?', params: [id] },
    ]);
    return existed;
  }

  async updateChannel(id: string, patch: Partial<Pick<Channel, 'name' | 'position' | 'groupId' | 'archivedAt' | 'slowModeSeconds' | 'callCap' | 'disappearSeconds'>>): Promise<void> {
    const columns = { name: 'name', position: 'position', groupId: 'group_id', archivedAt: 'archived_at', slowModeSeconds: 'slow_mode_seconds', callCap: 'call_cap', disappearSeconds: 'disappear_seconds' } as const;
    const keys = (Object.keys(patch) as (keyof typeof columns)[]).filter((k) => k in columns && patch[k] !== undefined);
    if (keys.length === 0) return;
    await this.db.run(`UPDATE channels SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE id = ?`, [...keys.map((k) => patch[k] ?? null), id]);
  }

  async deleteChannel(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM channels WHERE id = ?', [id])) > 0;
  }

  async createDirectChannel(ch: Channel, userIds: string[], now: number, pending: string[] = []): Promise<Channel> {
    await this.db.batch([
      {
        sql: 'INSERT INTO channels (id, community_id, group_id, kind, name, position, created_at, archived_at, slow_mode_seconds) VALUES (?, NULL, NULL, ?, ?, 0, ?, NULL, 0)',
        params: [ch.id, ch.kind, ch.name, ch.createdAt],
      },
      ...userIds.map((u) => ({ sql: 'INSERT INTO channel_members (channel_id, user_id, joined_at, accepted_at) VALUES (?, ?, ?, ?)', params: [ch.id, u, now, pending.includes(u) ? null : now] })),
    ]);
    return ch;
  }

  listDirectChannels(userId: string, options: { all?: boolean } = {}) {
    return this.db.all<Channel>(
      `SELECT c.id, c.community_id AS "communityId", c.group_id AS "groupId", c.kind, c.name, c.position, c.created_at AS "createdAt", c.archived_at AS "archivedAt", c.slow_mode_seconds AS "slowModeSeconds", c.icon_id AS "iconId", c.accent, c.call_cap AS "callCap", c.disappear_seconds AS "disappearSeconds"
       FROM channels c JOIN channel_members m ON m.channel_id = c.id WHERE m.user_id = ?${options.all ? '' : ' AND m.accepted_at IS NOT NULL'} ORDER BY c.created_at, c.id`,
      [userId],
    );
  }

  async listChannelMembers(channelId: string): Promise<string[]> {
    return (await this.db.all<{ userId: string }>('SELECT user_id AS "userId" FROM channel_members WHERE channel_id = ? AND accepted_at IS NOT NULL ORDER BY joined_at, user_id', [channelId])).map((r) => r.userId);
  }

  async removeChannelMember(channelId: string, userId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?', [channelId, userId])) > 0;
  }

  async directMemberStates(channelId: string): Promise<DirectMemberState[]> {
    const rows = await this.db.all<DirectMemberState>(
      'SELECT user_id AS "userId", accepted_at AS "acceptedAt", declined_at AS "declinedAt" FROM channel_members WHERE channel_id = ? ORDER BY joined_at, user_id',
      [channelId],
    );
    return rows.map((r) => ({ userId: r.userId, acceptedAt: r.acceptedAt === null ? null : Number(r.acceptedAt), declinedAt: r.declinedAt === null ? null : Number(r.declinedAt) }));
  }

  async setDirectMemberState(channelId: string, userId: string, state: 'accepted' | 'declined', now: number): Promise<boolean> {
    const sql = state === 'accepted' ? 'UPDATE channel_members SET accepted_at = ?, declined_at = NULL WHERE channel_id = ? AND user_id = ?' : 'UPDATE channel_members SET declined_at = ?, accepted_at = NULL WHERE channel_id = ? AND user_id = ?';
    return (await this.db.run(sql, [now, channelId, userId])) > 0;
  }

  async channelAccess(channelId: string, userId: string): Promise<ChannelAccess | null> {
    // The reads a community channel needs start with the channel read, its community and group
    // found by subquery: one round trip to a remote store instead of two (issue #18 item 2,
    // every channel socket's admission). A DM's own reads follow once it is known to be one.
    const COMMUNITY_OF = '(SELECT community_id FROM channels WHERE id = ?)';
    const [channel, member, ban, customRoles, overrides, group, held] = await Promise.all([
      this.getChannel(channelId),
      this.one<Member>(`SELECT ${MEMBER} FROM members WHERE community_id = ${COMMUNITY_OF} AND user_id = ?`, [channelId, userId]),
      this.one<Ban>(`SELECT ${BAN} FROM bans WHERE community_id = ${COMMUNITY_OF} AND user_id = ?`, [channelId, userId]),
      this.db.all<{ id: string; permissions: number }>(
        `SELECT r.id, r.permissions FROM member_roles mr JOIN roles r ON r.id = mr.role_id WHERE mr.community_id = ${COMMUNITY_OF} AND mr.user_id = ?`,
        [channelId, userId],
      ),
      this.db.all<ChannelOverride>(
        'SELECT channel_id AS "channelId", target_type AS "targetType", target_id AS "targetId", allow, deny FROM channel_overrides WHERE channel_id = ?',
        [channelId],
      ),
      this.personalGroupRow('(SELECT group_id FROM channels WHERE id = ?)', channelId, userId),
      this.quarantinedAmong([userId]),
    ]);
    if (!channel) return null;
    const quarantined = held.has(userId);
    if (channel.communityId === null) {
      const [rows, blocked] = await Promise.all([
        this.db.all<{ userId: string }>('SELECT user_id AS "userId" FROM channel_members WHERE channel_id = ? AND accepted_at IS NOT NULL', [channelId]),
        this.blockedDms(channelId),
      ]);
      const directMember = rows.some((r) => r.userId === userId);
      return { channel, member: null, directMember, directPeersAccepted: rows.some((r) => r.userId !== userId), customRoles: [], overrides: [], banned: false, personalGroup: null, quarantined, blocked };
    }
    const personalGroup = channel.groupId === null ? null : group;
    // Not a member: perhaps this channel's encrypted webhook, whose bot account belongs to no community.
    const bot = member === null && (await this.one<{ n: number }>('SELECT 1 AS n FROM webhooks WHERE bot_user_id = ? AND channel_id = ? AND approved_at IS NOT NULL', [userId, channelId])) !== null;
    return { channel, member, directMember: false, customRoles: customRoles.map((r) => ({ id: r.id, permissions: Number(r.permissions) })), overrides, banned: ban !== null, personalGroup, quarantined, ...(bot ? { bot } : {}) };
  }

  /** Whether DM `channelId` is a 1:1 DM whose two people have a block between them (issue #16). */
  private async blockedDms(channelId: string): Promise<boolean> {
    // One round trip (it runs on every DM access check): a block from either member to the other,
    // counted only when the DM has exactly two people.
    const row = await this.one<{ n: number }>(
      `SELECT 1 AS n FROM blocks b
         JOIN channel_members m1 ON m1.channel_id = ? AND m1.user_id = b.user_id
         JOIN channel_members m2 ON m2.channel_id = ? AND m2.user_id = b.blocked_id
       WHERE (SELECT COUNT(*) FROM channel_members WHERE channel_id = ?) = 2
       LIMIT 1`,
      [channelId, channelId, channelId],
    );
    return row !== null;
  }

  /** Which of `userIds` are quarantined (issue #16). */
  private async quarantinedAmong(userIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const ids of idChunks(userIds)) {
      const rows = await this.db.all<{ id: string }>(`SELECT id FROM users WHERE quarantined_at IS NOT NULL AND id IN (${marks(ids.length)})`, [...ids]);
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** `channelAccess` for many users of one channel in a few reads. */
  async channelAccessMany(channelId: string, userIds: readonly string[]): Promise<[string, ChannelAccess][]> {
    const out: [string, ChannelAccess][] = [];
    const channel = await this.getChannel(channelId);
    if (!channel) return out;
    const quarantined = await this.quarantinedAmong(userIds);
    if (channel.communityId === null) {
      const [accepted, blocked] = await Promise.all([this.listChannelMembers(channelId), this.blockedDms(channelId)]);
      for (const userId of userIds) {
        const directMember = accepted.includes(userId);
        out.push([userId, { channel, member: null, directMember, directPeersAccepted: accepted.some((u) => u !== userId), customRoles: [], overrides: [], banned: false, personalGroup: null, quarantined: quarantined.has(userId), blocked }]);
      }
      return out;
    }
    const communityId = channel.communityId;
    const [overrides, group, botRows] = await Promise.all([
      this.db.all<ChannelOverride>('SELECT channel_id AS "channelId", target_type AS "targetType", target_id AS "targetId", allow, deny FROM channel_overrides WHERE channel_id = ?', [channelId]),
      channel.groupId === null
        ? Promise.resolve(null)
        : this.one<{ ownerUserId: string | null; privateAt: number | null }>('SELECT owner_user_id AS "ownerUserId", private_at AS "privateAt" FROM channel_groups WHERE id = ?', [channel.groupId]),
      this.db.all<{ userId: string }>('SELECT bot_user_id AS "userId" FROM webhooks WHERE channel_id = ? AND bot_user_id IS NOT NULL AND approved_at IS NOT NULL', [channelId]),
    ]);
    const bots = new Set(botRows.map((r) => r.userId));
    const members = new Map<string, Member>();
    const banned = new Set<string>();
    const roles = new Map<string, { id: string; permissions: number }[]>();
    const listed = new Set<string>();
    for (const ids of idChunks(userIds)) {
      const p = marks(ids.length);
      const [ms, bans, rs, gm] = await Promise.all([
        this.db.all<Member>(`SELECT ${MEMBER} FROM members WHERE community_id = ? AND user_id IN (${p})`, [communityId, ...ids]),
        this.db.all<{ userId: string }>(`SELECT user_id AS "userId" FROM bans WHERE community_id = ? AND user_id IN (${p})`, [communityId, ...ids]),
        this.db.all<{ userId: string; id: string; permissions: number }>(
          `SELECT mr.user_id AS "userId", r.id, r.permissions FROM member_roles mr JOIN roles r ON r.id = mr.role_id WHERE mr.community_id = ? AND mr.user_id IN (${p})`,
          [communityId, ...ids],
        ),
        group && group.ownerUserId !== null
          ? this.db.all<{ userId: string }>(`SELECT user_id AS "userId" FROM channel_group_members WHERE group_id = ? AND user_id IN (${p})`, [channel.groupId!, ...ids])
          : Promise.resolve([]),
      ]);
      for (const m of ms) members.set(m.userId, m);
      for (const b of bans) banned.add(b.userId);
      for (const r of rs) roles.set(r.userId, [...(roles.get(r.userId) ?? []), { id: r.id, permissions: Number(r.permissions) }]);
      for (const g of gm) listed.add(g.userId);
    }
    for (const userId of userIds) {
      const personalGroup: PersonalGroupAccess | null =
        group && group.ownerUserId !== null ? { groupId: channel.groupId!, ownerUserId: group.ownerUserId, private: group.privateAt !== null, listed: listed.has(userId) } : null;
      const bot = !members.has(userId) && bots.has(userId);
      out.push([userId, { channel, member: members.get(userId) ?? null, directMember: false, customRoles: roles.get(userId) ?? [], overrides, banned: banned.has(userId), personalGroup, quarantined: quarantined.has(userId), ...(bot ? { bot } : {}) }]);
    }
    return out;
  }

  /**
   * The personal-group facts of the group `groupSql` names (a subquery on `value`) for `userId`;
   * null for an ordinary (or missing) group.
   */
  private async personalGroupRow(groupSql: string, value: string, userId: string): Promise<PersonalGroupAccess | null> {
    const rows = await this.db.all<{ id: string; ownerUserId: string | null; privateAt: number | null; listed: number }>(
      `SELECT g.id, g.owner_user_id AS "ownerUserId", g.private_at AS "privateAt",
              (SELECT COUNT(*) FROM channel_group_members gm WHERE gm.group_id = g.id AND gm.user_id = ?) AS listed
         FROM channel_groups g WHERE g.id = ${groupSql}`,
      [userId, value],
    );
    const g = rows[0];
    if (!g || g.ownerUserId === null) return null;
    return { groupId: g.id, ownerUserId: g.ownerUserId, private: g.privateAt !== null, listed: Number(g.listed) > 0 };
  }

  getCommunity(id: string) {
    return this.one<Community>(`SELECT ${COMMUNITY} FROM communities WHERE id = ?`, [id]);
  }

  async sharedWith(userId: string, others: readonly string[]): Promise<string[]> {
    // The same rule as comparing each one's communities and accepted DMs with the user's own, in
    // one statement per slice of ids instead of two reads per person.
    const out: string[] = [];
    // Five uses of the slice plus five of the user: 19 ids keeps it within D1's 100 parameters.
    for (const ids of idChunks(others, 19)) {
      const p = marks(ids.length);
      const rows = await this.db.all<{ userId: string }>(
        `SELECT m2.user_id AS "userId" FROM members m1 JOIN communities c ON c.id = m1.community_id JOIN members m2 ON m2.community_id = m1.community_id
          WHERE m1.user_id = ? AND m2.user_id IN (${p})
         UNION
         SELECT d2.user_id AS "userId" FROM channel_members d1 JOIN channels ch ON ch.id = d1.channel_id JOIN channel_members d2 ON d2.channel_id = d1.channel_id
          WHERE d1.user_id = ? AND d1.accepted_at IS NOT NULL AND d2.accepted_at IS NOT NULL AND d2.user_id IN (${p})
         UNION
         SELECT m.user_id AS "userId" FROM webhooks w JOIN channels ch ON ch.id = w.channel_id JOIN members m ON m.community_id = ch.community_id
          WHERE w.bot_user_id = ? AND w.approved_at IS NOT NULL AND m.user_id IN (${p})
         UNION
         SELECT w.bot_user_id AS "userId" FROM members m JOIN channels ch ON ch.community_id = m.community_id JOIN webhooks w ON w.channel_id = ch.id
          WHERE m.user_id = ? AND w.approved_at IS NOT NULL AND w.bot_user_id IN (${p})
         UNION
         SELECT w2.bot_user_id AS "userId" FROM webhooks w1 JOIN webhooks w2 ON w2.channel_id = w1.channel_id
          WHERE w1.bot_user_id = ? AND w1.approved_at IS NOT NULL AND w2.approved_at IS NOT NULL AND w2.bot_user_id IN (${p})`,
        // An approved encrypted webhook's bot (issue #17 item 4) shares with its channel's community,
        // both ways, and with the channel's other approved bots.
        [userId, ...ids, userId, ...ids, userId, ...ids, userId, ...ids, userId, ...ids],
      );
      out.push(...rows.map((r) => r.userId));
    }
    return out;
  }

  async getUsersByIds(ids: readonly string[]): Promise<User[]> {
    const out: User[] = [];
    for (const slice of idChunks(ids)) out.push(...(await this.db.all<User>(`SELECT ${USER} FROM users WHERE id IN (${marks(slice.length)})`, slice)));
    return out;
  }

  listCommunitiesForUser(userId: string) {
    return this.db.all<Community>(
      `SELECT c.id, c.name, c.owner_id AS "ownerId", c.created_at AS "createdAt", c.icon_id AS "iconId", c.banner_id AS "bannerId", c.accent FROM communities c JOIN members m ON m.community_id = c.id WHERE m.user_id = ? ORDER BY c.created_at, c.id`,
      [userId],
    );
  }

  async createChannel(ch: Channel): Promise<Channel> {
    await this.db.run(
      'INSERT INTO channels (id, community_id, group_id, kind, name, position, created_at, archived_at, slow_mode_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [ch.id, ch.communityId, ch.groupId, ch.kind, ch.name, ch.position, ch.createdAt, ch.archivedAt, ch.slowModeSeconds],
    );
    return ch;
  }

  getChannel(id: string) {
    return this.one<Channel>(`SELECT ${CHANNEL} FROM channels WHERE id = ?`, [id]);
  }

  listChannels(communityId: string) {
    return this.db.all<Channel>(`SELECT ${CHANNEL} FROM channels WHERE community_id = ? ORDER BY position, created_at, id`, [communityId]);
  }

  async addMember(m: Member): Promise<Member> {
    await this.db.run('INSERT INTO members (community_id, user_id, role, joined_at, timed_out_until) VALUES (?, ?, ?, ?, ?)', [m.communityId, m.userId, m.role, m.joinedAt, m.timedOutUntil]);
    return m;
  }

  async updateMember(communityId: string, userId: string, patch: Partial<Pick<Member, 'role' | 'timedOutUntil'>>): Promise<boolean> {
    let changed = 0;
    if (patch.role !== undefined) changed += await this.db.run('UPDATE members SET role = ? WHERE community_id = ? AND user_id = ?', [patch.role, communityId, userId]);
    if (patch.timedOutUntil !== undefined) changed += await this.db.run('UPDATE members SET timed_out_until = ? WHERE community_id = ? AND user_id = ?', [patch.timedOutUntil, communityId, userId]);
    return changed > 0;
  }

  async createRole(r: Role): Promise<Role> {
    await this.db.run('INSERT INTO roles (id, community_id, name, permissions, position) VALUES (?, ?, ?, ?, ?)', [r.id, r.communityId, r.name, r.permissions, r.position]);
    return r;
  }

  async listRoles(communityId: string): Promise<Role[]> {
    return (await this.db.all<Role>(`SELECT ${ROLE} FROM roles WHERE community_id = ? ORDER BY position, id`, [communityId])).map((r) => ({ ...r, permissions: Number(r.permissions) }));
  }

  async deleteRole(communityId: string, roleId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM roles WHERE community_id = ? AND id = ?', [communityId, roleId])) > 0;
  }

  async assignRole(communityId: string, userId: string, roleId: string): Promise<void> {
    await this.db.run('INSERT INTO member_roles (community_id, user_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [communityId, userId, roleId]);
  }

  async unassignRole(communityId: string, userId: string, roleId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM member_roles WHERE community_id = ? AND user_id = ? AND role_id = ?', [communityId, userId, roleId])) > 0;
  }

  async setChannelOverride(o: ChannelOverride): Promise<void> {
    if (o.allow === 0 && o.deny === 0) {
      await this.db.run('DELETE FROM channel_overrides WHERE channel_id = ? AND target_type = ? AND target_id = ?', [o.channelId, o.targetType, o.targetId]);
      return;
    }
    await this.db.run(
      `INSERT INTO channel_overrides (channel_id, target_type, target_id, allow, deny) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, target_type, target_id) DO UPDATE SET allow = excluded.allow, deny = excluded.deny`,
      [o.channelId, o.targetType, o.targetId, o.allow, o.deny],
    );
  }

  getMember(communityId: string, userId: string) {
    return this.one<Member>(`SELECT ${MEMBER} FROM members WHERE community_id = ? AND user_id = ?`, [communityId, userId]);
  }

  listMembers(communityId: string) {
    return this.db.all<Member>(`SELECT ${MEMBER} FROM members WHERE community_id = ? ORDER BY joined_at, user_id`, [communityId]);
  }

  async removeMember(communityId: string, userId: string): Promise<boolean> {
    const existed = (await this.getMember(communityId, userId)) !== null;
    // Custom roles go with the membership, so rejoining starts from the plain member role.
    await this.db.batch([
      { sql: 'DELETE FROM member_roles WHERE community_id = ? AND user_id = ?', params: [communityId, userId] },
      { sql: GROUP_LISTS_OF_MEMBER, params: [userId, communityId] },
      { sql: 'DELETE FROM members WHERE community_id = ? AND user_id = ?', params: [communityId, userId] },
    ]);
    return existed;
  }

  async unban(communityId: string, userId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM bans WHERE community_id = ? AND user_id = ?', [communityId, userId])) > 0;
  }

  async banMember(b: Ban): Promise<Ban> {
    await this.db.batch([
      {
        sql: 'INSERT INTO bans (community_id, user_id, reason, banned_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        params: [b.communityId, b.userId, b.reason, b.bannedBy, b.createdAt, b.expiresAt],
      },
      { sql: 'DELETE FROM members WHERE community_id = ? AND user_id = ?', params: [b.communityId, b.userId] },
      { sql: 'DELETE FROM member_roles WHERE community_id = ? AND user_id = ?', params: [b.communityId, b.userId] },
      { sql: GROUP_LISTS_OF_MEMBER, params: [b.userId, b.communityId] },
    ]);
    return b;
  }

  getBan(communityId: string, userId: string) {
    return this.one<Ban>(`SELECT ${BAN} FROM bans WHERE community_id = ? AND user_id = ?`, [communityId, userId]);
  }

  async createReport(r: Report): Promise<Report> {
    await this.db.run(
      `INSERT INTO reports (id, reporter_id, kind, queue, community_id, channel_id, seq, message_seq, accused_id, reason, comment, disclosed, verdict, message_ts, status, resolution, resolved_by, resolved_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.reporterId, r.kind, r.queue, r.communityId, r.channelId, r.seq, r.messageSeq, r.accusedId, r.reason, r.comment, r.disclosed, r.verdict, r.messageTs, r.status, r.resolution, r.resolvedBy, r.resolvedAt, r.createdAt],
    );
    return r;
  }

  async getReport(id: string): Promise<Report | null> {
    const r = await this.one<Report>(`SELECT ${REPORT} FROM reports WHERE id = ?`, [id]);
    return r && reportRow(r);
  }

  async listReports(f: { queue: 'community' | 'instance'; communityId?: string; open: boolean; before?: number; limit: number }): Promise<Report[]> {
    const where = ['queue = ?', f.open ? `status = 'open'` : `status <> 'open'`];
    const params: SqlValue[] = [f.queue];
    if (f.communityId !== undefined) where.push('community_id = ?'), params.push(f.communityId);
    if (f.before !== undefined) where.push('created_at < ?'), params.push(f.before);
    params.push(Math.max(1, Math.min(f.limit, 100)));
    return (await this.db.all<Report>(`SELECT ${REPORT} FROM reports WHERE ${where.join(' AND ')} ORDER BY created_at DESC LIMIT ?`, params)).map(reportRow);
  }

  async countOpenReports(reporterId: string): Promise<number> {
    const row = await this.one<{ n: number }>(`SELECT COUNT(*) AS n FROM reports WHERE reporter_id = ? AND status = 'open'`, [reporterId]);
    return Number(row?.n ?? 0);
  }

  async updateOpenReport(id: string, patch: Partial<Pick<Report, 'status' | 'resolution' | 'resolvedBy' | 'resolvedAt' | 'queue'>>): Promise<Report | null> {
    const columns = { status: 'status', resolution: 'resolution', resolvedBy: 'resolved_by', resolvedAt: 'resolved_at', queue: 'queue' } as const;
    const set = (Object.keys(patch) as (keyof typeof columns)[]).filter((k) => patch[k] !== undefined);
    if (set.length === 0) return this.getReport(id);
    // Only an open report changes: two moderators acting at once cannot both resolve it.
    const changed = await this.db.run(`UPDATE reports SET ${set.map((k) => `${columns[k]} = ?`).join(', ')} WHERE id = ? AND status = 'open'`, [...set.map((k) => patch[k] as SqlValue), id]);
    return changed > 0 ? this.getReport(id) : null;
  }

  async addWarning(w: Warning): Promise<Warning> {
    await this.db.run('INSERT INTO warnings (id, community_id, user_id, moderator_id, reason, report_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [w.id, w.communityId, w.userId, w.moderatorId, w.reason, w.reportId, w.createdAt]);
    return w;
  }

  async listWarnings(userId: string, communityId?: string | null): Promise<Warning[]> {
    const scope = communityId === undefined ? '' : communityId === null ? ' AND community_id IS NULL' : ' AND community_id = ?';
    const params: SqlValue[] = communityId ? [userId, communityId] : [userId];
    const rows = await this.db.all<Warning>(`SELECT ${WARNING} FROM warnings WHERE user_id = ?${scope} ORDER BY created_at DESC LIMIT 200`, params);
    return rows.map((w) => ({ ...w, createdAt: Number(w.createdAt) }));
  }

  async getCommunityModeration(id: string): Promise<CommunityModeration> {
    const row = await this.one<{ warnThreshold: number | null; warnTimeoutSeconds: number | null }>('SELECT warn_threshold AS "warnThreshold", warn_timeout_seconds AS "warnTimeoutSeconds" FROM communities WHERE id = ?', [id]);
    return { warnThreshold: optionalNumber(row?.warnThreshold), warnTimeoutSeconds: optionalNumber(row?.warnTimeoutSeconds) };
  }

  async setCommunityModeration(id: string, m: CommunityModeration): Promise<void> {
    await this.db.run('UPDATE communities SET warn_threshold = ?, warn_timeout_seconds = ? WHERE id = ?', [m.warnThreshold, m.warnTimeoutSeconds, id]);
  }

  async block(userId: string, blockedId: string, now: number): Promise<void> {
    await this.db.run('INSERT INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [userId, blockedId, now]);
  }

  async unblock(userId: string, blockedId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?', [userId, blockedId])) > 0;
  }

  async listBlocks(userId: string): Promise<{ userId: string; createdAt: number }[]> {
    const rows = await this.db.all<{ userId: string; createdAt: number }>('SELECT blocked_id AS "userId", created_at AS "createdAt" FROM blocks WHERE user_id = ? ORDER BY created_at DESC LIMIT 1000', [userId]);
    return rows.map((r) => ({ userId: r.userId, createdAt: Number(r.createdAt) }));
  }

  async blockedEitherWay(userId: string, others: readonly string[]): Promise<string[]> {
    if (others.length === 0) return [];
    // Everyone with a block involving `userId` (one read, however many `others`), then only those asked about.
    const rows = await this.db.all<{ id: string }>('SELECT blocked_id AS id FROM blocks WHERE user_id = ? UNION SELECT user_id AS id FROM blocks WHERE blocked_id = ?', [userId, userId]);
    const asked = new Set(others);
    return [...new Set(rows.map((r) => r.id))].filter((id) => asked.has(id));
  }

  async getSetting(name: string): Promise<string | null> {
    return (await this.one<{ value: string }>('SELECT value FROM instance_settings WHERE name = ?', [name]))?.value ?? null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO instance_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value]);
  }

  async createFeedback(f: Feedback): Promise<Feedback> {
    await this.db.run('INSERT INTO feedback (id, user_id, kind, text, status, created_at, closed_at, closed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [f.id, f.userId, f.kind, f.text, f.status, f.createdAt, f.closedAt, f.closedBy]);
    return f;
  }

  async listFeedback(f: { open: boolean; before?: number; limit: number }): Promise<Feedback[]> {
    const params: SqlValue[] = [f.open ? 'open' : 'closed'];
    if (f.before !== undefined) params.push(f.before);
    params.push(Math.max(1, Math.min(f.limit, 100)));
    const rows = await this.db.all<Feedback>(
      `SELECT id, user_id AS "userId", kind, text, status, created_at AS "createdAt", closed_at AS "closedAt", closed_by AS "closedBy" FROM feedback WHERE status = ?${f.before !== undefined ? ' AND created_at < ?' : ''} ORDER BY created_at DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => ({ ...r, createdAt: Number(r.createdAt), closedAt: optionalNumber(r.closedAt) }));
  }

  async countOpenFeedback(userId: string): Promise<number> {
    return Number((await this.one<{ n: number }>(`SELECT COUNT(*) AS n FROM feedback WHERE user_id = ? AND status = 'open'`, [userId]))?.n ?? 0);
  }

  async closeFeedback(id: string, by: string, now: number): Promise<boolean> {
    return (await this.db.run(`UPDATE feedback SET status = 'closed', closed_at = ?, closed_by = ? WHERE id = ? AND status = 'open'`, [now, by, id])) > 0;
  }

  async createWebhook(w: Webhook): Promise<Webhook> {
    await this.db.run('INSERT INTO webhooks (id, channel_id, name, secret_digest, created_by, created_at, rotated_at, posts, last_post_at, bot_user_id, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [w.id, w.channelId, w.name, w.secretDigest, w.createdBy, w.createdAt, w.rotatedAt, w.posts, w.lastPostAt, w.botUserId, w.approvedAt]);
    return w;
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    const row = await this.one<Webhook>(`SELECT ${WEBHOOK} FROM webhooks WHERE id = ?`, [id]);
    return row ? webhookRow(row) : null;
  }

  async listWebhooks(channelId: string): Promise<Webhook[]> {
    return (await this.db.all<Webhook>(`SELECT ${WEBHOOK} FROM webhooks WHERE channel_id = ? ORDER BY created_at, id`, [channelId])).map(webhookRow);
  }

  async rotateWebhook(id: string, secretDigest: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE webhooks SET secret_digest = ?, rotated_at = ? WHERE id = ?', [secretDigest, now, id])) > 0;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM webhooks WHERE id = ?', [id])) > 0;
  }

  async recordWebhookPost(id: string, now: number): Promise<void> {
    await this.db.run('UPDATE webhooks SET posts = posts + 1, last_post_at = ? WHERE id = ?', [now, id]);
  }

  async webhookOfBot(userId: string): Promise<Webhook | null> {
    const row = await this.one<Webhook>(`SELECT ${WEBHOOK} FROM webhooks WHERE bot_user_id = ?`, [userId]);
    return row ? webhookRow(row) : null;
  }

  async approveWebhook(id: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE webhooks SET approved_at = ? WHERE id = ? AND bot_user_id IS NOT NULL AND approved_at IS NULL', [now, id])) > 0;
  }

  async createAnnouncement(a: Announcement): Promise<Announcement> {
    await this.db.run('INSERT INTO announcements (id, text, severity, created_by, created_at, ends_at) VALUES (?, ?, ?, ?, ?, ?)', [a.id, a.text, a.severity, a.createdBy, a.createdAt, a.endsAt]);
    return a;
  }

  async listAnnouncements(f: { now?: number; userId?: string; limit: number }): Promise<Announcement[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (f.now !== undefined) where.push('(ends_at IS NULL OR ends_at > ?)'), params.push(f.now);
    if (f.userId !== undefined) where.push('NOT EXISTS (SELECT 1 FROM announcement_dismissals d WHERE d.announcement_id = announcements.id AND d.user_id = ?)'), params.push(f.userId);
    params.push(Math.max(1, Math.min(f.limit, 100)));
    const rows = await this.db.all<Announcement>(
      `SELECT id, text, severity, created_by AS "createdBy", created_at AS "createdAt", ends_at AS "endsAt" FROM announcements ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT ?`,
      params,
    );
    return rows.map((a) => ({ ...a, createdAt: Number(a.createdAt), endsAt: optionalNumber(a.endsAt) }));
  }

  async deleteAnnouncement(id: string): Promise<boolean> {
    await this.db.run('DELETE FROM announcement_dismissals WHERE announcement_id = ?', [id]);
    return (await this.db.run('DELETE FROM announcements WHERE id = ?', [id])) > 0;
  }

  async dismissAnnouncement(id: string, userId: string): Promise<boolean> {
    if (!(await this.one<{ id: string }>('SELECT id FROM announcements WHERE id = ?', [id]))) return false;
    await this.db.run('INSERT INTO announcement_dismissals (announcement_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [id, userId]);
    return true;
  }

  async getCommunityTheme(id: string): Promise<{ source: string | null; css: string | null }> {
    const row = await this.one<{ source: string | null; css: string | null }>('SELECT theme_source AS source, theme_css AS css FROM communities WHERE id = ?', [id]);
    return { source: row?.source ?? null, css: row?.css ?? null };
  }

  async setCommunityTheme(id: string, theme: { source: string | null; css: string | null }): Promise<void> {
    await this.db.run('UPDATE communities SET theme_source = ?, theme_css = ? WHERE id = ?', [theme.source, theme.css, id]);
  }

  async appendAudit(e: AuditEvent): Promise<void> {
    await this.db.run('INSERT INTO audit_log (id, event, user_id, ip, user_agent, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      e.id, e.event, e.userId, e.ip, e.userAgent, e.detail, e.createdAt,
    ]);
  }

  listAudit(filter: { userId?: string; event?: string; before?: number; beforeId?: string; limit: number }) {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.userId !== undefined) (where.push('user_id = ?'), params.push(filter.userId));
    if (filter.event !== undefined) (where.push('event = ?'), params.push(filter.event));
    if (filter.before !== undefined && filter.beforeId !== undefined) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(filter.before, filter.before, filter.beforeId);
    } else if (filter.before !== undefined) (where.push('created_at < ?'), params.push(filter.before));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    params.push(Math.max(1, Math.min(500, Math.floor(filter.limit))));
    return this.db.all<AuditEvent>(`SELECT ${AUDIT} FROM audit_log ${clause} ORDER BY created_at DESC, id DESC LIMIT ?`, params);
  }
}

const WEBHOOK = 'id, channel_id AS "channelId", name, secret_digest AS "secretDigest", created_by AS "createdBy", created_at AS "createdAt", rotated_at AS "rotatedAt", posts, last_post_at AS "lastPostAt", bot_user_id AS "botUserId", approved_at AS "approvedAt"';
/** PostgreSQL hands bigint columns back as strings. */
function webhookRow(r: Webhook): Webhook {
  return { ...r, createdAt: Number(r.createdAt), rotatedAt: r.rotatedAt === null ? null : Number(r.rotatedAt), posts: Number(r.posts), lastPostAt: r.lastPostAt === null ? null : Number(r.lastPostAt), approvedAt: r.approvedAt === null ? null : Number(r.approvedAt) };
}
