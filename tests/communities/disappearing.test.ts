/**
 * Issue #15 item 5, on the real server: disappearing messages. A channel's timer (5 minutes to
 * 4 weeks) is set by whoever may manage the channel; the room stamps each message accepted under
 * it with `expiresAt`, and once that time has passed it erases the message and everything about
 * it (its edits and reactions) the way a delete erases: tombstones in history, the bytes
 * overwritten in place. The clock is moved on by restarting the server with
 * CHATALOT_CLOCK_OFFSET_MS, as the account tests do; the room erases what ran out as it starts.
 * The database files are not scanned: workerd's Durable Object SQLite keeps recent pages in its
 * write-ahead log and refuses wal_checkpoint, so a fresh message is not in the main file yet and
 * the log keeps the old page images for a while (checked: without the timer the main file does
 * not hold the message either). SECURITY.md says so, as for deleted messages (#11.10).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../protocol/frames';
import { openChannel } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { api, community, join, setup, type TestUser } from './fixture';
import { FRANKING } from '../helpers/franking';

let server: RunningServer;
let u: Record<'owner' | 'member' | 'stranger', TestUser>;

beforeAll(async () => {
  ({ server, users: u } = await setup(['owner', 'member', 'stranger'] as const));
});
afterAll(async () => {
  await server?.kill();
});

type Envelope = Extract<ServerFrame, { type: 'envelope' }>;

describe('disappearing messages', () => {
  it('15.5: the timer is bounded and needs MANAGE_CHANNELS; a message sent under it carries expiresAt and is erased with its edit and reaction once it runs out', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const path = `/api/channels/${c.channelId}`;
    expect((await api(server, u.owner, 'PATCH', path, { disappearSeconds: 60 })).body.error.code).toBe('validation_failed');
    expect((await api(server, u.owner, 'PATCH', path, { disappearSeconds: 29 * 86_400 })).body.error.code).toBe('validation_failed');
    expect((await api(server, u.member, 'PATCH', path, { disappearSeconds: 300 })).status).toBe(403);
    const set = await api(server, u.owner, 'PATCH', path, { disappearSeconds: 300 });
    expect(set.status).toBe(200);
    expect(set.body.channel.disappearSeconds).toBe(300);

    // Ciphertexts the test can find again: base64 text, as the protocol carries them.
    const canary = `dis${randomBytes(24).toString('hex')}A`;
    const socket = await openChannel(server, u.member, c.channelId);
    socket.send({ type: 'hello', lastSeq: 0 });
    await socket.next((f) => f.type === 'ready');
    const watcher = await openChannel(server, u.owner, c.channelId);
    watcher.send({ type: 'hello', lastSeq: 0 });
    await watcher.next((f) => f.type === 'ready');
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'vanishing-1', ciphertext: `${canary}mmm` });
    const message = await watcher.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'vanishing-1');
    expect(message.expiresAt).toBe(message.ts + 300_000);
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'vanishing-e', kind: 'edit', target: message.seq, ciphertext: `${canary}eee` });
    watcher.send({ type: 'send', clientMsgId: 'vanishing-r', kind: 'reaction', target: message.seq, ciphertext: `${canary}rrr` });
    const reaction = await socket.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'vanishing-r');
    // Only messages carry the stamp: what is about them goes with them.
    expect(reaction.expiresAt).toBeUndefined();
    // Turned off, the next message stays.
    expect((await api(server, u.owner, 'PATCH', path, { disappearSeconds: null })).body.channel.disappearSeconds).toBeNull();
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'staying-1', ciphertext: 'U1RBWQ==' });
    const staying = await watcher.next<Envelope>((f) => f.type === 'envelope' && f.clientMsgId === 'staying-1');
    expect(staying.expiresAt).toBeUndefined();
    socket.close();
    watcher.close();

    // Five minutes and a second later.
    const dataDir = server.dataDir;
    await server.stop();
    server = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open', CHATALOT_CLOCK_OFFSET_MS: String(301_000) } });
    const late = await openChannel(server, u.owner, c.channelId);
    late.send({ type: 'history', after: 0, limit: 10 });
    const history = await late.next<{ envelopes: Envelope[] }>((f) => f.type === 'history');
    const bySeq = new Map(history.envelopes.map((e) => [e.seq, e]));
    for (const seq of [message.seq, message.seq + 1, reaction.seq]) expect(bySeq.get(seq), `seq ${seq}`).toMatchObject({ ciphertext: '', deleted: true });
    expect(bySeq.get(staying.seq)).toMatchObject({ ciphertext: 'U1RBWQ==' });
    expect(JSON.stringify(history)).not.toContain(canary);
    late.close();
  }, 120_000);

  it('15.5: in a DM either person may set the timer (a stranger gets 404); its messages carry expiresAt', async () => {
    // Sharing a community lets them DM directly (no request).
    const c = await community(server, u.owner, 'dm place');
    await join(server, u.owner, c.id, [u.member]);
    const dm = await api(server, u.owner, 'POST', '/api/dms', { userIds: [u.member.id] });
    expect([200, 201]).toContain(dm.status);
    const id = dm.body.channel.id as string;
    expect((await api(server, u.stranger, 'PATCH', `/api/dms/${id}`, { disappearSeconds: 3600 })).status).toBe(404);
    expect((await api(server, u.member, 'PATCH', `/api/dms/${id}`, { disappearSeconds: 10 })).body.error.code).toBe('validation_failed');
    // A 1:1 DM has no accent of its own.
    expect((await api(server, u.member, 'PATCH', `/api/dms/${id}`, { accent: '#336699' })).status).toBe(409);
    const set = await api(server, u.member, 'PATCH', `/api/dms/${id}`, { disappearSeconds: 3600 });
    expect(set.status).toBe(200);
    expect(set.body.channel.disappearSeconds).toBe(3600);
    expect(((await api(server, u.owner, 'GET', '/api/dms')).body.dms as { id: string; disappearSeconds: number }[]).find((d) => d.id === id)?.disappearSeconds).toBe(3600);
    const socket = await openChannel(server, u.owner, id);
    socket.send({ type: 'hello', lastSeq: 0 });
    await socket.next((f) => f.type === 'ready');
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'dm-vanishing', ciphertext: 'RE1ETQ==' });
    const ack = await socket.next<Extract<ServerFrame, { type: 'ack' }>>((f) => f.type === 'ack' && f.clientMsgId === 'dm-vanishing');
    expect(ack.expiresAt).toBe(ack.ts + 3_600_000);
    socket.close();
  });
});
