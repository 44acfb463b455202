/**
 * Sharded fan-out (issue #18 item 5) under the real workerd, beyond the suites that run in every
 * fan-out mode (channelRoom, slowReader, coalescing, communities/sockets, communities/scheduled):
 * - past CHANNEL_SHARD_THRESHOLD a channel's new sockets go to relay shards of CHANNEL_SHARD_SIZE,
 *   counted as `relayed` in the metrics, and members on the room and on every shard see one
 *   order, each acked for its own and never sent it back;
 * - across an idle spell long enough for workerd to evict an idle object (R6), members on the room
 *   and on shards carry on: the room stays awake while it has shards (workerd drops an
 *   object-to-object socket when the accepting object hibernates), and a shard with no members
 *   lets go of the room;
 * - a socket on a shard closes when its token expires, even idle (A11);
 * - a client that sends the headers only the worker and the shards may set (the relay upstream
 *   mark, another user's identity, every permission) gets nothing from them (Z2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { TestSocket as Socket } from '../helpers/socket';
import { startServer, type RunningServer } from '../helpers/server';
import { FRANKING } from '../helpers/franking';
import { SHARDED_ENV, openSockets as countSockets } from '../helpers/fanout';

const TOKEN = 'sharding-metrics-token-0123456789abcdef';
type Envelope = { type: 'envelope'; seq: number; clientMsgId: string; sender: string };
const envelopes = (s: Socket) => s.frames.filter((f) => f.type === 'envelope') as Envelope[];

const openSockets = (server: RunningServer, kind: string) => countSockets(server.url, TOKEN, kind);

async function until(what: string, f: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await f())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sharded fan-out (issue #18 item 5)', () => {
  let server: RunningServer;
  let owner: TestUser;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open', METRICS_TOKEN: TOKEN, CHANNEL_SHARD_THRESHOLD: '2', CHANNEL_SHARD_SIZE: '2' } });
    owner = await registerUser(server, 'shard_owner');
  });
  afterAll(async () => server?.kill());

  it('past the threshold sockets go to shards; members on the room and on every shard see one order, acked for their own', async () => {
    const { channelId } = await createCommunity(server, owner, 'Sharded');
    // One after another, so the first two are certainly the room's own.
    const sockets: Socket[] = [];
    for (let i = 0; i < 7; i++) sockets.push(await openChannel(server, owner, channelId, { v1: i % 2 === 1 }));
    await until('2 sockets on the room, 5 on shards', async () => (await openSockets(server, 'channel')) === 2 && (await openSockets(server, 'relayed')) === 5);

    // Every member sends at once, 20 each.
    sockets.forEach((s, k) => {
      for (let i = 0; i < 20; i++) s.send({ type: 'send', franking: FRANKING, clientMsgId: `m${k}-${i}-xxxxxx`, ciphertext: 'AAAA' });
    });
    await Promise.all(sockets.map((s, k) => s.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === `m${k}-19-xxxxxx`, 20_000)));
    await Promise.all(sockets.map((s) => s.next(() => envelopes(s).length === 120, 20_000)));

    const acked = new Map<string, number>();
    for (const s of sockets) for (const f of s.frames) if (f.type === 'ack') acked.set((f as { clientMsgId: string }).clientMsgId, (f as { seq: number }).seq);
    expect(acked.size).toBe(140);
    expect([...acked.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 140 }, (_, i) => i + 1));
    sockets.forEach((s, k) => {
      const got = envelopes(s);
      // Never its own back; everyone else's in seq order, under the seq its sender was acked.
      expect(got.some((e) => e.clientMsgId.startsWith(`m${k}-`))).toBe(false);
      expect(got.map((e) => e.seq)).toEqual([...got.map((e) => e.seq)].sort((a, b) => a - b));
      for (const e of got) expect(e.seq).toBe(acked.get(e.clientMsgId));
      expect(s.closed).toBeUndefined();
    });

    // A late member on a shard catches up with hello like anyone.
    const late = await openChannel(server, owner, channelId);
    late.send({ type: 'hello', lastSeq: 100 });
    expect(await late.next((f) => f.type === 'ready')).toMatchObject({ head: 140 });
    expect(envelopes(late).map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => 101 + i));
    for (const s of [...sockets, late]) s.close();
    await until('the shards report their sockets gone', async () => (await openSockets(server, 'relayed')) === 0);
  }, 60_000);

  it('R6: after an idle spell, members on shards and on the room still send and receive, and seqs continue', async () => {
    const { channelId } = await createCommunity(server, owner, 'Sharded sleep');
    const onRoom = [await openChannel(server, owner, channelId), await openChannel(server, owner, channelId)];
    const a = await openChannel(server, owner, channelId);
    const b = await openChannel(server, owner, channelId);
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'before-sleep', ciphertext: 'AAAA' });
    expect(await a.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });
    // workerd evicts an idle object after about 10 s; the shards' sockets to the room keep it (and themselves) up.
    await new Promise((r) => setTimeout(r, 12_000));
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-sleep', ciphertext: 'BBBB' });
    expect(await a.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'after-sleep')).toMatchObject({ seq: 2 });
    expect(await b.next((f) => f.type === 'envelope' && (f as Envelope).seq === 2)).toMatchObject({ clientMsgId: 'after-sleep' });
    expect(await onRoom[0]!.next((f) => f.type === 'envelope' && (f as Envelope).seq === 2)).toMatchObject({ clientMsgId: 'after-sleep' });
    for (const s of [...onRoom, a, b]) s.close();
    await until('the shards let go of the room', async () => (await openSockets(server, 'relayed')) === 0);
  }, 40_000);

  it('Z2: the headers only the worker and the shards set are the worker\'s own: a client sending them is a stranger or an ordinary member, never a shard', async () => {
    const { channelId } = await createCommunity(server, owner, 'Forged');
    const stranger = await registerUser(server, 'shard_stranger');
    // What the room and a shard trust: the relay upstream mark and index, and the identity the worker establishes.
    const forged = {
      'X-Chatalot-Relay-Upstream': '0',
      'X-Chatalot-Relay': '0',
      'X-Chatalot-Relay-Index': '0',
      'X-Chatalot-Channel': channelId,
      'X-Chatalot-User': owner.id,
      'X-Chatalot-Permissions': String(0xffffffff),
      'X-Chatalot-Rank': '0',
      'X-Chatalot-Expires': String(Date.now() + 86_400_000),
    };
    const open = (user: TestUser) => Socket.open(`${server.wsUrl}/ws/channels/${channelId}`, { headers: forged }, ['chatalot.v1', `bearer.${user.accessToken}`]);
    // A non-member is refused, whatever it claims.
    await expect(open(stranger)).rejects.toThrow('upgrade refused with 404');
    // Past the threshold (two sockets on the room), a member with the headers is one more member on a shard.
    const onRoom = [await openChannel(server, owner, channelId), await openChannel(server, owner, channelId)];
    await until('2 sockets on the room', async () => (await openSockets(server, 'channel')) >= 2);
    const relayedBefore = await openSockets(server, 'relayed');
    const member = await open(owner);
    await until('the member counted on a shard', async () => (await openSockets(server, 'relayed')) === relayedBefore + 1);
    // What a shard says to the room is refused as a client frame, and changes nothing.
    member.send({ type: 'via', id: 'x', identity: { userId: stranger.id, permissions: 0xffffffff }, frame: JSON.stringify({ type: 'send', franking: FRANKING, clientMsgId: 'forged-via-xxxxxx', ciphertext: 'AAAA' }) });
    expect(await member.next((f) => f.type === 'error')).toMatchObject({ error: { code: 'validation_failed' } });
    // It sends and receives as itself.
    member.send({ type: 'send', franking: FRANKING, clientMsgId: 'as-itself-xxxxxx', ciphertext: 'AAAA' });
    expect(await member.next((f) => f.type === 'ack')).toMatchObject({ clientMsgId: 'as-itself-xxxxxx', seq: 1 });
    expect(await onRoom[0]!.next((f) => f.type === 'envelope')).toMatchObject({ clientMsgId: 'as-itself-xxxxxx', seq: 1, sender: owner.id });
    expect(envelopes(onRoom[0]!).some((e) => e.clientMsgId === 'forged-via-xxxxxx')).toBe(false);
    for (const s of [...onRoom, member]) s.close();
    await until('the shards report their sockets gone', async () => (await openSockets(server, 'relayed')) === relayedBefore);
  }, 40_000);
});

describe('A11: a socket on a shard closes when its access token expires', () => {
  let shortLived: RunningServer;
  afterAll(async () => shortLived?.kill());

  it('closes with 4001 at expiry even when idle', async () => {
    // The server's clock runs 14 min 56 s behind, so a fresh 15-minute token expires 4 s from now.
    shortLived = await startServer({ env: { REGISTRATION_MODE: 'open', ...SHARDED_ENV, CHATALOT_CLOCK_OFFSET_MS: String(-(15 * 60 * 1000 - 4000)) } });
    const user = await registerUser(shortLived, 'expiring_sharded');
    const { channelId } = await createCommunity(shortLived, user);
    const socket = await openChannel(shortLived, user, channelId);
    const started = Date.now();
    await socket.waitClosing(15_000);
    expect(Date.now() - started).toBeGreaterThan(2_000);
    expect((await socket.waitClosed(20_000)).code).toBe(4001);
  }, 30_000);
});
