/**
 * What one user's hub keeps: each device's inbox of pairwise ciphertexts, the user's read marker,
 * head and unmarked mentions per channel, their settings, who their devices watch for presence
 * and who watches them. Two implementations: the Durable Object's SQLite storage, and an
 * in-memory reference for the core's unit tests.
 *
 * It never stores typing indicators or presence states (both are relayed from memory), never looks
 * inside a ciphertext, and decides nothing: bounds and permissions are UserHub's.
 */
import type { HubSettings } from '../protocol/hub';

export interface InboxItem {
  id: number;
  deviceId: string;
  fromUser: string;
  fromDevice: string;
  clientMsgId: string;
  ciphertext: string;
  ts: number;
}

/** The user's position in one channel. */
export interface ChannelMarker {
  channelId: string;
  /** The newest seq the hub heard of. */
  head: number;
  /** Everything up to here is read. */
  readSeq: number;
  /** Seqs after readSeq that mention the user, ascending (bounded by UserHub). */
  mentionSeqs: number[];
  /** When the user's access to the channel was last confirmed (ms). */
  verifiedAt: number;
}

/** A user who follows this user's presence. */
export interface Follower {
  userId: string;
  /** When sharing a community or DM was last confirmed (ms). */
  verifiedAt: number;
}

export interface HubStore {
  /** The item (or its acknowledged tombstone) a sender stored under this client message id, if any. */
  /** The item a sender device stored under a client message id; `ciphertext` is null once acknowledged. */
  inboxFind(deviceId: string, fromUser: string, fromDevice: string, clientMsgId: string): { id: number; ciphertext: string | null } | undefined;
  /** Unacknowledged items and their ciphertext bytes in one device's inbox. */
  inboxUsage(deviceId: string): { items: number; bytes: number };
  /** Unacknowledged items one sender left in one device's inbox. */
  inboxCountFrom(deviceId: string, fromUser: string): number;
  /** Stores an item; returns its id (ascending per hub). */
  inboxAdd(item: Omit<InboxItem, 'id'>): number;
  /** Unacknowledged items of a device with id > afterId, ascending, at most `limit`. */
  inboxAfter(deviceId: string, afterId: number, limit: number): InboxItem[];
  /** Unacknowledged items of a device with id ≤ upToId. */
  inboxOutstanding(deviceId: string, upToId: number): number;
  /** Erases the ciphertext of these items of this device, keeping a tombstone for idempotency; returns how many. */
  inboxAck(deviceId: string, ids: number[], now: number): number;
  /** Deletes tombstones acknowledged before `before`, and everything of devices not in `devices`. */
  inboxPrune(before: number, devices?: string[]): void;

  marker(channelId: string): ChannelMarker | undefined;
  markers(): ChannelMarker[];
  putMarker(m: ChannelMarker): void;
  dropMarker(channelId: string): void;

  settings(): HubSettings;
  putSettings(s: HubSettings): void;
  /** When a list change was last announced to this user (ms), undefined when never. */
  listsChangedAt(): number | undefined;
  putListsChangedAt(at: number): void;
  /** The user this hub belongs to, once known. */
  owner(): string | undefined;
  setOwner(userId: string): void;

  /** Replaces the users a device watches. */
  setWatching(deviceId: string, userIds: string[]): void;
  /** Devices of this user watching `userId`. */
  devicesWatching(userId: string): string[];
  followers(): Follower[];
  putFollower(f: Follower): void;
  dropFollower(userId: string): void;
}

export const DEFAULT_SETTINGS: HubSettings = { readReceipts: true };

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, from_user TEXT NOT NULL, from_device TEXT NOT NULL,
     client_msg_id TEXT NOT NULL, ciphertext TEXT, size INTEGER NOT NULL, ts INTEGER NOT NULL, acked_at INTEGER)`,
  'CREATE UNIQUE INDEX IF NOT EXISTS inbox_idem ON inbox (device_id, from_user, from_device, client_msg_id)',
  'CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (device_id, id) WHERE acked_at IS NULL',
  'CREATE INDEX IF NOT EXISTS inbox_acked ON inbox (acked_at) WHERE acked_at IS NOT NULL',
  `CREATE TABLE IF NOT EXISTS markers (channel_id TEXT PRIMARY KEY, head INTEGER NOT NULL, read_seq INTEGER NOT NULL, mention_seqs TEXT NOT NULL, verified_at INTEGER NOT NULL)`,
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS watching (device_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (device_id, user_id))',
  'CREATE INDEX IF NOT EXISTS watching_user ON watching (user_id)',
  'CREATE TABLE IF NOT EXISTS followers (user_id TEXT PRIMARY KEY, verified_at INTEGER NOT NULL)',
];

/** The hub's tables in its Durable Object's SQLite storage; every call is synchronous. */
export class SqliteHubStore implements HubStore {
  constructor(private readonly sql: SqlStorage) {
    for (const s of SCHEMA) sql.exec(s);
  }

  inboxFind(deviceId: string, fromUser: string, fromDevice: string, clientMsgId: string): { id: number; ciphertext: string | null } | undefined {
    const rows = this.sql.exec<{ id: number; ciphertext: string | null }>('SELECT id, ciphertext FROM inbox WHERE device_id = ? AND from_user = ? AND from_device = ? AND client_msg_id = ?', deviceId, fromUser, fromDevice, clientMsgId).toArray();
    return rows[0];
  }

  inboxUsage(deviceId: string): { items: number; bytes: number } {
    const r = this.sql.exec<{ items: number; bytes: number | null }>('SELECT count(*) AS items, sum(size) AS bytes FROM inbox WHERE device_id = ? AND acked_at IS NULL', deviceId).one();
    return { items: r.items, bytes: r.bytes ?? 0 };
  }

  inboxCountFrom(deviceId: string, fromUser: string): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM inbox WHERE device_id = ? AND from_user = ? AND acked_at IS NULL', deviceId, fromUser).one().n;
  }

  inboxAdd(item: Omit<InboxItem, 'id'>): number {
    return this.sql
      .exec<{ id: number }>(
        'INSERT INTO inbox (device_id, from_user, from_device, client_msg_id, ciphertext, size, ts) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
        item.deviceId,
        item.fromUser,
        item.fromDevice,
        item.clientMsgId,
        item.ciphertext,
        item.ciphertext.length,
        item.ts,
      )
      .one().id;
  }

  inboxAfter(deviceId: string, afterId: number, limit: number): InboxItem[] {
    return this.sql
      .exec<{ id: number; deviceId: string; fromUser: string; fromDevice: string; clientMsgId: string; ciphertext: string; ts: number }>(
        `SELECT id, device_id AS deviceId, from_user AS fromUser, from_device AS fromDevice, client_msg_id AS clientMsgId, ciphertext, ts
         FROM inbox WHERE device_id = ? AND acked_at IS NULL AND id > ? ORDER BY id LIMIT ?`,
        deviceId,
        afterId,
        limit,
      )
      .toArray();
  }

  inboxOutstanding(deviceId: string, upToId: number): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM inbox WHERE device_id = ? AND acked_at IS NULL AND id <= ?', deviceId, upToId).one().n;
  }

  inboxAck(deviceId: string, ids: number[], now: number): number {
    let n = 0;
    for (const id of ids) n += this.sql.exec('UPDATE inbox SET ciphertext = NULL, size = 0, acked_at = ? WHERE id = ? AND device_id = ? AND acked_at IS NULL', now, id, deviceId).rowsWritten;
    return n;
  }

  inboxPrune(before: number, devices?: string[]): void {
    this.sql.exec('DELETE FROM inbox WHERE acked_at IS NOT NULL AND acked_at < ?', before);
    if (devices) this.sql.exec(`DELETE FROM inbox WHERE device_id NOT IN (${devices.map(() => '?').join(', ') || "''"})`, ...devices);
  }

  marker(channelId: string): ChannelMarker | undefined {
    return this.readMarkers('WHERE channel_id = ?', channelId)[0];
  }

  markers(): ChannelMarker[] {
    return this.readMarkers('');
  }

  private readMarkers(where: string, ...args: string[]): ChannelMarker[] {
    return this.sql
      .exec<{ channelId: string; head: number; readSeq: number; mentionSeqs: string; verifiedAt: number }>(
        `SELECT channel_id AS channelId, head, read_seq AS readSeq, mention_seqs AS mentionSeqs, verified_at AS verifiedAt FROM markers ${where} ORDER BY channel_id`,
        ...args,
      )
      .toArray()
      .map((r) => ({ ...r, mentionSeqs: JSON.parse(r.mentionSeqs) as number[] }));
  }

  putMarker(m: ChannelMarker): void {
    this.sql.exec(
      `INSERT INTO markers (channel_id, head, read_seq, mention_seqs, verified_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id) DO UPDATE SET head = excluded.head, read_seq = excluded.read_seq, mention_seqs = excluded.mention_seqs, verified_at = excluded.verified_at`,
      m.channelId,
      m.head,
      m.readSeq,
      JSON.stringify(m.mentionSeqs),
      m.verifiedAt,
    );
  }

  dropMarker(channelId: string): void {
    this.sql.exec('DELETE FROM markers WHERE channel_id = ?', channelId);
  }

  private meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value;
  }

  private putMeta(key: string, value: string): void {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  listsChangedAt(): number | undefined {
    const raw = this.meta('listsChangedAt');
    return raw === undefined ? undefined : Number(raw);
  }

  putListsChangedAt(at: number): void {
    this.putMeta('listsChangedAt', String(at));
  }

  settings(): HubSettings {
    const raw = this.meta('settings');
    return raw ? { ...DEFAULT_SETTINGS, ...(JSON.parse(raw) as Partial<HubSettings>) } : { ...DEFAULT_SETTINGS };
  }

  putSettings(s: HubSettings): void {
    this.putMeta('settings', JSON.stringify(s));
  }

  owner(): string | undefined {
    return this.meta('owner');
  }

  setOwner(userId: string): void {
    this.putMeta('owner', userId);
  }

  setWatching(deviceId: string, userIds: string[]): void {
    this.sql.exec('DELETE FROM watching WHERE device_id = ?', deviceId);
    for (const u of userIds) this.sql.exec('INSERT OR IGNORE INTO watching (device_id, user_id) VALUES (?, ?)', deviceId, u);
  }

  devicesWatching(userId: string): string[] {
    return this.sql.exec<{ d: string }>('SELECT device_id AS d FROM watching WHERE user_id = ?', userId).toArray().map((r) => r.d);
  }

  followers(): Follower[] {
    return this.sql.exec<{ userId: string; verifiedAt: number }>('SELECT user_id AS userId, verified_at AS verifiedAt FROM followers').toArray();
  }

  putFollower(f: Follower): void {
    this.sql.exec('INSERT INTO followers (user_id, verified_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET verified_at = excluded.verified_at', f.userId, f.verifiedAt);
  }

  dropFollower(userId: string): void {
    this.sql.exec('DELETE FROM followers WHERE user_id = ?', userId);
  }
}

/** The reference implementation, in memory: the same behaviour, for unit tests of the core. */
export class MemoryHubStore implements HubStore {
  private inbox: (InboxItem & { ackedAt: number | null; acked: boolean })[] = [];
  private nextId = 1;
  private readonly markerMap = new Map<string, ChannelMarker>();
  private settingsValue: HubSettings = { ...DEFAULT_SETTINGS };
  private ownerId: string | undefined;
  private readonly watching = new Map<string, Set<string>>();
  private readonly followerMap = new Map<string, Follower>();

  inboxFind(deviceId: string, fromUser: string, fromDevice: string, clientMsgId: string) {
    const i = this.inbox.find((x) => x.deviceId === deviceId && x.fromUser === fromUser && x.fromDevice === fromDevice && x.clientMsgId === clientMsgId);
    return i ? { id: i.id, ciphertext: i.acked ? null : i.ciphertext } : undefined;
  }

  private pending(deviceId: string) {
    return this.inbox.filter((x) => x.deviceId === deviceId && !x.acked);
  }

  inboxUsage(deviceId: string) {
    const p = this.pending(deviceId);
    return { items: p.length, bytes: p.reduce((s, x) => s + x.ciphertext.length, 0) };
  }

  inboxCountFrom(deviceId: string, fromUser: string) {
    return this.pending(deviceId).filter((x) => x.fromUser === fromUser).length;
  }

  inboxAdd(item: Omit<InboxItem, 'id'>) {
    const id = this.nextId++;
    this.inbox.push({ ...item, id, ackedAt: null, acked: false });
    return id;
  }

  inboxAfter(deviceId: string, afterId: number, limit: number) {
    return this.pending(deviceId)
      .filter((x) => x.id > afterId)
      .slice(0, limit)
      .map(({ ackedAt: _a, acked: _b, ...item }) => item);
  }

  inboxOutstanding(deviceId: string, upToId: number) {
    return this.pending(deviceId).filter((x) => x.id <= upToId).length;
  }

  inboxAck(deviceId: string, ids: number[], now: number) {
    let n = 0;
    for (const x of this.inbox) {
      if (x.deviceId === deviceId && !x.acked && ids.includes(x.id)) (x.acked = true), (x.ackedAt = now), (x.ciphertext = ''), n++;
    }
    return n;
  }

  inboxPrune(before: number, devices?: string[]) {
    this.inbox = this.inbox.filter((x) => !(x.acked && x.ackedAt! < before) && (!devices || devices.includes(x.deviceId)));
  }

  marker(channelId: string) {
    const m = this.markerMap.get(channelId);
    return m ? { ...m, mentionSeqs: [...m.mentionSeqs] } : undefined;
  }

  markers() {
    return [...this.markerMap.keys()].sort().map((k) => this.marker(k)!);
  }

  putMarker(m: ChannelMarker) {
    this.markerMap.set(m.channelId, { ...m, mentionSeqs: [...m.mentionSeqs] });
  }

  dropMarker(channelId: string) {
    this.markerMap.delete(channelId);
  }

  settings() {
    return { ...this.settingsValue };
  }

  private listsChangedValue: number | undefined;
  listsChangedAt() {
    return this.listsChangedValue;
  }

  putListsChangedAt(at: number) {
    this.listsChangedValue = at;
  }

  putSettings(s: HubSettings) {
    this.settingsValue = { ...s };
  }

  owner() {
    return this.ownerId;
  }

  setOwner(userId: string) {
    this.ownerId = userId;
  }

  setWatching(deviceId: string, userIds: string[]) {
    this.watching.set(deviceId, new Set(userIds));
  }

  devicesWatching(userId: string) {
    return [...this.watching].filter(([, s]) => s.has(userId)).map(([d]) => d);
  }

  followers() {
    return [...this.followerMap.values()];
  }

  putFollower(f: Follower) {
    this.followerMap.set(f.userId, { ...f });
  }

  dropFollower(userId: string) {
    this.followerMap.delete(userId);
  }
}
