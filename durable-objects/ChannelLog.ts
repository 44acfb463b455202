/**
 * A channel's ordered log of envelopes, kept in its Durable Object's SQLite storage.
 *
 * It stores what the sequencer accepted, reads ranges back by sequence number, erases a deleted
 * envelope's ciphertext (keeping a tombstone) and lists threads. It does not decide sequence
 * numbers (protocol/sequence.ts does) or who may do what (ChannelRoom does), and it never looks
 * inside a ciphertext.
 */
import type { EnvelopeOut, ThreadSummary } from '../protocol/frames';

export interface ChannelLog {
  /** Highest stored sequence number, 0 when empty. */
  head(): number;
  /** The envelope a sender already stored under this client message id, if any. */
  findByClientMsgId(sender: string, clientMsgId: string): EnvelopeOut | undefined;
  get(seq: number): EnvelopeOut | undefined;
  /**
   * Stores an accepted envelope — and for a `delete`, erases its target's ciphertext and that of
   * every edit of it, leaving tombstones — as one transaction: on a throw nothing is stored and the head does not move.
   */
  commit(envelope: EnvelopeOut): void;
  /**
   * Erases every message whose disappearing timer ran out by `now` (issue #15), with everything
   * about it, as a delete erases (bytes overwritten in place first); returns the next expiry.
   */
  expire(now: number): number | null;
  /** Purge (issue #16): the seqs of `sender`'s live messages sent in [from, to], oldest first, at most `limit`. */
  messagesBy(sender: string, from: number, to: number, limit: number): number[];
  /** Envelopes with `after < seq`, ascending, at most `limit`. */
  after(after: number, limit: number): EnvelopeOut[];
  /** Envelopes with `seq < before`, the newest `limit` of them, ascending. */
  before(before: number, limit: number): EnvelopeOut[];
  /** Threads by latest reply, newest first. */
  threads(limit: number): ThreadSummary[];
  /** Replies in one thread after `after`, ascending. */
  thread(root: number, after: number, limit: number): EnvelopeOut[];
  /** The rank a user last connected with here (protocol/permissions.ts), 0 if never seen. */
  rankOf(userId: string): number;
  setRank(userId: string, rank: number): void;
  /** The recipients epoch: 0 until the first change of who may read the channel. */
  epoch(): number;
  /** Counts one change of who may read the channel; the new epoch. */
  bumpEpoch(): number;
  /** Whether a moderator server-muted `userId` in this channel's calls (kept until lifted, across calls). */
  serverMuted(userId: string): boolean;
  setServerMuted(userId: string, muted: boolean): void;
}

/** Schema versions of the log table, applied in order when an object starts. */
const SCHEMA: string[][] = [
  [
    `CREATE TABLE IF NOT EXISTS envelopes (seq INTEGER PRIMARY KEY, client_msg_id TEXT NOT NULL, sender TEXT NOT NULL, ciphertext TEXT NOT NULL, ts INTEGER NOT NULL)`,
    'CREATE UNIQUE INDEX IF NOT EXISTS envelopes_client_msg ON envelopes (sender, client_msg_id)',
  ],
  [
    `ALTER TABLE envelopes ADD COLUMN kind TEXT NOT NULL DEFAULT 'message'`,
    'ALTER TABLE envelopes ADD COLUMN target INTEGER',
    'ALTER TABLE envelopes ADD COLUMN reply_to INTEGER',
    'ALTER TABLE envelopes ADD COLUMN meta TEXT',
    'ALTER TABLE envelopes ADD COLUMN deleted_at INTEGER',
    'CREATE INDEX IF NOT EXISTS envelopes_reply_to ON envelopes (reply_to) WHERE reply_to IS NOT NULL',
  ],
  // Authors' ranks, so a moderation delete can be checked against an author who is not connected.
  ['CREATE TABLE IF NOT EXISTS member_ranks (user_id TEXT PRIMARY KEY, rank REAL NOT NULL)'],
  // The recipients epoch (issue #20): counts the changes of who may read the channel.
  ['CREATE TABLE IF NOT EXISTS room_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL)'],
  // Disappearing messages (issue #15): when each message is erased.
  ['ALTER TABLE envelopes ADD COLUMN expires_at INTEGER', 'CREATE INDEX IF NOT EXISTS envelopes_expires ON envelopes (expires_at) WHERE expires_at IS NOT NULL'],
];

const COLUMNS = `seq, client_msg_id AS clientMsgId, sender, ciphertext, ts, kind, target, reply_to AS replyTo, meta, deleted_at AS deletedAt, expires_at AS expiresAt`;

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  clientMsgId: string;
  sender: string;
  ciphertext: string;
  ts: number;
  kind: string;
  target: number | null;
  replyTo: number | null;
  meta: string | null;
  deletedAt: number | null;
  expiresAt: number | null;
}

/** Rebuilds the wire shape, leaving out fields that are not set. */
function toEnvelope(r: Row): EnvelopeOut {
  const e: EnvelopeOut = { seq: r.seq, clientMsgId: r.clientMsgId, sender: r.sender, ciphertext: r.ciphertext, ts: r.ts };
  if (r.kind !== 'message') e.kind = r.kind as EnvelopeOut['kind'];
  if (r.target !== null) e.target = r.target;
  if (r.replyTo !== null) e.replyTo = r.replyTo;
  if (r.meta !== null) {
    const meta = JSON.parse(r.meta) as Pick<EnvelopeOut, 'mentions' | 'recipients' | 'franking' | 'frankTag'>;
    if (meta.mentions) e.mentions = meta.mentions;
    if (meta.recipients) e.recipients = meta.recipients;
    if (meta.franking) e.franking = meta.franking;
    if (meta.frankTag) e.frankTag = meta.frankTag;
  }
  if (r.deletedAt !== null) e.deleted = true;
  if (r.expiresAt !== null) e.expiresAt = r.expiresAt;
  return e;
}

/** ChannelLog on a Durable Object's synchronous SQLite API. */
export class SqliteChannelLog implements ChannelLog {
  private cachedHead: number;

  /** `transaction` runs its function atomically (a Durable Object's `storage.transactionSync`). */
  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {
    sql.exec('CREATE TABLE IF NOT EXISTS log_schema (version INTEGER NOT NULL)');
    const row = sql.exec<{ version: number }>('SELECT version FROM log_schema').toArray()[0];
    let version = row?.version ?? 0;
    // A log created before the schema table existed already has version 1's table.
    if (!row && sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'envelopes'`).toArray().length > 0) version = 1;
    for (; version < SCHEMA.length; version++) for (const statement of SCHEMA[version]!) sql.exec(statement);
    sql.exec('DELETE FROM log_schema');
    sql.exec('INSERT INTO log_schema (version) VALUES (?)', SCHEMA.length);
    this.cachedHead = Number(sql.exec('SELECT COALESCE(MAX(seq), 0) AS head FROM envelopes').one().head);
  }

  head(): number {
    return this.cachedHead;
  }

  private rows(query: string, ...params: SqlStorageValue[]): EnvelopeOut[] {
    return this.sql.exec<Row>(query, ...params).toArray().map(toEnvelope);
  }

  findByClientMsgId(sender: string, clientMsgId: string): EnvelopeOut | undefined {
    return this.rows(`SELECT ${COLUMNS} FROM envelopes WHERE sender = ? AND client_msg_id = ?`, sender, clientMsgId)[0];
  }

  get(seq: number): EnvelopeOut | undefined {
    return this.rows(`SELECT ${COLUMNS} FROM envelopes WHERE seq = ?`, seq)[0];
  }

  commit(e: EnvelopeOut): void {
    // Routing extras and the franking tags ride in `meta`, which an erase empties with the ciphertext.
    const meta = e.mentions || e.recipients || e.franking ? JSON.stringify({ mentions: e.mentions, recipients: e.recipients, franking: e.franking, frankTag: e.frankTag }) : null;
    this.transaction(() => {
      this.sql.exec(
        'INSERT INTO envelopes (seq, client_msg_id, sender, ciphertext, ts, kind, target, reply_to, meta, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        e.seq, e.clientMsgId, e.sender, e.ciphertext, e.ts, e.kind ?? 'message', e.target ?? null, e.replyTo ?? null, meta, e.expiresAt ?? null,
      );
      if (e.kind === 'delete') this.erase(e.target!, e.ts);
    });
    this.cachedHead = e.seq;
  }

  /**
   * Erases a message and every edit of it (hardening #11.10): each version is its own ciphertext,
   * and a deleted message whose edits stay readable is not deleted. Durable Object SQLite refuses
   * `PRAGMA secure_delete` and `wal_checkpoint` (SQLITE_AUTH), so the bytes are first overwritten
   * with filler of the same byte length, which SQLite writes over the old cell in place (a
   * same-size record, overflow pages included), and only then emptied: the database's free space
   * never keeps the old ciphertext. Page images in the write-ahead log last until the object's
   * next checkpoint, at the latest when it closes (SECURITY.md says so).
   */
  private erase(target: number, ts: number, everythingAboutIt = false): void {
    const versions = this.sql
      .exec<{ seq: number; size: number; metaSize: number | null }>(
        `SELECT seq, length(CAST(ciphertext AS BLOB)) AS size, length(CAST(meta AS BLOB)) AS metaSize FROM envelopes
         WHERE (seq = ? OR (target = ? AND (kind = 'edit' OR ?))) AND deleted_at IS NULL`,
        target,
        target,
        everythingAboutIt ? 1 : 0,
      )
      .toArray();
    for (const v of versions) {
      // Same byte lengths, so the same record size: SQLite overwrites the cell where it stands.
      const metaFiller = v.metaSize === null ? null : '0'.repeat(Number(v.metaSize));
      this.sql.exec('UPDATE envelopes SET ciphertext = ?, meta = ? WHERE seq = ?', '0'.repeat(Number(v.size)), metaFiller, v.seq);
      this.sql.exec(`UPDATE envelopes SET ciphertext = '', meta = NULL, deleted_at = ? WHERE seq = ?`, ts, v.seq);
    }
  }

  expire(now: number): number | null {
    const due = this.sql.exec<{ seq: number }>('SELECT seq FROM envelopes WHERE expires_at IS NOT NULL AND expires_at <= ? AND deleted_at IS NULL', now).toArray();
    // A disappearing message goes with everything about it: its edits, reactions, votes and pins.
    if (due.length > 0) this.transaction(() => due.forEach((d) => this.erase(d.seq, now, true)));
    const next = this.sql.exec<{ next: number | null }>('SELECT MIN(expires_at) AS next FROM envelopes WHERE expires_at IS NOT NULL AND deleted_at IS NULL').one().next;
    return next === null ? null : Number(next);
  }

  messagesBy(sender: string, from: number, to: number, limit: number): number[] {
    return this.sql
      .exec<{ seq: number }>(`SELECT seq FROM envelopes WHERE sender = ? AND kind = 'message' AND deleted_at IS NULL AND ts >= ? AND ts <= ? ORDER BY seq LIMIT ?`, sender, from, to, limit)
      .toArray()
      .map((r) => Number(r.seq));
  }

  after(after: number, limit: number): EnvelopeOut[] {
    return this.rows(`SELECT ${COLUMNS} FROM envelopes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit);
  }

  before(before: number, limit: number): EnvelopeOut[] {
    return this.rows(`SELECT ${COLUMNS} FROM envelopes WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before, limit).reverse();
  }

  threads(limit: number): ThreadSummary[] {
    return this.sql
      .exec<{ root: number; replies: number; lastSeq: number; lastTs: number }>(
        `SELECT reply_to AS root, COUNT(*) AS replies, MAX(seq) AS lastSeq, MAX(ts) AS lastTs FROM envelopes
         WHERE reply_to IS NOT NULL AND kind = 'message' AND deleted_at IS NULL GROUP BY reply_to ORDER BY lastSeq DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((r) => ({ root: r.root, replies: r.replies, lastSeq: r.lastSeq, lastTs: r.lastTs }));
  }

  thread(root: number, after: number, limit: number): EnvelopeOut[] {
    return this.rows(`SELECT ${COLUMNS} FROM envelopes WHERE reply_to = ? AND seq > ? ORDER BY seq LIMIT ?`, root, after, limit);
  }

  rankOf(userId: string): number {
    return Number(this.sql.exec<{ rank: number }>('SELECT rank FROM member_ranks WHERE user_id = ?', userId).toArray()[0]?.rank ?? 0);
  }

  setRank(userId: string, rank: number): void {
    this.sql.exec('INSERT INTO member_ranks (user_id, rank) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET rank = excluded.rank', userId, rank);
  }

  private cachedEpoch: number | undefined;
  epoch(): number {
    this.cachedEpoch ??= Number(this.sql.exec<{ value: number }>(`SELECT value FROM room_state WHERE name = 'epoch'`).toArray()[0]?.value ?? 0);
    return this.cachedEpoch;
  }

  bumpEpoch(): number {
    const next = this.epoch() + 1;
    this.sql.exec(`INSERT INTO room_state (name, value) VALUES ('epoch', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, next);
    this.cachedEpoch = next;
    return next;
  }

  serverMuted(userId: string): boolean {
    return this.sql.exec(`SELECT value FROM room_state WHERE name = ?`, `muted:${userId}`).toArray().length > 0;
  }

  setServerMuted(userId: string, muted: boolean): void {
    if (muted) this.sql.exec(`INSERT INTO room_state (name, value) VALUES (?, 1) ON CONFLICT (name) DO NOTHING`, `muted:${userId}`);
    else this.sql.exec(`DELETE FROM room_state WHERE name = ?`, `muted:${userId}`);
  }
}
