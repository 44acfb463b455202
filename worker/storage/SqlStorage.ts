/**
 * The one implementation of Storage, written in SQL both dialects accept, over a SqlExecutor.
 *
 * Embedded SQLite, D1 and PostgreSQL run these same statements, so the conformance suite
 * tests one body of queries three times rather than three bodies once. Atomic steps are single
 * statements (`UPDATE … WHERE … RETURNING`) or executor batches; nothing reads then writes.
 */
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../migrations/index';
import { migrate } from './migrate';
import type { SqlExecutor, SqlValue } from './SqlExecutor';
import { StorageError } from './StorageError';
import type { AuditEvent, Ban, Channel, ChannelGroup, Community, Device, Invite, Member, Storage, User } from './Storage';

/** Column lists that alias snake_case columns to the interface's camelCase fields. */
const USER = `id, username, display_name AS "displayName", email, password_hash AS "passwordHash", instance_role AS "instanceRole", created_at AS "createdAt"`;
const DEVICE = `id, user_id AS "userId", name, identity_key AS "identityKey", created_at AS "createdAt", last_seen_at AS "lastSeenAt"`;
const INVITE = `code, community_id AS "communityId", created_by AS "createdBy", max_uses AS "maxUses", uses, expires_at AS "expiresAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;
const COMMUNITY = `id, name, owner_id AS "ownerId", created_at AS "createdAt"`;
const CHANNEL = `id, community_id AS "communityId", group_id AS "groupId", kind, name, position, created_at AS "createdAt", archived_at AS "archivedAt"`;
const MEMBER = `community_id AS "communityId", user_id AS "userId", role, joined_at AS "joinedAt"`;
const BAN = `community_id AS "communityId", user_id AS "userId", reason, banned_by AS "bannedBy", created_at AS "createdAt", expires_at AS "expiresAt"`;
const AUDIT = `id, event, user_id AS "userId", ip, user_agent AS "userAgent", detail, created_at AS "createdAt"`;

/** The case-insensitive key a username is unique under. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

export class SqlStorage implements Storage {
  constructor(private readonly db: SqlExecutor) {}

  get kind() {
    return this.db.kind;
  }

  migrate(now: number): Promise<string[]> {
    return migrate(this.db, this.db.dialect === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS, now);
  }

  async ping(): Promise<void> {
    await this.db.all('SELECT 1 AS one');
  }

  private async one<T extends object>(sql: string, params: readonly SqlValue[]): Promise<T | null> {
    const rows = await this.db.all<T>(sql, params);
    return rows[0] ?? null;
  }

  async createUser(u: User): Promise<User> {
    await this.db.run(
      'INSERT INTO users (id, username, username_key, display_name, email, password_hash, instance_role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [u.id, u.username, usernameKey(u.username), u.displayName, u.email, u.passwordHash, u.instanceRole, u.createdAt],
    );
    return u;
  }

  getUserById(id: string) {
    return this.one<User>(`SELECT ${USER} FROM users WHERE id = ?`, [id]);
  }

  getUserByUsername(username: string) {
    return this.one<User>(`SELECT ${USER} FROM users WHERE username_key = ?`, [usernameKey(username)]);
  }

  async countUsers(): Promise<number> {
    const row = await this.one<{ n: number }>('SELECT COUNT(*) AS n FROM users', []);
    return Number(row?.n ?? 0);
  }

  async updateUser(id: string, patch: Partial<Pick<User, 'displayName' | 'email' | 'passwordHash' | 'instanceRole'>>): Promise<User> {
    const columns: Record<keyof typeof patch, string> = {
      displayName: 'display_name',
      email: 'email',
      passwordHash: 'password_hash',
      instanceRole: 'instance_role',
    };
    const keys = (Object.keys(patch) as (keyof typeof patch)[]).filter((k) => k in columns && patch[k] !== undefined);
    if (keys.length > 0) {
      const set = keys.map((k) => `${columns[k]} = ?`).join(', ');
      await this.db.run(`UPDATE users SET ${set} WHERE id = ?`, [...keys.map((k) => patch[k] ?? null), id]);
    }
    const user = await this.getUserById(id);
    if (!user) throw new StorageError('not_found', 'updateUser: no such user', 'updateUser');
    return user;
  }

  async deleteUser(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM users WHERE id = ?', [id])) > 0;
  }

  async addDevice(d: Device): Promise<Device> {
    await this.db.run('INSERT INTO devices (id, user_id, name, identity_key, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)', [
      d.id, d.userId, d.name, d.identityKey, d.createdAt, d.lastSeenAt,
    ]);
    return d;
  }

  listDevices(userId: string) {
    return this.db.all<Device>(`SELECT ${DEVICE} FROM devices WHERE user_id = ? ORDER BY created_at, id`, [userId]);
  }

  async removeDevice(userId: string, deviceId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM devices WHERE user_id = ? AND id = ?', [userId, deviceId])) > 0;
  }

  async createInvite(i: Invite): Promise<Invite> {
    await this.db.run(
      'INSERT INTO invites (code, community_id, created_by, max_uses, uses, expires_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [i.code, i.communityId, i.createdBy, i.maxUses, i.uses, i.expiresAt, i.revokedAt, i.createdAt],
    );
    return i;
  }

  getInvite(code: string) {
    return this.one<Invite>(`SELECT ${INVITE} FROM invites WHERE code = ?`, [code]);
  }

  listInvites(communityId: string | null) {
    return communityId === null
      ? this.db.all<Invite>(`SELECT ${INVITE} FROM invites WHERE community_id IS NULL ORDER BY created_at DESC, code`)
      : this.db.all<Invite>(`SELECT ${INVITE} FROM invites WHERE community_id = ? ORDER BY created_at DESC, code`, [communityId]);
  }

  async revokeInvite(code: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL', [now, code])) > 0;
  }

  async redeemInvite(code: string, now: number): Promise<Invite> {
    // One statement decides and counts, so concurrent redemptions of the last use cannot both win.
    const used = await this.one<Invite>(
      `UPDATE invites SET uses = uses + 1
       WHERE code = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)
       RETURNING ${INVITE}`,
      [code, now],
    );
    if (used) return used;
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
        sql: 'INSERT INTO channels (id, community_id, group_id, kind, name, position, created_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        params: [ch.id, c.id, g.id, ch.kind, ch.name, ch.position, ch.createdAt, ch.archivedAt],
      },
    ]);
    return c;
  }

  getCommunity(id: string) {
    return this.one<Community>(`SELECT ${COMMUNITY} FROM communities WHERE id = ?`, [id]);
  }

  listCommunitiesForUser(userId: string) {
    return this.db.all<Community>(
      `SELECT c.id, c.name, c.owner_id AS "ownerId", c.created_at AS "createdAt" FROM communities c JOIN members m ON m.community_id = c.id WHERE m.user_id = ? ORDER BY c.created_at, c.id`,
      [userId],
    );
  }

  async createChannel(ch: Channel): Promise<Channel> {
    await this.db.run(
      'INSERT INTO channels (id, community_id, group_id, kind, name, position, created_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [ch.id, ch.communityId, ch.groupId, ch.kind, ch.name, ch.position, ch.createdAt, ch.archivedAt],
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
    await this.db.run('INSERT INTO members (community_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)', [m.communityId, m.userId, m.role, m.joinedAt]);
    return m;
  }

  getMember(communityId: string, userId: string) {
    return this.one<Member>(`SELECT ${MEMBER} FROM members WHERE community_id = ? AND user_id = ?`, [communityId, userId]);
  }

  listMembers(communityId: string) {
    return this.db.all<Member>(`SELECT ${MEMBER} FROM members WHERE community_id = ? ORDER BY joined_at, user_id`, [communityId]);
  }

  async removeMember(communityId: string, userId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM members WHERE community_id = ? AND user_id = ?', [communityId, userId])) > 0;
  }

  async banMember(b: Ban): Promise<Ban> {
    await this.db.batch([
      {
        sql: 'INSERT INTO bans (community_id, user_id, reason, banned_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        params: [b.communityId, b.userId, b.reason, b.bannedBy, b.createdAt, b.expiresAt],
      },
      { sql: 'DELETE FROM members WHERE community_id = ? AND user_id = ?', params: [b.communityId, b.userId] },
    ]);
    return b;
  }

  getBan(communityId: string, userId: string) {
    return this.one<Ban>(`SELECT ${BAN} FROM bans WHERE community_id = ? AND user_id = ?`, [communityId, userId]);
  }

  async appendAudit(e: AuditEvent): Promise<void> {
    await this.db.run('INSERT INTO audit_log (id, event, user_id, ip, user_agent, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      e.id, e.event, e.userId, e.ip, e.userAgent, e.detail, e.createdAt,
    ]);
  }

  listAudit(filter: { userId?: string; event?: string; before?: number; limit: number }) {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.userId !== undefined) (where.push('user_id = ?'), params.push(filter.userId));
    if (filter.event !== undefined) (where.push('event = ?'), params.push(filter.event));
    if (filter.before !== undefined) (where.push('created_at < ?'), params.push(filter.before));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    params.push(Math.max(1, Math.min(500, Math.floor(filter.limit))));
    return this.db.all<AuditEvent>(`SELECT ${AUDIT} FROM audit_log ${clause} ORDER BY created_at DESC, id DESC LIMIT ?`, params);
  }
}
