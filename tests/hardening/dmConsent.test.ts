/**
 * Hardening #11.8: creating a DM used to defeat "only people who share something" — after
 * `POST /api/dms` with a victim, a stranger's hub `watch` and `deliver` worked, and the victim
 * could neither leave the 1:1 DM nor block it. Now a DM from someone the recipient's `dmPolicy`
 * does not take directly is a request: until it is accepted its starter may read but not send,
 * and the two share nothing (no presence, deliveries or keys). Declining, or leaving an accepted
 * 1:1 DM, blocks it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createCommunity, joinCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { addDevice, nextHub, openHub } from '../hub/helpers';
import { FRANKING } from '../helpers/franking';

describe('#11.8 DMs need the recipient\'s consent', () => {
  let server: RunningServer;
  let tag = 0;
  const user = (name: string) => registerUser(server, `${name}${Date.now() % 100000}${tag++}`);
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  });
  afterAll(() => server?.kill());

  /** Whether `from`'s hub may watch `to` and deliver to one of `to`'s devices. */
  async function hubReach(from: TestUser, fromDevice: string, to: TestUser, toDevice: string): Promise<{ watch: string; deliver: string }> {
    const hub = await openHub(server, from, fromDevice);
    hub.send({ type: 'watch', userIds: [to.id] });
    const watched = await Promise.race([nextHub(hub, 'presence', (f) => f.userId === to.id).then(() => 'presence'), nextHub(hub, 'error', (f) => f.error.ref === to.id).then((f) => f.error.code)]);
    const id = `reach-${Math.random().toString(36).slice(2, 10)}`;
    hub.send({ type: 'deliver', clientMsgId: id, to: [{ userId: to.id, deviceId: toDevice }], ciphertext: 'QUFBQQ==' });
    const delivered = await Promise.race([nextHub(hub, 'delivered', (f) => f.clientMsgId === id).then(() => 'delivered'), nextHub(hub, 'error', (f) => f.error.ref === id).then((f) => f.error.code)]);
    hub.close();
    return { watch: watched, deliver: delivered };
  }

  it('Z1 a stranger\'s DM is a request: pending for the starter, listed for the recipient, and until accepted no send, presence, delivery or keys; accepting opens all of it', async () => {
    const stranger = await user('stranger');
    const victim = await user('victim');
    const [sd, vd] = [await addDevice(server, stranger), await addDevice(server, victim)];
    const created = await call(server, stranger, 'POST', '/api/dms', { userIds: [victim.id] });
    expect(created.status).toBe(201);
    const dm = created.body!.channel as { id: string; memberIds: string[]; pendingIds: string[] };
    expect(dm.memberIds).toEqual([stranger.id]);
    expect(dm.pendingIds).toEqual([victim.id]);
    const listed = (await call(server, victim, 'GET', '/api/dms')).body!;
    expect((listed.dms as { id: string }[]).map((d) => d.id)).not.toContain(dm.id);
    expect((listed.requests as { id: string }[]).map((d) => d.id)).toEqual([dm.id]);

    const socket = await openChannel(server, stranger, dm.id);
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'request-spam-1', ciphertext: 'U1BBTQ==' });
    expect((await socket.next<{ error: { code: string } }>((f) => f.type === 'error')).error.code).toBe('forbidden');
    expect(await hubReach(stranger, sd, victim, vd)).toEqual({ watch: 'forbidden', deliver: 'forbidden' });
    expect((await call(server, stranger, 'POST', `/api/users/${victim.id}/bundles`)).status).toBe(404);
    // The victim's side is not a member yet either: no socket into it.
    await expect(openChannel(server, victim, dm.id)).rejects.toThrow(/404/);

    const accepted = await call(server, victim, 'POST', `/api/dms/${dm.id}/accept`);
    expect(accepted.status).toBe(200);
    expect((accepted.body!.channel as { memberIds: string[] }).memberIds.sort()).toEqual([stranger.id, victim.id].sort());
    const after = await openChannel(server, stranger, dm.id);
    after.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-accept-1', ciphertext: 'SEk=' });
    expect(await after.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });
    expect(await hubReach(stranger, sd, victim, vd)).toEqual({ watch: 'presence', deliver: 'delivered' });
    socket.close();
    after.close();
  });

  it('Z1 declining (or leaving an accepted 1:1 DM) blocks it: the other side can no longer send or reach the decliner, is not told, and starting a new DM returns the same blocked one', async () => {
    const a = await user('asker');
    const b = await user('blocker');
    const [ad, bd] = [await addDevice(server, a), await addDevice(server, b)];
    const dm = (await call(server, a, 'POST', '/api/dms', { userIds: [b.id] })).body!.channel as { id: string };
    expect((await call(server, b, 'POST', `/api/dms/${dm.id}/accept`)).status).toBe(200);
    expect((await hubReach(a, ad, b, bd)).deliver).toBe('delivered');

    expect((await call(server, b, 'POST', `/api/dms/${dm.id}/decline`)).status).toBe(204);
    const socket = await openChannel(server, a, dm.id);
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-block-1', ciphertext: 'SEk=' });
    expect((await socket.next<{ error: { code: string } }>((f) => f.type === 'error')).error.code).toBe('forbidden');
    expect(await hubReach(a, ad, b, bd)).toEqual({ watch: 'forbidden', deliver: 'forbidden' });
    const again = await call(server, a, 'POST', '/api/dms', { userIds: [b.id] });
    expect(again.status).toBe(200);
    expect(again.body!.channel).toMatchObject({ id: dm.id, pendingIds: [b.id] });
    // Declined is out of the decliner's requests too; accepting again undoes the block.
    expect(((await call(server, b, 'GET', '/api/dms')).body!.requests as unknown[]).length).toBe(0);
    expect((await call(server, b, 'POST', `/api/dms/${dm.id}/accept`)).status).toBe(200);
    socket.close();
    // Nobody outside the DM can answer for it.
    const outsider = await user('outsider');
    expect((await call(server, outsider, 'POST', `/api/dms/${dm.id}/decline`)).status).toBe(404);
  });

  it('Z1 dmPolicy: people who share a community DM directly by default; "requests" makes even them ask; "everyone" takes strangers directly', async () => {
    const owner = await user('owner');
    const member = await user('member');
    const { communityId } = await createCommunity(server, owner);
    await joinCommunity(server, owner, communityId, [member]);
    const direct = (await call(server, owner, 'POST', '/api/dms', { userIds: [member.id] })).body!.channel as { pendingIds: string[] };
    expect(direct.pendingIds).toEqual([]);

    const careful = await user('careful');
    await joinCommunity(server, owner, communityId, [careful]);
    expect((await call(server, careful, 'PATCH', '/api/me', { dmPolicy: 'requests' })).body).toMatchObject({ dmPolicy: 'requests' });
    expect(((await call(server, owner, 'POST', '/api/dms', { userIds: [careful.id] })).body!.channel as { pendingIds: string[] }).pendingIds).toEqual([careful.id]);

    const open = await user('open');
    await call(server, open, 'PATCH', '/api/me', { dmPolicy: 'everyone' });
    const stranger = await user('anyone');
    expect(((await call(server, stranger, 'POST', '/api/dms', { userIds: [open.id] })).body!.channel as { pendingIds: string[] }).pendingIds).toEqual([]);
    expect((await call(server, open, 'PATCH', '/api/me', { dmPolicy: 'nobody-at-all' })).status).toBe(400);
  });
});
