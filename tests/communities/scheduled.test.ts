/**
 * Issue #15 item 4, on the real server: scheduled messages. A member hands the room a sealed
 * message and a release time; the room's alarm releases it as that member's message while none
 * of their sockets is open. Pending ones are listed only to their sender, replaced by scheduling
 * the same clientMsgId again, cancelled, bounded per person; at release the room applies the
 * recipients-epoch rule of every send (held for the sender to seal again when someone joined or
 * left since) and the sender's standing (held, never sent, when they may no longer send).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../protocol/frames';
import { MAX_SCHEDULED_PER_USER, type ScheduledListOut } from '../../protocol/scheduled';
import { openChannel } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setup, type TestUser } from './fixture';
import { FRANKING } from '../helpers/franking';
import { ON_THE_ROOM, SHARDED } from '../helpers/fanout';

let server: RunningServer;
let operator: TestUser;
let u: Record<'owner' | 'member' | 'late' | 'reader', TestUser>;


type Envelope = Extract<ServerFrame, { type: 'envelope' }>;
type Err = Extract<ServerFrame, { type: 'error' }>;

async function ready(user: TestUser, channelId: string) {
  const socket = await openChannel(server, user, channelId);
  socket.send({ type: 'hello', lastSeq: 0 });
  const r = await socket.next<{ epoch: number }>((f) => f.type === 'ready');
  return { socket, epoch: r.epoch };
}

// With fan-out on the room and with every socket on a relay shard of its own (issue #18 item 5).
describe.each([ON_THE_ROOM, SHARDED])('scheduled messages, fan-out $name', (mode) => {
  beforeAll(async () => {
    ({ server, operator, users: u } = await setup(['owner', 'member', 'late', 'reader'] as const, await mode.env()));
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('15.4: a scheduled message is released by the room while its sender is offline, once, as their message; only they see it pending', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const { socket, epoch } = await ready(u.member, c.channelId);
    const watcher = await ready(u.owner, c.channelId);
    const at = Date.now() + 2_500;
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'later-0001', ciphertext: 'U0NIRUQx', at, epoch });
    const listed = await socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items.length === 1);
    expect(listed.items[0]).toMatchObject({ clientMsgId: 'later-0001', ciphertext: 'U0NIRUQx', at });
    // Nobody else hears of it, and nobody else's list shows it or can cancel it (ids are per sender).
    watcher.socket.send({ type: 'scheduled' });
    expect((await watcher.socket.next<ScheduledListOut>((f) => f.type === 'scheduled')).items).toEqual([]);
    watcher.socket.send({ type: 'unschedule', clientMsgId: 'later-0001' });
    expect((await watcher.socket.next<ScheduledListOut>((f) => f.type === 'scheduled')).items).toEqual([]);
    socket.close();

    const released = await watcher.socket.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'later-0001', 30_000);
    expect(released).toMatchObject({ sender: u.member.id, ciphertext: 'U0NIRUQx' });
    expect(released.ts).toBeGreaterThanOrEqual(at);
    // Back online, it is no longer pending, and history holds it once.
    const again = await ready(u.member, c.channelId);
    again.socket.send({ type: 'scheduled' });
    expect((await again.socket.next<ScheduledListOut>((f) => f.type === 'scheduled')).items).toEqual([]);
    again.socket.send({ type: 'history', after: 0, limit: 100 });
    const history = await again.socket.next<{ envelopes: Envelope[] }>((f) => f.type === 'history');
    expect(history.envelopes.filter((e) => e.clientMsgId === 'later-0001')).toHaveLength(1);
    again.socket.close();
    watcher.socket.close();
  }, 60_000);

  it('15.4: bad times, a timed-out member (theirs held until the timeout is lifted) and the per-person cap are refused; scheduling the same id again edits it; a cancelled one never arrives', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member, u.reader]);
    const { socket, epoch: first } = await ready(u.member, c.channelId);
    let epoch = first;
    const refusal = (id: string) => socket.next<Err>((f) => f.type === 'error' && f.error.ref === id);

    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'past-0001', ciphertext: 'QQ==', at: Date.now() - 1, epoch });
    expect((await refusal('past-0001')).error.code).toBe('validation_failed');
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'far-00001', ciphertext: 'QQ==', at: Date.now() + 400 * 86_400_000, epoch });
    expect((await refusal('far-00001')).error.code).toBe('validation_failed');
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'bad-00001', ciphertext: 'QQ==', at: 'soon' });
    expect((await socket.next<Err>((f) => f.type === 'error')).error.code).toBe('validation_failed');

    // A member timed out may read but not send: not schedule either, and what they scheduled
    // before is held at its time, never sent.
    const reader = await ready(u.reader, c.channelId);
    reader.socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'early-001', ciphertext: 'RUFSTFk=', at: Date.now() + 2_000, epoch: reader.epoch });
    await reader.socket.next((f) => f.type === 'scheduled' && f.items.length === 1);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/members/${u.reader.id}/timeout`, { seconds: 600 })).status).toBe(200);
    const timedOut = (await reader.socket.next<{ epoch: number }>((f) => f.type === 'epoch')).epoch;
    reader.socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'muted-001', ciphertext: 'QQ==', at: Date.now() + 60_000, epoch: timedOut });
    expect((await reader.socket.next<Err>((f) => f.type === 'error' && f.error.ref === 'muted-001')).error.code).toBe('forbidden');
    const forbidden = await reader.socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items[0]?.held !== undefined, 30_000);
    expect(forbidden.items[0]).toMatchObject({ clientMsgId: 'early-001', held: 'forbidden' });
    // Held past its time; once the timeout is lifted it goes back to waiting and is released.
    // A marker the owner schedules to come due after it: once the marker is out, so would it be.
    const owner = await ready(u.owner, c.channelId);
    owner.socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'marker-02', ciphertext: 'TUFSSw==', at: Math.max(Date.now() + 500, forbidden.items[0]!.at + 500), epoch: owner.epoch });
    await owner.socket.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'marker-02', 30_000);
    owner.socket.send({ type: 'history', after: 0, limit: 100 });
    expect((await owner.socket.next<{ envelopes: Envelope[] }>((f) => f.type === 'history')).envelopes.map((e) => e.clientMsgId)).not.toContain('early-001');
    // Lifted: it is due, but the lift changed who may send (a new recipients epoch), so the room
    // holds it for the reader's device to seal again — which it does under the same id.
    const back = await ready(u.reader, c.channelId);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/members/${u.reader.id}/timeout`, { seconds: 0 })).status).toBe(200);
    const resealing = await back.socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items[0]?.held === 'members_changed', 30_000);
    expect(resealing.items[0]!.clientMsgId).toBe('early-001');
    const epochNow = (await back.socket.next<{ epoch: number }>((f) => f.type === 'epoch')).epoch;
    back.socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'early-001', ciphertext: 'UkVTRUFMRUQ=', epoch: epochNow });
    const released = await owner.socket.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'early-001', 30_000);
    expect(released).toMatchObject({ sender: u.reader.id, ciphertext: 'UkVTRUFMRUQ=' });
    back.socket.close();
    owner.socket.close();
    reader.socket.close();
    // The timeout and its lifting changed who may send: a new recipients epoch, which the sender now seals for.
    epoch = (await socket.next<{ epoch: number }>((f) => f.type === 'epoch' && f.epoch >= epochNow)).epoch;

    // Up to the cap, then refused (sent in one burst; the send rate allows 10 a second, so paced).
    for (let i = 0; i < MAX_SCHEDULED_PER_USER; i++) {
      socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: `cap-${String(i).padStart(5, '0')}`, ciphertext: 'QQ==', at: Date.now() + 3_600_000, epoch });
      await socket.next((f) => (f.type === 'scheduled' && f.items.length === i + 1) || (f.type === 'error' && f.error.code === 'rate_limited'), 10_000).then(async (f) => {
        if (f.type !== 'error') return;
        await new Promise((r) => setTimeout(r, 1_100));
        i--;
      });
    }
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'cap-over1', ciphertext: 'QQ==', at: Date.now() + 3_600_000, epoch });
    expect((await refusal('cap-over1')).error.code).toBe('quota_exceeded');
    // Editing one of them is not a new one.
    const edited = Date.now() + 7_200_000;
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'cap-00003', ciphertext: 'RURJVA==', at: edited, epoch });
    const afterEdit = await socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items.some((i) => i.ciphertext === 'RURJVA=='));
    expect(afterEdit.items).toHaveLength(MAX_SCHEDULED_PER_USER);
    expect(afterEdit.items.find((i) => i.clientMsgId === 'cap-00003')).toMatchObject({ at: edited, ciphertext: 'RURJVA==' });
    for (let i = 0; i < MAX_SCHEDULED_PER_USER; i++) socket.send({ type: 'unschedule', clientMsgId: `cap-${String(i).padStart(5, '0')}` });
    await socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items.length === 0);

    // Cancelled before its time: the one scheduled after it arrives, it never does.
    const watcher = await ready(u.owner, c.channelId);
    await new Promise((r) => setTimeout(r, 1_100)); // a fresh second of send budget
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'cancel-01', ciphertext: 'Q0FOQ0VM', at: Date.now() + 1_500, epoch });
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'keep-0001', ciphertext: 'S0VFUA==', at: Date.now() + 2_500, epoch });
    socket.send({ type: 'unschedule', clientMsgId: 'cancel-01' });
    await socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items.length === 1 && f.items[0]!.clientMsgId === 'keep-0001');
    const seen: string[] = [];
    await watcher.socket.next<Envelope>((f) => (f.type === 'envelope' && seen.push(f.clientMsgId), f.type === 'envelope' && f.clientMsgId === 'keep-0001'), 30_000);
    expect(seen).not.toContain('cancel-01');
    socket.close();
    watcher.socket.close();
  }, 90_000);

  it('15.4: someone joined since it was sealed: held, not released, until the sender seals it again under the same id; a removed sender takes theirs along', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const { socket, epoch } = await ready(u.member, c.channelId);
    const watcher = await ready(u.owner, c.channelId);
    socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'held-0001', ciphertext: 'T0xE', at: Date.now() + 2_000, epoch });
    await socket.next((f) => f.type === 'scheduled' && f.items.length === 1);
    await join(server, u.owner, c.id, [u.late]);
    await socket.next((f) => f.type === 'epoch');
    const held = await socket.next<ScheduledListOut>((f) => f.type === 'scheduled' && f.items[0]?.held === 'members_changed', 30_000);
    expect(held.items[0]!.clientMsgId).toBe('held-0001');
    // Sealed again for the current members and sent under the same id: delivered, and no longer pending.
    const now = await ready(u.member, c.channelId);
    now.socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'held-0001', ciphertext: 'TkVX', epoch: now.epoch });
    await now.socket.next((f) => f.type === 'ack' && f.clientMsgId === 'held-0001');
    expect((await now.socket.next<ScheduledListOut>((f) => f.type === 'scheduled')).items).toEqual([]);
    const delivered = await watcher.socket.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'held-0001');
    expect(delivered.ciphertext).toBe('TkVX');

    // Kicked with one pending: it goes with them, and never arrives.
    now.socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'gone-0001', ciphertext: 'R09ORQ==', at: Date.now() + 2_000, epoch: now.epoch });
    await now.socket.next((f) => f.type === 'scheduled' && f.items.length === 1);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/members/${u.member.id}`)).status).toBe(204);
    // A marker the owner schedules to come due after it: once the marker is out, so would it be.
    const removed = await watcher.socket.next<{ epoch: number }>((f) => f.type === 'member-removed');
    watcher.socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'marker-01', ciphertext: 'TUFSSw==', at: Date.now() + 2_500, epoch: removed.epoch });
    await watcher.socket.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'marker-01', 30_000);
    watcher.socket.send({ type: 'history', after: 0, limit: 100 });
    const history = await watcher.socket.next<{ envelopes: Envelope[] }>((f) => f.type === 'history');
    expect(history.envelopes.map((e) => e.clientMsgId)).not.toContain('gone-0001');
    // A quarantined account (issue #16) may not schedule either.
    expect((await api(server, operator, 'POST', `/api/admin/users/${u.late.id}/quarantine`, { reason: 'review' })).status).toBe(200);
    const held2 = await ready(u.late, c.channelId);
    held2.socket.send({ type: 'schedule', franking: FRANKING, clientMsgId: 'quar-0001', ciphertext: 'UQ==', at: Date.now() + 60_000, epoch: held2.epoch });
    expect((await held2.socket.next<Err>((f) => f.type === 'error' && f.error.ref === 'quar-0001')).error.code).toBe('forbidden');
    held2.socket.close();
    expect((await api(server, operator, 'DELETE', `/api/admin/users/${u.late.id}/quarantine`)).status).toBe(204);

    socket.close();
    now.socket.close();
    watcher.socket.close();
  }, 90_000);
});
