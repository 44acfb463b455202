/**
 * Issue #16 item 4 on the real server: purge. A moderator counts, then deletes, a member's
 * messages over a time range in one channel or in every channel of the community, as tombstones
 * every reader receives; one audit event with the count. Members cannot, nor can a moderator
 * purge someone who outranks them, nor anyone outside the community.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvelopeOut } from '../../protocol/frames';
import { openChannel, type TestUser } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import type { TestSocket } from '../helpers/socket';
import { FRANKING } from '../helpers/franking';
import { api, community, join, setRole, uploadTinyFile, setup } from '../communities/fixture';

let server: RunningServer;
let owner: TestUser;
let u: Record<'mod' | 'bob' | 'carol' | 'outsider', TestUser>;

beforeAll(async () => {
  ({ server, operator: owner, users: u } = await setup(['mod', 'bob', 'carol', 'outsider'] as const));
});
afterAll(async () => {
  await server?.kill();
});

type Envelope = EnvelopeOut & { type: 'envelope' };

async function ready(user: TestUser, channelId: string): Promise<TestSocket> {
  const s = await openChannel(server, user, channelId);
  s.send({ type: 'hello', lastSeq: 0 });
  await s.next((f) => f.type === 'ready');
  return s;
}

async function send(s: TestSocket, id: string): Promise<{ seq: number; ts: number }> {
  s.send({ type: 'send', clientMsgId: id, ciphertext: 'QUFB', franking: FRANKING });
  return s.next<{ seq: number; ts: number }>((f) => f.type === 'ack' && f.clientMsgId === id);
}

describe('purge (issue #16 item 4)', () => {
  it('16.4: count, then delete a member’s messages over a time range, in a channel or the whole community; tombstones reach readers; audited once', async () => {
    const c = await community(server, owner);
    await join(server, owner, c.id, [u.mod, u.bob, u.carol]);
    await setRole(server, owner, c.id, u.mod, 'moderator');
    const second = (await api(server, owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'second', kind: 'text' })).body.channel.id as string;

    const bobA = await ready(u.bob, c.channelId);
    const bobB = await ready(u.bob, second);
    const carolA = await ready(u.carol, c.channelId);
    const a1 = await send(bobA, 'bob-a-0001');
    const a2 = await send(bobA, 'bob-a-0002');
    const a3 = await send(bobA, 'bob-a-0003');
    await send(bobB, 'bob-b-0001');
    await send(bobB, 'bob-b-0002');
    const keep = await send(carolA, 'carol-a-001');
    const purge = (who: TestUser, body: object) => api(server, who, 'POST', `/api/communities/${c.id}/members/${u.bob.id}/purge`, body);

    // Who may.
    expect((await purge(u.carol, { dryRun: true })).status).toBe(403);
    expect((await purge(u.outsider, { dryRun: true })).status).toBe(404);
    expect((await purge(null as unknown as TestUser, { dryRun: true })).status).toBe(401);
    expect((await api(server, u.mod, 'POST', `/api/communities/${c.id}/members/${owner.id}/purge`, { dryRun: true })).status).toBe(403);
    expect((await purge(u.mod, { channelId: 'x0000000000000000000000', dryRun: true })).status).toBe(404);
    expect((await api(server, u.mod, 'POST', `/api/communities/${c.id}/members/${u.outsider.id}/purge`, { dryRun: true })).status).toBe(404);

    // The count first: nothing changes.
    const counted = await purge(u.mod, { dryRun: true });
    expect(counted.body).toMatchObject({ count: 5, more: false, dryRun: true });
    expect(counted.body.channels).toHaveLength(2);
    expect(carolA.frames.some((f) => f.type === 'envelope' && (f as Envelope).kind === 'delete')).toBe(false);

    // One channel, from the second message on: two tombstones, live to readers.
    const some = await purge(u.mod, { channelId: c.channelId, since: a2.ts });
    expect(some.body).toMatchObject({ count: 2, dryRun: false });
    const deletes = async (n: number) => {
      await carolA.next((f) => f.type === 'envelope' && (f as Envelope).kind === 'delete' && carolA.frames.filter((x) => x.type === 'envelope' && (x as Envelope).kind === 'delete').length >= n);
      return carolA.frames.filter((f) => f.type === 'envelope' && (f as Envelope).kind === 'delete').map((f) => (f as Envelope).target);
    };
    expect((await deletes(2)).sort()).toEqual([a2.seq, a3.seq]);

    // The rest, everywhere.
    expect((await purge(u.mod, {})).body.count).toBe(3);
    expect((await deletes(3)).sort()).toEqual([a1.seq, a2.seq, a3.seq].sort());
    expect((await purge(u.mod, { dryRun: true })).body.count).toBe(0);
    const history = await ready(u.carol, c.channelId);
    await history.next((f) => f.type === 'envelope' && (f as Envelope).seq === keep.seq);
    const envelopes = history.frames.filter((f) => f.type === 'envelope') as Envelope[];
    expect(envelopes.filter((e) => e.sender === u.bob.id).every((e) => e.deleted)).toBe(true);
    expect(envelopes.find((e) => e.seq === keep.seq)?.deleted).toBeUndefined();

    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=messages_purged&limit=5');
    expect(audit.body.events.map((e: { detail: { count: number } }) => e.detail.count)).toEqual([3, 2]);
    for (const s of [bobA, bobB, carolA, history]) s.close();
  });

  it("16.4: a purge deletes the files the member began uploading there in its time range, not earlier ones nor anyone else's; a dry run only counts them", async () => {
    const c = await community(server, owner);
    await join(server, owner, c.id, [u.mod, u.bob, u.carol]);
    await setRole(server, owner, c.id, u.mod, 'moderator');
    const upload = (who: TestUser) => uploadTinyFile(server, who, c.channelId);
    const blobsOf = (id: string) => existsSync(joinPath(server.dataDir, 'blobs', 'files', id)) && readdirSync(joinPath(server.dataDir, 'blobs', 'files', id)).length > 0;
    const readable = async (id: string) => (await fetch(`${server.url}/api/files/${id}/content`, { headers: { Authorization: `Bearer ${u.carol.accessToken}` } })).status;

    const early = await upload(u.bob);
    const bobA = await ready(u.bob, c.channelId);
    const before = await send(bobA, 'bob-f-0001'); // the window starts at this message
    const [late, other] = await Promise.all([upload(u.bob), upload(u.carol)]);
    await send(bobA, 'bob-f-0002');
    expect([await readable(early), await readable(late), await readable(other)]).toEqual([200, 200, 200]);

    const purge = (body: object) => api(server, u.mod, 'POST', `/api/communities/${c.id}/members/${u.bob.id}/purge`, { channelId: c.channelId, ...body });
    const counted = await purge({ since: before.ts, dryRun: true });
    expect(counted.body).toMatchObject({ count: 2, files: 1, more: false, dryRun: true });
    expect(await readable(late)).toBe(200);

    const done = await purge({ since: before.ts });
    expect(done.body).toMatchObject({ count: 2, files: 1, dryRun: false });
    expect(done.body.channels).toEqual([{ channelId: c.channelId, count: 2, files: 1 }]);
    expect(await readable(late)).toBe(404);
    expect(blobsOf(late)).toBe(false);
    // Before the window, and someone else's: kept.
    expect([await readable(early), await readable(other)]).toEqual([200, 200]);
    expect(blobsOf(early) && blobsOf(other)).toBe(true);

    // Everything of theirs: the earlier file goes too.
    expect((await purge({})).body).toMatchObject({ count: 0, files: 1 });
    expect(await readable(early)).toBe(404);
    expect(await readable(other)).toBe(200);
    const audit = await api(server, owner, 'GET', '/api/admin/audit?event=messages_purged&limit=2');
    expect(audit.body.events.map((e: { detail: { files: number } }) => e.detail.files)).toEqual([1, 1]);
    bobA.close();
  });
});
