/**
 * Deleting a device (DELETE /api/devices/{id}) closes that device's hub socket with 4004 and
 * purges its inbox, while the user's other devices keep theirs: against the real server, and
 * the purge itself on the UserHub core with an in-memory store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createCommunity, joinCommunity, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { CLOSE_DEVICE_REMOVED, UserHub, type HubConnection, type HubConnectionRegistry } from '../../durable-objects/UserHub';
import { MemoryHubStore } from '../../durable-objects/UserHubStore';
import { addDevice, nextHub, openHub } from './helpers';

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  alice = await registerUser(server, 'dr_alice');
  bob = await registerUser(server, 'dr_bob');
  const c = await createCommunity(server, alice, 'device removal');
  await joinCommunity(server, alice, c.communityId, [bob]);
});
afterAll(async () => server?.kill());

const ct = (s: string) => Buffer.from(s).toString('base64');

describe('device removal', () => {
  it('closes the deleted device’s hub socket with 4004; it cannot come back; the other device keeps its inbox', async () => {
    const a1 = await addDevice(server, alice, 'a1');
    const [b1, b2] = [await addDevice(server, bob, 'b1'), await addDevice(server, bob, 'b2')];
    const sender = await openHub(server, alice, a1);
    sender.send({ type: 'deliver', clientMsgId: 'dr-00000001', to: [{ userId: bob.id, deviceId: b1 }, { userId: bob.id, deviceId: b2 }], ciphertext: ct('for both') });
    await nextHub(sender, 'delivered', (f) => f.clientMsgId === 'dr-00000001' && f.failed.length === 0);
    const removed = await openHub(server, bob, b1);
    await nextHub(removed, 'inbox');

    expect((await call(server, bob, 'DELETE', `/api/devices/${b1}`)).status).toBe(204);
    await removed.waitClosing(5_000);
    expect((await removed.waitClosed(30_000)).code).toBe(CLOSE_DEVICE_REMOVED);
    await expect(TestSocket.open(`${server.wsUrl}/ws/hub?device=${b1}`, {}, ['chatalot.v1', `bearer.${bob.accessToken}`])).rejects.toThrow(/404/);

    // Deliveries to it now fail; the other device still has its item.
    sender.send({ type: 'deliver', clientMsgId: 'dr-00000002', to: [{ userId: bob.id, deviceId: b1 }], ciphertext: ct('too late') });
    expect((await nextHub(sender, 'delivered', (f) => f.clientMsgId === 'dr-00000002')).failed).toEqual([{ userId: bob.id, deviceId: b1, code: 'not_found' }]);
    const kept = await openHub(server, bob, b2);
    expect(await nextHub(kept, 'inbox')).toMatchObject({ ciphertext: ct('for both') });
    for (const s of [sender, kept]) s.close();
  }, 60_000);

  it('purges the deleted device’s inbox, tombstones included, and nothing of the other devices', async () => {
    const store = new MemoryHubStore();
    const conns = new Map<WebSocket, HubConnection>();
    const registry: HubConnectionRegistry = { all: () => conns.values(), get: (s) => conns.get(s), remove: (s) => void conns.delete(s), save: () => undefined };
    const directory = { sharing: async () => new Set<string>(), devicesOf: async () => ['d1', 'd2'], permissions: async () => 3, recipients: async () => [] };
    const hub = new UserHub(store, registry, directory, { deliver: async () => [], follow: async () => 'offline', presence: async () => false, typing: async () => undefined }, () => 1_000);
    hub.bind('bob');
    for (const deviceId of ['d1', 'd1', 'd2']) await hub.acceptDelivery({ from: { userId: 'alice', deviceId: 'a1' }, clientMsgId: `m-${Math.random().toString(36).slice(2, 10)}`, deviceIds: [deviceId], ciphertext: 'AAAA', ts: 1 });
    const closed: number[] = [];
    const socket = { send: () => undefined, close: (code: number) => closed.push(code) } as unknown as WebSocket;
    conns.set(socket, { socket, identity: { userId: 'bob', deviceId: 'd1', sessionId: 's', expiresAt: 10_000_000, state: 'online', sentUpTo: 0 } });
    expect(store.inboxUsage('d1').items).toBe(2);
    expect(await hub.deviceRemoved('d1')).toBe(1);
    expect(closed).toEqual([CLOSE_DEVICE_REMOVED]);
    expect(store.inboxUsage('d1').items).toBe(0);
    expect(store.inboxAfter('d1', 0, 100)).toEqual([]);
    expect(store.inboxUsage('d2').items).toBe(1);
  });
});
