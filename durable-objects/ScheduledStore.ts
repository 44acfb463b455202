/**
 * A channel's pending scheduled messages (issue #15 item 4, protocol/scheduled.ts), kept in its
 * Durable Object's SQLite storage beside the log: opaque ciphertext, who scheduled it, when it is
 * due and the recipients epoch it was sealed for. Releasing one is the room's business
 * (ChannelRoom.releaseDue); this only stores, lists and forgets.
 *
 * A row leaves when it is released, cancelled, replaced by its sender's re-sealed send, or when its
 * sender leaves the channel. Its ciphertext is overwritten in place before the row is deleted, as
 * the log erases a deleted message, so a cancelled message's bytes do not stay in free pages.
 */
import type { Mentions } from '../protocol/frames';
import type { HeldReason, ScheduledOut } from '../protocol/scheduled';

/** A pending scheduled message as the room keeps it. */
export interface ScheduledRow extends ScheduledOut {
  sender: string;
  /** The recipients epoch its ciphertext was sealed for. */
  epoch: number;
  /** The sender's franking commitment (protocol/franking.ts); the room tags it on release. */
  franking?: string;
}

interface Row extends Record<string, SqlStorageValue> {
  sender: string;
  clientMsgId: string;
  ciphertext: string;
  at: number;
  createdAt: number;
  replyTo: number | null;
  mentions: string | null;
  epoch: number;
  held: string | null;
  franking: string | null;
}

const COLUMNS = 'sender, client_msg_id AS clientMsgId, ciphertext, at, created_at AS createdAt, reply_to AS replyTo, mentions, epoch, held, franking';

function toScheduled(r: Row): ScheduledRow {
  const out: ScheduledRow = { sender: r.sender, clientMsgId: r.clientMsgId, ciphertext: r.ciphertext, at: r.at, createdAt: r.createdAt, epoch: r.epoch };
  if (r.replyTo !== null) out.replyTo = r.replyTo;
  if (r.mentions !== null) out.mentions = JSON.parse(r.mentions) as Mentions;
  if (r.held !== null) out.held = r.held as HeldReason;
  if (r.franking !== null) out.franking = r.franking;
  return out;
}

export class ScheduledStore {
  /** Rows held here (any state); 0 lets the send path skip the table entirely. */
  private count: number;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS scheduled (sender TEXT NOT NULL, client_msg_id TEXT NOT NULL, ciphertext TEXT NOT NULL, at INTEGER NOT NULL,
       created_at INTEGER NOT NULL, reply_to INTEGER, mentions TEXT, epoch INTEGER NOT NULL, held TEXT, PRIMARY KEY (sender, client_msg_id))`,
    );
    sql.exec('CREATE INDEX IF NOT EXISTS scheduled_due ON scheduled (at) WHERE held IS NULL');
    // Message franking (issue #16) came after the table.
    if (!sql.exec(`SELECT name FROM pragma_table_info('scheduled') WHERE name = 'franking'`).toArray().length) sql.exec('ALTER TABLE scheduled ADD COLUMN franking TEXT');
    this.count = Number(sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM scheduled').one().n);
  }

  /** Stores `row`, replacing the sender's pending one with the same clientMsgId (an edit). */
  put(row: ScheduledRow): void {
    this.remove(row.sender, row.clientMsgId);
    this.sql.exec(
      'INSERT INTO scheduled (sender, client_msg_id, ciphertext, at, created_at, reply_to, mentions, epoch, held, franking) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)',
      row.sender, row.clientMsgId, row.ciphertext, row.at, row.createdAt, row.replyTo ?? null, row.mentions ? JSON.stringify(row.mentions) : null, row.epoch, row.franking ?? null,
    );
    this.count++;
  }

  get(sender: string, clientMsgId: string): ScheduledRow | undefined {
    if (this.count === 0) return undefined;
    const r = this.sql.exec<Row>(`SELECT ${COLUMNS} FROM scheduled WHERE sender = ? AND client_msg_id = ?`, sender, clientMsgId).toArray()[0];
    return r ? toScheduled(r) : undefined;
  }

  /** Forgets one (its ciphertext overwritten first); whether it was there. */
  remove(sender: string, clientMsgId: string): boolean {
    if (this.count === 0) return false;
    const size = this.sql.exec<{ size: number }>('SELECT length(CAST(ciphertext AS BLOB)) AS size FROM scheduled WHERE sender = ? AND client_msg_id = ?', sender, clientMsgId).toArray()[0]?.size;
    if (size === undefined) return false;
    this.sql.exec('UPDATE scheduled SET ciphertext = ? WHERE sender = ? AND client_msg_id = ?', '0'.repeat(Number(size)), sender, clientMsgId);
    this.sql.exec('DELETE FROM scheduled WHERE sender = ? AND client_msg_id = ?', sender, clientMsgId);
    this.count--;
    return true;
  }

  /** Forgets everything `sender` scheduled here (they left the channel). */
  removeAllOf(sender: string): void {
    for (const r of this.of(sender)) this.remove(sender, r.clientMsgId);
  }

  /** `sender`'s pending messages, soonest first. */
  of(sender: string): ScheduledRow[] {
    if (this.count === 0) return [];
    return this.sql.exec<Row>(`SELECT ${COLUMNS} FROM scheduled WHERE sender = ? ORDER BY at, created_at`, sender).toArray().map(toScheduled);
  }

  /** Messages due by `now` and not held, soonest first. */
  due(now: number): ScheduledRow[] {
    if (this.count === 0) return [];
    return this.sql.exec<Row>(`SELECT ${COLUMNS} FROM scheduled WHERE held IS NULL AND at <= ? ORDER BY at, created_at LIMIT 100`, now).toArray().map(toScheduled);
  }

  /** When the next message not held is due, or null. */
  next(): number | null {
    if (this.count === 0) return null;
    const at = this.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM scheduled WHERE held IS NULL').one().at;
    return at === null ? null : Number(at);
  }

  /**
   * Holds every pending message of `sender` as `forbidden` (they may not send now), or puts those
   * held so back to waiting for their time; whether anything changed.
   */
  setForbidden(sender: string, forbidden: boolean): boolean {
    if (this.count === 0) return false;
    const changed = forbidden
      ? this.sql.exec(`UPDATE scheduled SET held = 'forbidden' WHERE sender = ? AND held IS NULL`, sender).rowsWritten
      : this.sql.exec(`UPDATE scheduled SET held = NULL WHERE sender = ? AND held = 'forbidden'`, sender).rowsWritten;
    return changed > 0;
  }

  hold(sender: string, clientMsgId: string, reason: HeldReason): void {
    this.sql.exec('UPDATE scheduled SET held = ? WHERE sender = ? AND client_msg_id = ?', reason, sender, clientMsgId);
  }
}
