/**
 * ChannelRoom: the relay rules of one channel — validate a frame, sequence an envelope, store it,
 * acknowledge the sender, fan it out to everyone else, and replay history on request.
 *
 * It is transport-agnostic: connections come through a ConnectionRegistry and storage through a
 * ChannelLog, so it runs the same under the hibernation API and in tests. It does not decrypt,
 * authenticate or authorize (the worker and, later, membership checks do), and it never keeps a
 * per-recipient copy of a frame: each frame is serialized once and the same string is sent to all.
 */
import * as v from 'valibot';
import { ClientFrame, type EnvelopeOut, type ServerFrame } from '../protocol/frames';
import { MAX_FRAME_BYTES, MAX_HISTORY_PAGE } from '../protocol/limits';
import { sequence } from '../protocol/sequence';
import type { ChannelLog } from './ChannelLog';

/** One connected socket and who is behind it. */
export interface Connection {
  readonly socket: WebSocket;
  readonly sender: string;
}

/** The live sockets of a room. */
export interface ConnectionRegistry {
  all(): Iterable<Connection>;
  get(socket: WebSocket): Connection | undefined;
  remove(socket: WebSocket): void;
}

/** WebSocket close code for a frame over the size cap (RFC 6455 "message too big"). */
export const CLOSE_TOO_BIG = 1009;

export class ChannelRoom {
  constructor(
    private readonly log: ChannelLog,
    private readonly connections: ConnectionRegistry,
    private readonly clock: () => number,
  ) {}

  /** Handles one incoming frame from `conn`. Never throws for bad input: it answers with an error frame. */
  receive(conn: Connection, raw: string | ArrayBuffer): void {
    const size = typeof raw === 'string' ? raw.length * (/^[\x00-\x7f]*$/.test(raw) ? 1 : 3) : raw.byteLength;
    if (size > MAX_FRAME_BYTES) {
      conn.socket.close(CLOSE_TOO_BIG, `frame exceeds ${MAX_FRAME_BYTES} bytes`);
      this.connections.remove(conn.socket);
      return;
    }
    if (typeof raw !== 'string') return this.reply(conn, error('bad_request', 'frames must be JSON text, not binary'));
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      return this.reply(conn, error('invalid_json', `frame is not valid JSON: ${(e as Error).message}`));
    }
    const parsed = v.safeParse(ClientFrame, json);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
      const ref = typeof (json as { clientMsgId?: unknown })?.clientMsgId === 'string' ? (json as { clientMsgId: string }).clientMsgId : undefined;
      return this.reply(conn, error('validation_failed', path ? `${path}: ${issue.message}` : issue.message, ref));
    }
    const frame = parsed.output;
    switch (frame.type) {
      case 'send':
        return this.send(conn, frame.clientMsgId, frame.ciphertext);
      case 'hello':
        return this.catchUp(conn, frame.lastSeq);
      case 'history':
        return this.history(conn, frame.before, frame.after, frame.limit ?? 100);
      case 'ping':
        return this.reply(conn, { type: 'pong' });
    }
  }

  private send(conn: Connection, clientMsgId: string, ciphertext: string): void {
    const prior = this.log.findByClientMsgId(conn.sender, clientMsgId);
    const decision = sequence(this.log.head(), { clientMsgId, ciphertext, sender: conn.sender }, prior, this.clock());
    if (decision.kind === 'duplicate') {
      const o = decision.original;
      return this.reply(conn, { type: 'ack', clientMsgId, seq: o.seq, ts: o.ts, duplicate: true });
    }
    const e = decision.envelope;
    // The write is synchronous; the Durable Object's output gate holds the ack and the fan-out
    // below until it is durable, so nobody hears of an envelope that a crash could lose.
    this.log.append(e);
    this.reply(conn, { type: 'ack', clientMsgId, seq: e.seq, ts: e.ts });
    this.broadcast(JSON.stringify({ type: 'envelope', ...e } satisfies ServerFrame), conn.socket);
  }

  private catchUp(conn: Connection, lastSeq: number): void {
    let cursor = lastSeq;
    for (;;) {
      const page = this.log.after(cursor, MAX_HISTORY_PAGE);
      for (const e of page) this.reply(conn, { type: 'envelope', ...e });
      if (page.length < MAX_HISTORY_PAGE) break;
      cursor = page[page.length - 1]!.seq;
    }
    this.reply(conn, { type: 'ready', head: this.log.head() });
  }

  private history(conn: Connection, before: number | undefined, after: number | undefined, limit: number): void {
    if (before !== undefined && after !== undefined) return this.reply(conn, error('validation_failed', 'give before or after, not both'));
    const envelopes: EnvelopeOut[] = after !== undefined ? this.log.after(after, limit) : this.log.before(before ?? this.log.head() + 1, limit);
    this.reply(conn, { type: 'history', envelopes, head: this.log.head() });
  }

  private broadcast(frame: string, except: WebSocket): void {
    for (const c of this.connections.all()) {
      if (c.socket === except) continue;
      try {
        c.socket.send(frame);
      } catch {
        this.connections.remove(c.socket); // already closing; it catches up by seq when it returns
      }
    }
  }

  private reply(conn: Connection, frame: ServerFrame): void {
    try {
      conn.socket.send(JSON.stringify(frame));
    } catch {
      this.connections.remove(conn.socket);
    }
  }
}

function error(code: string, message: string, ref?: string): ServerFrame {
  return { type: 'error', error: ref === undefined ? { code, message } : { code, message, ref } };
}
