/**
 * The ChannelRoom under the real workerd: ordering under concurrent senders, catch-up by
 * sequence number, idempotent resends, bad frames answered with error frames that never disturb
 * the other members, and who may open a channel socket at all (SECURITY-TESTS A11, I1, I2, R2,
 * R3, Z2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { call, createCommunity, joinCommunity, openChannel, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { FRANKING } from '../helpers/franking';
import { ON_THE_ROOM, SHARDED, SHARDED_POSTGRES } from '../helpers/fanout';

let server: RunningServer;
let owner: TestUser;
let outsider: TestUser;
const channels = new Map<string, Promise<string>>();
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  owner = await registerUser(server, 'room_owner');
  outsider = await registerUser(server, 'room_outsider');
});
afterAll(async () => server?.kill());

/** Opens the owner's socket into a channel named for the test (one community per name). */
async function open(name: string): Promise<TestSocket> {
  if (!channels.has(name)) channels.set(name, createCommunity(server, owner, name).then((c) => c.channelId));
  return openChannel(server, owner, await channels.get(name)!);
}

/** The upgrade's HTTP status (or 101) for a raw attempt. */
function upgradeStatus(url: string, protocols: string[] | undefined, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = protocols ? new WebSocket(url, protocols, { headers }) : new WebSocket(url, { headers });
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => undefined);
  });
}
type Envelope = { type: 'envelope'; seq: number; clientMsgId: string };

describe.each([ON_THE_ROOM, SHARDED, SHARDED_POSTGRES])('ChannelRoom relay, $name', (mode) => {
  // The suite runs on this file's server for fan-out on the room, and on one of its own for each
  // sharded mode (issue #18 item 5): the shared names point at it for the suite's duration.
  let outer: { server: RunningServer; owner: TestUser; outsider: TestUser } | undefined;
  beforeAll(async () => {
    if (mode === ON_THE_ROOM) return;
    outer = { server, owner, outsider };
    server = await startServer({ env: { REGISTRATION_MODE: 'open', ...(await mode.env()) } });
    owner = await registerUser(server, 'room_owner');
    outsider = await registerUser(server, 'room_outsider');
    channels.clear();
  });
  afterAll(async () => {
    if (!outer) return;
    await server.kill();
    ({ server, owner, outsider } = outer);
    channels.clear();
  });

  it('20 senders × 200 messages: every reader sees the same gap-free sequence', async () => {
    const senders = await Promise.all(Array.from({ length: 20 }, () => open('order')));
    const reader = await open('order');
    for (let i = 0; i < 200; i++) senders.forEach((s, k) => s.send({ type: 'send', franking: FRANKING, clientMsgId: `s${k}-m${i}-xxxxxx`, ciphertext: 'AAAA' }));
    await reader.next((f) => f.type === 'envelope' && (f as Envelope).seq === 4000, 60_000);
    const seqs = reader.frames.filter((f) => f.type === 'envelope').map((f) => (f as Envelope).seq);
    expect(seqs).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
    // Each sender's own messages keep the order it sent them in.
    const order = reader.frames.filter((f) => f.type === 'envelope').map((f) => (f as Envelope).clientMsgId);
    for (let k = 0; k < 20; k++) {
      const mine = order.filter((id) => id.startsWith(`s${k}-`));
      expect(mine).toEqual(Array.from({ length: 200 }, (_, i) => `s${k}-m${i}-xxxxxx`));
    }
    const late = await open('order');
    late.send({ type: 'hello', lastSeq: 0 });
    await late.next((f) => f.type === 'ready', 20_000);
    expect(late.frames.filter((f) => f.type === 'envelope').map((f) => (f as Envelope).clientMsgId)).toEqual(order);
    for (const s of [...senders, reader, late]) s.close();
  });

  it('R3: reconnecting with last_seq at any cut point receives exactly seq+1..head', async () => {
    const writer = await open('catchup');
    for (let i = 1; i <= 30; i++) writer.send({ type: 'send', franking: FRANKING, clientMsgId: `catchup-${i}-xxxx`, ciphertext: 'QUJD' });
    await writer.next((f) => f.type === 'ack' && (f as { seq: number }).seq === 30);
    for (const cut of [0, 1, 17, 29, 30]) {
      const s = await open('catchup');
      s.send({ type: 'hello', lastSeq: cut });
      expect(await s.next((f) => f.type === 'ready')).toEqual({ type: 'ready', head: 30, epoch: expect.any(Number) });
      expect(s.frames.filter((f) => f.type === 'envelope').map((f) => (f as Envelope).seq)).toEqual(Array.from({ length: 30 - cut }, (_, i) => cut + i + 1));
      s.close();
    }
    const page = await open('catchup');
    page.send({ type: 'history', before: 11, limit: 5 });
    const history = await page.next<{ envelopes: Envelope[]; head: number }>((f) => f.type === 'history');
    expect(history.envelopes.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
    page.close();
    writer.close();
  });

  it('R2: resending a client message id 5 times yields one sequence number', async () => {
    const a = await open('idem');
    const b = await open('idem');
    for (let i = 0; i < 5; i++) a.send({ type: 'send', franking: FRANKING, clientMsgId: 'same-id-123', ciphertext: 'SEVMTE8=' });
    await a.next((f) => a.frames.filter((x) => x.type === 'ack').length === 5 && f.type === 'ack');
    const acks = a.frames.filter((f) => f.type === 'ack') as { seq: number; duplicate?: boolean }[];
    expect(new Set(acks.map((x) => x.seq))).toEqual(new Set([1]));
    expect(acks.filter((x) => x.duplicate)).toHaveLength(4);
    // A pong follows every envelope the room accepted before the ping, on that socket.
    b.send({ type: 'ping' });
    await b.next((f) => f.type === 'pong');
    expect(b.frames.filter((f) => f.type === 'envelope')).toHaveLength(1);
    a.close();
    b.close();
  });

  it('R2: the same client message id with different ciphertext (or another target) is a conflict error, never the original ack; nothing new is stored or relayed', async () => {
    const a = await open('idem-conflict');
    const b = await open('idem-conflict');
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'conflict-id-1', ciphertext: 'T1JJR0lOQUw=' });
    expect(await a.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'conflict-id-1', ciphertext: 'RElGRkVSRU5U' });
    const refused = await a.next<{ error: { code: string; ref: string; message: string } }>((f) => f.type === 'error');
    expect(refused.error).toMatchObject({ code: 'conflict', ref: 'conflict-id-1' });
    a.send({ type: 'send', clientMsgId: 'conflict-id-1', ciphertext: 'T1JJR0lOQUw=', kind: 'reaction', target: 1 });
    await a.next((f) => a.frames.filter((x) => x.type === 'error').length === 2 && f.type === 'error');
    // The unchanged resend is still the original ack.
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'conflict-id-1', ciphertext: 'T1JJR0lOQUw=' });
    expect(await a.next((f) => f.type === 'ack' && (f as { duplicate?: boolean }).duplicate === true)).toMatchObject({ seq: 1 });
    a.send({ type: 'ping' });
    await a.next((f) => f.type === 'pong');
    const late = await open('idem-conflict');
    late.send({ type: 'hello', lastSeq: 0 });
    expect(await late.next((f) => f.type === 'ready')).toEqual({ type: 'ready', head: 1, epoch: expect.any(Number) });
    expect(late.frames.filter((f) => f.type === 'envelope').map((f) => (f as unknown as { ciphertext: string }).ciphertext)).toEqual(['T1JJR0lOQUw=']);
    expect(b.frames.filter((f) => f.type === 'envelope')).toHaveLength(1);
    for (const s of [a, b, late]) s.close();
  });

  it('I2: malformed frames get error frames naming the problem; other members are untouched', async () => {
    const bad = await open('bad-input');
    const good = await open('bad-input');
    const cases: [unknown, RegExp][] = [
      ['not json', /not valid JSON/],
      [{ type: 'send', franking: FRANKING, clientMsgId: 'short', ciphertext: 'AAAA' }, /clientMsgId/],
      [{ type: 'send', franking: FRANKING, clientMsgId: 'valid-id-123', ciphertext: 'not base64!' }, /ciphertext must be base64/],
      [{ type: 'send', franking: FRANKING, clientMsgId: 'valid-id-123', ciphertext: 'AAAA', extra: 1 }, /extra/],
      [{ type: 'nope' }, /type/],
      [{ type: 'hello', lastSeq: -1 }, /lastSeq/],
      [{ __proto__: { type: 'send' } }, /type/],
    ];
    for (const [frame, message] of cases) {
      const before = bad.frames.length;
      bad.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      const err = await bad.next<{ error: { code: string; message: string } }>((f) => f.type === 'error' && bad.frames.indexOf(f) >= before);
      expect(err.error.message).toMatch(message);
    }
    good.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-bad-1', ciphertext: 'T0s=' });
    expect(await good.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });
    expect(await bad.next((f) => f.type === 'envelope')).toMatchObject({ seq: 1 });
    expect(good.closed).toBeUndefined();
    bad.close();
    good.close();
  });

  it('I1: a frame over the cap closes only that socket with 1009; the room keeps working', async () => {
    const big = await open('too-big');
    const other = await open('too-big');
    big.send({ type: 'send', franking: FRANKING, clientMsgId: 'huge-frame-1', ciphertext: 'A'.repeat(200 * 1024) });
    expect((await big.waitClosed()).code).toBe(1009);
    other.send({ type: 'send', franking: FRANKING, clientMsgId: 'normal-frame', ciphertext: 'AAAA' });
    expect(await other.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });
    other.close();
  });

  it('refuses a bad channel id and a plain GET', async () => {
    const bad = await fetch(`${server.url}/ws/channels/${'x'.repeat(65)}`);
    expect(bad.status).toBe(400);
    const plain = await fetch(`${server.url}/ws/channels/ok`);
    expect(plain.status).toBe(426);
    expect(await plain.json()).toEqual({ error: { code: 'bad_request', message: 'expected a WebSocket upgrade' } });
  });

  it('A11: no token, a token in the URL, a forged token or a foreign Origin are refused', async () => {
    await open('auth-checks');
    const url = `${server.wsUrl}/ws/channels/${await channels.get('auth-checks')}`;
    expect(await upgradeStatus(url, undefined)).toBe(401);
    expect(await upgradeStatus(`${url}?token=${owner.accessToken}`, undefined)).toBe(401);
    expect(await upgradeStatus(url, ['chatalot.v1'])).toBe(401);
    expect(await upgradeStatus(url, ['chatalot.v1', `bearer.${owner.accessToken.slice(0, -3)}abc`])).toBe(401);
    expect(await upgradeStatus(url, [`bearer.${owner.accessToken}`])).toBe(401);
    expect(await upgradeStatus(url, ['chatalot.v1', `bearer.${owner.accessToken}`], { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, ['chatalot.v1', `bearer.${owner.accessToken}`], { Origin: server.url })).toBe(101);
  });

  it('Z2: a non-member cannot open a channel socket, and learns nothing about whether it exists', async () => {
    await open('private');
    const existing = await upgradeStatus(`${server.wsUrl}/ws/channels/${await channels.get('private')}`, ['chatalot.v1', `bearer.${outsider.accessToken}`]);
    const missing = await upgradeStatus(`${server.wsUrl}/ws/channels/no-such-channel`, ['chatalot.v1', `bearer.${outsider.accessToken}`]);
    expect(existing).toBe(404);
    expect(missing).toBe(404);
  });

  it('the sender recorded on an envelope is the authenticated user, never one the client names', async () => {
    const a = await open('identity');
    const b = await open('identity');
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'who-sent-this', ciphertext: 'AAAA' });
    expect(await b.next((f) => f.type === 'envelope')).toMatchObject({ sender: owner.id });
    a.close();
    b.close();
  });
});

describe('A11: a socket closes when its access token expires', () => {
  let shortLived: RunningServer;
  afterAll(async () => shortLived?.kill());

  it('closes with 4001 at expiry even when idle', async () => {
    // The server's clock runs 14 min 56 s behind, so a fresh 15-minute token expires 4 s from now.
    shortLived = await startServer({ env: { REGISTRATION_MODE: 'open', CHATALOT_CLOCK_OFFSET_MS: String(-(15 * 60 * 1000 - 4000)) } });
    const user = await registerUser(shortLived, 'expiring_user');
    const { channelId } = await createCommunity(shortLived, user);
    const socket = await openChannel(shortLived, user, channelId);
    const started = Date.now();
    await socket.waitClosing(15_000);
    const closingAfter = Date.now() - started;
    expect(closingAfter).toBeGreaterThan(2_000);
    expect(closingAfter).toBeLessThan(8_000);
    expect((await socket.waitClosed(20_000)).code).toBe(4001);
  }, 30_000);
});

describe('envelope kinds: edits, deletions, reactions, pins, threads and mentions', () => {
  let member: TestUser;
  let moderator: TestUser;
  let channelId: string;
  let communityId: string;

  beforeAll(async () => {
    member = await registerUser(server, 'kinds_member');
    moderator = await registerUser(server, 'kinds_moderator');
    ({ communityId, channelId } = await createCommunity(server, owner, 'kinds'));
    await joinCommunity(server, owner, communityId, [member, moderator]);
    const promoted = await call(server, owner, 'PATCH', `/api/communities/${communityId}/members/${moderator.id}`, { role: 'moderator' });
    expect(promoted.status).toBe(200);
  });

  async function sendAs(user: TestUser, frame: Record<string, unknown>) {
    const socket = await openChannel(server, user, channelId);
    const id = `k-${Math.random().toString(36).slice(2, 12)}`;
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: 'Y2lwaGVy', ...frame });
    const answer = await socket.next<{ type: string; seq?: number; error?: { code: string } }>((f) => (f.type === 'ack' || f.type === 'error') && ((f as { clientMsgId?: string }).clientMsgId === id || (f as { error?: { ref?: string } }).error?.ref === id));
    socket.close();
    return answer;
  }

  it('only the author edits; the author or a moderator deletes, leaving a tombstone and a moderation-log entry; nobody deletes the message of someone who outranks them (Z4)', async () => {
    const original = await sendAs(member, {});
    expect(original.type).toBe('ack');
    expect((await sendAs(member, { kind: 'edit', target: original.seq })).type).toBe('ack');
    expect((await sendAs(moderator, { kind: 'edit', target: original.seq })).error?.code).toBe('forbidden');
    const byOwner = await sendAs(owner, {});
    const other = await sendAs(member, {});
    expect((await sendAs(member, { kind: 'delete', target: byOwner.seq })).error?.code).toBe('forbidden');
    expect((await sendAs(member, { kind: 'delete', target: original.seq })).type).toBe('ack');
    expect((await sendAs(member, { kind: 'edit', target: original.seq })).error?.code).toBe('not_found');
    const outranked = await sendAs(moderator, { kind: 'delete', target: byOwner.seq });
    expect(outranked.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('outranks') });
    expect((await sendAs(moderator, { kind: 'delete', target: other.seq })).type).toBe('ack');
    expect((await sendAs(owner, { kind: 'delete', target: byOwner.seq })).type).toBe('ack');
    const reader = await openChannel(server, owner, channelId);
    reader.send({ type: 'hello', lastSeq: 0 });
    await reader.next((f) => f.type === 'ready');
    const log = reader.frames.filter((f) => f.type === 'envelope') as unknown as { seq: number; ciphertext: string; deleted?: boolean; kind?: string }[];
    expect(log.find((e) => e.seq === original.seq)).toMatchObject({ deleted: true, ciphertext: '' });
    expect(log.find((e) => e.seq === other.seq)).toMatchObject({ deleted: true, ciphertext: '' });
    expect(log.find((e) => e.seq === byOwner.seq)).toMatchObject({ deleted: true, ciphertext: '' });
    expect(log.filter((e) => e.kind === 'edit')).toHaveLength(1);
    reader.close();
    const audit = await call(server, owner, 'GET', `/api/admin/audit?event=message_removed`);
    expect((audit.body as { events: { userId: string; detail: { author: string; seq: number } }[] }).events).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: moderator.id, detail: expect.objectContaining({ author: member.id, seq: other.seq }) })]),
    );
  });

  it('reactions and pins need an existing message; members cannot pin in a community channel', async () => {
    const m = await sendAs(member, {});
    expect((await sendAs(member, { kind: 'reaction', target: m.seq })).type).toBe('ack');
    expect((await sendAs(member, { kind: 'reaction', target: 999_999 })).error?.code).toBe('not_found');
    expect((await sendAs(member, { kind: 'reaction' })).error?.code).toBe('validation_failed');
    expect((await sendAs(member, { kind: 'pin', target: m.seq })).error?.code).toBe('forbidden');
    expect((await sendAs(moderator, { kind: 'pin', target: m.seq })).type).toBe('ack');
  });

  it('replies form threads, listed with their reply counts', async () => {
    const root = await sendAs(owner, {});
    for (let i = 0; i < 3; i++) expect((await sendAs(member, { replyTo: root.seq })).type).toBe('ack');
    expect((await sendAs(member, { replyTo: 999_999 })).error?.code).toBe('not_found');
    const s = await openChannel(server, owner, channelId);
    s.send({ type: 'threads' });
    const threads = await s.next<{ threads: { root: number; replies: number }[] }>((f) => f.type === 'threads');
    expect(threads.threads).toEqual(expect.arrayContaining([expect.objectContaining({ root: root.seq, replies: 3 })]));
    s.send({ type: 'thread', root: root.seq });
    const thread = await s.next<{ envelopes: { replyTo: number }[] }>((f) => f.type === 'thread');
    expect(thread.envelopes).toHaveLength(3);
    expect(thread.envelopes.every((e) => e.replyTo === root.seq)).toBe(true);
    s.close();
  });

  it('@everyone and @here need the permission; mentions of users are routing metadata', async () => {
    expect((await sendAs(member, { mentions: { everyone: true } })).error?.code).toBe('forbidden');
    expect((await sendAs(member, { mentions: { users: [owner.id] } })).type).toBe('ack');
    expect((await sendAs(moderator, { mentions: { here: true } })).type).toBe('ack');
  });
});

describe('per-user send rate', () => {
  let limited: RunningServer;
  afterAll(async () => limited?.kill());

  it('refuses a burst beyond SEND_RATE_PER_SECOND with rate_limited, and accepts again after a pause', async () => {
    limited = await startServer({ env: { REGISTRATION_MODE: 'open', SEND_RATE_PER_SECOND: '5' } });
    const user = await registerUser(limited, 'flooder');
    const { channelId } = await createCommunity(limited, user);
    const s = await openChannel(limited, user, channelId);
    for (let i = 0; i < 10; i++) s.send({ type: 'send', franking: FRANKING, clientMsgId: `flood-${i}-xxxx`, ciphertext: 'AAAA' });
    await s.next(() => s.frames.filter((f) => f.type === 'ack' || f.type === 'error').length === 10);
    expect(s.frames.filter((f) => f.type === 'ack')).toHaveLength(5);
    expect(s.frames.filter((f) => f.type === 'error').every((f) => (f as { error: { code: string } }).error.code === 'rate_limited')).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    s.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-pause', ciphertext: 'AAAA' });
    expect(await s.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'after-pause')).toMatchObject({ seq: 6 });
    s.close();
  });
});

describe('A10: ended sessions lose their open sockets at once', () => {
  it('logout closes that session’s channel socket; a password change closes the other sessions’ sockets', async () => {
    const user = await registerUser(server, 'a10_user');
    const { channelId } = await createCommunity(server, user, 'a10');
    const login = async (): Promise<TestUser> => {
      const res = await call(server, null, 'POST', '/api/auth/login', { username: user.username, password: TEST_PASSWORD });
      expect(res.status).toBe(200);
      return { ...user, accessToken: (res.body as { accessToken: string }).accessToken };
    };
    const second = await login();
    const third = await login();
    const first = await openChannel(server, user, channelId);
    const viaSecond = await openChannel(server, second, channelId);
    const viaThird = await openChannel(server, third, channelId);

    expect((await call(server, second, 'POST', '/api/auth/logout')).status).toBe(204);
    await viaSecond.waitClosing(2_000);
    expect(first.ws.readyState).toBe(first.ws.OPEN);

    const changed = await call(server, user, 'POST', '/api/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'an entirely new passphrase' });
    expect(changed.status).toBe(200);
    await viaThird.waitClosing(2_000);
    expect(first.ws.readyState).toBe(first.ws.OPEN);
    first.send({ type: 'ping' });
    expect(await first.next((f) => f.type === 'pong')).toEqual({ type: 'pong' });
    first.close();
  });
});

describe('R6: after the room hibernates', () => {
  it('sockets survive, identity comes back from the attachment, and sequence numbers continue', async () => {
    const user = await registerUser(server, 'r6_user');
    const { channelId } = await createCommunity(server, user, 'r6');
    const a = await openChannel(server, user, channelId);
    const b = await openChannel(server, user, channelId);
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'before-sleep', ciphertext: 'AAAA' });
    expect(await a.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });
    // workerd evicts an idle object after about 10 s; hibernatable sockets stay connected.
    await new Promise((r) => setTimeout(r, 12_000));
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-sleep', ciphertext: 'BBBB' });
    expect(await a.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'after-sleep')).toMatchObject({ seq: 2 });
    expect(await b.next((f) => f.type === 'envelope' && (f as { seq: number }).seq === 2)).toMatchObject({ sender: user.id, clientMsgId: 'after-sleep' });
    a.close();
    b.close();
  }, 30_000);
});

describe('account deletion and the messages already sent', () => {
  it('the others are told the account left; its envelopes stay as ciphertext under its opaque id', async () => {
    const stayer = await registerUser(server, 'deletion_stayer');
    const leaver = await registerUser(server, 'deletion_leaver');
    const { communityId, channelId } = await createCommunity(server, stayer, 'deletion');
    await joinCommunity(server, stayer, communityId, [leaver]);
    const watching = await openChannel(server, stayer, channelId);
    const leaving = await openChannel(server, leaver, channelId);
    leaving.send({ type: 'send', franking: FRANKING, clientMsgId: 'last-words-1', ciphertext: 'bGFzdA==' });
    expect(await leaving.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });

    expect((await call(server, leaver, 'DELETE', '/api/me', { password: TEST_PASSWORD })).status).toBe(204);
    expect(await watching.next((f) => f.type === 'member-removed')).toEqual({ type: 'member-removed', userId: leaver.id, reason: 'deleted', epoch: expect.any(Number) });
    await leaving.waitClosing(2_000);

    const replay = await openChannel(server, stayer, channelId);
    replay.send({ type: 'hello', lastSeq: 0 });
    await replay.next((f) => f.type === 'ready');
    expect(replay.frames.filter((f) => f.type === 'envelope')).toEqual([expect.objectContaining({ seq: 1, sender: leaver.id, ciphertext: 'bGFzdA==' })]);
    replay.close();
    expect((await call(server, stayer, 'GET', `/api/communities/${communityId}/members`)).body).not.toMatchObject({ members: expect.arrayContaining([expect.objectContaining({ userId: leaver.id })]) });
    watching.close();
  });
});
