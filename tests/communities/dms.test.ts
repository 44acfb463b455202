/**
 * DMs and group DMs (issue 5 items 1 and 7): create, the 1:1 DM is found again rather than
 * duplicated, group DMs hold at most 25 people, and nobody outside a DM — community admins and
 * the instance owner included — can see, list, change or delete it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DM_PERMISSIONS } from '../../protocol/permissions';
import { openChannel, registerUser } from '../helpers/accounts';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setRole, setup, uname, type TestUser } from './fixture';

let server: RunningServer;
let operator: TestUser;
let u: Record<'alice' | 'bob' | 'carol' | 'mallory', TestUser>;

/**
 * These tests are about DM mechanics between people who take DMs from anyone (dmPolicy
 * `everyone`); consent — requests, accepting, declining — is tested in tests/hardening/dmConsent.
 */
async function register(name: string): Promise<TestUser> {
  const user = await registerUser(server, name);
  await api(server, user, 'PATCH', '/api/me', { dmPolicy: 'everyone' });
  return user;
}

beforeAll(async () => {
  ({ server, operator, users: u } = await setup(['alice', 'bob', 'carol', 'mallory'] as const));
  for (const user of Object.values(u)) await api(server, user, 'PATCH', '/api/me', { dmPolicy: 'everyone' });
});
afterAll(async () => {
  await server?.kill();
});

const ids = (...users: TestUser[]) => users.map((x) => x.id);

describe('DMs', () => {
  it('5.1: a 1:1 DM is created once; asking again (from either side) returns the same one', async () => {
    const first = await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id] });
    expect(first.status).toBe(201);
    expect(first.body.channel).toMatchObject({ kind: 'dm' });
    expect([...first.body.channel.memberIds].sort()).toEqual(ids(u.alice, u.bob).sort());
    const again = await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id, u.bob.id] });
    expect(again.status).toBe(200);
    expect(again.body.channel.id).toBe(first.body.channel.id);
    const fromBob = await api(server, u.bob, 'POST', '/api/dms', { userIds: [u.alice.id] });
    expect(fromBob.body.channel.id).toBe(first.body.channel.id);
    const list = await api(server, u.bob, 'GET', '/api/dms');
    expect(list.body.dms.filter((d: { id: string }) => d.id === first.body.channel.id)).toHaveLength(1);
    const members = await api(server, u.bob, 'GET', `/api/channels/${first.body.channel.id}/members`);
    expect(members.status).toBe(200);
    expect(members.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual(ids(u.alice, u.bob).sort());
    expect(members.body.members[0].permissions).toBe(DM_PERMISSIONS);
  });

  it('5.1: racing "start a DM" calls from both sides create exactly one DM', async () => {
    const a = await register(uname('race_a'));
    const b = await register(uname('race_b'));
    const calls = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? api(server, a, 'POST', '/api/dms', { userIds: [b.id] }) : api(server, b, 'POST', '/api/dms', { userIds: [a.id] }))));
    expect(calls.map((r) => r.status).sort((x, y) => x - y)).toEqual([...Array(11).fill(200), 201]);
    expect(new Set(calls.map((r) => r.body.channel.id)).size).toBe(1);
    for (const user of [a, b]) expect((await api(server, user, 'GET', '/api/dms')).body.dms).toHaveLength(1);
  });

  it('5.1: group DMs: up to 25 people including you; unknown users 404; yourself refused', async () => {
    const g = await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id, u.carol.id] });
    expect(g.status).toBe(201);
    expect(g.body.channel.kind).toBe('group_dm');
    const again = await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id, u.carol.id] });
    expect(again.status).toBe(201); // group DMs are not deduplicated: people start new threads
    expect((await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id, 'nosuchuser'] })).status).toBe(404);
    expect((await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.alice.id] })).status).toBe(400);
    expect((await api(server, u.alice, 'POST', '/api/dms', { userIds: [] })).status).toBe(400);
    expect((await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id], name: 'x' })).status).toBe(400);
    const fake = Array.from({ length: 25 }, (_, i) => `user${i}`);
    expect((await api(server, u.alice, 'POST', '/api/dms', { userIds: fake })).status).toBe(400); // 26 people
  });

  it('5.1: a group DM of exactly 25 people', async () => {
    // Registered a few at a time: each costs an Argon2 hash, and other test files share the CPU.
    const extra: TestUser[] = [];
    for (let i = 0; i < 21; i += 3) extra.push(...(await Promise.all([0, 1, 2].map(() => register(uname('g'))))));
    const others = [u.bob, u.carol, u.mallory, ...extra];
    expect(others).toHaveLength(24);
    const g = await api(server, u.alice, 'POST', '/api/dms', { userIds: ids(...others) });
    expect(g.status).toBe(201);
    expect(g.body.channel.memberIds).toHaveLength(25);
  }, 60_000);

  it('5.1: leaving a group DM; a 1:1 DM cannot be left', async () => {
    const g = (await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id, u.carol.id] })).body.channel;
    expect((await api(server, u.carol, 'DELETE', `/api/dms/${g.id}/members/me`)).status).toBe(204);
    expect((await api(server, u.carol, 'GET', `/api/channels/${g.id}/members`)).status).toBe(404);
    expect((await api(server, u.carol, 'DELETE', `/api/dms/${g.id}/members/me`)).status).toBe(404);
    expect((await api(server, u.carol, 'GET', '/api/dms')).body.dms.map((d: { id: string }) => d.id)).not.toContain(g.id);
    const left = await api(server, u.alice, 'GET', `/api/channels/${g.id}/members`);
    expect(left.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual(ids(u.alice, u.bob).sort());
    const dm = (await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.carol.id] })).body.channel;
    expect((await api(server, u.alice, 'DELETE', `/api/dms/${dm.id}/members/me`)).status).toBe(409);
  });

  it('5.7: nobody outside a DM can see or touch it — not a community admin, not the instance owner', async () => {
    const dm = (await api(server, u.alice, 'POST', '/api/dms', { userIds: [u.bob.id] })).body.channel;
    // Mallory administers a community Alice and Bob are in; that gives her nothing over their DM.
    const c = await community(server, u.mallory);
    await join(server, u.mallory, c.id, [u.alice, u.bob]);
    await setRole(server, u.mallory, c.id, u.alice, 'moderator');
    for (const outsider of [u.mallory, u.carol, operator]) {
      expect((await api(server, outsider, 'GET', `/api/channels/${dm.id}/members`)).status).toBe(404);
      expect((await api(server, outsider, 'PATCH', `/api/channels/${dm.id}`, { name: 'mine' })).status).toBe(404);
      expect((await api(server, outsider, 'DELETE', `/api/channels/${dm.id}`)).status).toBe(404);
      expect((await api(server, outsider, 'PUT', `/api/channels/${dm.id}/overrides`, { targetType: 'member', targetId: outsider.id, allow: 1, deny: 0 })).status).toBe(404);
      expect((await api(server, outsider, 'DELETE', `/api/dms/${dm.id}/members/me`)).status).toBe(404);
      expect((await api(server, outsider, 'GET', '/api/dms')).body.dms.map((d: { id: string }) => d.id)).not.toContain(dm.id);
    }
    // Even its own members cannot rename, delete or override a DM: it has no management bits.
    expect((await api(server, u.alice, 'PATCH', `/api/channels/${dm.id}`, { name: 'x' })).status).toBe(403);
    expect((await api(server, u.alice, 'DELETE', `/api/channels/${dm.id}`)).status).toBe(403);
    expect((await api(server, u.alice, 'PUT', `/api/channels/${dm.id}/overrides`, { targetType: 'member', targetId: u.bob.id, allow: 0, deny: 1 })).status).toBe(403);
    // And no socket for outsiders either (Z2 at the worker).
    for (const outsider of [u.mallory, operator]) await expect(openChannel(server, outsider, dm.id)).rejects.toThrow(/404/);
    const socket = await openChannel(server, u.bob, dm.id);
    socket.close();
  });
});
