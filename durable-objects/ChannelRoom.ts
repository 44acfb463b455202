/**
 * ChannelRoom: the relay rules of one channel — validate a frame, check what the sender may do,
 * sequence an envelope, store it, acknowledge the sender, fan it out to everyone else, replay
 * history on request, and follow membership changes (close a removed member's sockets at once
 * and tell the others to rotate their sender keys).
 *
 * It is transport-agnostic: connections come through a ConnectionRegistry and storage through a
 * ChannelLog, so it runs the same under the hibernation API and in tests. It never decrypts; who
 * a connection is and what it may do were established by the worker at connect time and are kept
 * current through `memberChanged`. Each outgoing frame is serialized once and the same string is
 * sent to every recipient.
 */
import * as v from 'valibot';
import { ClientFrame, type EnvelopeOut, type ScheduleFrame, type SendFrame, type ServerFrame } from '../protocol/frames';
import { take, type Bucket } from '../protocol/rateLimit';
import { MAX_FRAME_BYTES, MAX_HISTORY_PAGE } from '../protocol/limits';
import { has, mayModerate, Permission } from '../protocol/permissions';
import { sequence } from '../protocol/sequence';
import { webhookSender } from '../protocol/webhooks';
import { pack } from '../protocol/pack';
import { FRANKED_KINDS, type FrankingContext } from '../protocol/franking';
import { CALL_SIGNAL_RATE_PER_SECOND, type CallMedia, type CallParticipant } from '../protocol/calls';
import type { ChannelLog } from './ChannelLog';
import { MAX_SCHEDULE_AHEAD_MS, MAX_SCHEDULED_PER_USER, type ScheduledListOut } from '../protocol/scheduled';
import type { ScheduledRow, ScheduledStore } from './ScheduledStore';
import { log, reason } from '../worker/observability/log';
import { metrics } from '../worker/observability/metrics';
import type { RelayDown, RelayUp } from './relayWire';
import { MAX_BATCH_BYTES, Outbox } from './outbox';

/** Who is behind a socket and what they may do; kept in the socket's attachment. */
export interface Identity {
  userId: string;
  sessionId: string;
  /** Permission bits in this channel (protocol/permissions.ts). */
  permissions: number;
  /** The rank the user acts with in this channel (protocol/permissions.ts rankIn); absent on sockets opened before ranks existed. */
  rank?: number;
  /** When the access token that opened the socket expires (ms); the socket closes then. */
  expiresAt: number;
  /** The open-socket lease the worker took for it (worker/auth/socketLeases.ts), given back on close. */
  lease?: { id: string; ip: string; userId: string };
  /**
   * Present on a call socket (opened with `?call=<deviceId>`, the worker checked the device is the
   * user's): it carries call frames only. `joinedAt` and `media` are set while it is in the call.
   */
  call?: { deviceId: string; joinedAt?: number; media?: CallMedia };
  /** The socket speaks chatalot.v2: envelopes that queue up for it go out as one `envelopes` frame. */
  batches?: true;
  /**
   * Sharded fan-out (issue #18 item 5): on the socket a relay shard holds to the room, that
   * shard's index. It receives every envelope once, in order, and its members' frames through it.
   */
  relay?: number;
  /** When the socket was accepted (ms): set on relayed sockets, so a standing change the relay may not have applied yet still applies. */
  openedAt?: number;
}

/** An accepted envelope on its way to the live sockets: its frame text, and the socket that sent it (acked instead). */
export interface Outgoing {
  seq: number;
  text: string;
  except: WebSocket | null;
  /** Sent by a member behind a relay shard: that shard's socket and the member's id there (the shard acks instead of relaying it back). */
  origin?: { via: WebSocket; id: string };
}

/**
 * Bytes of envelope frames one `envelopes` frame carries at most (one larger envelope travels
 * alone): a batch is read and parsed whole before its first envelope shows, so it stays small.
 */
export { MAX_BATCH_BYTES };

/** Envelope frames, already serialized and in order, as the frames a chatalot.v2 socket is sent: `envelopes` frames within MAX_BATCH_BYTES. */
export function batchFrames(texts: string[]): string[] {
  if (texts.length === 1) return texts;
  return pack(texts, Number.MAX_SAFE_INTEGER, MAX_BATCH_BYTES, (t) => t.length + 1).map((g) => (g.length === 1 ? g[0]! : `{"type":"envelopes","envelopes":[${g.join(',')}]}`));
}

/** One connected socket and who is behind it. */
export interface Connection {
  readonly socket: WebSocket;
  identity: Identity;
  /** Flow control (memory only; set up by the room at first use, reset after hibernation). */
  flow?: Flow;
  /** A member behind a relay shard: the shard's connection (what the room sends goes through it, in order with the fan-out). */
  via?: Connection;
  /** …and its id at that shard. */
  relayId?: string;
}

/**
 * How far a connection is behind. workerd does not expose a server socket's `bufferedAmount`
 * (cloudflare/workerd#988), so the room cannot see its own send buffer; instead the client
 * reports progress with `seen` frames and the room bounds what it sent but has not heard of.
 */
export interface Flow {
  /** The highest seq sent on this socket (live, replay or ack). */
  sent: number;
  /** The highest seq the client reported as seen (never above `sent`). */
  seen: number;
  /** Envelopes sent in `history`/`thread` answers since the last `seen`. */
  debt: number;
  /** A `hello` replay paused at this seq until the client reports progress; null when live. */
  replay: number | null;
  /** Bytes of envelope frames sent and not yet reported `seen`, pages included (D2). */
  bytes: number;
  /** What `bytes` is made of, in send order: seq and frame size pairs, flat; released by `seen`. */
  marks: number[];
  /** Bytes of `history`/`thread` pages sent since the last `seen`. */
  debtBytes: number;
}

/** The live sockets of a room. */
export interface ConnectionRegistry {
  all(): Iterable<Connection>;
  get(socket: WebSocket): Connection | undefined;
  remove(socket: WebSocket): void;
  /** Persists a changed identity (hibernation attachments). */
  save(conn: Connection): void;
}

/** WebSocket close code for a frame over the size cap (RFC 6455 "message too big"). */
export const CLOSE_TOO_BIG = 1009;
/** Application close codes (4000–4999 are the application's). */
export const CLOSE_TOKEN_EXPIRED = 4001;
export const CLOSE_REMOVED = 4003;
/** A call socket closed because a moderator disconnected its user from the call. */
export const CLOSE_CALL_DISCONNECTED = 4010;
/** A call socket closed because the same device joined the call again from another socket (a reload). */
export const CLOSE_CALL_REPLACED = 4011;
export const CLOSE_TOO_FAR_BEHIND = 4008;
export const TOO_FAR_BEHIND_REASON = 'too far behind; reconnect and catch up with hello';

/**
 * Most envelopes a connection may have been sent without reporting them `seen` (R7). A live
 * envelope that would exceed it closes the socket with 4008; a `hello` replay pauses at it until
 * the client reports progress, so a replay never buffers more than this either. At about 300
 * bytes an envelope this is 1.5 MiB of buffered frames per socket; clients report every 100.
 */
export const MAX_UNSEEN_ENVELOPES = 5000;

/**
 * Most bytes of frames a connection may have been sent without reporting them `seen` (D2): the
 * envelope bound alone allowed 5,000 envelopes of up to ~87 KB, about 435 MB per socket that
 * never reads. Clients report `seen` every 100 envelopes or 512 KiB, whichever comes first, so a
 * reader that keeps up stays far below it; a live envelope past it closes the socket with 4008
 * and a replay pauses at it, exactly like the envelope bound.
 */
export const MAX_UNSEEN_BYTES = 4 * 1024 * 1024;

export interface RoomSettings {
  slowModeSeconds: number;
  /** A DM or group DM: no moderators; members pin for themselves. */
  direct: boolean;
  /** Envelopes a user may send per second in this channel (bursts of as many). */
  sendRatePerSecond: number;
  /** Most devices in the channel's call (MAX_CALL_PARTICIPANTS, or lower). */
  callCap: number;
  /** Disappearing messages (issue #15): seconds after which a new message is erased; 0 when off. */
  disappearSeconds: number;
}

/** Default per-user send rate: far above typing speed, low enough to stop a flood. */
export const DEFAULT_SEND_RATE_PER_SECOND = 10;

export class ChannelRoom {
  /** When each user last sent, for slow mode (memory only: a restart forgives one wait). */
  private readonly lastSend = new Map<string, number>();
  /** Per-user send buckets (memory only, like slow mode). */
  private readonly sendBuckets = new Map<string, Bucket>();
  /** Per-call-socket signal buckets (memory only). */
  private readonly signalBuckets = new Map<WebSocket, Bucket>();
  /** Envelopes accepted but not yet sent to the live sockets (issue #18, coalescing; durable-objects/outbox.ts). */
  private readonly outbox = new Outbox<Connection, Outgoing>(
    () => this.connections.all(),
    (c, entries, from, whole) => this.deliver(c, entries, from, whole),
    batchFrames,
  );
  /**
   * Members behind relay shards that the room owes something (a `hello` replay, history pages
   * not yet reported `seen`), by shard and id: their flow lives here while it matters and is
   * forgotten once nothing is owed, so a sharded channel's room holds no per-member state.
   */
  private readonly relayed = new Map<string, Connection>();
  /** Sockets behind each relay shard, as the shards last reported (plus placements since). */
  readonly relayLoads = new Map<number, number>();
  /**
   * Standing changes the shards are told of, kept a minute: a frame a shard sent before it
   * applied one is judged by it too (sockets opened after the change are not).
   */
  private readonly standing = new Map<string, { at: number; permissions: number; rank: number }>();
  private readonly endedSessions = new Map<string, { at: number; sessions: string[] | { allExcept?: string } }>();

  constructor(
    private readonly log: ChannelLog,
    private readonly connections: ConnectionRegistry,
    private readonly clock: () => number,
    private readonly settings: () => RoomSettings,
    /**
     * Called after an envelope is stored and relayed (unread counts and mentions elsewhere; the
     * moderation log when `deletedAuthor` is someone other than the sender).
     */
    private readonly onAccepted: (envelope: EnvelopeOut, context: { deletedAuthor?: string }) => void = () => undefined,
    /**
     * Called when the set of users in the call changed, with who was in it before and who is now
     * (the Durable Object rings a DM's other members when a call starts, and stops their ringing
     * when they answer or the call ends).
     */
    private readonly onCallChange: (before: string[], after: string[]) => void = () => undefined,
    /** Pending scheduled messages (issue #15 item 4); none can be scheduled without it. */
    private readonly scheduled: ScheduledStore | null = null,
    /**
     * The room's franking tag on an accepted commitment (protocol/franking.ts serverTag under the
     * instance's key, with this room's channel id); without it envelopes carry no tag.
     */
    private readonly frankTag: ((context: Omit<FrankingContext, 'channelId'>) => string) | null = null,
  ) {
    this.callUsers = this.usersInCall();
  }

  /** The users in the call as last announced (rebuilt from the sockets' attachments after hibernation). */
  private callUsers: string[];

  /** Handles one incoming frame from `conn`. Never throws for bad input: it answers with an error frame. */
  receive(conn: Connection, raw: string | ArrayBuffer): void {
    const size = typeof raw === 'string' ? raw.length * (/^[\x00-\x7f]*$/.test(raw) ? 1 : 3) : raw.byteLength;
    if (size > MAX_FRAME_BYTES) return this.close(conn, CLOSE_TOO_BIG, `frame exceeds ${MAX_FRAME_BYTES} bytes`);
    if (this.clock() >= conn.identity.expiresAt) return this.close(conn, CLOSE_TOKEN_EXPIRED, 'access token expired; reconnect with a fresh one');
    if (!has(conn.identity.permissions, Permission.VIEW)) return this.close(conn, CLOSE_REMOVED, 'no longer a member of this channel');
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
    const callFrame = frame.type.startsWith('call-');
    if (conn.identity.call && !callFrame && frame.type !== 'ping') return this.reply(conn, error('bad_request', `a call socket carries call frames only, not ${frame.type}`));
    if (!conn.identity.call && callFrame) return this.reply(conn, error('bad_request', 'call frames need a call socket: open the channel socket with ?call=<your deviceId>'));
    switch (frame.type) {
      case 'call-join':
        return this.callJoin(conn, frame.media);
      case 'call-media':
        return this.callMedia(conn, frame.media);
      case 'call-leave':
        return this.callLeave(conn);
      case 'call-signal':
        return this.callSignal(conn, frame.to, frame.ciphertext);
      case 'call-moderate':
        return this.callModerate(conn, frame.userId, frame.action);
      case 'send':
        return this.send(conn, frame);
      case 'threads':
        return this.reply(conn, { type: 'threads', threads: this.log.threads(frame.limit ?? 100) });
      case 'thread': {
        const envelopes = this.log.thread(frame.root, frame.after ?? 0, frame.limit ?? 100);
        const text = JSON.stringify({ type: 'thread', root: frame.root, envelopes } satisfies ServerFrame);
        if (!this.owe(conn, envelopes.length, text.length)) return;
        return this.replyText(conn, text);
      }
      case 'hello':
        return this.catchUp(conn, frame.lastSeq);
      case 'history':
        return this.history(conn, frame.before, frame.after, frame.limit ?? 100);
      case 'ping':
        return this.reply(conn, { type: 'pong' });
      case 'seen':
        return this.seen(conn, frame.seq);
      case 'schedule':
        return this.schedule(conn, frame);
      case 'unschedule':
        this.scheduled?.remove(conn.identity.userId, frame.clientMsgId);
        return this.reply(conn, this.scheduledList(conn.identity.userId));
      case 'scheduled':
        return this.reply(conn, this.scheduledList(conn.identity.userId));
    }
  }

  /** Why `frame` may not be accepted from `conn` now, or null. Nothing here has side effects. */
  private refusal(conn: Connection, frame: SendFrame): { code: string; message: string } | null {
    const { userId, permissions } = conn.identity;
    const kind = frame.kind ?? 'message';
    const moderator = !this.settings().direct && has(permissions, Permission.MANAGE_MESSAGES);
    if (kind === 'reaction' ? !has(permissions, Permission.REACT) : !has(permissions, Permission.SEND)) {
      return { code: 'forbidden', message: 'you may read this channel but not send to it' };
    }
    if ((frame.mentions?.everyone || frame.mentions?.here) && !has(permissions, Permission.MENTION_EVERYONE)) {
      return { code: 'forbidden', message: 'you may not mention @everyone or @here in this channel' };
    }
    if (FRANKED_KINDS.has(kind) && frame.franking === undefined) {
      return { code: 'validation_failed', message: `franking: a ${kind} needs its franking commitment (protocol/franking.ts)` };
    }
    if (kind === 'message') {
      if (frame.target !== undefined) return { code: 'validation_failed', message: 'target: a message has no target; use replyTo for a reply' };
      if (frame.replyTo !== undefined) {
        const root = this.log.get(frame.replyTo);
        if (!root || (root.kind ?? 'message') !== 'message' || root.deleted) return { code: 'not_found', message: 'replyTo: no such message' };
      }
    } else {
      if (frame.target === undefined) return { code: 'validation_failed', message: `target: a ${kind} needs the seq of the message it is about` };
      if (frame.replyTo !== undefined) return { code: 'validation_failed', message: `replyTo: only a message can reply` };
      const target = this.log.get(frame.target);
      // A webhook's post is a message too: it can be reacted to, pinned and deleted (not edited: nobody here wrote it).
      if (!target || !isPost(target.kind) || target.deleted) return { code: 'not_found', message: 'target: no such message' };
      if (kind === 'edit' && target.sender !== userId) return { code: 'forbidden', message: 'only the author can edit a message' };
      if (kind === 'delete' && target.sender !== userId) {
        if (!moderator) return { code: 'forbidden', message: 'only the author or a moderator can delete a message' };
        if (!mayModerate(conn.identity.rank ?? 0, this.log.rankOf(target.sender))) return { code: 'forbidden', message: 'you cannot delete a message by someone who outranks you' };
      }
      if ((kind === 'pin' || kind === 'unpin') && !this.settings().direct && !moderator) return { code: 'forbidden', message: 'pinning needs the manage-messages permission' };
    }
    const now = this.clock();
    const wait = this.settings().slowModeSeconds * 1000;
    const last = this.lastSend.get(userId);
    if (kind === 'message' && wait > 0 && !moderator && last !== undefined && now - last < wait) {
      return { code: 'slow_mode', message: `slow mode: wait ${Math.ceil((wait - (now - last)) / 1000)} s before sending again` };
    }
    return null;
  }

  /** Refuses an envelope: the sender hears why, and the refusal is counted by reason. */
  private refuse(conn: Connection, code: string, message: string, ref: string): void {
    metrics.envelopesRefused.inc({ reason: code });
    this.reply(conn, error(code, message, ref));
  }

  private send(conn: Connection, frame: SendFrame): void {
    const { userId } = conn.identity;
    const { clientMsgId } = frame;
    const prior = this.log.findByClientMsgId(userId, clientMsgId);
    if (!prior) {
      // Sealed for an older set of recipients: someone joined, left or changed devices since the
      // sender read the members. Refused before anything is stored; the client re-reads, rotates
      // if someone left, and seals again (issue #20).
      if (frame.epoch !== undefined && frame.epoch < this.log.epoch()) {
        return this.refuse(conn, 'members_changed', `the channel's members changed (epoch ${this.log.epoch()}); seal again for the current members`, clientMsgId);
      }
      const refused = this.refusal(conn, frame);
      if (refused) return this.refuse(conn, refused.code, refused.message, clientMsgId);
      const bucket = take(this.sendBuckets.get(userId), this.settings().sendRatePerSecond, this.clock());
      this.sendBuckets.set(userId, bucket.bucket);
      if (!bucket.ok) return this.refuse(conn, 'rate_limited', `too many messages; retry in ${bucket.retryAfterMs} ms`, clientMsgId);
    }
    const { type: _type, epoch: _epoch, ...fields } = frame;
    const send = { ...fields, sender: userId };
    if (send.kind === 'message') delete send.kind;
    const decision = sequence(this.log.head(), send, prior, this.clock());
    if (decision.kind === 'conflict') {
      return this.refuse(conn, 'conflict', `clientMsgId ${clientMsgId} was already used for a different envelope (seq ${decision.original.seq}); use a new id for new content`, clientMsgId);
    }
    if (decision.kind === 'duplicate') {
      const o = decision.original;
      return this.reply(conn, { type: 'ack', clientMsgId, seq: o.seq, ts: o.ts, duplicate: true, ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {}) });
    }
    this.accept(decision.envelope, conn);
  }

  /**
   * Stores a sequenced envelope and relays it: to everyone when `conn` is null (a scheduled
   * message released by the alarm), else acknowledged to `conn` and relayed to everyone else.
   */
  private accept(e: EnvelopeOut, conn: Connection | null, logModeration = true): boolean {
    const userId = e.sender;
    const clientMsgId = e.clientMsgId;
    // Disappearing messages: a message is stamped with when the room will erase it (what it says
    // about is erased with it, so only messages carry the stamp).
    const disappear = this.settings().disappearSeconds;
    if (isPost(e.kind) && disappear > 0) e.expiresAt = e.ts + disappear * 1000;
    // Message franking: the room vouches for who sent this commitment, where, at which seq and when.
    if (e.franking !== undefined && this.frankTag) e.frankTag = this.frankTag({ sender: e.sender, seq: e.seq, ts: e.ts, commitment: e.franking });
    // The writes are synchronous; the Durable Object's output gate holds the ack and the fan-out
    // below until they are durable, so nobody hears of an envelope that a crash could lose.
    const deletedAuthor = e.kind === 'delete' ? this.log.get(e.target!)?.sender : undefined;
    try {
      this.log.commit(e);
    } catch (err) {
      // R4: a failed write is never acknowledged or relayed, and takes no seq; the sender keeps
      // the message queued and retries with the same clientMsgId.
      log.error('channel_log_write_failed', { error: reason(err) });
      metrics.storageErrors.inc({ where: 'channel_log' });
      if (conn) this.refuse(conn, 'storage_unavailable', 'the message could not be stored; retry it with the same clientMsgId', clientMsgId);
      return false;
    }
    metrics.envelopesAccepted.inc();
    // A held scheduled message its sender sealed again and sent: the held copy is done with.
    const replaced = this.scheduled?.remove(userId, clientMsgId) ?? false;
    if ((e.kind ?? 'message') === 'message') this.lastSend.set(userId, e.ts);
    if (conn) {
      this.reply(conn, { type: 'ack', clientMsgId, seq: e.seq, ts: e.ts, ...(e.expiresAt !== undefined ? { expiresAt: e.expiresAt } : {}) });
      const f = this.flow(conn);
      if (f.replay === null) f.sent = Math.max(f.sent, e.seq);
    }
    const text = JSON.stringify({ type: 'envelope', ...e } satisfies ServerFrame);
    this.relay(conn?.via ? { seq: e.seq, text, except: null, origin: { via: conn.via.socket, id: conn.relayId! } } : { seq: e.seq, text, except: conn?.socket ?? null });
    if (replaced) this.tellScheduled(userId);
    this.onAccepted(e, deletedAuthor !== undefined && logModeration ? { deletedAuthor } : {});
    return true;
  }

  /**
   * A post through one of the channel's incoming webhooks (issue #17 item 3), made by the server:
   * a `webhook` envelope from `webhook.{id}` whose ciphertext field is base64 of the post's JSON
   * (protocol/webhooks.ts). Plaintext by nature; stored and relayed like any envelope. Null when
   * it could not be stored.
   */
  webhookPost(webhookId: string, body: string): { seq: number; ts: number } | null {
    const bytes = new TextEncoder().encode(body);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    const send = { clientMsgId: `webhook-${crypto.randomUUID()}`, sender: webhookSender(webhookId), ciphertext: btoa(bin), kind: 'webhook' as const };
    const decision = sequence(this.log.head(), send, undefined, this.clock());
    if (decision.kind !== 'accept' || !this.accept(decision.envelope, null)) return null;
    return { seq: decision.envelope.seq, ts: decision.envelope.ts };
  }

  /**
   * A moderator's delete made by the server (a report resolved from the review queue, issue
   * #16): a `delete` envelope from `by` with no ciphertext, erasing the message like any delete
   * (the caller checked the moderator's right to). The delete's seq, or null when `target` is not
   * a live message.
   */
  moderatorDelete(target: number, by: string, logEach = true): number | null {
    const t = this.log.get(target);
    if (!t || (t.kind ?? 'message') !== 'message' || t.deleted) return null;
    const send = { clientMsgId: `moderation-${crypto.randomUUID()}`, sender: by, ciphertext: '', kind: 'delete' as const, target };
    const decision = sequence(this.log.head(), send, undefined, this.clock());
    if (decision.kind !== 'accept' || !this.accept(decision.envelope, null, logEach)) return null;
    return decision.envelope.seq;
  }

  /**
   * Purge (issue #16 item 4): deletes `sender`'s messages sent in [from, to] here, oldest first,
   * at most `limit` (a `delete` envelope each from `by`, so every device scrubs them, live or when
   * it next catches up). With `dryRun` only counts them. The caller audits the purge as one event.
   */
  purge(sender: string, from: number, to: number, by: string, limit: number, dryRun: boolean): number {
    const seqs = this.log.messagesBy(sender, from, to, limit);
    if (dryRun) return seqs.length;
    let n = 0;
    for (const seq of seqs) if (this.moderatorDelete(seq, by, false) !== null) n++;
    return n;
  }

  /** Scheduled messages: keep a sealed message for release at `frame.at` (protocol/scheduled.ts). */
  private schedule(conn: Connection, frame: ScheduleFrame): void {
    const { userId } = conn.identity;
    const { clientMsgId } = frame;
    if (!this.scheduled) return this.reply(conn, error('bad_request', 'this channel cannot keep scheduled messages', clientMsgId));
    const now = this.clock();
    if (frame.at <= now) return this.reply(conn, error('validation_failed', 'at: the release time must be in the future', clientMsgId));
    if (frame.at > now + MAX_SCHEDULE_AHEAD_MS) return this.reply(conn, error('validation_failed', 'at: a message may be scheduled at most a year ahead', clientMsgId));
    if (this.log.findByClientMsgId(userId, clientMsgId)) return this.reply(conn, error('conflict', `clientMsgId ${clientMsgId} was already sent; use a new id`, clientMsgId));
    if (frame.epoch !== undefined && frame.epoch < this.log.epoch()) {
      return this.reply(conn, error('members_changed', `the channel's members changed (epoch ${this.log.epoch()}); seal again for the current members`, clientMsgId));
    }
    const asSend: SendFrame = { type: 'send', clientMsgId, ciphertext: frame.ciphertext, franking: frame.franking, ...(frame.replyTo !== undefined ? { replyTo: frame.replyTo } : {}), ...(frame.mentions ? { mentions: frame.mentions } : {}) };
    const refused = this.refusal(conn, asSend);
    if (refused) return this.reply(conn, error(refused.code, refused.message, clientMsgId));
    const replacing = this.scheduled.get(userId, clientMsgId);
    if (!replacing && this.scheduled.of(userId).length >= MAX_SCHEDULED_PER_USER) {
      return this.reply(conn, error('quota_exceeded', `at most ${MAX_SCHEDULED_PER_USER} scheduled messages per person in a channel`, clientMsgId));
    }
    const bucket = take(this.sendBuckets.get(userId), this.settings().sendRatePerSecond, now);
    this.sendBuckets.set(userId, bucket.bucket);
    if (!bucket.ok) return this.reply(conn, error('rate_limited', `too many messages; retry in ${bucket.retryAfterMs} ms`, clientMsgId));
    this.scheduled.put({
      sender: userId,
      clientMsgId,
      ciphertext: frame.ciphertext,
      at: frame.at,
      createdAt: now,
      epoch: frame.epoch ?? this.log.epoch(),
      franking: frame.franking,
      ...(frame.replyTo !== undefined ? { replyTo: frame.replyTo } : {}),
      ...(frame.mentions ? { mentions: frame.mentions } : {}),
    });
    this.onScheduled(frame.at);
    this.tellScheduled(userId);
  }

  /** Asks the object to wake at `at` (set by the Durable Object shell). */
  onScheduled: (at: number) => void = () => undefined;

  /** Every pending scheduled message of `userId` here. */
  private scheduledList(userId: string): ScheduledListOut {
    return { type: 'scheduled', items: (this.scheduled?.of(userId) ?? []).map(({ sender: _s, epoch: _e, franking: _f, ...item }) => item) };
  }

  /** Tells every socket of `userId` here their scheduled messages (they changed). */
  private tellScheduled(userId: string): void {
    const list = this.scheduledList(userId);
    const text = JSON.stringify(list satisfies ServerFrame);
    for (const c of this.connections.all()) if (c.identity.userId === userId && !c.identity.call) this.replyText(c, text);
    this.toShards({ type: 'relay-user-frame', userId, frame: list });
  }

  /** When the next scheduled message is due, or null. */
  nextScheduled(): number | null {
    return this.scheduled?.next() ?? null;
  }

  /**
   * Releases the scheduled messages that are due and returns when the next one is. The sender's
   * standing is what the room was last told (they are offline: no socket carries their
   * permissions): a sender removed from the channel took theirs along, and one who lost the right
   * to send had theirs held then (`permissionsChanged`), so what is still pending may go out.
   * Nothing here reads the instance's database, which an alarm cannot always reach in time.
   */
  releaseDue(): number | null {
    for (const row of this.scheduled?.due(this.clock()) ?? []) this.release(row);
    return this.nextScheduled();
  }

  /**
   * Releases one due scheduled message as its sender's message, now — unless the recipients
   * changed since it was sealed: then it is held for the sender's devices to seal again, like any
   * send sealed for an older epoch.
   */
  private release(row: ScheduledRow): void {
    if (!this.scheduled) return;
    if (row.epoch < this.log.epoch()) {
      this.scheduled.hold(row.sender, row.clientMsgId, 'members_changed');
      return this.tellScheduled(row.sender);
    }
    if (row.replyTo !== undefined) {
      const root = this.log.get(row.replyTo);
      if (!root || root.deleted) delete row.replyTo; // the thread's root is gone: it is released as a plain message
    }
    const send = { clientMsgId: row.clientMsgId, ciphertext: row.ciphertext, sender: row.sender, ...(row.franking !== undefined ? { franking: row.franking } : {}), ...(row.replyTo !== undefined ? { replyTo: row.replyTo } : {}), ...(row.mentions ? { mentions: row.mentions } : {}) };
    const decision = sequence(this.log.head(), send, this.log.findByClientMsgId(row.sender, row.clientMsgId), this.clock());
    // Already sent (by a device that sealed it again): only the scheduled copy remains to forget.
    if (decision.kind !== 'accept') {
      this.scheduled.remove(row.sender, row.clientMsgId);
      return this.tellScheduled(row.sender);
    }
    // A failed write keeps the row: the next alarm retries it.
    this.accept(decision.envelope, null);
  }

  /** The connection's flow state, created on first use (a new socket, or after hibernation). */
  private flow(conn: Connection, head = this.log.head()): Flow {
    if (!conn.flow) conn.flow = { sent: head, seen: head, debt: 0, replay: null, bytes: 0, marks: [], debtBytes: 0 };
    return conn.flow;
  }

  /** The client has processed everything up to `seq` and every page it was sent before. */
  private seen(conn: Connection, seq: number): void {
    const f = this.flow(conn);
    f.seen = Math.max(f.seen, Math.min(seq, f.sent));
    f.debt = 0;
    f.debtBytes = 0;
    let i = 0;
    while (i < f.marks.length && f.marks[i]! <= seq) (f.bytes -= f.marks[i + 1]!), (i += 2);
    if (i > 0) f.marks.splice(0, i);
    if (f.replay !== null) this.pump(conn);
  }

  /** Counts an envelope frame of `size` bytes sent to `conn`. */
  private charge(f: Flow, seq: number, size: number): void {
    f.bytes += size;
    f.marks.push(seq, size);
  }

  /** Whether `conn` has room for `size` more bytes under MAX_UNSEEN_BYTES. */
  private static fits(f: Flow, size: number): boolean {
    return f.bytes + f.debtBytes + size <= MAX_UNSEEN_BYTES;
  }

  /** Counts a page of `n` envelopes and `size` bytes against the bounds; closes the socket and answers false past them. */
  private owe(conn: Connection, n: number, size: number): boolean {
    const f = this.flow(conn);
    if (f.sent - f.seen + f.debt + n > MAX_UNSEEN_ENVELOPES || !ChannelRoom.fits(f, size)) {
      this.close(conn, CLOSE_TOO_FAR_BEHIND, TOO_FAR_BEHIND_REASON);
      return false;
    }
    f.debt += n;
    f.debtBytes += size;
    return true;
  }

  private catchUp(conn: Connection, claimed: number): void {
    const f = this.flow(conn);
    // A client cannot have seen more than exists: a lastSeq above the head would put every later
    // envelope "behind" what it claims and out of reach of the bound (D2).
    const lastSeq = Math.min(claimed, this.log.head());
    // The envelope count restarts from lastSeq (the client resumes there), but the bytes already
    // sent stay owed until `seen` releases them: repeated hellos cannot reset what is buffered.
    f.sent = lastSeq;
    f.seen = lastSeq;
    f.replay = lastSeq;
    this.pump(conn);
  }

  /**
   * Continues a `hello` replay as far as the bound allows. Live envelopes are not sent to a
   * replaying connection: the replay reaches them through the log, in order, and `ready` follows
   * once it has caught up with the head.
   */
  private pump(conn: Connection): void {
    const f = conn.flow!;
    while (f.replay !== null) {
      const room = MAX_UNSEEN_ENVELOPES - (f.sent - f.seen + f.debt);
      if (room <= 0 || !ChannelRoom.fits(f, 1)) return;
      const want = Math.min(MAX_HISTORY_PAGE, room);
      const page = this.log.after(f.replay, want);
      let stopped = false;
      // A socket that takes batches gets the page's envelopes as one frame.
      const batch: string[] | null = conn.identity.batches ? [] : null;
      for (const e of page) {
        const text = JSON.stringify({ type: 'envelope', ...e } satisfies ServerFrame);
        // The byte bound pauses the replay like the count does, until `seen` makes room (with
        // nothing owed every envelope fits: the largest frame is far below the bound).
        if (!ChannelRoom.fits(f, text.length)) {
          stopped = true;
          break;
        }
        if (batch) batch.push(text);
        else this.replyText(conn, text);
        this.charge(f, e.seq, text.length);
        f.replay = e.seq;
        f.sent = Math.max(f.sent, e.seq);
      }
      if (batch) for (const frame of batchFrames(batch)) this.replyText(conn, frame);
      if (stopped) return;
      if (page.length < want) {
        f.replay = null;
        f.sent = Math.max(f.sent, this.log.head());
        this.reply(conn, { type: 'ready', head: this.log.head(), epoch: this.log.epoch() });
        // Whoever opens the channel sees a call in progress (a DM's "calling…", a voice channel's people).
        if (this.participants().length > 0) this.replyText(conn, this.rosterText());
      }
    }
  }

  private history(conn: Connection, before: number | undefined, after: number | undefined, limit: number): void {
    if (before !== undefined && after !== undefined) return this.reply(conn, error('validation_failed', 'give before or after, not both'));
    const envelopes: EnvelopeOut[] = after !== undefined ? this.log.after(after, limit) : this.log.before(before ?? this.log.head() + 1, limit);
    const text = JSON.stringify({ type: 'history', envelopes, head: this.log.head() } satisfies ServerFrame);
    if (!this.owe(conn, envelopes.length, text.length)) return;
    this.replyText(conn, text);
  }

  /**
   * Closes sockets whose access token has expired and erases messages whose disappearing timer
   * ran out; returns the earliest of the next token expiry and the next message expiry.
   */
  closeExpired(messagesNow = this.clock()): number | null {
    const now = this.clock();
    let next: number | null = this.log.expire(messagesNow);
    for (const c of [...this.connections.all()]) {
      if (c.identity.expiresAt <= now) this.close(c, CLOSE_TOKEN_EXPIRED, 'access token expired; reconnect with a fresh one');
      else next = next === null ? c.identity.expiresAt : Math.min(next, c.identity.expiresAt);
    }
    return next;
  }

  /** A member left or was removed: close their sockets and tell everyone else to rotate keys. */
  /** A member connected: remember the rank they act with, for moderation checks on their messages. */
  joined(identity: Identity): void {
    if (this.log.rankOf(identity.userId) !== (identity.rank ?? 0)) this.log.setRank(identity.userId, identity.rank ?? 0);
  }

  memberRemoved(userId: string, reason: string): void {
    const epoch = this.log.bumpEpoch();
    // Whoever leaves takes their scheduled messages with them.
    this.scheduled?.removeAllOf(userId);
    const why = `removed from this channel (${reason})`;
    for (const c of [...this.connections.all()]) if (c.identity.userId === userId) this.close(c, CLOSE_REMOVED, why);
    this.noteStanding(userId, 0, 0);
    this.closeRelayed(userId, CLOSE_REMOVED, why);
    this.toShards({ type: 'relay-close-user', userId, code: CLOSE_REMOVED, reason: why });
    this.broadcast(JSON.stringify({ type: 'member-removed', userId, reason, epoch } satisfies ServerFrame), null);
  }

  /**
   * Who may read the channel may have changed without anyone being removed (a member joined,
   * someone's permissions or device list changed): a new recipients epoch, so envelopes sealed
   * for the old recipients are refused and re-sealed (issue #20).
   */
  recipientsChanged(): void {
    const epoch = this.log.bumpEpoch();
    this.broadcast(JSON.stringify({ type: 'epoch', epoch } satisfies ServerFrame), null);
  }

  /** Sessions of `userId` ended: close their sockets (they must log in again). */
  sessionsEnded(userId: string, sessions: string[] | { allExcept?: string }): void {
    const why = 'this session has ended; sign in again';
    const ended = (c: Connection) => endedBy(sessions, c.identity.sessionId);
    for (const c of [...this.connections.all()]) if (c.identity.userId === userId && ended(c)) this.close(c, CLOSE_TOKEN_EXPIRED, why);
    const now = this.clock();
    for (const [u, e] of this.endedSessions) if (now - e.at > 60_000) this.endedSessions.delete(u);
    this.endedSessions.set(userId, { at: now, sessions });
    this.closeRelayed(userId, CLOSE_TOKEN_EXPIRED, why, ended);
    this.toShards({ type: 'relay-close-user', userId, code: CLOSE_TOKEN_EXPIRED, reason: why, sessions });
  }

  /**
   * Read receipts: `userId` (whose hub has receipts switched on) has read up to `seq`. Relayed to
   * every connected socket, the reader's own included (their other devices); never stored. Only
   * for a user with a socket here or a seq the channel has, so a stale call relays nothing odd.
   */
  readPosition(userId: string, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > this.log.head()) return;
    this.broadcast(JSON.stringify({ type: 'read', userId, seq } satisfies ServerFrame), null);
  }

  /** A member's permissions changed; without VIEW they are removed. */
  permissionsChanged(userId: string, permissions: number, rank: number): void {
    this.log.setRank(userId, rank);
    if (!has(permissions, Permission.VIEW)) return this.memberRemoved(userId, 'access');
    this.noteStanding(userId, permissions, rank);
    for (const c of this.relayed.values()) if (c.identity.userId === userId) c.identity = { ...c.identity, permissions, rank };
    this.toShards({ type: 'relay-user', userId, permissions, rank });
    // Scheduled messages wait while their sender may not send (a timeout, a role taken away), and
    // go back to waiting for their time when they may again.
    if (this.scheduled && this.scheduled.setForbidden(userId, !has(permissions, Permission.SEND))) {
      const next = this.scheduled.next();
      if (next !== null) this.onScheduled(next);
      this.tellScheduled(userId);
    }
    this.recipientsChanged();
    let inCall = false;
    for (const c of [...this.connections.all()]) {
      if (c.identity.userId !== userId) continue;
      if (c.identity.call && !has(permissions, Permission.CONNECT)) {
        this.close(c, CLOSE_REMOVED, 'you may no longer join calls in this channel');
        continue;
      }
      c.identity = { ...c.identity, permissions, rank };
      this.connections.save(c);
      inCall ||= c.identity.call?.joinedAt !== undefined;
    }
    // What the others' clients let them send (speak, video, screen) follows their permissions.
    if (inCall) this.broadcastRoster();
  }

  // ── Calls (issue #14; protocol/calls.ts) ─────────────────────────────────────────────────

  /** The call's participants: call sockets that joined, oldest first. */
  private participants(): Connection[] {
    return [...this.connections.all()].filter((c) => c.identity.call?.joinedAt !== undefined).sort((a, b) => a.identity.call!.joinedAt! - b.identity.call!.joinedAt!);
  }

  private rosterText(): string {
    const participants: CallParticipant[] = this.participants().map((c) => {
      const { userId, permissions } = c.identity;
      const call = c.identity.call!;
      return {
        userId,
        deviceId: call.deviceId,
        joinedAt: call.joinedAt!,
        media: call.media!,
        serverMuted: this.log.serverMuted(userId),
        may: { speak: has(permissions, Permission.SPEAK), video: has(permissions, Permission.VIDEO), screen: has(permissions, Permission.SCREEN_SHARE) },
      };
    });
    return JSON.stringify({ type: 'call-roster', participants, cap: this.settings().callCap } satisfies ServerFrame);
  }

  /** Everyone connected to the channel, call sockets and readers, hears who is in the call now. */
  private broadcastRoster(): void {
    this.broadcast(this.rosterText(), null, true);
    const before = this.callUsers;
    const after = this.usersInCall();
    this.callUsers = after;
    if (before.length !== after.length || before.some((u, i) => u !== after[i])) this.onCallChange(before, after);
  }

  /** Who is in the call now (each user once), for the sidebar of people not connected here. */
  usersInCall(): string[] {
    return [...new Set(this.participants().map((c) => c.identity.userId))];
  }

  /** RPC from a hub: `userId` declined the call (or is busy): the participants hear it. */
  callDeclined(userId: string, reason: 'declined' | 'busy'): void {
    if (this.participants().length === 0) return;
    this.broadcast(JSON.stringify({ type: 'call-declined', userId, reason } satisfies ServerFrame), null, true);
  }

  private callJoin(conn: Connection, media: CallMedia): void {
    const call = conn.identity.call!;
    if (!has(conn.identity.permissions, Permission.CONNECT)) return this.reply(conn, error('forbidden', 'joining calls in this channel needs the connect permission'));
    if (call.joinedAt === undefined) {
      // The same device joining again (a reload, a new network): its old socket leaves first.
      for (const c of this.participants()) {
        if (c !== conn && c.identity.userId === conn.identity.userId && c.identity.call!.deviceId === call.deviceId) this.close(c, CLOSE_CALL_REPLACED, 'this device joined the call again from another connection');
      }
      const cap = this.settings().callCap;
      if (this.participants().length >= cap) return this.reply(conn, error('call_full', `the call is full (${cap} participants)`));
      call.joinedAt = this.clock();
    }
    call.media = media;
    this.connections.save(conn);
    this.broadcastRoster();
  }

  private callMedia(conn: Connection, media: CallMedia): void {
    if (conn.identity.call!.joinedAt === undefined) return this.reply(conn, error('not_in_call', 'join the call first'));
    conn.identity.call!.media = media;
    this.connections.save(conn);
    this.broadcastRoster();
  }

  private callLeave(conn: Connection): void {
    const call = conn.identity.call!;
    if (call.joinedAt === undefined) return;
    delete call.joinedAt;
    delete call.media;
    this.connections.save(conn);
    this.broadcastRoster();
  }

  /** Relays a pairwise ciphertext between two devices that are both in the call, unread. */
  private callSignal(conn: Connection, to: { userId: string; deviceId: string }, ciphertext: string): void {
    const call = conn.identity.call!;
    if (call.joinedAt === undefined) return this.reply(conn, error('not_in_call', 'join the call before signalling'));
    const bucket = take(this.signalBuckets.get(conn.socket), CALL_SIGNAL_RATE_PER_SECOND, this.clock(), 2 * CALL_SIGNAL_RATE_PER_SECOND);
    this.signalBuckets.set(conn.socket, bucket.bucket);
    if (!bucket.ok) return this.reply(conn, error('rate_limited', `too many call signals; retry in ${bucket.retryAfterMs} ms`));
    const target = this.participants().find((c) => c.identity.userId === to.userId && c.identity.call!.deviceId === to.deviceId);
    if (!target) return this.reply(conn, error('not_in_call', `${to.userId}/${to.deviceId} is not in the call`));
    this.replyText(target, JSON.stringify({ type: 'call-signal', from: { userId: conn.identity.userId, deviceId: call.deviceId }, ciphertext } satisfies ServerFrame));
  }

  /** A moderator server-mutes, unmutes or disconnects someone (community channels; never someone who outranks them). */
  private callModerate(conn: Connection, userId: string, action: 'mute' | 'unmute' | 'disconnect'): void {
    const { permissions, rank } = conn.identity;
    if (this.settings().direct || !has(permissions, Permission.MUTE_MEMBERS)) return this.reply(conn, error('forbidden', 'muting or disconnecting others needs the mute-members permission'));
    if (userId !== conn.identity.userId && !mayModerate(rank ?? 0, this.log.rankOf(userId))) return this.reply(conn, error('forbidden', 'you cannot moderate someone who outranks you'));
    if (action === 'disconnect') {
      for (const c of this.participants()) if (c.identity.userId === userId) this.close(c, CLOSE_CALL_DISCONNECTED, 'a moderator disconnected you from the call');
      return;
    }
    this.log.setServerMuted(userId, action === 'mute');
    this.broadcastRoster();
  }

  /**
   * Sends a non-envelope frame to every connection but `except` (call sockets only when
   * `toCallSockets`). Envelopes still waiting in the outbox go first, so every socket receives
   * frames in the order the room produced them.
   */
  private broadcast(frame: string, except: WebSocket | null, toCallSockets = false): void {
    this.flush();
    // Deleting from a Map while iterating it is well defined, so dropping here needs no copy.
    for (const c of this.connections.all()) {
      if (c.socket === except) continue;
      if (c.identity.call && !toCallSockets) continue;
      try {
        c.socket.send(frame);
      } catch {
        this.drop(c.socket); // already closing
      }
    }
  }

  /** Queues an accepted envelope for the live sockets; it goes out at the next flush (see `outbox`). */
  private relay(out: Outgoing): void {
    this.outbox.push(out);
  }

  private flush(): void {
    this.outbox.flush();
  }

  /** Before anything else is sent to `conn`: the outbox's envelopes for it (a sender hears of earlier envelopes before its ack). */
  private flushTo(conn: Connection): void {
    this.outbox.flushTo(conn);
  }

  /**
   * Sends `c` the envelopes of `entries` from index `from` on that are for it: not its own (it
   * was acked), not already sent (a replay that finished meanwhile reached them through the log),
   * and none while it replays (the replay will). One that would exceed the unseen bounds closes
   * it with 4008 (R7): a stalled reader costs the room a comparison, never a buffer. Returns how
   * many were sent. `whole` gives the frames of all of `entries`, shared by the sockets that get all.
   * Frame lengths count as bytes: JSON of base64 and ids is ASCII.
   */
  private deliver(c: Connection, entries: readonly Outgoing[], from: number, whole?: () => string[]): number {
    if (c.identity.call) return 0;
    if (c.identity.relay !== undefined) return this.deliverToShard(c, entries, from);
    const f = this.flow(c, entries[from]!.seq - 1);
    if (f.replay !== null) return 0;
    const texts: string[] = [];
    let behind = false;
    for (let i = from; i < entries.length; i++) {
      const o = entries[i]!;
      if (o.except === c.socket || o.seq <= f.sent) continue;
      if (o.seq - f.seen + f.debt > MAX_UNSEEN_ENVELOPES || !ChannelRoom.fits(f, o.text.length)) {
        behind = true;
        break;
      }
      f.sent = o.seq;
      this.charge(f, o.seq, o.text.length);
      texts.push(o.text);
    }
    // Up to the bound it is sent, as when envelopes went out one by one; then it is closed.
    const frames = !c.identity.batches ? texts : whole && texts.length === entries.length ? whole() : batchFrames(texts);
    let sent = texts.length;
    try {
      for (const frame of frames) c.socket.send(frame);
    } catch {
      this.drop(c.socket); // already closing; it catches up by seq when it returns
      sent = 0;
    }
    if (behind) this.close(c, CLOSE_TOO_FAR_BEHIND, TOO_FAR_BEHIND_REASON);
    return sent;
  }

  /**
   * A relay shard gets every envelope once, in order, as one `relay-fan` frame per flush: no
   * unseen bounds here (the shard applies them to each of its members), and an envelope one of
   * its members sent names that member, who was acked instead. Counted as deliveries by the shard.
   */
  private deliverToShard(c: Connection, entries: readonly Outgoing[], from: number): number {
    const f = this.flow(c, entries[from]!.seq - 1);
    const items: string[] = [];
    for (let i = from; i < entries.length; i++) {
      const o = entries[i]!;
      if (o.seq <= f.sent) continue;
      f.sent = o.seq;
      items.push(`[${o.origin?.via === c.socket ? JSON.stringify(o.origin.id) : 'null'},${o.text}]`);
    }
    if (items.length === 0) return 0;
    try {
      c.socket.send(`{"type":"relay-fan","items":[${items.join(',')}]}`);
    } catch {
      this.drop(c.socket);
    }
    return 0;
  }

  // ── Relay shards (issue #18 item 5; durable-objects/ChannelRelayObject.ts) ────────────────

  /** A frame from a relay shard's socket: a member's frame, a member gone, or the shard's load. */
  fromRelay(shard: Connection, raw: string | ArrayBuffer): void {
    if (typeof raw !== 'string') return;
    let m: RelayUp;
    try {
      m = JSON.parse(raw) as RelayUp;
    } catch {
      return;
    }
    const index = shard.identity.relay!;
    if (m.type === 'load' && Number.isSafeInteger(m.sockets)) return void this.relayLoads.set(index, m.sockets);
    if (typeof m.id !== 'string') return;
    const key = `${index}/${m.id}`;
    if (m.type === 'gone') return void this.relayed.delete(key);
    if (m.type !== 'via' || typeof m.frame !== 'string' || !m.identity) return;
    const identity = this.currentStanding(m.identity);
    let conn = this.relayed.get(key);
    if (conn) conn.identity = identity;
    else conn = { socket: relayedSocket(shard, m.id, () => this.relayed.delete(key)), identity, via: shard, relayId: m.id };
    this.relayed.set(key, conn);
    this.receive(conn, m.frame);
    // Nothing owed: the room forgets the member until its next frame.
    const f = conn.flow;
    // (Replay bytes still unreported after `ready` are not held against its next page: at most one bound's worth.)
    if (this.relayed.get(key) === conn && (!f || (f.replay === null && f.debt === 0))) this.relayed.delete(key);
  }

  /** A relay shard's socket closed: its members' state goes with it (they reconnect and catch up). */
  relayGone(index: number): void {
    for (const key of [...this.relayed.keys()]) if (key.startsWith(`${index}/`)) this.relayed.delete(key);
    this.relayLoads.delete(index);
  }

  /** A relayed member's identity as the shard sent it, with any standing change made since its socket opened. */
  private currentStanding(identity: Identity): Identity {
    const opened = identity.openedAt ?? 0;
    const ended = this.endedSessions.get(identity.userId);
    if (ended && ended.at >= opened && endedBy(ended.sessions, identity.sessionId)) return { ...identity, expiresAt: 0 };
    const changed = this.standing.get(identity.userId);
    if (changed && changed.at >= opened) return { ...identity, permissions: changed.permissions, rank: changed.rank };
    return identity;
  }

  /** Tells every relay shard something about its members (after the envelopes queued before it). */
  private toShards(frame: RelayDown): void {
    let text: string | undefined;
    for (const c of this.connections.all()) {
      if (c.identity.relay === undefined) continue;
      this.flushTo(c);
      try {
        c.socket.send((text ??= JSON.stringify(frame)));
      } catch {
        this.drop(c.socket);
      }
    }
  }

  /** Remembers a standing change for a minute (see `standing`), forgetting older ones. */
  private noteStanding(userId: string, permissions: number, rank: number): void {
    const now = this.clock();
    for (const [u, s] of this.standing) if (now - s.at > 60_000) this.standing.delete(u);
    this.standing.set(userId, { at: now, permissions, rank });
  }

  /** Closes `userId`'s relayed members the room holds state for (the shards close the sockets themselves). */
  private closeRelayed(userId: string, code: number, reason: string, which: (c: Connection) => boolean = () => true): void {
    for (const c of [...this.relayed.values()]) if (c.identity.userId === userId && which(c)) this.close(c, code, reason);
  }

  /**
   * A socket is gone (closed by either side, or failing): it leaves the registry and, when it was
   * in the call, the call, and everyone hears the new roster. The Durable Object calls this from
   * its close and error handlers, so a tab that closes leaves the call at once.
   */
  drop(socket: WebSocket): void {
    const conn = this.connections.get(socket);
    this.connections.remove(socket);
    this.signalBuckets.delete(socket);
    if (conn?.identity.call?.joinedAt !== undefined) this.broadcastRoster();
  }

  private close(conn: Connection, code: number, reason: string): void {
    this.drop(conn.socket);
    try {
      conn.socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  private reply(conn: Connection, frame: ServerFrame): void {
    this.replyText(conn, JSON.stringify(frame));
  }

  private replyText(conn: Connection, text: string): void {
    if (this.outbox.size > 0) this.flushTo(conn.via ?? conn);
    try {
      conn.socket.send(text);
    } catch {
      this.drop(conn.socket);
    }
  }
}

/** Whether `sessionId` is among the ended `sessions`. */
export function endedBy(sessions: string[] | { allExcept?: string }, sessionId: string): boolean {
  return Array.isArray(sessions) ? sessions.includes(sessionId) : sessionId !== sessions.allExcept;
}

/** A member behind relay shard `shard`, as the room's socket for it: what the room sends it goes through the shard, addressed by id. */
function relayedSocket(shard: Connection, id: string, forget: () => void): WebSocket {
  const quoted = JSON.stringify(id);
  return {
    send: (text: string) => shard.socket.send(`{"type":"relay-to","id":${quoted},"frame":${text}}`),
    close: (code: number, reason: string) => {
      forget();
      shard.socket.send(JSON.stringify({ type: 'relay-close', id, code, reason } satisfies RelayDown));
    },
  } as unknown as WebSocket;
}

function error(code: string, message: string, ref?: string): ServerFrame {
  return { type: 'error', error: ref === undefined ? { code, message } : { code, message, ref } };
}

/** A message a person sent, or a post a webhook made: what reactions, pins and deletes may be about. */
function isPost(kind: EnvelopeOut['kind']): boolean {
  return (kind ?? 'message') === 'message' || kind === 'webhook';
}

