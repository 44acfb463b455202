/**
 * Read receipts (issue 5 item 3): with the `readReceipts` setting on, a `read` on the user's hub is
 * relayed by the channel's room to its connected sockets as `{type:'read', userId, seq}`; with it
 * off, nothing about the user's reading reaches anyone else. Against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommunity, joinCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { addDevice, nextHub, openHub } from './helpers';
import { FRANKING } from '../helpers/franking';

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let channelId: string;
let aliceDevice: string;
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  alice = await registerUser(server, 'rr_alice');
  bob = await registerUser(server, 'rr_bob');
  const c = await createCommunity(server, alice, 'receipts');
  channelId = c.channelId;
  await joinCommunity(server, alice, c.communityId, [bob]);
  aliceDevice = await addDevice(server, alice, 'a1');
});
afterAll(async () => server?.kill());

type Read = { type: 'read'; userId: string; seq: number };
const reads = (s: TestSocket) => s.frames.filter((f) => (f as { type: string }).type === 'read') as unknown as Read[];

async function post(sender: TestSocket, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) sender.send({ type: 'send', franking: FRANKING, clientMsgId: `${tag}-${i}-xxxxxx`, ciphertext: 'AAAA' });
  await sender.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === `${tag}-${n - 1}-xxxxxx`);
}

describe('read receipts', () => {
  it('on (the default): a read on the hub reaches the channel’s other members as `read`', async () => {
    const bobRoom = await openChannel(server, bob, channelId);
    await post(bobRoom, 3, 'on');
    const hub = await openHub(server, alice, aliceDevice);
    expect(hub.frames.find((f) => (f as { type: string }).type === 'ready')).toMatchObject({ settings: { readReceipts: true } });
    hub.send({ type: 'read', channelId, seq: 2 });
    await nextHub(hub, 'unread', (f) => f.channelId === channelId && f.readSeq === 2);
    expect(await bobRoom.next((f) => (f as { type: string }).type === 'read')).toEqual({ type: 'read', userId: alice.id, seq: 2 });
    hub.close();
    bobRoom.close();
  });

  it('off: reads move the user’s own counts but no receipt leaves the hub; back on, receipts resume', async () => {
    const bobRoom = await openChannel(server, bob, channelId);
    await post(bobRoom, 3, 'off');
    const hub = await openHub(server, alice, aliceDevice);
    hub.send({ type: 'settings', readReceipts: false });
    await nextHub(hub, 'settings', (f) => f.settings.readReceipts === false);
    hub.send({ type: 'read', channelId, seq: 4 });
    await nextHub(hub, 'unread', (f) => f.channelId === channelId && f.readSeq === 4);
    hub.send({ type: 'read', channelId, seq: 5 });
    await nextHub(hub, 'unread', (f) => f.channelId === channelId && f.readSeq === 5);
    // The setting is stored: a reconnecting device gets it in `ready`.
    hub.close();
    const again = await openHub(server, alice, aliceDevice);
    expect(again.frames.find((f) => (f as { type: string }).type === 'ready')).toMatchObject({ settings: { readReceipts: false } });
    again.send({ type: 'settings', readReceipts: true });
    await nextHub(again, 'settings', (f) => f.settings.readReceipts === true);
    again.send({ type: 'read', channelId, seq: 6 });
    // The first receipt bob sees is the one after the setting came back on: 4 and 5 never left.
    expect(await bobRoom.next((f) => (f as { type: string }).type === 'read')).toEqual({ type: 'read', userId: alice.id, seq: 6 });
    await new Promise((r) => setTimeout(r, 200));
    expect(reads(bobRoom).map((r) => r.seq)).toEqual([6]);
    again.close();
    bobRoom.close();
  });
});
