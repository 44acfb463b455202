/**
 * The Durable Object shell for one channel (or DM): accepts hibernatable WebSockets and forwards
 * every event to ChannelRoom. Who is behind each socket lives in the socket's attachment, so it
 * survives hibernation; the socket list is cached in memory and rebuilt when the object wakes,
 * rather than asked of the runtime for every message. Only the worker reaches this object, and
 * it sends the identity it authenticated in X-Chatalot-* headers.
 */
import { DurableObject } from 'cloudflare:workers';
import type { RoomChange } from '../worker/rooms';
import { ChannelRoom, DEFAULT_SEND_RATE_PER_SECOND, type Connection, type ConnectionRegistry, type Identity } from './ChannelRoom';
import { rateFrom } from '../worker/middleware/rateLimit';
import { withFaults } from './faults';
import { SqliteChannelLog } from './ChannelLog';
import { ExpiryAlarm } from './ExpiryAlarm';
import { channelActivity } from './channelActivity';
import { logModeration } from './moderationLog';
import type { Env } from '../worker/env';
import { leaseFrom, releaseSocketLease } from '../worker/auth/socketLeases';
import { SUBPROTOCOL, SUBPROTOCOL_BATCHED, type EnvelopeOut } from '../protocol/frames';
import { MAX_CALL_PARTICIPANTS } from '../protocol/calls';
import { MAX_DISAPPEAR_SECONDS } from '../protocol/communities';
import { clockFor } from '../worker/auth/clock';
import { channelRecipients, hubOf } from '../worker/hubs';
import { ScheduledStore } from './ScheduledStore';
import { serverTag } from '../protocol/franking';
import { frankingKey } from '../worker/auth/totp';
import { configureLog, log, reason } from '../worker/observability/log';
import { socketEnded, socketOpened } from './socketMetrics';
import { countFrom, DEFAULT_SHARD_SIZE, DEFAULT_SHARD_THRESHOLD, RELAY_SHARD_HEADER, RELAY_UPSTREAM_HEADER } from './relayWire';

/**
 * The identity the worker established for a member's socket, from its X-Chatalot-* headers (the
 * worker sets them and drops any a client sent), or null without one. The room and its relay
 * shards read it alike.
 */
export function socketIdentity(h: Headers): Identity | null {
  const identity: Identity = {
    userId: h.get('X-Chatalot-User') ?? '',
    sessionId: h.get('X-Chatalot-Session') ?? '',
    permissions: Number(h.get('X-Chatalot-Permissions') ?? 0),
    rank: Number(h.get('X-Chatalot-Rank') ?? 0),
    expiresAt: Number(h.get('X-Chatalot-Expires') ?? 0),
  };
  if (!identity.userId || !identity.permissions || !identity.expiresAt) return null;
  const lease = leaseFrom(h, identity.userId);
  if (lease) identity.lease = lease;
  const callDevice = h.get('X-Chatalot-Call-Device');
  if (callDevice) identity.call = { deviceId: callDevice };
  if (h.get('X-Chatalot-Subprotocol') === SUBPROTOCOL_BATCHED) identity.batches = true;
  return identity;
}

const isMember = (identity: Identity) => !identity.call && identity.relay === undefined;

/** A socket's kind, from the identity it was accepted with. */
const kindOf = (ws: WebSocket) => ((ws.deserializeAttachment() as Identity | null)?.call ? 'call' : 'channel');


/** The room's sockets, cached: rebuilt from the runtime after hibernation, then kept in step. */
class HibernatingRegistry implements ConnectionRegistry {
  private readonly bySocket = new Map<WebSocket, Connection>();
  /** Members' channel sockets held here (not call sockets, not relay shards): the count sharding is decided by. */
  members = 0;

  /** `released` gives a socket's open-socket lease back once it leaves the registry, however it left. */
  constructor(ctx: DurableObjectState, private readonly released: (conn: Connection) => void) {
    for (const socket of ctx.getWebSockets()) this.add(socket);
  }

  add(socket: WebSocket, identity = socket.deserializeAttachment() as Identity | null): Connection | undefined {
    if (!identity) return undefined;
    const conn: Connection = { socket, identity, flow: undefined };
    this.bySocket.set(socket, conn);
    if (isMember(identity)) this.members++;
    return conn;
  }

  all(): Iterable<Connection> {
    return this.bySocket.values();
  }

  get(socket: WebSocket): Connection | undefined {
    return this.bySocket.get(socket);
  }

  remove(socket: WebSocket): void {
    const conn = this.bySocket.get(socket);
    if (!conn || !this.bySocket.delete(socket)) return;
    if (isMember(conn.identity)) this.members--;
    this.released(conn);
  }

  save(conn: Connection): void {
    if (conn.identity.relay === undefined) conn.socket.serializeAttachment(conn.identity);
  }
}

export class ChannelRoomObject extends DurableObject<Env> {
  private readonly registry = new HibernatingRegistry(this.ctx, (conn) => {
    if (conn.identity.lease) this.ctx.waitUntil(releaseSocketLease(this.env, conn.identity.lease).catch(() => undefined));
  });
  private slowModeSeconds = 0;
  private direct = false;
  /** The channel's call cap, as the worker last passed it (a channel setting, at most MAX_CALL_PARTICIPANTS). */
  private callCap = MAX_CALL_PARTICIPANTS;
  /**
   * The instance's clock, which a test may move on (worker/auth/clock.ts): it judges when
   * disappearing messages are due. Tokens and send times stay on the real clock here, as before.
   */
  private readonly instanceClock = clockFor(this.env);
  /** Disappearing messages: seconds after which new messages are erased (0: off), as the worker last passed it. */
  private disappearSeconds = 0;
  /** This room's channel id (the name the worker addresses it by), learned at the first connect. */
  private channelId: string | undefined;
  private readonly room = new ChannelRoom(
    withFaults(new SqliteChannelLog(this.ctx.storage.sql, (fn) => this.ctx.storage.transactionSync(fn)), this.env.CHATALOT_TEST_FAULTS),
    this.registry,
    () => Date.now(),
    () => ({
      slowModeSeconds: this.slowModeSeconds,
      direct: this.direct,
      sendRatePerSecond: rateFrom(this.env.SEND_RATE_PER_SECOND, DEFAULT_SEND_RATE_PER_SECOND),
      callCap: this.callCap,
      disappearSeconds: this.disappearSeconds,
    }),
    (e, context) => this.accepted(e, context),
    (before, after) => this.callChanged(before, after),
    new ScheduledStore(this.ctx.storage.sql),
    (c) => serverTag(this.frankingKey(), { ...c, channelId: this.channelId ?? '' }),
  );

  private franking: Uint8Array | undefined;

  /** The instance's franking key, derived once (a missing instance secret fails the send, loudly, rather than leaving messages unreportable). */
  private frankingKey(): Uint8Array {
    return (this.franking ??= frankingKey(this.env.TOTP_ENCRYPTION_KEY));
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    configureLog(env.LOG_LEVEL);
    ctx.blockConcurrencyWhile(async () => {
      this.slowModeSeconds = (await ctx.storage.get<number>('slowModeSeconds')) ?? 0;
      this.channelId = await ctx.storage.get<string>('channelId');
      this.direct = (await ctx.storage.get<boolean>('direct')) ?? false;
      this.callCap = (await ctx.storage.get<number>('callCap')) ?? MAX_CALL_PARTICIPANTS;
      this.disappearSeconds = (await ctx.storage.get<number>('disappearSeconds')) ?? 0;
      // Messages whose time ran out while the object slept are erased before anyone reads.
      const next = this.room.closeExpired(this.instanceClock());
      if (next !== null) await this.expiry.schedule(next);
      // Scheduled messages that came due while it slept are released by the alarm, at once.
      const scheduled = this.room.nextScheduled();
      if (scheduled !== null) await this.expiry.schedule(scheduled);
    });
    this.room.onScheduled = (at) => this.ctx.waitUntil(this.expiry.schedule(at));
  }

  /** What the alarm does: closes expired sockets, erases expired messages, releases scheduled ones; the next wake-up. */
  private wake(): number | null {
    const expired = this.room.closeExpired(this.instanceClock());
    const scheduled = this.room.releaseDue();
    if (expired === null) return scheduled;
    return scheduled === null ? expired : Math.min(expired, scheduled);
  }

  private accepted(e: EnvelopeOut, context: { deletedAuthor?: string }): void {
    // A disappearing message wakes the object when it is due, connected or not.
    if (e.expiresAt !== undefined) this.ctx.waitUntil(this.expiry.schedule(e.expiresAt));
    if (!this.channelId) return;
    const m = e.mentions;
    this.ctx.waitUntil(channelActivity(this.env, this.channelId, e, m?.everyone ? 'everyone' : m?.here ? 'here' : m?.users));
    if (context.deletedAuthor !== undefined && context.deletedAuthor !== e.sender) {
      // A moderator removed someone else's message: that is a moderation event, logged with the
      // channel and seq (never content, which the server does not have).
      this.ctx.waitUntil(logModeration(this.env, { moderator: e.sender, author: context.deletedAuthor, channelId: this.channelId, seq: e.target!, at: e.ts }));
    }
  }

  /**
   * In a DM or group DM a call rings: when it starts, every other member's devices ring (through
   * their hubs); someone who joins stops ringing on their other devices; when the last person
   * leaves, whoever is still ringing stops. A community voice channel rings nobody.
   */
  private callChanged(before: string[], after: string[]): void {
    if (!this.channelId) return;
    const channelId = this.channelId;
    if (!this.direct) {
      // A voice channel: everyone who can see it hears who is in it now (the sidebar), one RPC per
      // member hub per change — joins and leaves, not media, so a handful a minute.
      this.ctx.waitUntil(
        channelRecipients(this.env, channelId)
          .then((members) => Promise.allSettled(members.map((u) => hubOf(this.env, u).voiceRoster(u, channelId, after))))
          .catch((e) => log.warn('voice_roster_announce_failed', { error: reason(e) })),
      );
      return;
    }
    const ring = (userId: string, from: string, state: 'ringing' | 'answered' | 'ended') => hubOf(this.env, userId).callRing(userId, channelId, from, state);
    this.ctx.waitUntil(
      (async () => {
        if (before.length === 0 && after.length > 0) {
          const members = await channelRecipients(this.env, channelId);
          await Promise.allSettled(members.filter((u) => !after.includes(u)).map((u) => ring(u, after[0]!, 'ringing')));
        } else if (after.length === 0) {
          const members = await channelRecipients(this.env, channelId);
          await Promise.allSettled(members.filter((u) => !before.includes(u)).map((u) => ring(u, before[0]!, 'ended')));
        }
        await Promise.allSettled(after.filter((u) => !before.includes(u) && before.length > 0).map((u) => ring(u, before[0]!, 'answered')));
      })().catch((e) => log.warn('call_ring_failed', { error: reason(e) })),
    );
  }

  /** RPC from the worker: who is in this channel's call now. */
  async callUsers(): Promise<string[]> {
    return this.room.usersInCall();
  }

  /** RPC from a hub: `userId` declined this channel's call. */
  async callDeclined(userId: string, reason: 'declined' | 'busy'): Promise<void> {
    this.room.callDeclined(userId, reason);
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return Response.json({ error: { code: 'bad_request', message: 'expected a WebSocket upgrade' } }, { status: 426 });
    }
    const h = request.headers;
    const shard = h.get(RELAY_UPSTREAM_HEADER);
    if (shard !== null) return this.acceptShard(Number(shard), h.get('X-Chatalot-Channel'));
    const identity = socketIdentity(h);
    // The object trusts only the identity the worker established, and refuses one without access.
    if (!identity) return Response.json({ error: { code: 'unauthorized', message: 'no identity' } }, { status: 401 });
    const subprotocol = identity.batches ? SUBPROTOCOL_BATCHED : SUBPROTOCOL;
    const channelId = h.get('X-Chatalot-Channel');
    if (channelId && channelId !== this.channelId) {
      this.channelId = channelId;
      await this.ctx.storage.put('channelId', channelId);
    }
    const direct = h.get('X-Chatalot-Direct') === 'true';
    if (direct !== this.direct) {
      this.direct = direct;
      await this.ctx.storage.put('direct', direct);
    }
    const slowMode = Number(h.get('X-Chatalot-Slow-Mode') ?? 0);
    if (slowMode !== this.slowModeSeconds) await this.setSlowMode(slowMode);
    await this.setCallCap(Number(h.get('X-Chatalot-Call-Cap') ?? MAX_CALL_PARTICIPANTS));
    await this.setDisappearing(Number(h.get('X-Chatalot-Disappear') ?? 0));
    // A large channel's members go to relay shards (issue #18 item 5); the worker opens the socket there.
    const placed = identity.call ? null : this.placement();
    if (placed !== null) return new Response(null, { status: 204, headers: { [RELAY_SHARD_HEADER]: String(placed) } });
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, [identity.userId]);
    server.serializeAttachment(identity);
    socketOpened(this.ctx, identity.call ? 'call' : 'channel', true);
    this.registry.add(server);
    this.room.joined(identity);
    await this.expiry.schedule(identity.expiresAt);
    return new Response(null, { status: 101, webSocket: pair[0], headers: { 'Sec-WebSocket-Protocol': subprotocol } });
  }

  /**
   * Sharded fan-out (issue #18 item 5): while fewer than CHANNEL_SHARD_THRESHOLD members' sockets
   * are on the room itself, null (the room takes this one). Past it, the relay shard for it: the
   * least loaded one with room under CHANNEL_SHARD_SIZE, else the next index. Loads are what the
   * shards last reported plus the placements made since, so a burst of joins spreads too.
   */
  private placement(): number | null {
    if (!this.env.CHANNEL_RELAY) return null;
    const threshold = countFrom(this.env.CHANNEL_SHARD_THRESHOLD, DEFAULT_SHARD_THRESHOLD);
    if (this.registry.members < threshold) return null;
    const size = Math.max(1, countFrom(this.env.CHANNEL_SHARD_SIZE, DEFAULT_SHARD_SIZE));
    const loads = this.room.relayLoads;
    let best = -1;
    let next = 0;
    while (loads.has(next)) {
      const load = loads.get(next)!;
      if (load < size && (best < 0 || load < loads.get(best)!)) best = next;
      next++;
    }
    const shard = best >= 0 ? best : next;
    loads.set(shard, (loads.get(shard) ?? 0) + 1);
    return shard;
  }

  /** A relay shard's own socket to the room: it receives every envelope once and carries its members' frames. */
  private acceptShard(index: number, channelId: string | null): Response {
    if (!Number.isSafeInteger(index) || index < 0 || !channelId) return Response.json({ error: { code: 'bad_request', message: 'bad relay shard' } }, { status: 400 });
    if (channelId !== this.channelId) {
      this.channelId = channelId;
      this.ctx.waitUntil(this.ctx.storage.put('channelId', channelId));
    }
    // Not hibernatable: workerd drops an object-to-object socket when the accepting object
    // hibernates, so the room stays awake while it has shards (a large channel's room is busy
    // anyway); a shard closes its socket once it has no members, and the room may sleep again.
    const pair = new WebSocketPair();
    const server = pair[1];
    server.accept();
    const identity: Identity = { userId: '', sessionId: '', permissions: 0, expiresAt: Number.MAX_SAFE_INTEGER, relay: index, batches: true };
    const conn = this.registry.add(server, identity)!;
    server.addEventListener('message', (e) => this.room.fromRelay(conn, e.data));
    const gone = () => {
      if (!this.registry.get(server)) return;
      this.room.relayGone(index);
      this.room.drop(server);
    };
    server.addEventListener('close', gone);
    server.addEventListener('error', gone);
    if (!this.room.relayLoads.has(index)) this.room.relayLoads.set(index, 0);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** RPC from the worker: a member's standing or the channel's settings changed. */
  async memberChanged(change: RoomChange): Promise<void> {
    if (change.kind === 'settings') return this.setSlowMode(change.slowModeSeconds);
    if (change.kind === 'call-cap') return this.setCallCap(change.callCap);
    if (change.kind === 'disappearing') return this.setDisappearing(change.seconds);
    if (change.kind === 'removed') return this.room.memberRemoved(change.userId, change.reason);
    if (change.kind === 'added' || change.kind === 'devices') return this.room.recipientsChanged();
    if (change.kind === 'sessions-ended') return this.room.sessionsEnded(change.userId, change.sessions);
    this.room.permissionsChanged(change.userId, change.permissions, change.rank);
  }

  /** RPC from the worker: a moderator deletes message `seq` (a report resolved); the delete's seq, or null when there is no such message. */
  async moderatorDelete(seq: number, by: string): Promise<number | null> {
    return this.room.moderatorDelete(seq, by);
  }

  /**
   * RPC from the worker: a post through one of this channel's webhooks (issue #17 item 3), already
   * authenticated and validated there; its seq and time, or null when it could not be stored.
   */
  async webhookPost(channelId: string, webhookId: string, body: string): Promise<{ seq: number; ts: number } | null> {
    if (channelId !== this.channelId) {
      this.channelId = channelId;
      await this.ctx.storage.put('channelId', channelId);
    }
    return this.room.webhookPost(webhookId, body);
  }

  /** RPC from the worker: a moderator purges `sender`'s messages sent in [from, to] (issue #16); how many (would be) deleted. */
  async purge(sender: string, from: number, to: number, by: string, limit: number, dryRun: boolean): Promise<number> {
    return this.room.purge(sender, from, to, by, limit, dryRun);
  }

  /**
   * RPC from the user's hub: `userId` has read up to `seq` and has read receipts on. Relayed to
   * the connected members as `read`; not stored (a client that connects later sees the next one).
   */
  async readPosition(userId: string, seq: number): Promise<void> {
    this.room.readPosition(userId, seq);
  }

  /** Wakes the object when the earliest token expires, so an idle socket is closed on time too (A11). */
  private readonly expiry = new ExpiryAlarm(this.ctx.storage, () => this.wake());

  override async alarm(): Promise<void> {
    await this.expiry.fire();
  }

  private async setCallCap(cap: number): Promise<void> {
    if (!Number.isInteger(cap) || cap < 1 || cap > MAX_CALL_PARTICIPANTS || cap === this.callCap) return;
    this.callCap = cap;
    await this.ctx.storage.put('callCap', cap);
  }

  private async setDisappearing(seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_DISAPPEAR_SECONDS || seconds === this.disappearSeconds) return;
    this.disappearSeconds = seconds;
    await this.ctx.storage.put('disappearSeconds', seconds);
  }

  private async setSlowMode(seconds: number): Promise<void> {
    this.slowModeSeconds = seconds;
    await this.ctx.storage.put('slowModeSeconds', seconds);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = this.registry.get(ws) ?? this.registry.add(ws);
    if (!conn) return ws.close(1011, 'unknown connection');
    this.room.receive(conn, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    socketEnded(this.ctx, ws, kindOf(ws), true);
    this.room.drop(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, 'closing');
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    socketEnded(this.ctx, ws, kindOf(ws), true);
    this.room.drop(ws);
  }
}
