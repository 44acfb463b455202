/**
 * The UserHub core without workerd: an in-memory registry and store, a fake clock, a fake
 * directory and fake hubs. Session revocation (SECURITY-TESTS A10), token expiry (A11), mention
 * counting through the channel-activity batcher, inbox bounds and the in-flight window (R7).
 */
import { describe, expect, it } from 'vitest';
import { ActivityBatcher } from '../../durable-objects/channelActivity';
import { CLOSE_SESSION_ENDED, RECHECK_MS, UserHub, type Directory, type HubConnection, type HubConnectionRegistry, type Hubs } from '../../durable-objects/UserHub';
import { MemoryHubStore } from '../../durable-objects/UserHubStore';
import { INBOX_WINDOW, MAX_INBOX_ITEMS_PER_SENDER, type HubServerFrame } from '../../protocol/hub';

class FakeSocket {
  sent: HubServerFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  send(text: string) {
    if (this.closed) throw new Error('closed');
    this.sent.push(JSON.parse(text) as HubServerFrame);
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
  }
}

class MemoryRegistry implements HubConnectionRegistry {
  readonly conns = new Map<WebSocket, HubConnection>();
  all() {
    return this.conns.values();
  }
  get(s: WebSocket) {
    return this.conns.get(s);
  }
  remove(s: WebSocket) {
    this.conns.delete(s);
  }
  save() {}
}

const directory: Directory = {
  sharing: async (_u, others) => new Set(others.filter((o) => o !== 'stranger')),
  devicesOf: async (u) => [`${u}-d1`, `${u}-d2`],
  permissions: async (channelId) => (channelId === 'secret' ? 0 : 3),
  recipients: async () => ['alice', 'bob'],
};
const noHubs: Hubs = { deliver: async () => [], follow: async () => 'offline', presence: async () => false, typing: async () => undefined };

function setup(userId = 'bob', hubs: Hubs = noHubs) {
  let now = 1_000;
  const registry = new MemoryRegistry();
  const store = new MemoryHubStore();
  const hub = new UserHub(store, registry, directory, hubs, () => now);
  hub.bind(userId);
  const connect = async (deviceId: string, sessionId: string, expiresAt = 1_000_000) => {
    const socket = new FakeSocket();
    const conn: HubConnection = { socket: socket as unknown as WebSocket, identity: { userId, deviceId, sessionId, expiresAt, state: 'online', sentUpTo: 0 } };
    registry.conns.set(conn.socket, conn);
    await hub.connect(conn);
    return { socket, conn };
  };
  return { hub, store, registry, connect, tick: (ms: number) => (now += ms) };
}

describe('UserHub core', () => {
  it('A10: sessionsEnded closes exactly the sockets of those sessions with 4001', async () => {
    const { hub, connect } = setup();
    const a = await connect('bob-d1', 'session-1');
    const b = await connect('bob-d2', 'session-2');
    expect(hub.sessionsEnded(['session-1'])).toBe(1);
    expect(a.socket.closed?.code).toBe(CLOSE_SESSION_ENDED);
    expect(b.socket.closed).toBeUndefined();
    expect(hub.presence()).toBe('online');
    // Password change: every session but the current one.
    const c = await connect('bob-d1', 'session-3');
    expect(hub.sessionsEnded({ allExcept: 'session-3' })).toBe(1);
    expect(b.socket.closed?.code).toBe(CLOSE_SESSION_ENDED);
    expect(c.socket.closed).toBeUndefined();
    // Logout everywhere.
    expect(hub.sessionsEnded({})).toBe(1);
    expect(hub.presence()).toBe('offline');
  });

  it('A11: a socket closes when its token expires (alarm) and a frame after expiry closes it too', async () => {
    const { hub, connect, tick } = setup();
    const a = await connect('bob-d1', 's1', 5_000);
    const b = await connect('bob-d2', 's2', 9_000);
    tick(3_500);
    expect(hub.closeExpired()).toBe(5_000);
    expect(a.socket.closed).toBeUndefined();
    tick(1_000);
    expect(hub.closeExpired()).toBe(9_000);
    expect(a.socket.closed?.code).toBe(CLOSE_SESSION_ENDED);
    tick(5_000);
    await hub.receive(b.conn, JSON.stringify({ type: 'ping' }));
    expect(b.socket.closed?.code).toBe(CLOSE_SESSION_ENDED);
  });

  it('counts mentions from channel activity (direct, @everyone, @here when connected), never the sender’s own', async () => {
    const { hub, connect } = setup('bob');
    const updates: [string, Parameters<UserHub['channelMoved']>[0]][] = [];
    let release!: () => void;
    const batcher = new ActivityBatcher({
      recipients: async () => ['alice', 'bob'],
      notify: async (u, up) => void updates.push([u, up]),
      wait: () => new Promise<void>((r) => (release = r)),
    });
    const done = [
      batcher.add('general', { seq: 1, sender: 'alice' }, ['bob']),
      batcher.add('general', { seq: 2, sender: 'alice' }),
      batcher.add('general', { seq: 3, sender: 'alice' }, 'everyone'),
      batcher.add('general', { seq: 4, sender: 'bob' }, ['bob', 'alice']),
      batcher.add('general', { seq: 5, sender: 'alice' }, 'here'),
    ];
    release();
    await Promise.all(done);
    // One update per member for the whole batch.
    expect(updates.map(([u]) => u)).toEqual(['alice', 'bob']);
    const forBob = updates.find(([u]) => u === 'bob')![1];
    expect(forBob).toEqual({ channelId: 'general', head: 5, ownSeq: 4, mentionSeqs: [1, 3], hereSeqs: [5] });
    // Bob is offline: @here does not count; his own send at 4 marks 1–4 read.
    hub.channelMoved(forBob);
    const d1 = await connect('bob-d1', 's1');
    expect(d1.socket.sent.find((f) => f.type === 'unread')).toEqual({ type: 'unread', channelId: 'general', head: 5, readSeq: 4, unread: 1, mentions: 0 });
    // Connected now: a later @here and a direct mention count.
    hub.channelMoved({ channelId: 'general', head: 7, mentionSeqs: [6], hereSeqs: [7] });
    expect(d1.socket.sent.at(-1)).toEqual({ type: 'unread', channelId: 'general', head: 7, readSeq: 4, unread: 3, mentions: 2 });
    await hub.receive(d1.conn, JSON.stringify({ type: 'read', channelId: 'general', seq: 6 }));
    expect(d1.socket.sent.at(-1)).toEqual({ type: 'unread', channelId: 'general', head: 7, readSeq: 6, unread: 1, mentions: 1 });
  });

  it('A follower who no longer shares a community or DM hears no profile or device-list change after RECHECK_MS', async () => {
    const told: string[] = [];
    const hubs: Hubs = {
      ...noHubs,
      profile: async (watcher, userId, profile) => {
        told.push(`profile ${watcher} ${userId} ${profile.displayName}`);
        return true;
      },
      devices: async (watcher, userId) => {
        told.push(`devices ${watcher} ${userId}`);
        return true;
      },
    };
    const { hub, store, tick } = setup('bob', hubs);
    // Both shared a community with Bob when they began watching him; the stranger has since been banned from it.
    hub.follow('alice');
    hub.follow('stranger');
    const profile = { username: 'bob', displayName: 'Bobby', statusText: null, avatarId: null, bannerId: null };
    const settled = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    hub.profileChanged(profile);
    await settled();
    // Within the interval both were verified at follow time.
    expect(told.sort()).toEqual(['profile alice bob Bobby', 'profile stranger bob Bobby']);
    told.length = 0;
    tick(RECHECK_MS + 1);
    hub.profileChanged({ ...profile, displayName: 'Robert' });
    await settled();
    expect(told).toEqual(['profile alice bob Robert']);
    expect(store.followers().map((f) => f.userId)).toEqual(['alice']);
    told.length = 0;
    hub.deviceListChanged();
    await settled();
    expect(told).toEqual(['devices alice bob']);
  });

  it('R7: the inbox keeps at most INBOX_WINDOW items in flight to a socket and sends more as they are acknowledged', async () => {
    const { hub, connect } = setup('bob');
    const d = await connect('bob-d1', 's1');
    const n = INBOX_WINDOW + 20;
    for (let i = 0; i < n; i++) await hub.acceptDelivery({ from: { userId: `alice${i % 2}`, deviceId: 'ad' }, clientMsgId: `msg-${String(i).padStart(6, '0')}`, deviceIds: ['bob-d1'], ciphertext: 'AAAA', ts: 1 });
    const inbox = () => d.socket.sent.filter((f) => f.type === 'inbox') as Extract<HubServerFrame, { type: 'inbox' }>[];
    expect(inbox()).toHaveLength(INBOX_WINDOW);
    await hub.receive(d.conn, JSON.stringify({ type: 'ack', ids: inbox().slice(0, 10).map((i) => i.id) }));
    expect(inbox()).toHaveLength(INBOX_WINDOW + 10);
    expect(new Set(inbox().map((i) => i.id)).size).toBe(INBOX_WINDOW + 10);
  });

  it('refuses inbox items beyond the per-sender bound, and unknown devices', async () => {
    const { hub } = setup('bob');
    for (let i = 0; i < MAX_INBOX_ITEMS_PER_SENDER; i++) {
      const [r] = await hub.acceptDelivery({ from: { userId: 'alice', deviceId: 'ad' }, clientMsgId: `bulk-${String(i).padStart(6, '0')}`, deviceIds: ['bob-d2'], ciphertext: 'AAAA', ts: 1 });
      expect(r!.result).toBe('stored');
    }
    const more = await hub.acceptDelivery({ from: { userId: 'alice', deviceId: 'ad' }, clientMsgId: 'bulk-one-more', deviceIds: ['bob-d2', 'bob-d1', 'nope'], ciphertext: 'AAAA', ts: 1 });
    expect(more).toEqual([
      { deviceId: 'bob-d2', result: 'inbox_full' },
      { deviceId: 'bob-d1', result: 'stored' },
      { deviceId: 'nope', result: 'not_found' },
    ]);
    // Another sender still gets through to the full device.
    expect((await hub.acceptDelivery({ from: { userId: 'carol', deviceId: 'cd' }, clientMsgId: 'other-sender', deviceIds: ['bob-d2'], ciphertext: 'AAAA', ts: 1 }))[0]!.result).toBe('stored');
  });

  it('I2: a malformed frame answers with an error and leaves the other sockets alone', async () => {
    const { hub, connect } = setup('bob');
    const a = await connect('bob-d1', 's1');
    const b = await connect('bob-d2', 's2');
    await hub.receive(a.conn, '{"type":"deliver","__proto__":{"x":1}}');
    await hub.receive(a.conn, new ArrayBuffer(8));
    expect(a.socket.sent.filter((f) => f.type === 'error').map((f) => (f as { error: { code: string } }).error.code)).toEqual(['validation_failed', 'bad_request']);
    expect(a.socket.closed).toBeUndefined();
    expect(b.socket.closed).toBeUndefined();
    await hub.receive(a.conn, JSON.stringify({ type: 'typing', channelId: 'secret' }));
    expect(a.socket.sent.at(-1)).toMatchObject({ type: 'error', error: { code: 'not_found', ref: 'secret' } });
  });
});
