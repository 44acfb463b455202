/**
 * SECURITY-TESTS Z3 (ASVS 8.3.2): membership and permission changes made over REST reach open
 * channel sockets at once — kicked, banned and leaving members are closed (4003) and the others
 * told to rotate keys; a timed-out member can read but not send; slow mode applies to the next
 * send, with moderators exempt.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../protocol/frames';
import { openChannel } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { api, community, join, setRole, setup, type TestUser } from './fixture';
import { FRANKING } from '../helpers/franking';
import { ON_THE_ROOM, SHARDED } from '../helpers/fanout';

let server: RunningServer;
let u: Record<'owner' | 'mod' | 'member' | 'other', TestUser>;
const sockets: TestSocket[] = [];


/** Close code for a member removed from the channel (durable-objects/ChannelRoom.ts). */
const CLOSE_REMOVED = 4003;
/** Z3: sockets must follow a change within one second. */
const WITHIN_MS = 1000;

async function open(user: TestUser, channelId: string): Promise<TestSocket> {
  const s = await openChannel(server, user, channelId);
  sockets.push(s);
  s.send({ type: 'hello', lastSeq: 0 });
  await s.next((f) => f.type === 'ready');
  return s;
}

const msgId = () => randomBytes(12).toString('base64url');
const send = (s: TestSocket, id = msgId()) => (s.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: 'AAAA' }), id);
const replyTo = (s: TestSocket, id: string) => s.next((f) => (f.type === 'ack' && f.clientMsgId === id) || (f.type === 'error' && f.error.ref === id));

/** A community with owner, moderator, member and other, and sockets for member and other. */
async function room() {
  const c = await community(server, u.owner);
  await join(server, u.owner, c.id, [u.mod, u.member, u.other]);
  await setRole(server, u.owner, c.id, u.mod, 'moderator');
  const member = await open(u.member, c.channelId);
  const other = await open(u.other, c.channelId);
  return { c, member, other };
}

async function expectRemoved(removed: TestSocket, witness: TestSocket, userId: string) {
  const closed = await removed.waitClosed(WITHIN_MS);
  expect(closed.code).toBe(CLOSE_REMOVED);
  const note = await witness.next<Extract<ServerFrame, { type: 'member-removed' }>>((f) => f.type === 'member-removed' && f.userId === userId, WITHIN_MS);
  expect(note.userId).toBe(userId);
}

// Every test here runs with fan-out on the room and with every socket on a relay shard of its own
// (issue #18 item 5): a change made over REST reaches a socket on a shard as at once.
describe.each([ON_THE_ROOM, SHARDED])('fan-out $name', (mode) => {
  beforeAll(async () => {
    ({ server, users: u } = await setup(['owner', 'mod', 'member', 'other'] as const, await mode.env()));
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await server?.kill();
  });

  describe('Z3: sockets follow membership at once', () => {
    it('Z3: a kicked member’s socket closes with 4003 within 1 s; the others hear member-removed; reconnect refused', async () => {
      const { c, member, other } = await room();
      expect((await api(server, u.mod, 'DELETE', `/api/communities/${c.id}/members/${u.member.id}`)).status).toBe(204);
      await expectRemoved(member, other, u.member.id);
      await expect(openChannel(server, u.member, c.channelId)).rejects.toThrow(/404/);
    });

    it('Z3: a banned member’s socket closes with 4003 within 1 s, no frames follow, and reconnect is refused', async () => {
      const { c, member, other } = await room();
      expect((await api(server, u.mod, 'POST', `/api/communities/${c.id}/bans`, { userId: u.member.id, reason: 'spam' })).status).toBe(201);
      await expectRemoved(member, other, u.member.id);
      const count = member.frames.length;
      const id = send(other);
      await replyTo(other, id);
      expect(member.frames.length).toBe(count);
      await expect(openChannel(server, u.member, c.channelId)).rejects.toThrow(/404/);
    });

    it('Z3: leaving closes your own sockets and tells the others', async () => {
      const { c, member, other } = await room();
      expect((await api(server, u.member, 'DELETE', `/api/communities/${c.id}/members/me`)).status).toBe(204);
      await expectRemoved(member, other, u.member.id);
    });

    it('Z3: a timed-out member gets forbidden on send but still receives; lifting the timeout restores sending', async () => {
      const { c, member, other } = await room();
      expect((await api(server, u.mod, 'POST', `/api/communities/${c.id}/members/${u.member.id}/timeout`, { seconds: 600 })).status).toBe(200);
      const id = send(member);
      const refused = await replyTo(member, id);
      expect(refused).toMatchObject({ type: 'error', error: { code: 'forbidden' } });
      const fromOther = send(other);
      const ack = await replyTo(other, fromOther);
      expect(ack.type).toBe('ack');
      await member.next((f) => f.type === 'envelope' && f.clientMsgId === fromOther, WITHIN_MS);
      expect(member.closed).toBeUndefined();

      await api(server, u.mod, 'POST', `/api/communities/${c.id}/members/${u.member.id}/timeout`, { seconds: 0 });
      const again = send(member);
      expect((await replyTo(member, again)).type).toBe('ack');
    });

    it('Z3: a deny-VIEW override closes the member’s socket at once', async () => {
      const { c, member, other } = await room();
      expect((await api(server, u.owner, 'PUT', `/api/channels/${c.channelId}/overrides`, { targetType: 'member', targetId: u.member.id, allow: 0, deny: 1 })).status).toBe(204);
      await expectRemoved(member, other, u.member.id);
    });

    it('Z3: slow mode set over REST applies to the next send; moderators are exempt', async () => {
      const { c, member } = await room();
      const mod = await open(u.mod, c.channelId);
      expect((await replyTo(member, send(member))).type).toBe('ack');
      expect((await api(server, u.owner, 'PATCH', `/api/channels/${c.channelId}`, { slowModeSeconds: 30 })).status).toBe(200);
      const second = await replyTo(member, send(member));
      expect(second).toMatchObject({ type: 'error', error: { code: 'slow_mode' } });
      expect((await replyTo(mod, send(mod))).type).toBe('ack');
      expect((await replyTo(mod, send(mod))).type).toBe('ack');
      // A member who connects later is held to it too (the setting is stored, not only pushed).
      const late = await open(u.other, c.channelId);
      expect((await replyTo(late, send(late))).type).toBe('ack');
      expect(await replyTo(late, send(late))).toMatchObject({ type: 'error', error: { code: 'slow_mode' } });
    });

    it('Z3: deleting the community closes every socket', async () => {
      const { c, member, other } = await room();
      expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}`)).status).toBe(204);
      expect((await member.waitClosed(WITHIN_MS)).code).toBe(CLOSE_REMOVED);
      expect((await other.waitClosed(WITHIN_MS)).code).toBe(CLOSE_REMOVED);
    });

    it('Z3: leaving a group DM closes your sockets in it and tells the others', async () => {
      const g = (await api(server, u.member, 'POST', '/api/dms', { userIds: [u.other.id, u.mod.id] })).body.channel;
      const member = await open(u.member, g.id);
      const other = await open(u.other, g.id);
      expect((await api(server, u.member, 'DELETE', `/api/dms/${g.id}/members/me`)).status).toBe(204);
      await expectRemoved(member, other, u.member.id);
      await expect(openChannel(server, u.member, g.id)).rejects.toThrow(/404/);
    });
  });

  describe('P10 + issue #20: the recipients epoch — an envelope sealed for an older set of recipients is refused, not stored', () => {
    const sendAt = (s: TestSocket, epoch: number | undefined, id = msgId()) => (s.send({ type: 'send', franking: FRANKING, clientMsgId: id, ciphertext: 'AAAA', ...(epoch === undefined ? {} : { epoch }) }), id);
    const epochOf = async (s: TestSocket) => ((await s.next((f) => f.type === 'ready')) as Extract<ServerFrame, { type: 'ready' }>).epoch;
    const nextEpoch = (s: TestSocket, above: number) => s.next<Extract<ServerFrame, { type: 'epoch' | 'member-removed' }>>((f) => (f.type === 'epoch' || f.type === 'member-removed') && f.epoch > above, WITHIN_MS * 5);

    it('a join, a device-list change and a removal each start a new epoch, told to every socket; a stale send gets members_changed and takes no seq', async () => {
      const c = await community(server, u.owner);
      await join(server, u.owner, c.id, [u.member]);
      const sender = await open(u.member, c.channelId);
      let epoch = await epochOf(sender);

      // A join: the newcomer was not among the recipients the sender sealed for.
      await join(server, u.owner, c.id, [u.other]);
      const joined = await nextEpoch(sender, epoch);
      expect(joined.type).toBe('epoch');
      const stale = sendAt(sender, epoch);
      const refused = await replyTo(sender, stale);
      expect(refused).toMatchObject({ type: 'error', error: { code: 'members_changed', ref: stale } });
      epoch = joined.epoch;
      const fresh = sendAt(sender, epoch);
      const ack = await replyTo(sender, fresh);
      expect(ack).toMatchObject({ type: 'ack', seq: 1 });

      // A device-list change of a member (an approval or a removal on their signed list).
      expect((await api(server, u.other, 'PUT', '/api/device-list', { version: 1, list: 'AAAA' })).status).toBe(204);
      const devices = await nextEpoch(sender, epoch);
      expect((await replyTo(sender, sendAt(sender, epoch))).type).toBe('error');
      epoch = devices.epoch;

      // A removal: member-removed carries the new epoch.
      expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/members/${u.other.id}`)).status).toBe(204);
      const removed = await nextEpoch(sender, epoch);
      expect(removed).toMatchObject({ type: 'member-removed', userId: u.other.id });
      expect((await replyTo(sender, sendAt(sender, epoch))).type).toBe('error');
      expect(await replyTo(sender, sendAt(sender, removed.epoch))).toMatchObject({ type: 'ack', seq: 2 });

      // A malformed epoch is refused by the schema like any bad field.
      const refusals = () => sender.frames.filter((f) => f.type === 'error' && f.error.code === 'validation_failed').length;
      for (const bad of [-1, 1.5, '3']) {
        const before = refusals();
        sender.send({ type: 'send', franking: FRANKING, clientMsgId: msgId(), ciphertext: 'AAAA', epoch: bad });
        await expect.poll(() => refusals(), { timeout: WITHIN_MS * 5 }).toBe(before + 1);
      }
      // A send without an epoch (a client from before it) is not checked; a newer epoch than the
      // room's (a room whose state was lost) is not refused either.
      expect(await replyTo(sender, sendAt(sender, undefined))).toMatchObject({ type: 'ack', seq: 3 });
      expect(await replyTo(sender, sendAt(sender, removed.epoch + 5))).toMatchObject({ type: 'ack', seq: 4 });
      // The refused ones were never stored: a reader from the start sees exactly seqs 1–4.
      const reader = await openChannel(server, u.owner, c.channelId);
      sockets.push(reader);
      reader.send({ type: 'hello', lastSeq: 0 });
      await reader.next((f) => f.type === 'ready');
      expect(reader.frames.filter((f) => f.type === 'envelope').map((f) => (f as { seq: number }).seq)).toEqual([1, 2, 3, 4]);
    });
  });
});
