/**
 * A relay shard of a large channel (issue #18 item 5, docs/scaling.md). One object serializes a
 * channel's fan-out; past CHANNEL_SHARD_THRESHOLD members' sockets the room sends new members
 * here instead. The room keeps sequencing, storage and every rule; a shard holds a share of the
 * members' sockets and one socket of its own to the room, on which it receives each accepted
 * envelope once (`relay-fan`) and sends its members' frames (`via`), so the room's work per
 * envelope is one frame per shard, not one per member.
 *
 * To a client nothing changes: the same frames in the same order, acks before the sender's own
 * envelope would have come, `hello` replays and `history` answered by the room, the unseen bounds
 * (R7, D2) applied to each socket here exactly as the room applies them to its own. If the shard
 * loses its room (the room restarted), it closes its members' sockets with 1012 and they
 * reconnect and catch up by seq like after any drop, so nothing is lost.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../worker/env';
import { batchFrames, CLOSE_TOKEN_EXPIRED, endedBy, CLOSE_TOO_BIG, CLOSE_TOO_FAR_BEHIND, MAX_UNSEEN_BYTES, MAX_UNSEEN_ENVELOPES, TOO_FAR_BEHIND_REASON, type Identity } from './ChannelRoom';
import { socketIdentity } from './ChannelRoomObject';
import { ExpiryAlarm } from './ExpiryAlarm';
import { Outbox } from './outbox';
import { RELAY_UPSTREAM_HEADER, type RelayDown, type RelayUp } from './relayWire';
import { releaseSocketLease } from '../worker/auth/socketLeases';
import { SUBPROTOCOL, SUBPROTOCOL_BATCHED, type EnvelopeOut } from '../protocol/frames';
import { MAX_FRAME_BYTES } from '../protocol/limits';
import { socketEnded, socketOpened } from './socketMetrics';
import { configureLog, log, reason } from '../worker/observability/log';

/** One member's socket here, and its flow of live envelopes (the room keeps that of replays and pages). */
interface Member {
  identity: Identity;
  /** The member's id at this shard (how the room addresses it). */
  id: string;
  socket: WebSocket;
  /** Live envelopes: highest seq sent, highest reported seen, bytes sent and not yet seen (seq, size pairs). */
  flow: { sent: number; seen: number; bytes: number; marks: number[] } | null;
  /** A `hello` replay is under way at the room: live envelopes wait (the replay reaches them through the log). */
  replaying: boolean;
  /** The room may hold state for this member (a replay, or pages it was sent): its `seen` reports go on to the room. */
  owes: boolean;
}

type Fan = { type: 'relay-fan'; items: [string | null, { type: 'envelope' } & EnvelopeOut][] };

/** An envelope on its way to the members: its frame text, and the member that sent it (acked instead), if one of ours. */
interface Outgoing {
  origin: string | null;
  seq: number;
  text: string;
}

/** Why a shard closes its members when its room socket ends. */
const ROOM_LOST = 'the channel moved; reconnect and catch up with hello';

export class ChannelRelayObject extends DurableObject<Env> {
  private readonly members = new Map<WebSocket, Member>();
  private readonly byId = new Map<string, Member>();
  private upstream: WebSocket | null = null;
  private connecting: Promise<WebSocket> | null = null;
  private loadReport = false;
  private readonly outbox = new Outbox<Member, Outgoing>(
    () => this.members.values(),
    (m, entries, from, whole) => this.deliver(m, entries, from, whole),
    batchFrames,
  );
  private readonly expiry = new ExpiryAlarm(this.ctx.storage, () => this.closeExpired());

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    configureLog(env.LOG_LEVEL);
  }

  override async fetch(request: Request): Promise<Response> {
    const h = request.headers;
    const identity = request.headers.get('Upgrade')?.toLowerCase() === 'websocket' ? socketIdentity(h) : null;
    const channelId = h.get('X-Chatalot-Channel');
    const index = Number(h.get('X-Chatalot-Relay-Index'));
    if (!identity || identity.call || !channelId || !Number.isSafeInteger(index)) return Response.json({ error: { code: 'unauthorized', message: 'no identity' } }, { status: 401 });
    try {
      await this.roomSocket(channelId, index);
    } catch (e) {
      log.warn('relay_upstream_failed', { error: reason(e) });
      return Response.json({ error: { code: 'unavailable', message: 'the channel is not reachable now; retry' } }, { status: 503 });
    }
    // Not hibernatable: a shard lives exactly as long as its room socket, which cannot hibernate
    // (an outgoing socket pins a Durable Object on Cloudflare; workerd would drop it on
    // hibernating). Its members' sockets live and end with it, so none outlasts the room socket
    // and misses what came on it.
    const pair = new WebSocketPair();
    const socket = pair[1];
    socket.accept();
    identity.openedAt = Date.now();
    const member: Member = { identity, id: crypto.randomUUID(), socket, flow: null, replaying: false, owes: false };
    socket.addEventListener('message', (e) => this.fromMember(member, e.data));
    socket.addEventListener('close', (e) => this.memberClosed(socket, e.code));
    socket.addEventListener('error', () => this.drop(socket));
    this.members.set(socket, member);
    this.byId.set(member.id, member);
    socketOpened(this.ctx, 'relayed', true);
    this.reportLoad();
    await this.expiry.schedule(identity.expiresAt);
    return new Response(null, { status: 101, webSocket: pair[0], headers: { 'Sec-WebSocket-Protocol': identity.batches ? SUBPROTOCOL_BATCHED : SUBPROTOCOL } });
  }

  /** The shard's socket to its room, opened once and kept. */
  private roomSocket(channelId: string, index: number): Promise<WebSocket> {
    if (this.upstream) return Promise.resolve(this.upstream);
    this.connecting ??= (async () => {
      try {
        const room = this.env.CHANNEL_ROOM.get(this.env.CHANNEL_ROOM.idFromName(channelId));
        const res = await room.fetch('http://room/relay', { headers: { Upgrade: 'websocket', [RELAY_UPSTREAM_HEADER]: String(index), 'X-Chatalot-Channel': channelId } });
        const ws = res.webSocket;
        if (!ws) throw new Error(`the room answered ${res.status}`);
        ws.accept();
        ws.addEventListener('message', (e) => this.fromRoom(e.data));
        ws.addEventListener('close', (e) => this.lost(ws, `closed ${e.code} ${e.reason}`));
        ws.addEventListener('error', (e) => this.lost(ws, `error ${String((e as ErrorEvent).message ?? '')}`));
        this.upstream = ws;
        return ws;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  /** The room socket ended: every member reconnects (to whichever shard the room picks) and catches up. */
  private lost(ws: WebSocket, how: string): void {
    if (this.upstream !== ws) return;
    this.upstream = null;
    log.warn('relay_room_socket_lost', { how, members: this.members.size });
    for (const m of [...this.members.values()]) this.close(m, 1012, ROOM_LOST);
  }

  private up(frame: RelayUp): void {
    try {
      this.upstream?.send(JSON.stringify(frame));
    } catch {
      // the close handler closes the members
    }
  }

  /** Tells the room how many sockets the shard holds, once per turn however many joined or left. */
  private reportLoad(): void {
    if (this.loadReport) return;
    this.loadReport = true;
    setTimeout(() => {
      this.loadReport = false;
      this.up({ type: 'load', sockets: this.members.size });
    }, 0);
  }

  private fromMember(m: Member, message: string | ArrayBuffer): void {
    if (!this.members.has(m.socket)) return;
    const size = typeof message === 'string' ? message.length * (/^[\x00-\x7f]*$/.test(message) ? 1 : 3) : message.byteLength;
    if (size > MAX_FRAME_BYTES) return this.close(m, CLOSE_TOO_BIG, `frame exceeds ${MAX_FRAME_BYTES} bytes`);
    // The room validates and answers every frame; the shard only notes what it must to deliver.
    const frame = typeof message === 'string' ? peek(message) : null;
    if (frame?.type === 'seen' && typeof frame.seq === 'number') {
      this.seen(m, frame.seq);
      if (!m.owes) return;
      if (!m.replaying) m.owes = false;
    } else if (frame?.type === 'hello' || frame?.type === 'history' || frame?.type === 'thread') {
      m.owes = true;
      if (frame.type === 'hello' && typeof frame.lastSeq === 'number' && frame.lastSeq >= 0) {
        m.replaying = true;
        m.flow = { sent: frame.lastSeq, seen: frame.lastSeq, bytes: m.flow?.bytes ?? 0, marks: m.flow?.marks ?? [] };
      }
    }
    const { lease: _lease, ...identity } = m.identity;
    this.up({ type: 'via', id: m.id, identity, frame: typeof message === 'string' ? message : '' });
  }

  /** The member has processed everything up to `seq`: its live envelopes up to there are no longer owed. */
  private seen(m: Member, seq: number): void {
    const f = m.flow;
    if (!f) return;
    f.seen = Math.max(f.seen, Math.min(seq, f.sent));
    let i = 0;
    while (i < f.marks.length && f.marks[i]! <= seq) (f.bytes -= f.marks[i + 1]!), (i += 2);
    if (i > 0) f.marks.splice(0, i);
  }

  private fromRoom(data: unknown): void {
    if (typeof data !== 'string') return;
    let m: Fan | RelayDown | { type: string };
    try {
      m = JSON.parse(data) as typeof m;
    } catch {
      return;
    }
    if (m.type === 'relay-fan') return this.queue((m as Fan).items);
    // Anything else for a member goes after the envelopes queued before it: a reply after that
    // member's, anything for several members after everyone's.
    if (m.type === 'relay-to' || m.type === 'relay-close') {
      const member = this.byId.get((m as { id: string }).id);
      if (!member) return;
      this.outbox.flushTo(member);
      if (m.type === 'relay-close') return this.close(member, (m as { code: number }).code, (m as { reason: string }).reason);
      return this.reply(member, (m as { frame: { type: string; seq?: number; head?: number; envelopes?: { seq: number }[] } }).frame);
    }
    this.outbox.flush();
    switch (m.type) {
      case 'relay-user': {
        const { userId, permissions, rank } = m as Extract<RelayDown, { type: 'relay-user' }>;
        for (const member of this.members.values()) if (member.identity.userId === userId) member.identity = { ...member.identity, permissions, rank };
        return;
      }
      case 'relay-close-user': {
        const { userId, code, reason, sessions } = m as Extract<RelayDown, { type: 'relay-close-user' }>;
        for (const member of [...this.members.values()]) {
          if (member.identity.userId !== userId) continue;
          if (sessions && !endedBy(sessions, member.identity.sessionId)) continue;
          this.close(member, code, reason);
        }
        return;
      }
      case 'relay-user-frame': {
        const { userId, frame } = m as Extract<RelayDown, { type: 'relay-user-frame' }>;
        const text = JSON.stringify(frame);
        for (const member of this.members.values()) if (member.identity.userId === userId) this.send(member, text);
        return;
      }
      default:
        // A frame for every member (epoch, member-removed, read, the call's roster): as the room sent it.
        for (const member of [...this.members.values()]) this.send(member, data);
    }
  }

  /** Envelopes from the room go out to the members coalesced, as the room's own (durable-objects/outbox.ts). */
  private queue(items: Fan['items']): void {
    for (const [origin, e] of items) this.outbox.push({ origin, seq: e.seq, text: JSON.stringify(e) });
  }

  /**
   * Sends `m` the envelopes of `entries` from `from` on that it has not had (not its own, which
   * it was acked; none while it replays), as one frame where it takes batches, up to the unseen
   * bounds; past them it is closed with 4008 (R7, D2), exactly as on the room. How many it sent.
   */
  private deliver(m: Member, entries: readonly Outgoing[], from: number, whole?: () => string[]): number {
    if (m.replaying) return 0;
    const f = (m.flow ??= { sent: entries[from]!.seq - 1, seen: entries[from]!.seq - 1, bytes: 0, marks: [] });
    const out: string[] = [];
    let behind = false;
    for (let i = from; i < entries.length; i++) {
      const o = entries[i]!;
      if (o.origin === m.id || o.seq <= f.sent) continue;
      const size = o.text.length;
      if (o.seq - f.seen > MAX_UNSEEN_ENVELOPES || f.bytes + size > MAX_UNSEEN_BYTES) {
        behind = true;
        break;
      }
      f.sent = o.seq;
      f.bytes += size;
      f.marks.push(o.seq, size);
      out.push(o.text);
    }
    const frames = !m.identity.batches ? out : whole && out.length === entries.length ? whole() : batchFrames(out);
    for (const frame of frames) if (!this.send(m, frame)) return 0;
    if (behind) this.close(m, CLOSE_TOO_FAR_BEHIND, TOO_FAR_BEHIND_REASON);
    return out.length;
  }

  /** A reply the room addressed to one member; an ack or the end of a replay moves its live flow on. */
  private reply(m: Member, frame: { type: string; seq?: number; head?: number; envelopes?: { seq: number }[] }): void {
    const f = m.flow;
    if (frame.type === 'ack' && f && !m.replaying && typeof frame.seq === 'number') f.sent = Math.max(f.sent, frame.seq);
    else if ((frame.type === 'envelope' || frame.type === 'envelopes') && f) {
      // A replay page (the room bounds those): what it covers is not sent again live.
      const last = frame.type === 'envelope' ? frame.seq : frame.envelopes?.at(-1)?.seq;
      if (typeof last === 'number') f.sent = Math.max(f.sent, last);
    } else if (frame.type === 'ready' && typeof frame.head === 'number') {
      m.replaying = false;
      if (f) {
        f.sent = Math.max(f.sent, frame.head);
        f.seen = Math.min(f.seen, frame.head);
      } else m.flow = { sent: frame.head, seen: frame.head, bytes: 0, marks: [] };
    }
    this.send(m, JSON.stringify(frame));
  }

  private send(m: Member, text: string): boolean {
    try {
      m.socket.send(text);
      return true;
    } catch {
      this.drop(m.socket);
      return false;
    }
  }

  /** A member's socket is gone: the room forgets what it held for it, and its lease is given back. */
  private drop(socket: WebSocket): void {
    const m = this.members.get(socket);
    if (!m) return;
    this.members.delete(socket);
    this.byId.delete(m.id);
    socketEnded(this.ctx, socket, 'relayed', true);
    this.up({ type: 'gone', id: m.id });
    if (m.identity.lease) this.ctx.waitUntil(releaseSocketLease(this.env, m.identity.lease).catch(() => undefined));
    if (this.members.size > 0) return this.reportLoad();
    // No members: the socket to the room goes, so the room may hibernate; the next member opens it again.
    const upstream = this.upstream;
    this.upstream = null;
    try {
      upstream?.close(1000, 'no members');
    } catch {
      // already closed
    }
  }

  private close(m: Member, code: number, why: string): void {
    this.drop(m.socket);
    try {
      m.socket.close(code, why);
    } catch {
      // already closed
    }
  }

  /** Closes members whose access token expired (A11); the next expiry. */
  private closeExpired(): number | null {
    const now = Date.now();
    let next: number | null = null;
    for (const m of [...this.members.values()]) {
      if (m.identity.expiresAt <= now) this.close(m, CLOSE_TOKEN_EXPIRED, 'access token expired; reconnect with a fresh one');
      else next = next === null ? m.identity.expiresAt : Math.min(next, m.identity.expiresAt);
    }
    return next;
  }

  override async alarm(): Promise<void> {
    await this.expiry.fire();
  }

  private memberClosed(ws: WebSocket, code: number): void {
    this.drop(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, 'closing');
    } catch {
      // already closed
    }
  }
}

/** The fields of a member's frame the shard acts on, or null when it is not a JSON object (the room answers that). */
function peek(text: string): { type?: unknown; seq?: unknown; lastSeq?: unknown } | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as { type?: unknown }) : null;
  } catch {
    return null;
  }
}
