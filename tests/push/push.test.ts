/**
 * Issue #17 item 2 against the real server and a local push service (tests/helpers/pushService.ts)
 * that checks each request's VAPID token and decrypts its RFC 8291 payload with the subscription's
 * private key, as a browser vendor's push service and the browser would.
 *
 * - A push goes only while none of the user's devices is connected, carries only {v, channelId,
 *   seq, mention} padded to one size (no text, no names), and is coalesced per conversation.
 * - The device's preferences apply: "mentions only" suppresses an ordinary message and lets a
 *   mention through; a muted conversation and do-not-disturb get nothing.
 * - A subscription answered 410 Gone is deleted; removing the device deletes its subscription.
 * - Authorization: another user's device, a stranger's token, a foreign endpoint, a bad key, an
 *   oversized body. The canary text appears nowhere in what the push service received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createCommunity, joinCommunity, openChannel, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { fakePushService, type FakeSubscription } from '../helpers/pushService';
import { addDevice, nextHub, openHub } from '../hub/helpers';
import { FRANKING } from '../helpers/franking';
import type { TestSocket } from '../helpers/socket';
import { MAX_PUSH_SUBSCRIPTION_BYTES, PUSH_COALESCE_MS, type PushPrefs } from '../../protocol/push';

let server: RunningServer;
let service: Awaited<ReturnType<typeof fakePushService>>;
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;
let communityId: string;
let channelId: string;
let bobDevice: string;
let aliceRoom: TestSocket;

const ALL: PushPrefs = { dnd: false, defaultLevel: 'all', communities: {}, conversations: {}, mutedUntil: {} };
const CANARY = 'push-canary-7d1e9f';

beforeAll(async () => {
  service = await fakePushService();
  server = await startServer({ env: { REGISTRATION_MODE: 'open', CHATALOT_TEST_PUSH_SERVICE: service.origin, VAPID_SUBJECT: 'mailto:ops@example.org' } });
  alice = await registerUser(server, 'push_alice');
  bob = await registerUser(server, 'push_bob');
  mallory = await registerUser(server, 'push_mallory');
  ({ communityId, channelId } = await createCommunity(server, alice, 'Push club'));
  await joinCommunity(server, alice, communityId, [bob]);
  bobDevice = await addDevice(server, bob, 'phone');
  aliceRoom = await openChannel(server, alice, channelId);
}, 120_000);
afterAll(async () => {
  aliceRoom?.close();
  await server?.kill();
  await service?.close();
});

let n = 0;
async function post(text: string, mentions?: { users: string[] }): Promise<number> {
  const clientMsgId = `push-${++n}-xxxxxxxx`;
  aliceRoom.send({ type: 'send', franking: FRANKING, clientMsgId, ciphertext: Buffer.from(text).toString('base64'), ...(mentions ? { mentions } : {}) });
  const ack = (await aliceRoom.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === clientMsgId)) as unknown as { seq: number };
  return ack.seq;
}

const subscribe = (sub: FakeSubscription, prefs: PushPrefs = ALL, device = bobDevice, as = bob) => call(server, as, 'PUT', `/api/push/subscriptions/${device}`, { endpoint: sub.endpoint, keys: sub.keys, prefs });
const pushesTo = (sub: FakeSubscription) => service.received.filter((r) => r.subscription === sub.id);

/** Waits until `sub` has received `count` pushes; returns them. */
async function receivedBy(sub: FakeSubscription, count: number, timeoutMs = 20_000) {
  await expect.poll(() => pushesTo(sub).length, { timeout: timeoutMs, interval: 100 }).toBeGreaterThanOrEqual(count);
  return pushesTo(sub);
}

/**
 * Proves nothing more arrives for `sub`: a marker mentioning Bob is pushed after everything before
 * it, so once a push for it (or a later marker) arrives, the queue has drained. A marker is sent
 * again every few seconds: on a loaded machine the hub may hear of a socket's close after the first.
 */
async function nothingMoreFor(sub: FakeSubscription, had: number): Promise<void> {
  const firstMarker = await post('marker @bob', { users: [bob.id] });
  const pushedSince = () => pushesTo(sub).some((r) => JSON.parse(r.payload).seq >= firstMarker);
  for (let i = 0; i < 6 && !pushedSince(); i++) {
    const until = Date.now() + PUSH_COALESCE_MS + 2_000;
    while (!pushedSince() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (!pushedSince()) await post('marker again @bob', { users: [bob.id] });
  }
  expect(pushedSince()).toBe(true);
  expect(pushesTo(sub).filter((r) => JSON.parse(r.payload).seq < firstMarker).length).toBe(had);
}

describe('Web Push', () => {
  it('17.2: the VAPID public key is published to signed-in users only', async () => {
    const config = await call(server, bob, 'GET', '/api/push/config');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ enabled: true });
    expect(String((config.body as { publicKey: string }).publicKey)).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect((await call(server, null, 'GET', '/api/push/config')).status).toBe(401);
  });

  it('17.2, Z1: subscribing is refused for another user’s device, a foreign endpoint, a bad key, an oversized body and without a token', async () => {
    const sub = service.subscribe();
    expect((await subscribe(sub, ALL, bobDevice, mallory)).status).toBe(404);
    expect((await call(server, null, 'PUT', `/api/push/subscriptions/${bobDevice}`, { endpoint: sub.endpoint, keys: sub.keys, prefs: ALL })).status).toBe(401);
    for (const endpoint of ['https://evil.example/push/1', 'http://fcm.googleapis.com/fcm/send/x', 'https://fcm.googleapis.com:8443/fcm/send/x', 'https://127.0.0.1/push', 'file:///etc/passwd']) {
      const res = await call(server, bob, 'PUT', `/api/push/subscriptions/${bobDevice}`, { endpoint, keys: sub.keys, prefs: ALL });
      expect(res.status, endpoint).toBeGreaterThanOrEqual(400);
      expect(res.status, endpoint).toBeLessThan(500);
    }
    expect((await call(server, bob, 'PUT', `/api/push/subscriptions/${bobDevice}`, { endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: 'AAAA' }, prefs: ALL })).status).toBe(400);
    const many = Object.fromEntries(Array.from({ length: 9000 }, (_, i) => [`c${i}-${'x'.repeat(20)}`, 'all']));
    const big = await call(server, bob, 'PUT', `/api/push/subscriptions/${bobDevice}`, { endpoint: sub.endpoint, keys: sub.keys, prefs: { ...ALL, conversations: many } });
    expect(JSON.stringify(many).length).toBeGreaterThan(MAX_PUSH_SUBSCRIPTION_BYTES);
    expect(big.status).toBe(413);
    // Nothing of it was stored.
    expect((await call(server, bob, 'GET', '/api/push/subscriptions')).body).toEqual({ subscriptions: [] });
    expect((await call(server, mallory, 'DELETE', `/api/push/subscriptions/${bobDevice}`)).status).toBe(404);
  });

  it('17.2 V5/W2: with no device connected a message is pushed, carrying only routing metadata; a connected device gets none', async () => {
    const sub = service.subscribe();
    const put = await subscribe(sub);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ deviceId: bobDevice, service: service.origin });
    expect((await call(server, bob, 'GET', '/api/push/subscriptions')).body).toEqual({ subscriptions: [{ deviceId: bobDevice, service: service.origin, createdAt: expect.any(Number) }] });

    const sentAt = Date.now();
    const seq = await post(`hello ${CANARY}`);
    const [push] = await receivedBy(sub, 1);
    expect(JSON.parse(push!.payload)).toEqual({ v: 1, channelId, seq, mention: false });
    expect(push!.recordLength).toBe(193); // padded to 192 bytes plus the delimiter, whatever the ids
    expect(push!.headers.ttl).toBe('86400');
    expect(push!.headers.urgency).toBe('normal');
    expect(push!.headers.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(push!.claims).toMatchObject({ aud: service.origin, sub: 'mailto:ops@example.org' });
    expect(push!.vapidKey).toBe((await call(server, bob, 'GET', '/api/push/config')).body!.publicKey);
    console.log(`push: message to push request ${push!.at - sentAt} ms (channel activity coalesces up to 1 s)`);

    // Bob opens the app (his hub socket): nothing is pushed while he is connected.
    await new Promise((r) => setTimeout(r, PUSH_COALESCE_MS)); // let the coalescing window close first
    const hub = await openHub(server, bob, bobDevice);
    const connectedSeq = await post('while connected');
    // The hub has heard of it (its unread count moved) before the device goes away.
    await nextHub(hub, 'unread', (f) => f.channelId === channelId && f.head >= connectedSeq);
    hub.close();
    await hub.waitClosed();
    await nothingMoreFor(sub, 1);
    for (const r of service.received) {
      expect(r.payload).not.toContain(CANARY);
      expect(r.payload).not.toContain('push_alice');
      expect(JSON.stringify(r.headers)).not.toContain(channelId);
    }
    expect(service.refused.filter((r) => r.subscription === sub.id)).toEqual([]);
  });

  it('17.2: a burst in one conversation becomes at most one push per window, the last carrying the newest seq', async () => {
    const sub = service.subscribe();
    expect((await subscribe(sub)).status).toBe(200);
    await new Promise((r) => setTimeout(r, PUSH_COALESCE_MS));
    const seqs: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 6; i++) seqs.push(await post(`burst ${i}`));
    const newest = seqs[seqs.length - 1]!;
    await expect.poll(() => pushesTo(sub).some((r) => JSON.parse(r.payload).seq === newest), { timeout: 30_000, interval: 100 }).toBe(true);
    const elapsed = Date.now() - started;
    const pushes = pushesTo(sub);
    // However long the burst took on this machine, no more than one push per window started in it.
    expect(pushes.length).toBeLessThanOrEqual(Math.ceil(elapsed / PUSH_COALESCE_MS) + 1);
    expect(pushes.length).toBeLessThan(seqs.length);
    for (let i = 1; i < pushes.length; i++) expect(pushes[i]!.at - pushes[i - 1]!.at).toBeGreaterThanOrEqual(PUSH_COALESCE_MS - 1_000);
  });

  it('17.2: “mentions only” lets a mention through and not an ordinary message; mute and do-not-disturb stop both', async () => {
    const sub = service.subscribe();
    expect((await subscribe(sub, { ...ALL, communities: { [communityId]: 'mentions' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, PUSH_COALESCE_MS));
    await post('ordinary');
    const mentionSeq = await post('hey @bob', { users: [bob.id] });
    const pushes = await receivedBy(sub, 1);
    expect(JSON.parse(pushes[0]!.payload)).toEqual({ v: 1, channelId, seq: mentionSeq, mention: true });
    expect(pushes[0]!.headers.urgency).toBe('high');

    const muted = service.subscribe();
    const dnd = service.subscribe();
    const other = await addDevice(server, bob, 'tablet');
    const third = await addDevice(server, bob, 'desktop');
    expect((await subscribe(muted, { ...ALL, mutedUntil: { [channelId]: Date.now() + 3_600_000 } }, other)).status).toBe(200);
    expect((await subscribe(dnd, { ...ALL, dnd: true }, third)).status).toBe(200);
    await new Promise((r) => setTimeout(r, PUSH_COALESCE_MS));
    await post('hey again @bob', { users: [bob.id] });
    await nothingMoreFor(sub, pushesTo(sub).length); // the mentions-only device still hears mentions: the queue drained
    expect(pushesTo(muted)).toEqual([]);
    expect(pushesTo(dnd)).toEqual([]);
    for (const d of [other, third]) await call(server, bob, 'DELETE', `/api/devices/${d}`);
  });

  it('17.2: a subscription the push service answers 410 Gone is deleted; removing the device deletes its subscription', async () => {
    const gone = service.subscribe();
    gone.status = 410;
    const device = await addDevice(server, bob, 'old browser');
    expect((await subscribe(gone, ALL, device)).status).toBe(200);
    const listed = async () => ((await call(server, bob, 'GET', '/api/push/subscriptions')).body as { subscriptions: { deviceId: string }[] }).subscriptions.map((s) => s.deviceId);
    expect(await listed()).toContain(device);
    await new Promise((r) => setTimeout(r, PUSH_COALESCE_MS));
    await post('to a gone subscription');
    await expect.poll(() => service.refused.some((r) => r.subscription === gone.id), { timeout: 20_000 }).toBe(true);
    await expect.poll(listed, { timeout: 10_000 }).not.toContain(device);

    const sub = service.subscribe();
    const laptop = await addDevice(server, bob, 'laptop');
    expect((await subscribe(sub, ALL, laptop)).status).toBe(200);
    expect(await listed()).toContain(laptop);
    expect((await call(server, bob, 'DELETE', `/api/devices/${laptop}`)).status).toBe(204);
    expect(await listed()).not.toContain(laptop);
    expect((await call(server, bob, 'DELETE', `/api/push/subscriptions/${laptop}`)).status).toBe(404);
    expect((await call(server, bob, 'DELETE', `/api/push/subscriptions/${bobDevice}`)).status).toBe(204);
    expect(await listed()).toEqual([]);
  });

  it('17.2: suspending an account drops its push subscriptions (it signs in again, and subscribes again, after)', async () => {
    const carol = await registerUser(server, 'push_carol');
    const device = await addDevice(server, carol, 'phone');
    expect((await subscribe(service.subscribe(), ALL, device, carol)).status).toBe(200);
    const listed = async (as: TestUser) => ((await call(server, as, 'GET', '/api/push/subscriptions')).body as { subscriptions: unknown[] }).subscriptions.length;
    expect(await listed(carol)).toBe(1);
    expect((await call(server, alice, 'POST', `/api/admin/users/${carol.id}/suspend`, { reason: 'spam' })).status).toBe(200);
    expect((await call(server, alice, 'DELETE', `/api/admin/users/${carol.id}/suspend`)).status).toBe(204);
    // Her old token ended with the suspension; signed in again, she has no subscription until her app makes one.
    const back = await call(server, null, 'POST', '/api/auth/login', { username: 'push_carol', password: TEST_PASSWORD });
    expect(back.status).toBe(200);
    expect(await listed({ ...carol, accessToken: (back.body as { accessToken: string }).accessToken })).toBe(0);
  });

  it('17.2: an admin ending an account’s sessions (or resetting its 2FA) drops its push subscriptions: a signed-out browser gets no pushes', async () => {
    const dave = await registerUser(server, 'push_dave');
    const listed = async (as: TestUser) => ((await call(server, as, 'GET', '/api/push/subscriptions')).body as { subscriptions: unknown[] }).subscriptions.length;
    const signIn = async () => {
      const r = await call(server, null, 'POST', '/api/auth/login', { username: 'push_dave', password: TEST_PASSWORD });
      expect(r.status).toBe(200);
      return { ...dave, accessToken: (r.body as { accessToken: string }).accessToken };
    };
    const device = await addDevice(server, dave, 'phone');
    expect((await subscribe(service.subscribe(), ALL, device, dave)).status).toBe(200);
    expect(await listed(dave)).toBe(1);
    expect((await call(server, alice, 'POST', `/api/admin/users/${dave.id}/sign-out`)).status).toBe(200);
    const again = await signIn();
    expect(await listed(again)).toBe(0);
  });
});
