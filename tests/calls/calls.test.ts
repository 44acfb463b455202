/**
 * Calls on the real server (issue #14 items 1, 3, 6 and 7; SECURITY-TESTS Z1/Z3): call sockets,
 * the roster every channel socket sees, relaying pairwise ciphertext only between participants,
 * the cap, moderators' mute and disconnect, what a stranger, a member without CONNECT and a
 * banned member get, and TURN credentials by the REST convention coturn checks.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRosterFrame } from '../../protocol/calls';
import { MAX_CALL_PARTICIPANTS } from '../../protocol/calls';
import type { ServerFrame } from '../../protocol/frames';
import { Permission as P } from '../../protocol/permissions';
import { openChannel } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { addDevice, nextHub, openHub } from '../hub/helpers';
import { api, community, join, setRole, uname, type TestUser } from '../communities/fixture';
import { registerUser } from '../helpers/accounts';
import { FRANKING } from '../helpers/franking';

const TURN_SECRET = 'a shared secret for the test TURN server';
let server: RunningServer;
let u: Record<'owner' | 'mod' | 'alice' | 'bob' | 'carol' | 'stranger', TestUser>;
const sockets: TestSocket[] = [];
const media = { muted: false, deafened: false, video: true, screen: false };

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open', STUN_URLS: 'stun:127.0.0.1:3478', TURN_URLS: 'turn:127.0.0.1:3478?transport=udp', TURN_SECRET, TURN_TTL_SECONDS: '600' } });
  await registerUser(server, uname('op'));
  const names = ['owner', 'mod', 'alice', 'bob', 'carol', 'stranger'] as const;
  const users = await Promise.all(names.map((n) => registerUser(server, uname(n))));
  u = Object.fromEntries(names.map((n, i) => [n, users[i]!])) as typeof u;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.kill();
});

/** A voice channel in a community of owner, mod (moderator), alice, bob and carol. */
async function voiceChannel() {
  const c = await community(server, u.owner);
  await join(server, u.owner, c.id, [u.mod, u.alice, u.bob, u.carol]);
  await setRole(server, u.owner, c.id, u.mod, 'moderator');
  const ch = await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'lounge', kind: 'voice', groupId: c.groupId });
  expect(ch.status).toBe(201);
  return { communityId: c.id, channelId: ch.body.channel.id as string };
}

/** One device per user unless a test names another (an account holds at most 10). */
const devices = new Map<string, string>();
async function callSocket(user: TestUser, channelId: string, deviceId?: string): Promise<{ s: TestSocket; deviceId: string }> {
  let device = deviceId ?? devices.get(user.id);
  if (!device) devices.set(user.id, (device = await addDevice(server, user)));
  const s = await TestSocket.open(`${server.wsUrl}/ws/channels/${channelId}?call=${device}`, {}, ['chatalot.v1', `bearer.${user.accessToken}`]);
  sockets.push(s);
  return { s, deviceId: device };
}

/** The first roster frame after `after` frames that satisfies `p`. */
const roster = (s: TestSocket, p: (r: CallRosterFrame) => boolean, timeoutMs = 5_000) => s.next<CallRosterFrame>((f) => f.type === 'call-roster' && p(f as CallRosterFrame), timeoutMs);
const ids = (r: CallRosterFrame) => r.participants.map((p) => `${p.userId}/${p.deviceId}`).sort();
const errorFrame = (s: TestSocket, code: string) => s.next<Extract<ServerFrame, { type: 'error' }>>((f) => f.type === 'error' && f.error.code === code);

describe('calls: the roster and the relay', () => {
  it('14.1/14.7: joining and leaving shows in every channel socket’s roster; a closed call socket leaves at once', async () => {
    const { channelId } = await voiceChannel();
    const reader = await openChannel(server, u.carol, channelId);
    sockets.push(reader);
    reader.send({ type: 'hello', lastSeq: 0 });
    await reader.next((f) => f.type === 'ready');
    const a = await callSocket(u.alice, channelId);
    const b = await callSocket(u.bob, channelId);
    a.s.send({ type: 'call-join', media });
    await roster(a.s, (r) => r.participants.length === 1);
    b.s.send({ type: 'call-join', media: { ...media, muted: true } });
    const both = await roster(a.s, (r) => r.participants.length === 2);
    expect(ids(both)).toEqual([`${u.alice.id}/${a.deviceId}`, `${u.bob.id}/${b.deviceId}`].sort());
    expect(both.cap).toBe(MAX_CALL_PARTICIPANTS);
    expect(both.participants.find((p) => p.userId === u.bob.id)).toMatchObject({ media: { muted: true }, serverMuted: false, may: { speak: true, video: true, screen: true } });
    // Someone reading the channel sees it too; someone opening it later is told on `ready`.
    await roster(reader, (r) => r.participants.length === 2);
    const late = await openChannel(server, u.owner, channelId);
    sockets.push(late);
    late.send({ type: 'hello', lastSeq: 0 });
    await roster(late, (r) => r.participants.length === 2);
    // Media state changes show; leaving shows; closing the socket shows within a second.
    a.s.send({ type: 'call-media', media: { ...media, screen: true } });
    await roster(reader, (r) => r.participants.some((p) => p.userId === u.alice.id && p.media.screen));
    b.s.send({ type: 'call-leave' });
    await roster(reader, (r) => r.participants.length === 1 && r.participants[0]!.userId === u.alice.id);
    const t0 = Date.now();
    const before = reader.frames.length;
    a.s.close();
    await reader.next((f) => f.type === 'call-roster' && (f as CallRosterFrame).participants.length === 0 && reader.frames.indexOf(f) >= before);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('14.3: a signal reaches only the device it names, unread, with the sender the server authenticated', async () => {
    const { channelId } = await voiceChannel();
    const a = await callSocket(u.alice, channelId);
    const b = await callSocket(u.bob, channelId);
    const c = await callSocket(u.carol, channelId);
    // Not in the call yet: refused.
    a.s.send({ type: 'call-signal', to: { userId: u.bob.id, deviceId: b.deviceId }, ciphertext: 'AAAA' });
    await errorFrame(a.s, 'not_in_call');
    for (const x of [a, b, c]) x.s.send({ type: 'call-join', media });
    await roster(a.s, (r) => r.participants.length === 3);
    const ciphertext = randomBytes(600).toString('base64');
    a.s.send({ type: 'call-signal', to: { userId: u.bob.id, deviceId: b.deviceId }, ciphertext });
    const got = await b.s.next<Extract<ServerFrame, { type: 'call-signal' }>>((f) => f.type === 'call-signal');
    expect(got).toEqual({ type: 'call-signal', from: { userId: u.alice.id, deviceId: a.deviceId }, ciphertext });
    // Carol, in the same call, never sees what was meant for Bob; a device not in the call cannot be reached.
    b.s.send({ type: 'call-signal', to: { userId: u.alice.id, deviceId: a.deviceId }, ciphertext: 'BBBB' });
    await a.s.next((f) => f.type === 'call-signal');
    expect(c.s.frames.some((f) => f.type === 'call-signal')).toBe(false);
    a.s.send({ type: 'call-signal', to: { userId: u.bob.id, deviceId: 'not-a-device' }, ciphertext: 'AAAA' });
    await errorFrame(a.s, 'not_in_call');
    // Not base64, or far too long: a clear validation error, nothing relayed.
    a.s.send({ type: 'call-signal', to: { userId: u.bob.id, deviceId: b.deviceId }, ciphertext: 'not base64!' });
    await errorFrame(a.s, 'validation_failed');
  });

  it('14.3: call frames only on a call socket, and a call socket carries nothing else', async () => {
    const { channelId } = await voiceChannel();
    const reader = await openChannel(server, u.alice, channelId);
    sockets.push(reader);
    reader.send({ type: 'call-join', media });
    expect((await errorFrame(reader, 'bad_request')).error.message).toMatch(/call socket/);
    const a = await callSocket(u.alice, channelId);
    a.s.send({ type: 'hello', lastSeq: 0 });
    expect((await errorFrame(a.s, 'bad_request')).error.message).toMatch(/call frames only/);
    a.s.send({ type: 'send', franking: FRANKING, clientMsgId: 'abcdefgh12', ciphertext: 'AAAA' });
    await a.s.next((f) => f.type === 'error' && a.s.frames.filter((x) => x.type === 'error').length === 2);
  });

  it('14.1 Z1/C2: a stranger, another user’s device, a member without CONNECT and a banned member', async () => {
    const { communityId, channelId } = await voiceChannel();
    // A stranger: no socket, no ICE servers, no roster — the channel does not exist for them.
    await expect(callSocket(u.stranger, channelId)).rejects.toThrow(/404/);
    expect((await api(server, u.stranger, 'GET', `/api/channels/${channelId}/call/ice`)).status).toBe(404);
    // Another user's device id: refused as if it did not exist.
    const bobDevice = await addDevice(server, u.bob);
    await expect(callSocket(u.alice, channelId, bobDevice)).rejects.toThrow(/404/);
    await expect(callSocket(u.alice, channelId, 'no-such-device')).rejects.toThrow(/404/);
    // CONNECT denied in this channel: no ICE servers, and joining is refused.
    expect((await api(server, u.owner, 'PUT', `/api/channels/${channelId}/overrides`, { targetType: 'member', targetId: u.carol.id, allow: 0, deny: P.CONNECT })).status).toBe(204);
    expect((await api(server, u.carol, 'GET', `/api/channels/${channelId}/call/ice`)).status).toBe(403);
    const c = await callSocket(u.carol, channelId);
    c.s.send({ type: 'call-join', media });
    expect((await errorFrame(c.s, 'forbidden')).error.message).toMatch(/connect permission/);
    // Banned while in the call: their call socket closes at once and the roster loses them.
    const b = await callSocket(u.bob, channelId, bobDevice);
    const a = await callSocket(u.alice, channelId);
    b.s.send({ type: 'call-join', media });
    a.s.send({ type: 'call-join', media });
    await roster(a.s, (r) => r.participants.length === 2);
    expect((await api(server, u.mod, 'POST', `/api/communities/${communityId}/bans`, { userId: u.bob.id })).status).toBe(201);
    expect((await b.s.waitClosed(2_000)).code).toBe(4003);
    await roster(a.s, (r) => r.participants.length === 1 && r.participants[0]!.userId === u.alice.id);
    await expect(callSocket(u.bob, channelId, bobDevice)).rejects.toThrow(/404/);
  });

  it('14.1: moderators server-mute and disconnect, never someone who outranks them; nobody moderates a DM call', async () => {
    const { channelId } = await voiceChannel();
    const m = await callSocket(u.mod, channelId);
    const a = await callSocket(u.alice, channelId);
    const o = await callSocket(u.owner, channelId);
    for (const x of [m, a, o]) x.s.send({ type: 'call-join', media });
    await roster(m.s, (r) => r.participants.length === 3);
    // A plain member cannot.
    a.s.send({ type: 'call-moderate', userId: u.mod.id, action: 'mute' });
    await errorFrame(a.s, 'forbidden');
    // The moderator cannot act on the owner, but can on a member.
    m.s.send({ type: 'call-moderate', userId: u.owner.id, action: 'disconnect' });
    expect((await errorFrame(m.s, 'forbidden')).error.message).toMatch(/outranks/);
    m.s.send({ type: 'call-moderate', userId: u.alice.id, action: 'mute' });
    await roster(o.s, (r) => r.participants.some((p) => p.userId === u.alice.id && p.serverMuted));
    // The mute outlives a rejoin, until lifted.
    a.s.send({ type: 'call-leave' });
    a.s.send({ type: 'call-join', media });
    await roster(o.s, (r) => r.participants.length === 3 && r.participants.some((p) => p.userId === u.alice.id && p.serverMuted));
    m.s.send({ type: 'call-moderate', userId: u.alice.id, action: 'unmute' });
    await roster(o.s, (r) => r.participants.some((p) => p.userId === u.alice.id && !p.serverMuted));
    m.s.send({ type: 'call-moderate', userId: u.alice.id, action: 'disconnect' });
    expect((await a.s.waitClosed(2_000)).code).toBe(4010);
    await roster(o.s, (r) => r.participants.length === 2 && !r.participants.some((p) => p.userId === u.alice.id));

    const dm = (await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id] })).body.channel;
    expect((await api(server, u.bob, 'POST', '/api/dms', { userIds: [u.alice.id] })).status).toBeLessThan(300);
    const d = await callSocket(u.alice, dm.id);
    d.s.send({ type: 'call-join', media });
    await roster(d.s, (r) => r.participants.length === 1);
    d.s.send({ type: 'call-moderate', userId: u.bob.id, action: 'mute' });
    await errorFrame(d.s, 'forbidden');
  });

  it('14.1: a voice channel’s cap can be set lower (MANAGE_CHANNELS); the next join past it is refused; 0 and 26 are refused', async () => {
    const { channelId } = await voiceChannel();
    expect((await api(server, u.alice, 'PATCH', `/api/channels/${channelId}`, { callCap: 2 })).status).toBe(403);
    for (const bad of [0, 26, 2.5]) expect((await api(server, u.owner, 'PATCH', `/api/channels/${channelId}`, { callCap: bad })).status).toBe(400);
    const set = await api(server, u.owner, 'PATCH', `/api/channels/${channelId}`, { callCap: 2 });
    expect(set.status).toBe(200);
    expect(set.body.channel.callCap).toBe(2);
    const [a, b, c] = [await callSocket(u.alice, channelId), await callSocket(u.bob, channelId), await callSocket(u.carol, channelId)];
    a.s.send({ type: 'call-join', media });
    b.s.send({ type: 'call-join', media });
    expect((await roster(a.s, (r) => r.participants.length === 2)).cap).toBe(2);
    c.s.send({ type: 'call-join', media });
    expect((await errorFrame(c.s, 'call_full')).error.message).toMatch(/2 participants/);
    // Raised back to the maximum while sockets are open: the next join gets in.
    expect((await api(server, u.owner, 'PATCH', `/api/channels/${channelId}`, { callCap: null })).body.channel.callCap).toBeNull();
    c.s.send({ type: 'call-join', media });
    await roster(a.s, (r) => r.participants.length === 3 && r.cap === MAX_CALL_PARTICIPANTS);
  });

  it('14.7: the same device joining again replaces its old connection instead of leaving a ghost', async () => {
    const { channelId } = await voiceChannel();
    const a1 = await callSocket(u.alice, channelId);
    const b = await callSocket(u.bob, channelId);
    a1.s.send({ type: 'call-join', media });
    b.s.send({ type: 'call-join', media });
    await roster(b.s, (r) => r.participants.length === 2);
    const a2 = await callSocket(u.alice, channelId, a1.deviceId);
    a2.s.send({ type: 'call-join', media });
    expect((await a1.s.waitClosed(2_000)).code).toBe(4011);
    const after = await roster(b.s, (r) => r.participants.length === 2 && b.s.frames.filter((f) => f.type === 'call-roster').length >= 4);
    expect(ids(after)).toEqual([`${u.alice.id}/${a1.deviceId}`, `${u.bob.id}/${b.deviceId}`].sort());
  });

  it(`14.1/14.7: ${MAX_CALL_PARTICIPANTS} devices join concurrently, every roster converges, the next is refused as full, and all leave without a ghost`, async () => {
    const { communityId, channelId } = await voiceChannel();
    // One device each (an account holds at most 10): 25 people in the community.
    const people = await Promise.all(Array.from({ length: MAX_CALL_PARTICIPANTS }, (_, i) => registerUser(server, uname(`p${i}`))));
    await join(server, u.owner, communityId, people);
    const joined = await Promise.all(people.map((p) => callSocket(p, channelId)));
    for (const x of joined) x.s.send({ type: 'call-join', media });
    const expected = joined.map((x, i) => `${people[i]!.id}/${x.deviceId}`).sort();
    for (const x of joined) expect(ids(await roster(x.s, (r) => r.participants.length === MAX_CALL_PARTICIPANTS, 15_000))).toEqual(expected);
    const extra = await callSocket(u.alice, channelId);
    extra.s.send({ type: 'call-join', media });
    expect((await errorFrame(extra.s, 'call_full')).error.message).toMatch(/full/);
    // Each pair renegotiates once (an offer each way), concurrently, then everyone leaves at once.
    const [first] = joined;
    for (const x of joined.slice(1)) x.s.send({ type: 'call-signal', to: { userId: people[0]!.id, deviceId: first!.deviceId }, ciphertext: 'AAAA' });
    await first!.s.next((f) => f.type === 'call-signal' && first!.s.frames.filter((x) => x.type === 'call-signal').length === MAX_CALL_PARTICIPANTS - 1, 15_000);
    for (const x of joined.slice(1)) x.s.close();
    await roster(first!.s, (r) => r.participants.length === 1, 15_000);
    await roster(extra.s, (r) => r.participants.length === 1, 15_000);
  });
});

describe('calls: who is in a voice channel, for the sidebar', () => {
  it('14.1: members with only a hub socket hear who is in a voice channel as it changes; GET /call answers the same; a stranger gets 404', async () => {
    const { channelId } = await voiceChannel();
    const carolHub = await openHub(server, u.carol, await addDevice(server, u.carol, 'sidebar'));
    const strangerHub = await openHub(server, u.stranger, await addDevice(server, u.stranger, 'nosy'));
    sockets.push(carolHub, strangerHub);
    expect((await api(server, u.carol, 'GET', `/api/channels/${channelId}/call`)).body).toEqual({ userIds: [] });
    const a = await callSocket(u.alice, channelId);
    a.s.send({ type: 'call-join', media });
    await nextHub(carolHub, 'voice', (f) => f.channelId === channelId && f.userIds.join() === u.alice.id);
    expect((await api(server, u.carol, 'GET', `/api/channels/${channelId}/call`)).body).toEqual({ userIds: [u.alice.id] });
    expect((await api(server, u.stranger, 'GET', `/api/channels/${channelId}/call`)).status).toBe(404);
    a.s.close();
    await nextHub(carolHub, 'voice', (f) => f.channelId === channelId && f.userIds.length === 0);
    expect(strangerHub.frames.some((f) => (f as { type: string }).type === 'voice')).toBe(false);
  });
});

describe('calls: ringing in DMs', () => {
  it('14.2: a DM call rings every device of the other side; declining stops the ringing there and tells the caller; answering and ending stop it too', async () => {
    // A callee of their own: each account holds at most 10 devices, and the tests above used Carol's.
    const callee = await registerUser(server, uname('callee'));
    await join(server, u.alice, (await community(server, u.alice)).id, [callee]);
    const dm = (await api(server, u.alice, 'POST', '/api/dms', { userIds: [callee.id] })).body.channel;
    expect((await api(server, callee, 'POST', '/api/dms', { userIds: [u.alice.id] })).status).toBeLessThan(300);
    const phone = await openHub(server, callee, await addDevice(server, callee, 'phone'));
    const laptop = await openHub(server, callee, await addDevice(server, callee, 'laptop'));
    const strangerHub = await openHub(server, u.stranger, await addDevice(server, u.stranger));
    sockets.push(phone, laptop, strangerHub);
    const ring = (s: TestSocket, state: string, after = 0) => nextHub(s, 'ring', (f) => f.channelId === dm.id && f.state === state && s.frames.indexOf(f as never) >= after);

    const a = await callSocket(u.alice, dm.id);
    a.s.send({ type: 'call-join', media });
    for (const s of [phone, laptop]) expect(await ring(s, 'ringing')).toMatchObject({ from: u.alice.id });
    // A device that connects (or reloads) while it rings starts ringing too.
    const tablet = await openHub(server, callee, await addDevice(server, callee, 'tablet'));
    sockets.push(tablet);
    expect(await ring(tablet, 'ringing')).toMatchObject({ from: u.alice.id });
    // A stranger can neither decline it nor hear it ring.
    strangerHub.send({ type: 'call-decline', channelId: dm.id, reason: 'declined' });
    await nextHub(strangerHub, 'error', (f) => f.error.code === 'not_found');
    expect(strangerHub.frames.some((f) => (f as { type: string }).type === 'ring')).toBe(false);
    // Declined on the phone: the laptop stops ringing, Alice hears it.
    phone.send({ type: 'call-decline', channelId: dm.id, reason: 'declined' });
    await ring(laptop, 'declined');
    expect(await a.s.next((f) => f.type === 'call-declined')).toEqual({ type: 'call-declined', userId: callee.id, reason: 'declined' });
    // Alice leaves and calls again: it rings again; Carol answers on the laptop and the phone stops.
    a.s.send({ type: 'call-leave' });
    await ring(phone, 'ended');
    const mark = phone.frames.length;
    a.s.send({ type: 'call-join', media });
    await ring(phone, 'ringing', mark);
    const c = await callSocket(callee, dm.id);
    c.s.send({ type: 'call-join', media });
    await ring(phone, 'answered', mark);
    // Busy elsewhere: the caller hears that too.
    laptop.send({ type: 'call-decline', channelId: dm.id, reason: 'busy' });
    await a.s.next((f) => f.type === 'call-declined' && (f as { reason: string }).reason === 'busy');
  });
});

describe('calls: ICE servers and TURN credentials', () => {
  it('14.6: members get the STUN servers and TURN credentials coturn accepts (HMAC-SHA1 of expiry:userId)', async () => {
    const { channelId } = await voiceChannel();
    const before = Math.floor(Date.now() / 1000);
    const r = await api(server, u.alice, 'GET', `/api/channels/${channelId}/call/ice`);
    expect(r.status).toBe(200);
    const [stun, turn] = r.body.iceServers as { urls: string[]; username?: string; credential?: string }[];
    expect(stun).toEqual({ urls: ['stun:127.0.0.1:3478'] });
    expect(turn!.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, userId] = turn!.username!.split(':');
    expect(userId).toBe(u.alice.id);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
    expect(turn!.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn!.username!).digest('base64'));
    expect(r.body.expiresAt).toBe(Number(expiry) * 1000);
  });
});
