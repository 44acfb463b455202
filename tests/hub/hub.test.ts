/**
 * The UserHub over the real server: per-device inboxes (offline delivery, replay on connect,
 * deletion after ack, idempotent resends, refusal for strangers), unread counts across two devices
 * of one user, presence for co-members only, typing relayed and never stored, and the socket's
 * own refusals, and new device lists announced to watchers (issue 5 item 5; SECURITY-TESTS I1, I2, A11, R7, V1-style storage scan).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { call, createCommunity, joinCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { addDevice, hubFrames, nextHub, openHub, settle } from './helpers';
import { FRANKING } from '../helpers/franking';
import { png } from '../images/samples';

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // shares nothing with alice or bob
let channelId: string;
const dev = {} as Record<'a1' | 'b1' | 'b2' | 'c1', string>;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  alice = await registerUser(server, 'hub_alice'); // the first account becomes the owner: register it alone
  [bob, carol] = (await Promise.all(['hub_bob', 'hub_carol'].map((n) => registerUser(server, n)))) as [TestUser, TestUser];
  const c = await createCommunity(server, alice, 'hub community');
  channelId = c.channelId;
  await joinCommunity(server, alice, c.communityId, [bob]);
  dev.a1 = await addDevice(server, alice, 'a1');
  dev.b1 = await addDevice(server, bob, 'b1');
  dev.b2 = await addDevice(server, bob, 'b2');
  dev.c1 = await addDevice(server, carol, 'c1');
});
afterAll(async () => server?.kill());

const ct = (s: string) => Buffer.from(s).toString('base64');

describe('hub socket', () => {
  it('A11: refuses a device that is not the user’s, a missing token and a foreign Origin', async () => {
    const status = (url: string, protocols: string[], headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, protocols, { headers });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => undefined);
      });
    const bearer = ['chatalot.v1', `bearer.${alice.accessToken}`];
    expect(await status(`${server.wsUrl}/ws/hub?device=${dev.b1}`, bearer)).toBe(404);
    expect(await status(`${server.wsUrl}/ws/hub?device=nonexistent`, bearer)).toBe(404);
    expect(await status(`${server.wsUrl}/ws/hub?device=${dev.a1}`, ['chatalot.v1'])).toBe(401);
    expect(await status(`${server.wsUrl}/ws/hub?device=${dev.a1}`, bearer, { Origin: 'https://evil.example' })).toBe(403);
    expect(await status(`${server.wsUrl}/ws/hub?device=${dev.a1}`, bearer)).toBe(101);
  });

  it('#21 neither socket negotiates permessage-deflate: a client that offers it gets plain frames (ciphertext does not compress; the server compressed per socket on every fan-out)', async () => {
    const extensions = (url: string) =>
      new Promise<string | undefined>((resolve, reject) => {
        const ws = new WebSocket(url, ['chatalot.v1', `bearer.${alice.accessToken}`], { perMessageDeflate: true });
        let offered: string | undefined;
        ws.once('upgrade', (res) => (offered = res.headers['sec-websocket-extensions']));
        ws.once('open', () => (ws.close(), resolve(offered)));
        ws.once('error', reject);
      });
    expect(await extensions(`${server.wsUrl}/ws/hub?device=${dev.a1}`)).toBeUndefined();
    expect(await extensions(`${server.wsUrl}/ws/channels/${channelId}`)).toBeUndefined();
  });

  it('I1, I2: malformed frames get error frames and the socket stays; a frame over 96 KiB closes only that socket with 1009', async () => {
    const a = await openHub(server, alice, dev.a1);
    const other = await openHub(server, bob, dev.b1);
    const cases: [unknown, RegExp][] = [
      ['not json', /not valid JSON/],
      [{ type: 'deliver', clientMsgId: 'short', to: [], ciphertext: 'AAAA' }, /clientMsgId/],
      [{ type: 'watch', userIds: Array.from({ length: 501 }, (_, i) => `u${i}`) }, /at most 500/],
      [{ type: 'read', channelId, seq: -1 }, /seq/],
      [{ type: 'presence', state: 'away' }, /state/],
      [{ type: 'settings', readReceipts: true, extra: 1 }, /extra/],
      [{ type: 'nope' }, /type/],
    ];
    for (const [frame, message] of cases) {
      const before = a.frames.length;
      a.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      const err = await nextHub(a, 'error', (f) => hubFrames(a).indexOf(f) >= before);
      expect(err.error.message).toMatch(message);
    }
    expect(a.closed).toBeUndefined();
    a.send('x'.repeat(97 * 1024));
    expect((await a.waitClosed()).code).toBe(1009);
    await settle(other);
    expect(other.closed).toBeUndefined();
    other.close();
  });
});

describe('inbox', () => {
  it('delivers to an offline device, replays in order on connect, deletes after ack, and stores a resend once (R2: other content under the same id is a conflict)', async () => {
    const a = await openHub(server, alice, dev.a1);
    a.send({ type: 'deliver', clientMsgId: 'skd-0001-aaaa', to: [{ userId: bob.id, deviceId: dev.b2 }], ciphertext: ct('first') });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'skd-0001-aaaa')).toMatchObject({ failed: [] });
    a.send({ type: 'deliver', clientMsgId: 'skd-0002-aaaa', to: [{ userId: bob.id, deviceId: dev.b2 }], ciphertext: ct('second') });
    await nextHub(a, 'delivered', (f) => f.clientMsgId === 'skd-0002-aaaa');
    // The same clientMsgId again: acknowledged as a duplicate, stored once.
    a.send({ type: 'deliver', clientMsgId: 'skd-0001-aaaa', to: [{ userId: bob.id, deviceId: dev.b2 }], ciphertext: ct('first') });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'skd-0001-aaaa' && f.duplicate === true)).toMatchObject({ failed: [] });
    // R2: the same clientMsgId with other ciphertext is a conflict, not a duplicate, and is not stored.
    a.send({ type: 'deliver', clientMsgId: 'skd-0001-aaaa', to: [{ userId: bob.id, deviceId: dev.b2 }], ciphertext: ct('forged') });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'skd-0001-aaaa' && f.failed.length > 0)).toMatchObject({ failed: [{ userId: bob.id, deviceId: dev.b2, code: 'conflict' }] });
    expect((await nextHub(a, 'error', (f) => f.error.ref === 'skd-0001-aaaa')).error.code).toBe('conflict');

    const b = await openHub(server, bob, dev.b2);
    await settle(b);
    const items = hubFrames(b).filter((f) => f.type === 'inbox') as Extract<ReturnType<typeof hubFrames>[number], { type: 'inbox' }>[];
    expect(items.map((i) => Buffer.from(i.ciphertext, 'base64').toString())).toEqual(['first', 'second']);
    expect(items[0]!.from).toEqual({ userId: alice.id, deviceId: dev.a1 });
    expect(items[0]!.id).toBeLessThan(items[1]!.id);
    // Bob's other device got none of it: inboxes are per device.
    const b1 = await openHub(server, bob, dev.b1);
    await settle(b1);
    expect(hubFrames(b1).filter((f) => f.type === 'inbox')).toEqual([]);

    // Not acknowledged: replayed again on the next connect.
    b.close();
    const again = await openHub(server, bob, dev.b2);
    await settle(again);
    expect(hubFrames(again).filter((f) => f.type === 'inbox')).toHaveLength(2);
    again.send({ type: 'ack', ids: items.map((i) => i.id) });
    await settle(again);
    again.close();
    const after = await openHub(server, bob, dev.b2);
    await settle(after);
    expect(hubFrames(after).filter((f) => f.type === 'inbox')).toEqual([]);
    // A resend after the ack is still recognised and not stored again.
    a.send({ type: 'deliver', clientMsgId: 'skd-0002-aaaa', to: [{ userId: bob.id, deviceId: dev.b2 }], ciphertext: ct('second') });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'skd-0002-aaaa' && f.duplicate === true)).toBeDefined();
    // A live delivery reaches a connected device at once.
    a.send({ type: 'deliver', clientMsgId: 'skd-0003-aaaa', to: [{ userId: bob.id, deviceId: dev.b2 }, { userId: bob.id, deviceId: dev.b1 }], ciphertext: ct('live') });
    await nextHub(after, 'inbox', (f) => f.ciphertext === ct('live'));
    await nextHub(b1, 'inbox', (f) => f.ciphertext === ct('live'));
    for (const s of [a, after, b1]) s.close();
  });

  it('delivers to the sender’s own other devices, and reports unknown devices of a co-member', async () => {
    const a2 = await addDevice(server, alice, 'a2');
    const a = await openHub(server, alice, dev.a1);
    a.send({ type: 'deliver', clientMsgId: 'own-dev-0001', to: [{ userId: alice.id, deviceId: a2 }, { userId: bob.id, deviceId: dev.c1 }], ciphertext: ct('device list') });
    const d = await nextHub(a, 'delivered', (f) => f.clientMsgId === 'own-dev-0001');
    expect(d.failed).toEqual([{ userId: bob.id, deviceId: dev.c1, code: 'not_found' }]);
    expect((await nextHub(a, 'error', (f) => f.error.ref === 'own-dev-0001')).error.code).toBe('not_found');
    const other = await openHub(server, alice, a2);
    expect((await nextHub(other, 'inbox')).from).toEqual({ userId: alice.id, deviceId: dev.a1 });
    a.close();
    other.close();
  });

  it('refuses to deliver to a user who shares no community or DM, and delivers nothing of that frame', async () => {
    const a = await openHub(server, alice, dev.a1);
    a.send({ type: 'deliver', clientMsgId: 'stranger-0001', to: [{ userId: bob.id, deviceId: dev.b1 }, { userId: carol.id, deviceId: dev.c1 }], ciphertext: ct('nope') });
    const err = await nextHub(a, 'error', (f) => f.error.ref === 'stranger-0001');
    expect(err.error.code).toBe('forbidden');
    const c = await openHub(server, carol, dev.c1);
    const b = await openHub(server, bob, dev.b1);
    await settle(c);
    await settle(b);
    expect(hubFrames(c).filter((f) => f.type === 'inbox')).toEqual([]);
    expect(hubFrames(b).filter((f) => f.type === 'inbox' && f.ciphertext === ct('nope'))).toEqual([]);
    for (const s of [a, b, c]) s.close();
  });
});

describe('deliver-many (issue #21)', () => {
  it('stores each item for its own device, answers each with its own delivered, and refuses only the item to a stranger (SECURITY-TESTS Z1)', async () => {
    const a = await openHub(server, alice, dev.a1);
    a.send({
      type: 'deliver-many',
      items: [
        { clientMsgId: 'many-0001-b1', to: { userId: bob.id, deviceId: dev.b1 }, ciphertext: ct('for b1') },
        { clientMsgId: 'many-0001-b2', to: { userId: bob.id, deviceId: dev.b2 }, ciphertext: ct('for b2') },
        { clientMsgId: 'many-0001-c1', to: { userId: carol.id, deviceId: dev.c1 }, ciphertext: ct('for carol') },
        { clientMsgId: 'many-0001-xx', to: { userId: bob.id, deviceId: dev.c1 }, ciphertext: ct('for nobody') },
      ],
    });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'many-0001-b1')).toMatchObject({ failed: [] });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'many-0001-b2')).toMatchObject({ failed: [] });
    expect((await nextHub(a, 'error', (f) => f.error.ref === 'many-0001-c1')).error.code).toBe('forbidden');
    expect((await nextHub(a, 'delivered', (f) => f.clientMsgId === 'many-0001-xx')).failed).toEqual([{ userId: bob.id, deviceId: dev.c1, code: 'not_found' }]);
    // A resend of the frame (after a dropped socket) stores nothing twice.
    a.send({ type: 'deliver-many', items: [{ clientMsgId: 'many-0001-b1', to: { userId: bob.id, deviceId: dev.b1 }, ciphertext: ct('for b1') }] });
    expect(await nextHub(a, 'delivered', (f) => f.clientMsgId === 'many-0001-b1' && f.duplicate === true)).toBeDefined();

    const b1 = await openHub(server, bob, dev.b1);
    const b2 = await openHub(server, bob, dev.b2);
    const c = await openHub(server, carol, dev.c1);
    for (const s of [b1, b2, c]) await settle(s);
    const texts = (s: typeof a) => hubFrames(s).flatMap((f) => (f.type === 'inbox' && f.from.deviceId === dev.a1 ? [Buffer.from(f.ciphertext, 'base64').toString()] : []));
    expect(texts(b1).filter((t) => t.startsWith('for '))).toEqual(['for b1']);
    expect(texts(b2).filter((t) => t.startsWith('for '))).toEqual(['for b2']);
    expect(texts(c)).toEqual([]);
    for (const s of [a, b1, b2, c]) s.close();
  });

  it('refuses an empty frame, more than 64 items, and an item without a clientMsgId, with a clear error and nothing stored (I1)', async () => {
    const a = await openHub(server, alice, dev.a1);
    a.send({ type: 'deliver-many', items: [] });
    expect((await nextHub(a, 'error', (f) => f.error.message.includes('items must not be empty'))).error.code).toBe('validation_failed');
    a.send({ type: 'deliver-many', items: Array.from({ length: 65 }, (_, i) => ({ clientMsgId: `too-many-${String(i).padStart(4, '0')}`, to: { userId: bob.id, deviceId: dev.b1 }, ciphertext: ct('x') })) });
    expect((await nextHub(a, 'error', (f) => f.error.message.includes('at most 64'))).error.code).toBe('validation_failed');
    a.send({ type: 'deliver-many', items: [{ to: { userId: bob.id, deviceId: dev.b1 }, ciphertext: ct('no id') }] });
    expect((await nextHub(a, 'error', (f) => f.error.code === 'validation_failed' && f.error.message.includes('clientMsgId'))).error.message).toMatch(/items\.0\.clientMsgId/);
    const b1 = await openHub(server, bob, dev.b1);
    await settle(b1);
    expect(hubFrames(b1).filter((f) => f.type === 'inbox' && ['x', 'no id'].includes(Buffer.from(f.ciphertext, 'base64').toString()))).toEqual([]);
    for (const s of [a, b1]) s.close();
  });
});

describe('unread counts', () => {
  it('move when another member posts and reset on read, on both of the user’s devices', async () => {
    const b1 = await openHub(server, bob, dev.b1);
    const b2 = await openHub(server, bob, dev.b2);
    const room = await openChannel(server, alice, channelId);
    for (let i = 1; i <= 3; i++) room.send({ type: 'send', franking: FRANKING, clientMsgId: `unread-msg-${i}`, ciphertext: ct(`m${i}`) });
    await room.next((f) => f.type === 'ack' && (f as { seq: number }).seq === 3);
    for (const s of [b1, b2]) expect(await nextHub(s, 'unread', (f) => f.channelId === channelId && f.head === 3)).toMatchObject({ readSeq: 0, unread: 3, mentions: 0 });
    b1.send({ type: 'read', channelId, seq: 2 });
    for (const s of [b1, b2]) expect(await nextHub(s, 'unread', (f) => f.channelId === channelId && f.readSeq === 2)).toMatchObject({ head: 3, unread: 1 });
    // Markers never go back.
    b2.send({ type: 'read', channelId, seq: 1 });
    expect(await nextHub(b2, 'unread', (f) => f.channelId === channelId && hubFrames(b2).indexOf(f) > hubFrames(b2).findIndex((x) => x.type === 'unread' && x.readSeq === 2))).toMatchObject({ readSeq: 2 });
    b2.send({ type: 'read', channelId, seq: 3 });
    for (const s of [b1, b2]) expect(await nextHub(s, 'unread', (f) => f.channelId === channelId && f.readSeq === 3)).toMatchObject({ unread: 0 });
    // The sender's own messages count as read for the sender.
    const a = await openHub(server, alice, dev.a1);
    const snap = hubFrames(a).find((f) => f.type === 'unread' && f.channelId === channelId);
    expect(snap).toMatchObject({ head: 3, readSeq: 3, unread: 0 });
    // A fresh connect gets the snapshot.
    b1.close();
    const fresh = await openHub(server, bob, dev.b1);
    expect(hubFrames(fresh).find((f) => f.type === 'unread' && f.channelId === channelId)).toMatchObject({ head: 3, readSeq: 3, unread: 0 });
    // Reading a channel one cannot see is refused.
    const c = await openHub(server, carol, dev.c1);
    c.send({ type: 'read', channelId, seq: 1 });
    expect((await nextHub(c, 'error', (f) => f.error.ref === channelId)).error.code).toBe('not_found');
    for (const s of [room, b2, a, fresh, c]) s.close();
  });

  it('settings: readReceipts is stored and echoed to every device', async () => {
    const b1 = await openHub(server, bob, dev.b1);
    const b2 = await openHub(server, bob, dev.b2);
    b1.send({ type: 'settings', readReceipts: false });
    await nextHub(b2, 'settings', (f) => f.settings.readReceipts === false);
    b1.close();
    const again = await openHub(server, bob, dev.b1);
    expect(hubFrames(again).find((f) => f.type === 'ready')).toMatchObject({ settings: { readReceipts: false } });
    b2.close();
    again.close();
  });
});

describe('presence', () => {
  it('is visible to a community co-member and refused for a stranger', async () => {
    await new Promise((r) => setTimeout(r, 300)); // earlier tests' sockets finish closing
    const a = await openHub(server, alice, dev.a1);
    a.send({ type: 'watch', userIds: [bob.id, carol.id] });
    expect(await nextHub(a, 'presence', (f) => f.userId === bob.id)).toMatchObject({ state: 'offline' });
    expect((await nextHub(a, 'error', (f) => f.error.ref === carol.id)).error.code).toBe('forbidden');
    const b = await openHub(server, bob, dev.b1);
    await nextHub(a, 'presence', (f) => f.userId === bob.id && f.state === 'online');
    b.send({ type: 'presence', state: 'idle' });
    await nextHub(a, 'presence', (f) => f.userId === bob.id && f.state === 'idle');
    b.close();
    await nextHub(a, 'presence', (f) => f.userId === bob.id && f.state === 'offline');
    // Carol's presence never reached alice.
    const c = await openHub(server, carol, dev.c1);
    await settle(c);
    await settle(a);
    expect(hubFrames(a).filter((f) => f.type === 'presence' && f.userId === carol.id)).toEqual([]);
    a.close();
    c.close();
  });
});

/**
 * Alice (who shares a community with Bob) watching him, Bob's second device, and Carol (who shares
 * nothing with him) refused when she tries to watch him: who should and should not hear about Bob.
 */
async function watchingBob() {
  await new Promise((r) => setTimeout(r, 300));
  const a = await openHub(server, alice, dev.a1);
  a.send({ type: 'watch', userIds: [bob.id] });
  await nextHub(a, 'presence', (f) => f.userId === bob.id);
  const b2 = await openHub(server, bob, dev.b2);
  const c = await openHub(server, carol, dev.c1);
  c.send({ type: 'watch', userIds: [bob.id] });
  await nextHub(c, 'error', (f) => f.error.ref === bob.id);
  return { a, b2, c };
}

describe('device lists', () => {
  it('a new signed device list is announced to the user\'s devices and to co-members who watch them, not to strangers', async () => {
    const { a, b2, c } = await watchingBob();
    const put = await call(server, bob, 'PUT', '/api/device-list', { version: 1, list: 'c2lnbmVkLWxpc3Q' });
    expect(put.status).toBe(204);
    expect(await nextHub(a, 'devices', (f) => f.userId === bob.id)).toEqual({ type: 'devices', userId: bob.id });
    expect(await nextHub(b2, 'devices', (f) => f.userId === bob.id)).toEqual({ type: 'devices', userId: bob.id });
    // A refused (stale) list announces nothing, and Carol, who shares nothing with Bob, hears nothing.
    expect((await call(server, bob, 'PUT', '/api/device-list', { version: 1, list: 'b3RoZXI' })).status).toBe(409);
    await settle(a);
    await settle(c);
    expect(hubFrames(a).filter((f) => f.type === 'devices')).toHaveLength(1);
    expect(hubFrames(c).filter((f) => f.type === 'devices')).toEqual([]);
    a.close();
    b2.close();
    c.close();
  });
});

describe('names and statuses', () => {
  it("a changed name, status, avatar or banner reaches the user's devices and co-members who watch them at once, not strangers", async () => {
    const { a, b2, c } = await watchingBob();
    const patched = await call(server, bob, 'PATCH', '/api/me', { displayName: 'Bobby', statusText: 'On a train' });
    expect(patched.status).toBe(200);
    const said = { type: 'profile', userId: bob.id, username: bob.username, displayName: 'Bobby', statusText: 'On a train', avatarId: null, bannerId: null };
    expect(await nextHub(a, 'profile', (f) => f.userId === bob.id)).toEqual(said);
    expect(await nextHub(b2, 'profile', (f) => f.userId === bob.id)).toEqual(said);
    // Clearing the status says so; saving the same again announces nothing.
    expect((await call(server, bob, 'PATCH', '/api/me', { statusText: null })).status).toBe(200);
    expect(await nextHub(a, 'profile', (f) => f.userId === bob.id && f.statusText === null)).toEqual({ ...said, statusText: null });
    expect((await call(server, bob, 'PATCH', '/api/me', { displayName: 'Bobby' })).status).toBe(200);
    await settle(a);
    await settle(c);
    expect(hubFrames(a).filter((f) => f.type === 'profile')).toHaveLength(2);
    // A new avatar, then none: each is announced with its id.
    const put = await fetch(`${server.url}/api/me/avatar`, { method: 'PUT', headers: { Authorization: `Bearer ${bob.accessToken}`, 'Content-Type': 'application/octet-stream' }, body: png(64, 64) as Uint8Array<ArrayBuffer> });
    expect(put.status).toBe(200);
    const avatarId = ((await put.json()) as { avatarId: string }).avatarId;
    expect(await nextHub(a, 'profile', (f) => f.userId === bob.id && f.avatarId !== null)).toEqual({ ...said, statusText: null, avatarId });
    const framesBefore = hubFrames(a).length;
    expect((await call(server, bob, 'DELETE', '/api/me/avatar')).status).toBe(200);
    const removed = await nextHub(a, 'profile', (f) => f.userId === bob.id && hubFrames(a).indexOf(f) >= framesBefore);
    expect(removed).toEqual({ ...said, statusText: null, avatarId: null });
    // A banner too (shown on the person's page), set and removed.
    const banner = await fetch(`${server.url}/api/me/banner`, { method: 'PUT', headers: { Authorization: `Bearer ${bob.accessToken}`, 'Content-Type': 'application/octet-stream' }, body: png(300, 100) as Uint8Array<ArrayBuffer> });
    expect(banner.status).toBe(200);
    const bannerId = ((await banner.json()) as { bannerId: string }).bannerId;
    expect(await nextHub(a, 'profile', (f) => f.userId === bob.id && f.bannerId !== null)).toEqual({ ...said, statusText: null, avatarId: null, bannerId });
    const framesBeforeBanner = hubFrames(a).length;
    expect((await call(server, bob, 'DELETE', '/api/me/banner')).status).toBe(200);
    expect(await nextHub(a, 'profile', (f) => f.userId === bob.id && hubFrames(a).indexOf(f) >= framesBeforeBanner)).toEqual({ ...said, statusText: null, avatarId: null, bannerId: null });
    await settle(c);
    // Carol shares nothing with Bob: she hears nothing.
    expect(hubFrames(c).filter((f) => f.type === 'profile')).toEqual([]);
    // Back as it was for the tests after this one.
    expect((await call(server, bob, 'PATCH', '/api/me', { displayName: bob.username })).status).toBe(200);
    a.close();
    b2.close();
    c.close();
  });
});

describe('typing', () => {
  it('is relayed to a connected co-member, rate-limited, and never stored', async () => {
    // A channel of its own, where nobody posts or reads, so its id has no reason to be in any hub's storage.
    const { communityId, channelId: quiet } = await createCommunity(server, alice, 'typing only');
    await joinCommunity(server, alice, communityId, [bob]);
    const a = await openHub(server, alice, dev.a1);
    const b = await openHub(server, bob, dev.b1);
    a.send({ type: 'typing', channelId: quiet });
    expect(await nextHub(b, 'typing', (f) => f.channelId === quiet)).toEqual({ type: 'typing', channelId: quiet, userId: alice.id });
    a.send({ type: 'typing', channelId: quiet });
    expect((await nextHub(a, 'error', (f) => f.error.ref === quiet)).error.code).toBe('rate_limited');
    // A stranger cannot type into it.
    const c = await openHub(server, carol, dev.c1);
    c.send({ type: 'typing', channelId: quiet });
    expect((await nextHub(c, 'error', (f) => f.error.ref === quiet)).error.code).toBe('not_found');
    await settle(a);
    await settle(b);
    expect(hubFrames(a).filter((f) => f.type === 'typing')).toEqual([]);
    for (const s of [a, b, c]) s.close();
    // No hub stores anything about it: its channel id appears in no hub object's files.
    const files = walk(join(server.dataDir, 'do')).filter((f) => /UserHub|user-hub/i.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).includes(quiet), f).toBe(false);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

