/**
 * Issue #16 item 5, on the real server: quarantine. An instance admin holds an account to reading
 * pending review, with a reason its owner sees. The account still signs in and reads its channels,
 * but may not send or react (in channels and DMs, also on a socket opened before), start DMs,
 * upload (files, avatars) or invite — `quarantined` (403) on the routes, `forbidden` in the room.
 * Lifting it gives everything back. Only admins may do it, never to themselves or the owner; each
 * change is audited. The authorization matrix for the routes is in tests/auth/tokens.test.ts.
 * Everything runs twice: fan-out on the room, and every socket on a relay shard of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../protocol/frames';
import { openChannel, TEST_PASSWORD } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setRole, setup, type TestUser } from '../communities/fixture';
import { FRANKING } from '../helpers/franking';
import { Permission } from '../../protocol/permissions';
import { ON_THE_ROOM, SHARDED } from '../helpers/fanout';

let server: RunningServer;
let owner: TestUser;
let u: Record<'bob' | 'carol', TestUser>;

type Err = Extract<ServerFrame, { type: 'error' }>;

// With fan-out on the room and with every socket on a relay shard of its own (issue #18 item 5):
// a socket opened before the quarantine follows it at once on a shard too.
describe.each([ON_THE_ROOM, SHARDED])('quarantine, fan-out $name', (mode) => {
  beforeAll(async () => {
    ({ server, operator: owner, users: u } = await setup(['bob', 'carol'] as const, await mode.env()));
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('16.5: a quarantined account reads but cannot send, react, start DMs, upload or invite; lifted, it can again; audited', async () => {
    const c = await community(server, owner);
    await join(server, owner, c.id, [u.bob, u.carol]);
    await setRole(server, owner, c.id, u.bob, 'moderator');
    const dm = await api(server, u.bob, 'POST', '/api/dms', { userIds: [u.carol.id] });
    expect(dm.status).toBe(201);
    const dmId = dm.body.channel.id as string;

    // Bob's socket, open before the quarantine: it follows at once.
    const live = await openChannel(server, u.bob, c.channelId);
    live.send({ type: 'hello', lastSeq: 0 });
    await live.next((f) => f.type === 'ready');
    live.send({ type: 'send', franking: FRANKING, clientMsgId: 'before-q-1', ciphertext: 'QkVGT1JF' });
    const first = await live.next<{ seq: number }>((f) => f.type === 'ack' && f.clientMsgId === 'before-q-1');

    // Who may quarantine whom.
    expect((await api(server, u.carol, 'POST', `/api/admin/users/${u.bob.id}/quarantine`, { reason: 'spam' })).status).toBe(403);
    expect((await api(server, owner, 'POST', `/api/admin/users/${owner.id}/quarantine`, { reason: 'self' })).status).toBe(403);
    expect((await api(server, owner, 'POST', '/api/admin/users/x0000000000000000000000/quarantine', { reason: 'nobody' })).status).toBe(404);
    expect((await api(server, owner, 'POST', `/api/admin/users/${u.bob.id}/quarantine`, { reason: '' })).body.error.code).toBe('validation_failed');
    const q = await api(server, owner, 'POST', `/api/admin/users/${u.bob.id}/quarantine`, { reason: 'Posting links to scams' });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ userId: u.bob.id, reason: 'Posting links to scams' });

    // Still signs in and sees why.
    expect((await api(server, null, 'POST', '/api/auth/login', { username: u.bob.username, password: TEST_PASSWORD })).status).toBe(200);
    expect((await api(server, u.bob, 'GET', '/api/me')).body.quarantine).toEqual({ since: q.body.quarantinedAt, reason: 'Posting links to scams' });

    // Reads, but the live socket and a new one refuse sending and reacting.
    live.send({ type: 'send', franking: FRANKING, clientMsgId: 'during-q-1', ciphertext: 'RFVSSU5H' });
    expect((await live.next<Err>((f) => f.type === 'error' && f.error.ref === 'during-q-1')).error.code).toBe('forbidden');
    const fresh = await openChannel(server, u.bob, c.channelId);
    fresh.send({ type: 'hello', lastSeq: 0 });
    await fresh.next((f) => f.type === 'envelope' && f.clientMsgId === 'before-q-1');
    await fresh.next((f) => f.type === 'ready');
    fresh.send({ type: 'send', clientMsgId: 'react-q-1', kind: 'reaction', target: first.seq, ciphertext: 'UkVBQ1Q=' });
    expect((await fresh.next<Err>((f) => f.type === 'error' && f.error.ref === 'react-q-1')).error.code).toBe('forbidden');
    const inDm = await openChannel(server, u.bob, dmId);
    inDm.send({ type: 'hello', lastSeq: 0 });
    await inDm.next((f) => f.type === 'ready');
    inDm.send({ type: 'send', franking: FRANKING, clientMsgId: 'dm-q-0001', ciphertext: 'RE0=' });
    expect((await inDm.next<Err>((f) => f.type === 'error' && f.error.ref === 'dm-q-0001')).error.code).toBe('forbidden');

    // No new DMs, uploads or invites.
    expect((await api(server, u.bob, 'POST', '/api/dms', { userIds: [owner.id] })).body.error.code).toBe('quarantined');
    expect((await api(server, u.bob, 'PUT', '/api/me/avatar', 'not an image')).body.error.code).toBe('quarantined');
    expect((await api(server, u.bob, 'POST', '/api/files', { channelId: c.channelId, size: 100 })).status).toBe(403);
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/invites`, {})).body.error.code).toBe('quarantined');
    // Carol is untouched.
    expect((await api(server, u.carol, 'POST', `/api/dms`, { userIds: [owner.id] })).status).toBe(201);

    // Lifted: everything comes back, on the sockets already open too.
    expect((await api(server, u.carol, 'DELETE', `/api/admin/users/${u.bob.id}/quarantine`)).status).toBe(403);
    expect((await api(server, owner, 'DELETE', `/api/admin/users/${u.bob.id}/quarantine`)).status).toBe(204);
    expect((await api(server, u.bob, 'GET', '/api/me')).body.quarantine).toBeNull();
    live.send({ type: 'send', franking: FRANKING, clientMsgId: 'after-q-01', ciphertext: 'QUZURVI=' });
    await live.next((f) => f.type === 'ack' && f.clientMsgId === 'after-q-01');
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/invites`, {})).status).toBe(201);
    expect((await api(server, owner, 'DELETE', `/api/admin/users/${u.bob.id}/quarantine`)).status).toBe(204);

    const events = (await api(server, owner, 'GET', `/api/admin/audit?userId=${u.bob.id}`)).body.events as { event: string; detail: Record<string, string> }[];
    expect(events.filter((e) => e.event === 'account_quarantined').map((e) => e.detail)).toEqual([{ by: owner.id, reason: 'Posting links to scams' }]);
    expect(events.filter((e) => e.event === 'quarantine_lifted')).toHaveLength(1);
    for (const s of [live, fresh, inDm]) s.close();
  }, 90_000);

  it('16.5: a quarantined moderator does not moderate, and a quarantined admin has no admin panel, until it is lifted', async () => {
    const c = await community(server, owner, 'Held moderators');
    await join(server, owner, c.id, [u.bob, u.carol]);
    await setRole(server, owner, c.id, u.bob, 'moderator');
    expect((await api(server, owner, 'PATCH', `/api/admin/users/${u.bob.id}`, { instanceRole: 'admin' })).status).toBe(200);
    expect((await api(server, u.bob, 'GET', '/api/admin/users?q=carol')).status).toBe(200);
    expect((await api(server, owner, 'POST', `/api/admin/users/${u.bob.id}/quarantine`, { reason: 'Under review' })).status).toBe(200);

    const permissions = (await api(server, u.bob, 'GET', `/api/communities/${c.id}`)).body.permissions as number;
    expect(permissions & (Permission.KICK | Permission.BAN | Permission.TIMEOUT | Permission.MANAGE_MESSAGES)).toBe(0);
    expect(permissions & Permission.VIEW).toBe(Permission.VIEW);
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/members/${u.carol.id}/warnings`, { reason: 'x' })).status).toBe(403);
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/members/${u.carol.id}/purge`, { dryRun: true })).status).toBe(403);
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/members/${u.carol.id}/timeout`, { seconds: 60 })).status).toBe(403);
    expect((await api(server, u.bob, 'DELETE', `/api/communities/${c.id}/members/${u.carol.id}`)).status).toBe(403);
    expect((await api(server, u.bob, 'GET', `/api/communities/${c.id}/reports`)).status).toBe(403);
    // Staff by role is no way around it: personal groups are a moderator's to make.
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/personal-groups`, { userId: u.carol.id, name: 'carols-corner' })).status).toBe(403);
    for (const [method, path] of [
      ['GET', '/api/admin/users?q=carol'],
      ['GET', '/api/admin/reports'],
      ['GET', '/api/admin/audit'],
      ['POST', `/api/admin/users/${u.carol.id}/suspend`],
    ] as const) {
      const r = await api(server, u.bob, method, path, method === 'POST' ? { reason: 'x' } : undefined);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code, `${method} ${path}`).toBe('quarantined');
    }
    // Nothing happened to Carol.
    expect((await api(server, owner, 'GET', `/api/communities/${c.id}/members/${u.carol.id}/warnings`)).body.warnings).toEqual([]);

    expect((await api(server, owner, 'DELETE', `/api/admin/users/${u.bob.id}/quarantine`)).status).toBe(204);
    expect((await api(server, u.bob, 'POST', `/api/communities/${c.id}/members/${u.carol.id}/warnings`, { reason: 'Now I may' })).status).toBe(201);
    expect((await api(server, u.bob, 'GET', '/api/admin/users?q=carol')).status).toBe(200);
    expect((await api(server, owner, 'PATCH', `/api/admin/users/${u.bob.id}`, { instanceRole: 'user' })).status).toBe(200);
  }, 90_000);
});
