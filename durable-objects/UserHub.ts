/**
 * UserHub: the rules of one user's hub — one socket per device carrying that device's inbox of
 * pairwise ciphertexts, the user's unread and mention counts per channel, presence and typing.
 *
 * It is transport-agnostic like ChannelRoom: sockets come through a HubConnectionRegistry, its
 * own state through a HubStore, facts about other users and channels through a Directory (the
 * instance's storage), and other users' hubs through Hubs (Durable Object RPC). It never decrypts
 * and never stores a typing indicator or a presence state. Who a socket is was established by the
 * worker at connect time; it is kept in the socket's attachment.
 *
 * Frames of one socket are handled one after another (a per-socket queue), because several of
 * them wait on storage or other hubs and must still take effect in the order they were sent.
 */
import * as v from 'valibot';
import { MAX_FRAME_BYTES } from '../protocol/limits';
import {
  HubClientFrame,
  INBOX_WINDOW,
  MAX_INBOX_BYTES,
  MAX_INBOX_ITEMS,
  MAX_INBOX_ITEMS_PER_SENDER,
  RING_MS,
  TYPING_INTERVAL_MS,
  type DeliveryFailure,
  type DeviceAddress,
  type HubServerFrame,
  type HubSettings,
  type PresenceState,
  type UnreadState,
} from '../protocol/hub';
import type { ChannelMarker, HubStore } from './UserHubStore';
import { metrics } from '../worker/observability/metrics';

/** Who is behind a hub socket; kept in the socket's attachment (small: well under 2 KiB). */
export interface HubIdentity {
  userId: string;
  deviceId: string;
  sessionId: string;
  /** When the access token that opened the socket expires (ms); the socket closes then. */
  expiresAt: number;
  /** What the device last said about itself. */
  state: 'online' | 'idle';
  /** The highest inbox id sent to this socket (flow control: at most INBOX_WINDOW unacknowledged in flight). */
  sentUpTo: number;
  /** The open-socket lease the worker took for it (worker/auth/socketLeases.ts), given back on close. */
  lease?: { id: string; ip: string; userId: string };
}

export interface HubConnection {
  readonly socket: WebSocket;
  identity: HubIdentity;
}

export interface HubConnectionRegistry {
  all(): Iterable<HubConnection>;
  get(socket: WebSocket): HubConnection | undefined;
  remove(socket: WebSocket): void;
  /** Persists a changed identity (hibernation attachments). */
  save(conn: HubConnection): void;
}

/** Facts from the instance's storage; implementations may cache for a short while. */
/** What `listChanged` tells a user's devices to re-read (protocol/hub.ts, the `changed` frame). */
export type ListChange = { scope: 'community'; id: string } | { scope: 'dms' } | { scope: 'account' };

/** What a `profile` frame carries: the name and status others see beside a user (PATCH /api/me). */
export interface PublicProfile {
  username: string;
  displayName: string;
  statusText: string | null;
  avatarId: string | null;
  bannerId: string | null;
}

export interface Directory {
  /** Which of `others` share a community or a DM with `userId`. */
  sharing(userId: string, others: string[]): Promise<Set<string>>;
  /** The ids of a user's registered devices. */
  devicesOf(userId: string): Promise<string[]>;
  /** The user's permission bits in a channel (0 when none or no such channel). */
  permissions(channelId: string, userId: string): Promise<number>;
  /** Users who may view the channel. */
  recipients(channelId: string): Promise<string[]>;
  /** Which of `others` have a block with `userId`, either way (issue #16): they see neither's presence nor typing. */
  blocked?(userId: string, others: string[]): Promise<Set<string>>;
}

/** A channel's head moved: what one member's hub needs to know (built by channelActivity). */
export interface ChannelUpdate {
  channelId: string;
  head: number;
  /** The newest seq this member sent in the batch (sending marks everything before as read). */
  ownSeq?: number;
  /** Seqs in the batch that mention this member directly or through @everyone. */
  mentionSeqs?: number[];
  /** Seqs in the batch with @here: they count when the member has a device connected. */
  hereSeqs?: number[];
}

export interface InboxDelivery {
  from: DeviceAddress;
  clientMsgId: string;
  deviceIds: string[];
  ciphertext: string;
  ts: number;
}

export type DeliveryResult = { deviceId: string; result: 'stored' | 'duplicate' | 'not_found' | 'inbox_full' | 'conflict' };

/** Other users' hubs. Every call names the target user; failures reject and are handled by the caller. */
export interface Hubs {
  deliver(userId: string, d: InboxDelivery): Promise<DeliveryResult[]>;
  /** Several deliveries to one user's devices in one call (a `deliver-many` frame's items for that user). */
  deliverMany?(userId: string, ds: InboxDelivery[]): Promise<DeliveryResult[][]>;
  /** Subscribes `watcher` to `userId`'s presence; returns the current state. */
  follow(userId: string, watcher: string): Promise<PresenceState>;
  /** Tells `watcher`'s hub about `userId`'s presence; false when nobody there watches any more. */
  presence(watcher: string, userId: string, state: PresenceState): Promise<boolean>;
  typing(userId: string, channelId: string, from: string): Promise<void>;
  /** Tells `watcher`'s hub that `userId` published a new device list; false when nobody there watches them. */
  devices?(watcher: string, userId: string): Promise<boolean>;
  /** Tells `watcher`'s hub that `userId` changed their name or status; false when nobody there watches them. */
  profile?(watcher: string, userId: string, profile: PublicProfile): Promise<boolean>;
  /**
   * Tells a channel's room that `userId` has read up to `seq` (read receipts), so it relays it to
   * the members connected there. Called only while the user's `readReceipts` setting is on.
   */
  readPosition?(channelId: string, userId: string, seq: number): Promise<void>;
  /** Tells a channel's room that `userId` declined its call (or is busy), so the caller hears it. */
  callDeclined?(channelId: string, userId: string, reason: 'declined' | 'busy'): Promise<void>;
}

/** Close codes (4000–4999 are the application's). */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_SESSION_ENDED = 4001;
/** A newer socket for the same device replaced this one. */
export const CLOSE_REPLACED = 4002;
/** The device was deleted (DELETE /api/devices/{id}): its socket closes and it may not come back. */
export const CLOSE_DEVICE_REMOVED = 4004;

/** Acknowledged inbox items keep a tombstone this long, so a resend after the ack is still recognised. */
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long a confirmed channel access or shared community stands before it is checked again. */
export const RECHECK_MS = 10 * 60 * 1000;
/** Most mention seqs remembered per channel: the badge says "1000+" beyond, not an exact count. */
export const MAX_MENTION_SEQS = 1_000;
/** Frames one socket may have queued while earlier ones wait on storage; beyond, frames are refused. */
export const MAX_QUEUED_FRAMES = 64;

const VIEW = 1;
const SEND = 2;
/** Permission.CONNECT (protocol/permissions.ts): may join the channel's calls. */
const CONNECT = 1 << 15;

/** Recipient devices by user, each device once. */
function groupByUser(to: DeviceAddress[]): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  for (const a of to) {
    const list = byUser.get(a.userId) ?? [];
    if (!list.includes(a.deviceId)) list.push(a.deviceId);
    byUser.set(a.userId, list);
  }
  return byUser;
}

export class UserHub {
  /** Per-socket queues, so a socket's frames take effect in order. */
  private readonly queues = new Map<WebSocket, { tail: Promise<void>; length: number }>();
  /** Last typing indicator per device and channel (memory only). */
  private readonly lastTyping = new Map<string, number>();
  /** The aggregate presence last announced to followers. */
  private announced: PresenceState;
  private lastPrune = 0;

  constructor(
    private readonly store: HubStore,
    private readonly connections: HubConnectionRegistry,
    private readonly directory: Directory,
    private readonly hubs: Hubs,
    private readonly clock: () => number,
    /** Runs work after the current event without holding it up (ctx.waitUntil). */
    private readonly background: (p: Promise<unknown>) => void = (p) => void p.catch(() => undefined),
  ) {
    this.announced = this.presence();
  }

  /** The user this hub belongs to. */
  get userId(): string | undefined {
    return this.store.owner();
  }

  /** Records which user this hub belongs to (the first connect or RPC tells it). */
  bind(userId: string): void {
    if (this.store.owner() !== userId) this.store.setOwner(userId);
  }

  // ── Sockets ────────────────────────────────────────────────────────────────────────────────

  /** A device connected: replace an older socket of the same device, send the snapshot and replay the inbox. */
  async connect(conn: HubConnection): Promise<void> {
    this.bind(conn.identity.userId);
    for (const c of [...this.connections.all()]) {
      if (c.socket !== conn.socket && c.identity.deviceId === conn.identity.deviceId) this.close(c, CLOSE_REPLACED, 'replaced by a newer connection of this device');
    }
    await this.enqueue(conn, async () => {
      for (const m of await this.visibleMarkers()) this.reply(conn, { type: 'unread', ...unreadOf(m) });
      const now = this.clock();
      const changedAt = this.store.listsChangedAt();
      const listsChangedAgo = changedAt === undefined ? null : Math.max(0, now - changedAt);
      this.reply(conn, { type: 'ready', userId: conn.identity.userId, deviceId: conn.identity.deviceId, settings: this.store.settings(), listsChangedAgo });
      // A device that connects (or reloads) while a DM call rings starts ringing too.
      for (const [channelId, r] of this.ringing) if (now - r.at < RING_MS) this.reply(conn, { type: 'ring', channelId, from: r.from, state: 'ringing' });
      conn.identity = { ...conn.identity, sentUpTo: 0 };
      this.topUp(conn);
    });
    this.presenceMaybeChanged();
  }

  /** A socket closed: forget it, its watch list, and maybe announce offline. */
  disconnect(socket: WebSocket): void {
    const conn = this.connections.get(socket);
    this.connections.remove(socket);
    this.queues.delete(socket);
    if (conn && ![...this.connections.all()].some((c) => c.identity.deviceId === conn.identity.deviceId)) this.store.setWatching(conn.identity.deviceId, []);
    this.presenceMaybeChanged();
  }

  /** Handles one incoming frame. Never throws for bad input: it answers with an error frame. */
  receive(conn: HubConnection, raw: string | ArrayBuffer): Promise<void> {
    const size = typeof raw === 'string' ? raw.length * (/^[\x00-\x7f]*$/.test(raw) ? 1 : 3) : raw.byteLength;
    if (size > MAX_FRAME_BYTES) return Promise.resolve(this.close(conn, CLOSE_TOO_BIG, `frame exceeds ${MAX_FRAME_BYTES} bytes`));
    if (this.clock() >= conn.identity.expiresAt) return Promise.resolve(this.close(conn, CLOSE_SESSION_ENDED, 'access token expired; reconnect with a fresh one'));
    if (typeof raw !== 'string') return Promise.resolve(this.reply(conn, error('bad_request', 'frames must be JSON text, not binary')));
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      return Promise.resolve(this.reply(conn, error('invalid_json', `frame is not valid JSON: ${(e as Error).message}`)));
    }
    const parsed = v.safeParse(HubClientFrame, json);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
      const ref = typeof (json as { clientMsgId?: unknown })?.clientMsgId === 'string' ? (json as { clientMsgId: string }).clientMsgId : undefined;
      return Promise.resolve(this.reply(conn, error('validation_failed', path ? `${path}: ${issue.message}` : issue.message, ref)));
    }
    const frame = parsed.output;
    const ref = frame.type === 'deliver' ? frame.clientMsgId : frame.type === 'read' || frame.type === 'typing' ? frame.channelId : undefined;
    return this.enqueue(conn, () => this.handle(conn, frame), ref);
  }

  private handle(conn: HubConnection, frame: HubClientFrame): Promise<void> | void {
    switch (frame.type) {
      case 'deliver':
        return this.deliver(conn, frame.clientMsgId, frame.to, frame.ciphertext);
      case 'deliver-many':
        return this.deliverMany(conn, frame.items);
      case 'ack':
        return this.ack(conn, frame.ids);
      case 'read':
        return this.read(conn, frame.channelId, frame.seq);
      case 'settings':
        return this.settings({ readReceipts: frame.readReceipts });
      case 'presence':
        conn.identity = { ...conn.identity, state: frame.state };
        this.connections.save(conn);
        return this.presenceMaybeChanged();
      case 'watch':
        return this.watch(conn, frame.userIds);
      case 'typing':
        return this.typing(conn, frame.channelId);
      case 'call-decline':
        return this.declineCall(conn, frame.channelId, frame.reason);
      case 'ping':
        return this.reply(conn, { type: 'pong' });
    }
  }

  /** Runs `work` after the socket's earlier frames; a failure (storage away) becomes an error frame. */
  private enqueue(conn: HubConnection, work: () => Promise<void> | void, ref?: string): Promise<void> {
    const q = this.queues.get(conn.socket) ?? { tail: Promise.resolve(), length: 0 };
    if (q.length >= MAX_QUEUED_FRAMES) {
      this.reply(conn, error('rate_limited', `more than ${MAX_QUEUED_FRAMES} frames waiting; slow down`, ref));
      return Promise.resolve();
    }
    q.length++;
    this.queues.set(conn.socket, q);
    q.tail = q.tail.then(async () => {
      try {
        await work();
      } catch {
        this.reply(conn, error('unavailable', 'the server could not complete this; try again shortly', ref));
      } finally {
        q.length--;
      }
    });
    return q.tail;
  }

  // ── Inbox ──────────────────────────────────────────────────────────────────────────────────

  private async deliver(conn: HubConnection, clientMsgId: string, to: DeviceAddress[], ciphertext: string): Promise<void> {
    const me = conn.identity.userId;
    const byUser = groupByUser(to);
    const others = [...byUser.keys()].filter((u) => u !== me);
    const shared = others.length ? await this.directory.sharing(me, others) : new Set<string>();
    const strangers = others.filter((u) => !shared.has(u));
    if (strangers.length) {
      // One refusal for the whole frame: nothing is delivered, and a stranger and an unknown user look alike.
      return this.reply(conn, error('forbidden', `you share no community or DM with ${strangers.length === 1 ? 'user ' + strangers[0] : strangers.length + ' of the recipients'}; nothing was delivered`, clientMsgId));
    }
    await this.storeDelivery(conn, clientMsgId, byUser, ciphertext, this.clock());
  }

  /**
   * `deliver-many`: one sharing check for every recipient of the frame, then every item stored at
   * once (not one after another), each answered as its own `deliver` would be. An item to someone
   * the sender shares nothing with is refused alone; the others are delivered.
   */
  private async deliverMany(conn: HubConnection, items: { clientMsgId: string; to: DeviceAddress; ciphertext: string }[]): Promise<void> {
    const me = conn.identity.userId;
    const others = [...new Set(items.map((i) => i.to.userId))].filter((u) => u !== me);
    let shared: Set<string>;
    try {
      shared = others.length ? await this.directory.sharing(me, others) : new Set<string>();
    } catch {
      // Every item is answered, so the sender's pending deliveries settle now rather than time out.
      for (const item of items) this.reply(conn, error('unavailable', 'the server could not complete this; try again shortly', item.clientMsgId));
      return;
    }
    const ts = this.clock();
    const from = { userId: me, deviceId: conn.identity.deviceId };
    // The items for one user go to that user's hub in one call.
    const byUser = new Map<string, typeof items>();
    for (const item of items) {
      if (item.to.userId !== me && !shared.has(item.to.userId)) {
        this.reply(conn, error('forbidden', `you share no community or DM with user ${item.to.userId}; nothing was delivered`, item.clientMsgId));
        continue;
      }
      byUser.set(item.to.userId, [...(byUser.get(item.to.userId) ?? []), item]);
    }
    await Promise.all(
      [...byUser].map(async ([userId, its]) => {
        const ds: InboxDelivery[] = its.map((it) => ({ from, clientMsgId: it.clientMsgId, deviceIds: [it.to.deviceId], ciphertext: it.ciphertext, ts }));
        let results: DeliveryResult[][];
        try {
          results =
            userId === me ? await this.acceptDeliveries(ds) : this.hubs.deliverMany ? await this.hubs.deliverMany(userId, ds) : await Promise.all(ds.map((d) => this.hubs.deliver(userId, d)));
        } catch {
          results = ds.map((d) => d.deviceIds.map((deviceId) => ({ deviceId, result: 'inbox_full' as const })));
        }
        its.forEach((it, k) => this.answerDelivery(conn, it.clientMsgId, ts, [{ userId, results: results[k]! }]));
      }),
    );
  }

  /** Stores one ciphertext for the named devices (sharing already checked) and answers `delivered`. */
  private async storeDelivery(conn: HubConnection, clientMsgId: string, byUser: Map<string, string[]>, ciphertext: string, ts: number): Promise<void> {
    const me = conn.identity.userId;
    const from = { userId: me, deviceId: conn.identity.deviceId };
    const outcomes = await Promise.all(
      [...byUser].map(async ([userId, deviceIds]) => {
        const d: InboxDelivery = { from, clientMsgId, deviceIds, ciphertext, ts };
        try {
          return { userId, results: userId === me ? await this.acceptDelivery(d) : await this.hubs.deliver(userId, d) };
        } catch {
          return { userId, results: deviceIds.map((deviceId) => ({ deviceId, result: 'inbox_full' as const })) };
        }
      }),
    );
    this.answerDelivery(conn, clientMsgId, ts, outcomes);
  }

  /** Answers one delivery: `delivered`, and an `error` naming what failed when something did. */
  private answerDelivery(conn: HubConnection, clientMsgId: string, ts: number, outcomes: { userId: string; results: DeliveryResult[] }[]): void {
    const failed: DeliveryFailure[] = [];
    let duplicates = 0;
    let total = 0;
    for (const { userId, results } of outcomes) {
      for (const r of results) {
        total++;
        if (r.result === 'duplicate') duplicates++;
        else if (r.result !== 'stored') failed.push({ userId, deviceId: r.deviceId, code: r.result });
      }
    }
    this.reply(conn, { type: 'delivered', clientMsgId, ts, failed, ...(duplicates === total ? { duplicate: true as const } : {}) });
    if (failed.length) {
      const full = failed.filter((f) => f.code === 'inbox_full').length;
      const conflicts = failed.filter((f) => f.code === 'conflict').length;
      const unknown = failed.length - full - conflicts;
      const message = [
        full ? `${full} inbox(es) full or unreachable` : '',
        conflicts ? `${conflicts} device(s) already hold a different ciphertext under this clientMsgId` : '',
        unknown ? `${unknown} unknown device(s)` : '',
      ].filter(Boolean).join('; ');
      this.reply(conn, error(full ? 'inbox_full' : conflicts ? 'conflict' : 'not_found', `${message}: see failed in the delivered frame`, clientMsgId));
    }
  }

  /** RPC target: store a pairwise ciphertext for some of this user's devices (the sender's hub checked sharing). */
  async acceptDelivery(d: InboxDelivery): Promise<DeliveryResult[]> {
    return (await this.acceptDeliveries([d]))[0]!;
  }

  /** RPC target: several deliveries at once (the devices are read once for all of them). */
  async acceptDeliveries(ds: InboxDelivery[]): Promise<DeliveryResult[][]> {
    const me = this.store.owner();
    const devices = me ? await this.directory.devicesOf(me) : [];
    const out = ds.map((d) => this.storeInInbox(d, devices));
    const reached = new Set(ds.flatMap((d) => d.deviceIds));
    for (const c of [...this.connections.all()]) if (reached.has(c.identity.deviceId)) this.topUp(c);
    return out;
  }

  private storeInInbox(d: InboxDelivery, devices: string[]): DeliveryResult[] {
    const results: DeliveryResult[] = [];
    for (const deviceId of d.deviceIds) {
      if (!devices.includes(deviceId)) {
        results.push({ deviceId, result: 'not_found' });
        continue;
      }
      const prior = this.store.inboxFind(deviceId, d.from.userId, d.from.deviceId, d.clientMsgId);
      if (prior) {
        // The same id again is a resend only with the same ciphertext (R2); once acknowledged the
        // ciphertext is gone and a resend can only be recognised by its id.
        results.push({ deviceId, result: prior.ciphertext !== null && prior.ciphertext !== d.ciphertext ? 'conflict' : 'duplicate' });
        continue;
      }
      const usage = this.store.inboxUsage(deviceId);
      if (usage.items >= MAX_INBOX_ITEMS || usage.bytes + d.ciphertext.length > MAX_INBOX_BYTES || this.store.inboxCountFrom(deviceId, d.from.userId) >= MAX_INBOX_ITEMS_PER_SENDER) {
        results.push({ deviceId, result: 'inbox_full' });
        continue;
      }
      this.store.inboxAdd({ deviceId, fromUser: d.from.userId, fromDevice: d.from.deviceId, clientMsgId: d.clientMsgId, ciphertext: d.ciphertext, ts: d.ts });
      metrics.hubDeliveries.inc();
      results.push({ deviceId, result: 'stored' });
    }
    return results;
  }

  private ack(conn: HubConnection, ids: number[]): void {
    const now = this.clock();
    this.store.inboxAck(conn.identity.deviceId, ids, now);
    if (now - this.lastPrune > 60 * 60 * 1000) {
      this.lastPrune = now;
      this.store.inboxPrune(now - DEDUP_WINDOW_MS);
    }
    this.topUp(conn);
  }

  /** Sends inbox items after what the socket already has, while fewer than INBOX_WINDOW are unacknowledged. */
  private topUp(conn: HubConnection): void {
    const { deviceId, sentUpTo } = conn.identity;
    const room = INBOX_WINDOW - this.store.inboxOutstanding(deviceId, sentUpTo);
    if (room <= 0) return;
    const items = this.store.inboxAfter(deviceId, sentUpTo, room);
    if (!items.length) return;
    for (const i of items) this.reply(conn, { type: 'inbox', id: i.id, from: { userId: i.fromUser, deviceId: i.fromDevice }, ciphertext: i.ciphertext, ts: i.ts });
    conn.identity = { ...conn.identity, sentUpTo: items[items.length - 1]!.id };
    this.connections.save(conn);
  }

  // ── Unread and mentions ────────────────────────────────────────────────────────────────────

  /** RPC target: a channel's head moved (coalesced by channelActivity). */
  channelMoved(u: ChannelUpdate): void {
    const m: ChannelMarker = this.store.marker(u.channelId) ?? { channelId: u.channelId, head: 0, readSeq: 0, mentionSeqs: [], verifiedAt: this.clock() };
    const before = JSON.stringify(m);
    m.head = Math.max(m.head, u.head);
    if (u.ownSeq !== undefined) m.readSeq = Math.max(m.readSeq, u.ownSeq);
    const here = this.hasConnections();
    const seqs = [...(u.mentionSeqs ?? []), ...(here ? (u.hereSeqs ?? []) : [])].filter((s) => s > m.readSeq && !m.mentionSeqs.includes(s));
    m.mentionSeqs = [...m.mentionSeqs, ...seqs]
      .filter((s) => s > m.readSeq)
      .sort((a, b) => a - b)
      .slice(-MAX_MENTION_SEQS);
    if (JSON.stringify(m) === before) return;
    this.store.putMarker(m);
    this.broadcast({ type: 'unread', ...unreadOf(m) });
  }

  private async read(conn: HubConnection, channelId: string, seq: number): Promise<void> {
    let m = this.store.marker(channelId);
    if (!m) {
      if (!((await this.directory.permissions(channelId, conn.identity.userId)) & VIEW)) return this.reply(conn, error('not_found', 'no such channel', channelId));
      m = { channelId, head: 0, readSeq: 0, mentionSeqs: [], verifiedAt: this.clock() };
    }
    if (seq <= m.readSeq && this.store.marker(channelId)) return this.reply(conn, { type: 'unread', ...unreadOf(m) });
    m.readSeq = Math.max(m.readSeq, seq);
    m.mentionSeqs = m.mentionSeqs.filter((s) => s > m!.readSeq);
    this.store.putMarker(m);
    this.broadcast({ type: 'unread', ...unreadOf(m) });
    // Read receipts: only with the setting on; with it off nothing about reading leaves the hub.
    // The marker is stored first, so a room that is unreachable loses one receipt, never a read.
    if (this.store.settings().readReceipts && this.hubs.readPosition) this.background(this.hubs.readPosition(channelId, conn.identity.userId, m.readSeq));
  }

  /** Markers of channels the user may still view; rechecked after RECHECK_MS, dropped when access is gone. */
  private async visibleMarkers(): Promise<ChannelMarker[]> {
    const me = this.store.owner();
    const now = this.clock();
    const out: ChannelMarker[] = [];
    for (const m of this.store.markers()) {
      if (now - m.verifiedAt > RECHECK_MS && me) {
        if (!((await this.directory.permissions(m.channelId, me)) & VIEW)) {
          this.store.dropMarker(m.channelId);
          continue;
        }
        m.verifiedAt = now;
        this.store.putMarker(m);
      }
      out.push(m);
    }
    return out;
  }

  /** Stores the user's settings and tells every device. */
  private settings(s: HubSettings): void {
    this.store.putSettings(s);
    this.broadcast({ type: 'settings', settings: s });
  }

  // ── Presence ───────────────────────────────────────────────────────────────────────────────

  /** online if any device is online, idle if all connected devices are idle, offline with none. */
  presence(): PresenceState {
    let state: PresenceState = 'offline';
    for (const c of this.connections.all()) {
      if (c.identity.state === 'online') return 'online';
      state = 'idle';
    }
    return state;
  }

  private hasConnections(): boolean {
    for (const _ of this.connections.all()) return true;
    return false;
  }

  /** Announces a changed aggregate presence to every follower's hub (O(followers) RPCs, only on change). */
  private presenceMaybeChanged(): void {
    const state = this.presence();
    if (state === this.announced) return;
    this.announced = state;
    const me = this.store.owner();
    if (!me) return;
    if (!this.store.followers().length) return;
    this.background(this.announce(me, state));
  }

  private async announce(me: string, state: PresenceState): Promise<void> {
    const followers = await this.currentFollowers(me);
    await Promise.all(
      followers.map(async (f) => {
        const wanted = await this.hubs.presence(f, me, state).catch(() => true);
        if (!wanted) this.store.dropFollower(f);
      }),
    );
  }

  /**
   * The followers who may still hear about this user. Those whose sharing was verified more than
   * RECHECK_MS ago are checked again; one who no longer shares a community or DM (left, kicked,
   * banned) is dropped and hears nothing more: presence, device lists or profile changes.
   */
  private async currentFollowers(me: string): Promise<string[]> {
    const now = this.clock();
    const followers = this.store.followers();
    const stale = new Set(followers.filter((f) => now - f.verifiedAt > RECHECK_MS && f.userId !== me).map((f) => f.userId));
    const still = stale.size ? await this.directory.sharing(me, [...stale]) : new Set<string>();
    const current: string[] = [];
    for (const f of followers) {
      if (stale.has(f.userId)) {
        if (!still.has(f.userId)) {
          this.store.dropFollower(f.userId);
          continue;
        }
        this.store.putFollower({ userId: f.userId, verifiedAt: now });
      }
      current.push(f.userId);
    }
    return current;
  }

  private async watch(conn: HubConnection, userIds: string[]): Promise<void> {
    const me = conn.identity.userId;
    const wanted = [...new Set(userIds)];
    const others = wanted.filter((u) => u !== me);
    const [shared, blocked] = others.length ? await Promise.all([this.directory.sharing(me, others), this.directory.blocked?.(me, others) ?? new Set<string>()]) : [new Set<string>(), new Set<string>()];
    const allowed = wanted.filter((u) => u === me || (shared.has(u) && !blocked.has(u)));
    this.store.setWatching(conn.identity.deviceId, allowed);
    for (const u of wanted) if (!allowed.includes(u)) this.reply(conn, error('forbidden', 'presence is visible only to people who share a community or DM', u));
    await Promise.all(
      allowed.map(async (u) => {
        const state = u === me ? this.presence() : await this.hubs.follow(u, me).catch(() => 'offline' as const);
        this.reply(conn, { type: 'presence', userId: u, state });
      }),
    );
  }

  /** RPC target: `userId` may no longer see this user's presence (a declined or left DM); presence checks after RECHECK_MS would find it too late. */
  forgetFollower(userId: string): void {
    this.store.dropFollower(userId);
  }

  /** RPC target: `watcher` (whose hub checked sharing) follows this user's presence. */
  follow(watcher: string): PresenceState {
    this.store.putFollower({ userId: watcher, verifiedAt: this.clock() });
    return this.presence();
  }

  /** RPC target: a followed user's presence changed; false when none of this user's devices watches them. */
  presenceOf(userId: string, state: PresenceState): boolean {
    return this.toWatchersOf(userId, { type: 'presence', userId, state });
  }

  /** Sends `frame` to this user's connected devices that watch `userId`; false when none does. */
  private toWatchersOf(userId: string, frame: HubServerFrame): boolean {
    const devices = this.store.devicesWatching(userId);
    let delivered = false;
    const text = JSON.stringify(frame);
    for (const c of this.connections.all()) {
      if (!devices.includes(c.identity.deviceId)) continue;
      delivered = true;
      this.send(c, text);
    }
    return delivered;
  }

  // ── Device lists ───────────────────────────────────────────────────────────────────────────

  /**
   * RPC target: this user published a new signed device list (a device approved or removed).
   * Their own devices and the hubs of everyone following their presence are told, so senders
   * re-read the devices now instead of when their cached member list expires.
   */
  deviceListChanged(): void {
    const me = this.store.owner();
    if (!me) return;
    this.broadcast({ type: 'devices', userId: me });
    const tell = this.hubs.devices?.bind(this.hubs);
    if (tell) this.background(this.tellFollowers(me, (f) => tell(f, me)));
  }

  /**
   * RPC target: this user changed their display name or status. Their own devices and the devices
   * of everyone following their presence (people who share a community or DM with them and have
   * them in view) are told, so the name and status change on screen without a list read. Like a
   * display name, neither is end-to-end encrypted: any signed-in account can look them up.
   */
  profileChanged(profile: PublicProfile): void {
    const me = this.store.owner();
    if (!me) return;
    this.broadcast({ type: 'profile', userId: me, ...profile });
    const tell = this.hubs.profile?.bind(this.hubs);
    if (tell) this.background(this.tellFollowers(me, (f) => tell(f, me, profile)));
  }

  /** Calls `tell` for each current follower but this user (sharing re-checked as for presence). */
  private async tellFollowers(me: string, tell: (follower: string) => Promise<unknown>): Promise<void> {
    if (!this.store.followers().some((f) => f.userId !== me)) return;
    const followers = (await this.currentFollowers(me)).filter((f) => f !== me);
    await Promise.allSettled(followers.map(tell));
  }

  /** RPC target: a followed user changed their name or status; false when none of this user's devices watches them. */
  profileOf(userId: string, profile: PublicProfile): boolean {
    return this.toWatchersOf(userId, { type: 'profile', userId, ...profile });
  }

  /** RPC target: a list this user's devices show changed (members, roles, channels, DMs); they re-read it. */
  listChanged(change: ListChange): void {
    // Remembered even with no device connected: a device that connects next learns from `ready`
    // whether the lists it has just read may have missed a change (protocol/hub.ts).
    this.store.putListsChangedAt(this.clock());
    this.broadcast({ type: 'changed', ...change });
  }

  /** RPC target: `userId`, whom devices here watch, published a new device list. */
  deviceListOf(userId: string): boolean {
    return this.toWatchersOf(userId, { type: 'devices', userId });
  }

  // ── Typing ─────────────────────────────────────────────────────────────────────────────────

  private async typing(conn: HubConnection, channelId: string): Promise<void> {
    const key = `${conn.identity.deviceId}:${channelId}`;
    const now = this.clock();
    const last = this.lastTyping.get(key);
    if (last !== undefined && now - last < TYPING_INTERVAL_MS) {
      return this.reply(conn, error('rate_limited', `one typing indicator per ${TYPING_INTERVAL_MS / 1000} s per channel`, channelId));
    }
    const me = conn.identity.userId;
    if (!((await this.directory.permissions(channelId, me)) & SEND)) return this.reply(conn, error('not_found', 'no such channel (or you may not send in it)', channelId));
    this.lastTyping.set(key, now);
    if (this.lastTyping.size > 10_000) for (const [k, t] of this.lastTyping) if (now - t >= TYPING_INTERVAL_MS) this.lastTyping.delete(k);
    const everyone = (await this.directory.recipients(channelId)).filter((u) => u !== me);
    const blocked = (await this.directory.blocked?.(me, everyone)) ?? new Set<string>();
    const recipients = everyone.filter((u) => !blocked.has(u));
    this.background(Promise.allSettled(recipients.map((u) => this.hubs.typing(u, channelId, me))));
  }

  // ── Calls (issue #14) ──────────────────────────────────────────────────────────────────────

  /** This user declines a call: their other devices stop ringing, and the room tells the caller. */
  private async declineCall(conn: HubConnection, channelId: string, reason: 'declined' | 'busy'): Promise<void> {
    const me = conn.identity.userId;
    if (!((await this.directory.permissions(channelId, me)) & CONNECT)) return this.reply(conn, error('not_found', 'no such channel (or you may not join its calls)', channelId));
    this.ringing.delete(channelId);
    this.broadcast({ type: 'ring', channelId, from: me, state: 'declined' });
    if (this.hubs.callDeclined) this.background(this.hubs.callDeclined(channelId, me, reason));
  }

  /** RPC target: who is in a voice channel this user can see changed. */
  voice(channelId: string, userIds: string[]): void {
    this.broadcast({ type: 'voice', channelId, userIds });
  }

  /** RPC target: a call in a DM of this user's started, was answered or declined on one of their devices, or ended. */
  ring(channelId: string, from: string, state: 'ringing' | 'answered' | 'declined' | 'ended'): void {
    if (state === 'ringing') this.ringing.set(channelId, { from, at: this.clock() });
    else this.ringing.delete(channelId);
    if (this.ringing.size > 100) for (const [id, r] of this.ringing) if (this.clock() - r.at >= RING_MS) this.ringing.delete(id);
    this.broadcast({ type: 'ring', channelId, from, state });
  }
  /** Calls ringing for this user now (memory only: a ring is short-lived), by channel. */
  private readonly ringing = new Map<string, { from: string; at: number }>();

  /** RPC target: someone is typing in a channel this user can see; relayed to connected sockets only, never stored. */
  typingFrom(channelId: string, userId: string): void {
    this.broadcast({ type: 'typing', channelId, userId });
  }

  // ── Sessions and expiry ────────────────────────────────────────────────────────────────────

  /**
   * RPC target: these sessions ended (logout, password or 2FA change): close their sockets with
   * 4001. `{ allExcept }` ends every session but one (password change keeps the current one).
   */
  /**
   * A device was deleted: close its socket (4004), forget what it watched, and purge its inbox —
   * items and tombstones alike, with any other device the user no longer has. The storage row is
   * already gone, so `devicesOf` no longer lists it and no new delivery can reach it.
   */
  async deviceRemoved(deviceId: string): Promise<number> {
    let closed = 0;
    for (const c of [...this.connections.all()]) {
      if (c.identity.deviceId !== deviceId) continue;
      this.close(c, CLOSE_DEVICE_REMOVED, 'this device was removed');
      closed++;
    }
    this.store.setWatching(deviceId, []);
    const me = this.store.owner();
    const devices = me ? await this.directory.devicesOf(me) : [];
    this.store.inboxPrune(this.clock() - DEDUP_WINDOW_MS, devices.filter((d) => d !== deviceId));
    if (closed) this.presenceMaybeChanged();
    return closed;
  }

  sessionsEnded(which: string[] | { allExcept?: string }): number {
    let closed = 0;
    for (const c of [...this.connections.all()]) {
      const ended = Array.isArray(which) ? which.includes(c.identity.sessionId) : c.identity.sessionId !== which.allExcept;
      if (!ended) continue;
      this.close(c, CLOSE_SESSION_ENDED, 'session ended; sign in again');
      closed++;
    }
    if (closed) this.presenceMaybeChanged();
    return closed;
  }

  /** Closes sockets whose access token has expired; returns the earliest expiry still open. */
  closeExpired(): number | null {
    const now = this.clock();
    let next: number | null = null;
    for (const c of [...this.connections.all()]) {
      if (c.identity.expiresAt <= now) this.close(c, CLOSE_SESSION_ENDED, 'access token expired; reconnect with a fresh one');
      else next = next === null ? c.identity.expiresAt : Math.min(next, c.identity.expiresAt);
    }
    this.presenceMaybeChanged();
    return next;
  }

  // ── Sending ────────────────────────────────────────────────────────────────────────────────

  private broadcast(frame: HubServerFrame): void {
    const text = JSON.stringify(frame);
    for (const c of [...this.connections.all()]) this.send(c, text);
  }

  private send(conn: HubConnection, text: string): void {
    try {
      conn.socket.send(text);
    } catch {
      this.connections.remove(conn.socket);
    }
  }

  private reply(conn: HubConnection, frame: HubServerFrame): void {
    this.send(conn, JSON.stringify(frame));
  }

  private close(conn: HubConnection, code: number, reason: string): void {
    this.connections.remove(conn.socket);
    this.queues.delete(conn.socket);
    try {
      conn.socket.close(code, reason);
    } catch {
      // already closed
    }
  }
}

function unreadOf(m: ChannelMarker): UnreadState {
  return { channelId: m.channelId, head: m.head, readSeq: m.readSeq, unread: Math.max(0, m.head - m.readSeq), mentions: m.mentionSeqs.filter((s) => s > m.readSeq).length };
}

function error(code: string, message: string, ref?: string): HubServerFrame {
  return { type: 'error', error: ref === undefined ? { code, message } : { code, message, ref } };
}
