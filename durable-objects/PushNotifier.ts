/**
 * Web Push from a user's hub (issue #17 item 2): when a channel the user reads moves on and none
 * of their devices is connected, each device that subscribed gets a push its own preferences let
 * through (protocol/push.ts: do not disturb, muted, all / mentions / nothing per conversation,
 * community and default).
 *
 * - **No content.** The payload is {v, channelId, seq, mention}, padded to one size and encrypted
 *   to the device (RFC 8291); the service worker fetches and decrypts the envelopes itself.
 * - **Coalesced.** At most one push per conversation per PUSH_COALESCE_MS: the first goes at once,
 *   later ones in the window become one push at its end, with the newest seq (and a mention if any
 *   of them was one). The push service's Topic replaces an undelivered push of the same conversation.
 * - **Expired subscriptions** (404 or 410 from the push service) are deleted.
 * - The subscriptions live in the hub's own SQLite storage, one per device, deleted with the
 *   device (sign-out removes it) and by the device itself.
 */
import { levelAllows, PUSH_COALESCE_MS, PUSH_TTL_SECONDS, type PushPayload, type PushPrefs } from '../protocol/push';
import { pushRequest, type PushRequest, type VapidKeys } from '../worker/push/webPush';
import type { ChannelUpdate } from './UserHub';

/** Every payload is padded to this many bytes, so its length says nothing about the ids in it. */
export const PUSH_PAYLOAD_BYTES = 192;

export interface PushSubscriptionRecord {
  deviceId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  prefs: PushPrefs;
  createdAt: number;
}

export interface PushStore {
  list(): PushSubscriptionRecord[];
  put(r: PushSubscriptionRecord): void;
  /** True when there was one. */
  remove(deviceId: string): boolean;
}

const SCHEMA = 'CREATE TABLE IF NOT EXISTS push_subscriptions (device_id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, p256dh TEXT NOT NULL, auth TEXT NOT NULL, prefs TEXT NOT NULL, created_at INTEGER NOT NULL)';

export class SqlitePushStore implements PushStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  list(): PushSubscriptionRecord[] {
    return this.sql
      .exec<{ device_id: string; endpoint: string; p256dh: string; auth: string; prefs: string; created_at: number }>('SELECT * FROM push_subscriptions ORDER BY created_at')
      .toArray()
      .map((r) => ({ deviceId: r.device_id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, prefs: JSON.parse(r.prefs) as PushPrefs, createdAt: r.created_at }));
  }

  put(r: PushSubscriptionRecord): void {
    this.sql.exec('INSERT OR REPLACE INTO push_subscriptions (device_id, endpoint, p256dh, auth, prefs, created_at) VALUES (?, ?, ?, ?, ?, ?)', r.deviceId, r.endpoint, r.p256dh, r.auth, JSON.stringify(r.prefs), r.createdAt);
  }

  remove(deviceId: string): boolean {
    return this.sql.exec('DELETE FROM push_subscriptions WHERE device_id = ?', deviceId).rowsWritten > 0;
  }
}

/** What the notifier needs from outside: keys, the network, the community of a channel, time. */
export interface PushEnvironment {
  vapid(): Promise<VapidKeys | null>;
  /** Sends one request; resolves with the push service's status (0 when it could not be reached). */
  send(req: PushRequest): Promise<number>;
  communityOf(channelId: string): Promise<string | null>;
  clock(): number;
  wait(ms: number): Promise<void>;
  background(p: Promise<unknown>): void;
}

export class PushNotifier {
  /** When each conversation was last pushed (memory: after the object is evicted, at most one extra push). */
  private readonly lastSent = new Map<string, number>();
  /** Moves held back by the coalescing window, per conversation. */
  private readonly held = new Map<string, { seq: number; mention: boolean }>();
  private readonly communities = new Map<string, string | null>();
  /** Pushes sent and refused, for the hub's tests and the bench. */
  readonly stats = { sent: 0, failed: 0, expired: 0 };

  constructor(
    private readonly store: PushStore,
    private readonly env: PushEnvironment,
  ) {}

  /** A channel moved while no device of the user was connected. */
  moved(u: ChannelUpdate): void {
    if (u.ownSeq !== undefined && u.ownSeq >= u.head) return; // the user's own message, from elsewhere
    if (this.store.list().length === 0) return;
    const mention = (u.mentionSeqs?.length ?? 0) > 0;
    const now = this.env.clock();
    const last = this.lastSent.get(u.channelId);
    if (last !== undefined && now - last < PUSH_COALESCE_MS) {
      const held = this.held.get(u.channelId);
      this.held.set(u.channelId, { seq: Math.max(u.head, held?.seq ?? 0), mention: mention || (held?.mention ?? false) });
      if (!held) this.env.background(this.env.wait(last + PUSH_COALESCE_MS - now).then(() => this.release(u.channelId)));
      return;
    }
    this.lastSent.set(u.channelId, now);
    this.env.background(this.push(u.channelId, u.head, mention));
  }

  private release(channelId: string): Promise<void> {
    const held = this.held.get(channelId);
    this.held.delete(channelId);
    if (!held) return Promise.resolve();
    this.lastSent.set(channelId, this.env.clock());
    return this.push(channelId, held.seq, held.mention);
  }

  /** Pushes one conversation's news to every subscribed device whose preferences let it through. */
  async push(channelId: string, seq: number, mention: boolean): Promise<void> {
    const vapid = await this.env.vapid();
    if (!vapid) return;
    const now = this.env.clock();
    const subs = this.store.list();
    const needsCommunity = subs.some((s) => Object.keys(s.prefs.communities).length > 0 && s.prefs.conversations[channelId] === undefined);
    let communityId: string | null = null;
    if (needsCommunity) {
      if (!this.communities.has(channelId)) this.communities.set(channelId, await this.env.communityOf(channelId));
      communityId = this.communities.get(channelId) ?? null;
    }
    const payload = new TextEncoder().encode(JSON.stringify({ v: 1, channelId, seq, mention } satisfies PushPayload));
    await Promise.all(
      subs
        .filter((s) => levelAllows(s.prefs, channelId, communityId, mention, now))
        .map(async (s) => {
          const req = await pushRequest(vapid, s, payload, { ttlSeconds: PUSH_TTL_SECONDS, urgency: mention ? 'high' : 'normal', topic: channelId, padTo: PUSH_PAYLOAD_BYTES });
          const status = await this.env.send(req).catch(() => 0);
          if (status === 404 || status === 410) {
            this.store.remove(s.deviceId);
            this.stats.expired++;
          } else if (status >= 200 && status < 300) this.stats.sent++;
          else this.stats.failed++;
        }),
    );
  }
}
