/**
 * The Durable Object shell of one user's hub: accepts each device's hibernatable WebSocket,
 * forwards socket events and the RPCs other objects make (channel activity, deliveries, presence,
 * typing, ended sessions) to UserHub, and closes sockets when their token expires (an alarm).
 * Who is behind each socket lives in its attachment; only the worker opens sockets here, with the
 * identity it authenticated in X-Chatalot-* headers. Every RPC names the user it is meant for, so
 * a hub that has never seen a socket still knows whose it is.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../worker/env';
import { leaseFrom, releaseSocketLease } from '../worker/auth/socketLeases';
import { hubRpc, storageDirectory } from '../worker/hubs';
import type { PresenceState } from '../protocol/hub';
import { SUBPROTOCOL } from '../protocol/frames';
import { ExpiryAlarm } from './ExpiryAlarm';
import { UserHub, type ChannelUpdate, type DeliveryResult, type HubConnection, type HubConnectionRegistry, type HubIdentity, type InboxDelivery, type ListChange, type PublicProfile } from './UserHub';
import { SqliteHubStore } from './UserHubStore';
import { PushNotifier, SqlitePushStore, type PushSubscriptionRecord } from './PushNotifier';
import { sendPush, vapidKeys } from '../worker/push/config';
import { openStorage } from '../worker/storage/openStorage';
import type { PushSubscriptionView } from '../protocol/push';
import { configureLog, log, reason } from '../worker/observability/log';
import { socketEnded, socketOpened } from './socketMetrics';

/** The hub's sockets, cached: rebuilt from the runtime after hibernation, then kept in step. */
class HibernatingRegistry implements HubConnectionRegistry {
  private readonly bySocket = new Map<WebSocket, HubConnection>();

  /** `released` gives a socket's open-socket lease back once it leaves the registry, however it left. */
  constructor(ctx: DurableObjectState, private readonly released: (conn: HubConnection) => void) {
    for (const socket of ctx.getWebSockets()) this.add(socket);
  }

  add(socket: WebSocket): HubConnection | undefined {
    const identity = socket.deserializeAttachment() as HubIdentity | null;
    if (!identity) return undefined;
    const conn = { socket, identity };
    this.bySocket.set(socket, conn);
    return conn;
  }

  all(): Iterable<HubConnection> {
    return this.bySocket.values();
  }

  get(socket: WebSocket): HubConnection | undefined {
    return this.bySocket.get(socket);
  }

  remove(socket: WebSocket): void {
    const conn = this.bySocket.get(socket);
    if (conn && this.bySocket.delete(socket)) this.released(conn);
  }

  save(conn: HubConnection): void {
    conn.socket.serializeAttachment(conn.identity);
  }
}

export class UserHubObject extends DurableObject<Env> {
  private readonly registry = new HibernatingRegistry(this.ctx, (conn) => {
    if (conn.identity.lease) this.ctx.waitUntil(releaseSocketLease(this.env, conn.identity.lease).catch(() => undefined));
  });
  private readonly hub = new UserHub(
    new SqliteHubStore(this.ctx.storage.sql),
    this.registry,
    storageDirectory(this.env),
    hubRpc(this.env),
    () => Date.now(),
    (p) => this.ctx.waitUntil(p.catch(() => undefined)),
  );

  private readonly pushStore = new SqlitePushStore(this.ctx.storage.sql);
  private readonly push = new PushNotifier(this.pushStore, {
    vapid: () => vapidKeys(this.env),
    send: (req) => sendPush(this.env, req),
    communityOf: async (channelId) => (await (await openStorage(this.env)).getChannel(channelId))?.communityId ?? null,
    clock: () => Date.now(),
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    background: (p) => this.ctx.waitUntil(p.catch((e) => log.warn('push_failed', { error: reason(e) }))),
  });

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return Response.json({ error: { code: 'bad_request', message: 'expected a WebSocket upgrade' } }, { status: 426 });
    }
    const h = request.headers;
    const identity: HubIdentity = {
      userId: h.get('X-Chatalot-User') ?? '',
      deviceId: h.get('X-Chatalot-Device') ?? '',
      sessionId: h.get('X-Chatalot-Session') ?? '',
      expiresAt: Number(h.get('X-Chatalot-Expires') ?? 0),
      state: 'online',
      sentUpTo: 0,
    };
    const lease = leaseFrom(h, identity.userId);
    if (lease) identity.lease = lease;
    // The object trusts only the identity the worker established.
    if (!identity.userId || !identity.deviceId || !identity.sessionId || !identity.expiresAt) return Response.json({ error: { code: 'unauthorized', message: 'no identity' } }, { status: 401 });
    const owner = this.hub.userId;
    if (owner && owner !== identity.userId) return Response.json({ error: { code: 'forbidden', message: 'not this user’s hub' } }, { status: 403 });
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, [identity.deviceId]);
    server.serializeAttachment(identity);
    socketOpened(this.ctx, 'hub', false);
    const conn = this.registry.add(server)!;
    await this.expiry.schedule(identity.expiresAt);
    // The snapshot and replay are queued on the socket now and reach the client right after the 101.
    this.ctx.waitUntil(this.hub.connect(conn));
    return new Response(null, { status: 101, webSocket: pair[0], headers: { 'Sec-WebSocket-Protocol': SUBPROTOCOL } });
  }

  // ── RPC (from the worker, channel rooms and other hubs; each names the user it is for) ──────

  /** A channel's head moved (channelActivity). */
  async channelMoved(userId: string, update: ChannelUpdate): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.channelMoved(update);
    // Web Push only when no device of the user is connected (issue #17 item 2).
    if (!this.anyConnected()) this.push.moved(update);
  }

  private anyConnected(): boolean {
    for (const _ of this.registry.all()) return true;
    return false;
  }

  /** Stores (or replaces) one device's push subscription; the worker checked the device is the user's. */
  async pushSubscribe(userId: string, record: PushSubscriptionRecord): Promise<void> {
    if (!this.claim(userId)) throw new Error('not this user’s hub');
    this.pushStore.put(record);
  }

  /** The user's push subscriptions, showing each push service's origin only. */
  async pushSubscriptions(userId: string): Promise<PushSubscriptionView[]> {
    if (!this.claim(userId)) return [];
    return this.pushStore.list().map((s) => ({ deviceId: s.deviceId, service: new URL(s.endpoint).origin, createdAt: s.createdAt }));
  }

  /** The account was deleted: no push goes anywhere for it again. */
  async pushForgetAll(userId: string): Promise<void> {
    if (!this.claim(userId)) return;
    for (const s of this.pushStore.list()) this.pushStore.remove(s.deviceId);
  }

  /** Removes a device's push subscription; false when it had none. */
  async pushUnsubscribe(userId: string, deviceId: string): Promise<boolean> {
    if (!this.claim(userId)) return false;
    return this.pushStore.remove(deviceId);
  }

  /** Store a pairwise ciphertext for this user's devices. */
  async acceptDelivery(userId: string, d: InboxDelivery): Promise<DeliveryResult[]> {
    if (!this.claim(userId)) return d.deviceIds.map((deviceId) => ({ deviceId, result: 'not_found' as const }));
    return this.hub.acceptDelivery(d);
  }

  /** Store several pairwise ciphertexts for this user's devices (one `deliver-many` frame's items for this user). */
  async acceptDeliveries(userId: string, ds: InboxDelivery[]): Promise<DeliveryResult[][]> {
    if (!this.claim(userId)) return ds.map((d) => d.deviceIds.map((deviceId) => ({ deviceId, result: 'not_found' as const })));
    return this.hub.acceptDeliveries(ds);
  }

  async follow(userId: string, watcher: string): Promise<PresenceState> {
    if (!this.claim(userId)) return 'offline';
    return this.hub.follow(watcher);
  }

  async presenceOf(userId: string, of: string, state: PresenceState): Promise<boolean> {
    if (!this.claim(userId)) return false;
    return this.hub.presenceOf(of, state);
  }

  /** This user blocked `other` (declined or left their DM): `other` stops following their presence at once. */
  async forgetFollower(userId: string, other: string): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.forgetFollower(other);
  }

  /** This user published a new device list: tell their devices and their followers. */
  async deviceListChanged(userId: string): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.deviceListChanged();
  }

  /** A list this user's devices show changed: tell them to re-read it. */
  async listChanged(userId: string, change: ListChange): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.listChanged(change);
  }

  /** This user changed their name or status: tell their devices and their followers. */
  async profileChanged(userId: string, profile: PublicProfile): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.profileChanged(profile);
  }

  async profileOf(userId: string, of: string, profile: PublicProfile): Promise<boolean> {
    if (!this.claim(userId)) return false;
    return this.hub.profileOf(of, profile);
  }

  async deviceListOf(userId: string, of: string): Promise<boolean> {
    if (!this.claim(userId)) return false;
    return this.hub.deviceListOf(of);
  }

  /** A call in one of this user's DMs started, was answered or declined on one of their devices, or ended. */
  async callRing(userId: string, channelId: string, from: string, state: 'ringing' | 'answered' | 'declined' | 'ended'): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.ring(channelId, from, state);
  }

  /** Who is in a voice channel this user can see changed. */
  async voiceRoster(userId: string, channelId: string, userIds: string[]): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.voice(channelId, userIds);
  }

  async typingFrom(userId: string, channelId: string, from: string): Promise<void> {
    if (!this.claim(userId)) return;
    this.hub.typingFrom(channelId, from);
  }

  /** Sessions ended (logout, password or 2FA change): close their sockets with 4001 (A10). */
  async sessionsEnded(userId: string, sessions: string[] | { allExcept?: string }): Promise<number> {
    if (!this.claim(userId)) return 0;
    return this.hub.sessionsEnded(sessions);
  }

  /** A device of this user was deleted: close its socket (4004) and purge its inbox. */
  async deviceRemoved(userId: string, deviceId: string): Promise<number> {
    if (!this.claim(userId)) return 0;
    this.pushStore.remove(deviceId);
    return this.hub.deviceRemoved(deviceId);
  }

  /** Records whose hub this is on first contact; refuses a call meant for another user. */
  private claim(userId: string): boolean {
    const owner = this.hub.userId;
    if (owner === undefined) this.hub.bind(userId);
    return owner === undefined || owner === userId;
  }

  // ── Expiry ─────────────────────────────────────────────────────────────────────────────────

  /** Wakes the object when the earliest token expires, so an idle socket is closed on time (A11). */
  private readonly expiry = new ExpiryAlarm(this.ctx.storage, () => this.hub.closeExpired());

  override async alarm(): Promise<void> {
    await this.expiry.fire();
  }

  // ── Sockets ────────────────────────────────────────────────────────────────────────────────

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = this.registry.get(ws) ?? this.registry.add(ws);
    if (!conn) return ws.close(1011, 'unknown connection');
    await this.hub.receive(conn, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    socketEnded(this.ctx, ws, 'hub', false);
    this.hub.disconnect(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, 'closing');
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    socketEnded(this.ctx, ws, 'hub', false);
    this.hub.disconnect(ws);
  }
}
