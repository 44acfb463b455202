/**
 * Issue #16 item 3 on the real server: blocking. Alice blocks Bob. Their 1:1 DM turns read-only for
 * both (also on sockets already open), neither can start a DM with the other, presence and typing
 * are hidden both ways while Carol still sees both, and Bob's messages in their shared channel
 * still reach Alice (her devices collapse them). Bob is not told. Unblocking gives it all back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { FRANKING } from '../helpers/franking';
import { addDevice, hubFrames, nextHub, openHub, settle } from '../hub/helpers';
import { api, community, join, uname } from '../communities/fixture';

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  alice = await registerUser(server, uname('alice'));
  [bob, carol] = (await Promise.all([registerUser(server, uname('bob')), registerUser(server, uname('carol'))])) as [TestUser, TestUser];
});
afterAll(async () => {
  await server?.kill();
});

async function ready(user: TestUser, channelId: string): Promise<TestSocket> {
  const s = await openChannel(server, user, channelId);
  s.send({ type: 'hello', lastSeq: 0 });
  await s.next((f) => f.type === 'ready');
  return s;
}

async function sendOutcome(s: TestSocket, id: string): Promise<string> {
  s.send({ type: 'send', clientMsgId: id, ciphertext: 'QUFB', franking: FRANKING });
  const f = await s.next<{ type: string; error?: { code: string } }>((x) => (x.type === 'ack' && x.clientMsgId === id) || (x.type === 'error' && x.error.ref === id));
  return f.type === 'ack' ? 'ack' : f.error!.code;
}

describe('blocking (issue #16 item 3)', () => {
  it('16.3: a block makes the DM read-only both ways, refuses new DMs, hides presence and typing both ways; unblocking undoes it', async () => {
    const c = await community(server, alice);
    await join(server, alice, c.id, [bob, carol]);
    const dm = (await api(server, alice, 'POST', '/api/dms', { userIds: [bob.id] })).body.channel.id as string;
    const [aDev, bDev, cDev] = await Promise.all([addDevice(server, alice), addDevice(server, bob), addDevice(server, carol)]);
    const aHub = await openHub(server, alice, aDev);
    const bHub = await openHub(server, bob, bDev);
    const cHub = await openHub(server, carol, cDev);
    aHub.send({ type: 'watch', userIds: [bob.id] });
    await nextHub(aHub, 'presence', (f) => f.userId === bob.id && f.state === 'online');
    const bobInDm = await ready(bob, dm);
    const aliceInDm = await ready(alice, dm);
    expect(await sendOutcome(bobInDm, 'before-block')).toBe('ack');

    // Alice blocks Bob.
    expect((await api(server, alice, 'PUT', `/api/me/blocks/${bob.id}`)).status).toBe(204);
    expect((await api(server, alice, 'PUT', `/api/me/blocks/${bob.id}`)).status).toBe(204); // again: nothing changes
    await nextHub(aHub, 'presence', (f) => f.userId === bob.id && f.state === 'offline');
    // The open DM sockets follow at once: neither may write.
    expect(await sendOutcome(bobInDm, 'after-block-b')).toBe('forbidden');
    expect(await sendOutcome(aliceInDm, 'after-block-a')).toBe('forbidden');
    // Neither can start (or re-open) a DM with the other; the blocked one is not told why in so many words.
    const fromBob = await api(server, bob, 'POST', '/api/dms', { userIds: [alice.id] });
    expect(fromBob.status).toBe(403);
    expect(fromBob.body.error.message).toMatch(/not accepting messages from you/);
    const fromAlice = await api(server, alice, 'POST', '/api/dms', { userIds: [bob.id, carol.id] });
    expect(fromAlice.status).toBe(403);
    expect(fromAlice.body.error.message).toMatch(/you blocked/);
    // Presence: neither may watch the other; Carol still watches both.
    aHub.send({ type: 'watch', userIds: [bob.id] });
    expect((await nextHub(aHub, 'error', (f) => f.error.ref === bob.id)).error.code).toBe('forbidden');
    bHub.send({ type: 'watch', userIds: [alice.id] });
    expect((await nextHub(bHub, 'error', (f) => f.error.ref === alice.id)).error.code).toBe('forbidden');
    cHub.send({ type: 'watch', userIds: [alice.id, bob.id] });
    await nextHub(cHub, 'presence', (f) => f.userId === alice.id && f.state === 'online');
    await nextHub(cHub, 'presence', (f) => f.userId === bob.id && f.state === 'online');
    // Typing in the shared channel reaches Carol, not the other of the two.
    bHub.send({ type: 'typing', channelId: c.channelId });
    await nextHub(cHub, 'typing', (f) => f.userId === bob.id);
    aHub.send({ type: 'typing', channelId: c.channelId });
    await nextHub(cHub, 'typing', (f) => f.userId === alice.id);
    await settle(aHub);
    await settle(bHub);
    expect(hubFrames(aHub).filter((f) => f.type === 'typing' && f.userId === bob.id)).toEqual([]);
    expect(hubFrames(bHub).filter((f) => f.type === 'typing' && f.userId === alice.id)).toEqual([]);
    // Bob's messages in the shared channel still reach Alice (her devices collapse them).
    const bobInChannel = await ready(bob, c.channelId);
    const aliceInChannel = await ready(alice, c.channelId);
    expect(await sendOutcome(bobInChannel, 'in-channel')).toBe('ack');
    await aliceInChannel.next((f) => f.type === 'envelope' && f.clientMsgId === 'in-channel');

    // Alice's list has Bob; Bob's list is his own (empty).
    expect((await api(server, alice, 'GET', '/api/me/blocks')).body.blocks).toEqual([expect.objectContaining({ userId: bob.id, username: bob.username })]);
    expect((await api(server, bob, 'GET', '/api/me/blocks')).body.blocks).toEqual([]);
    // Bad input and the wrong user.
    expect((await api(server, alice, 'PUT', '/api/me/blocks/x0000000000000000000000')).status).toBe(404);
    expect((await api(server, alice, 'PUT', `/api/me/blocks/${alice.id}`)).status).toBe(400);
    expect((await api(server, bob, 'DELETE', `/api/me/blocks/${alice.id}`)).status).toBe(404);
    expect((await api(server, null, 'PUT', `/api/me/blocks/${bob.id}`)).status).toBe(401);

    // Unblocked: the DM is writable again and DMs can be started.
    expect((await api(server, alice, 'DELETE', `/api/me/blocks/${bob.id}`)).status).toBe(204);
    expect(await sendOutcome(bobInDm, 'after-unblock')).toBe('ack');
    expect((await api(server, bob, 'POST', '/api/dms', { userIds: [alice.id] })).status).toBe(200);
    aHub.send({ type: 'watch', userIds: [bob.id] });
    await nextHub(aHub, 'presence', (f) => f.userId === bob.id && f.state === 'online');
    for (const s of [aHub, bHub, cHub, bobInDm, aliceInDm, bobInChannel, aliceInChannel]) s.close();
  });
});
