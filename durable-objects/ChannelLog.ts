/**
 * A channel's ordered log of envelopes, kept in its Durable Object's SQLite storage.
 *
 * It stores what the sequencer accepted and reads ranges back by sequence number; it does not
 * decide sequence numbers (protocol/sequence.ts does) and never looks inside a ciphertext.
 */
import type { EnvelopeOut } from '../protocol/frames';

export interface ChannelLog {
  /** Highest stored sequence number, 0 when empty. */
  head(): number;
  /** The envelope a sender already stored under this client message id, if any. */
  findByClientMsgId(sender: string, clientMsgId: string): EnvelopeOut | undefined;
  append(envelope: EnvelopeOut): void;
  /** Envelopes with `after < seq`, ascending, at most `limit`. */
  after(after: number, limit: number): EnvelopeOut[];
  /** Envelopes with `seq < before`, the newest `limit` of them, ascending. */
  before(before: number, limit: number): EnvelopeOut[];
}

const COLUMNS = `seq, client_msg_id AS "clientMsgId", sender, ciphertext, ts`;

/** ChannelLog on a Durable Object's synchronous SQLite API. */
export class SqliteChannelLog implements ChannelLog {
  private cachedHead: number;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS envelopes (
      seq INTEGER PRIMARY KEY,
      client_msg_id TEXT NOT NULL,
      sender TEXT NOT NULL,
      ciphertext TEXT NOT NULL,
      ts INTEGER NOT NULL
    )`);
    sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS envelopes_client_msg ON envelopes (sender, client_msg_id)');
    this.cachedHead = Number(sql.exec('SELECT COALESCE(MAX(seq), 0) AS head FROM envelopes').one().head);
  }

  head(): number {
    return this.cachedHead;
  }

  findByClientMsgId(sender: string, clientMsgId: string): EnvelopeOut | undefined {
    return this.sql.exec<EnvelopeOut & Record<string, SqlStorageValue>>(`SELECT ${COLUMNS} FROM envelopes WHERE sender = ? AND client_msg_id = ?`, sender, clientMsgId).toArray()[0];
  }

  append(e: EnvelopeOut): void {
    this.sql.exec('INSERT INTO envelopes (seq, client_msg_id, sender, ciphertext, ts) VALUES (?, ?, ?, ?, ?)', e.seq, e.clientMsgId, e.sender, e.ciphertext, e.ts);
    this.cachedHead = e.seq;
  }

  after(after: number, limit: number): EnvelopeOut[] {
    return this.sql.exec<EnvelopeOut & Record<string, SqlStorageValue>>(`SELECT ${COLUMNS} FROM envelopes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit).toArray();
  }

  before(before: number, limit: number): EnvelopeOut[] {
    return this.sql
      .exec<EnvelopeOut & Record<string, SqlStorageValue>>(`SELECT ${COLUMNS} FROM envelopes WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before, limit)
      .toArray()
      .reverse();
  }
}
