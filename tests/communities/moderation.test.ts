/**
 * Issue 5 item 2 and SECURITY-TESTS Z4: kick, ban and timeout follow built-in rank; roles and
 * overrides never grant what the actor does not hold; self-promotion and extra fields fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, Permission as P } from '../../protocol/permissions';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setRole, setup, type TestUser } from './fixture';

let server: RunningServer;
let u: Record<'owner' | 'admin' | 'admin2' | 'mod' | 'mod2' | 'member' | 'member2', TestUser>;

beforeAll(async () => {
  ({ server, users: u } = await setup(['owner', 'admin', 'admin2', 'mod', 'mod2', 'member', 'member2'] as const));
});
afterAll(async () => {
  await server?.kill();
});

/** A community with owner, two admins, two moderators and two members. */
async function staffed() {
  const c = await community(server, u.owner);
  await join(server, u.owner, c.id, [u.admin, u.admin2, u.mod, u.mod2, u.member, u.member2]);
  for (const a of [u.admin, u.admin2]) await setRole(server, u.owner, c.id, a, 'admin');
  for (const m of [u.mod, u.mod2]) await setRole(server, u.owner, c.id, m, 'moderator');
  return c;
}

const kick = (c: { id: string }, actor: TestUser, target: TestUser) => api(server, actor, 'DELETE', `/api/communities/${c.id}/members/${target.id}`);
const ban = (c: { id: string }, actor: TestUser, target: TestUser, extra: object = {}) => api(server, actor, 'POST', `/api/communities/${c.id}/bans`, { userId: target.id, ...extra });
const timeout = (c: { id: string }, actor: TestUser, target: TestUser, seconds: number) => api(server, actor, 'POST', `/api/communities/${c.id}/members/${target.id}/timeout`, { seconds });

describe('rank: who may act on whom', () => {
  it('5.2: kick needs KICK and a higher rank; nobody kicks the owner or an equal', async () => {
    const c = await staffed();
    expect((await kick(c, u.member, u.member2)).status).toBe(403); // no KICK
    expect((await kick(c, u.mod, u.mod2)).status).toBe(403); // equal rank
    expect((await kick(c, u.mod, u.admin)).status).toBe(403); // above
    expect((await kick(c, u.admin, u.owner)).status).toBe(403); // the owner
    expect((await kick(c, u.admin, u.admin2)).status).toBe(403);
    expect((await kick(c, u.mod, u.member)).status).toBe(204);
    expect((await kick(c, u.admin, u.mod2)).status).toBe(204);
    expect((await kick(c, u.owner, u.admin2)).status).toBe(204);
    expect((await kick(c, u.owner, u.admin2)).status).toBe(404); // already gone
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}`)).status).toBe(404);
  });

  it('5.2: ban needs BAN and a higher rank; banned users lose access, can be listed and unbanned', async () => {
    const c = await staffed();
    expect((await ban(c, u.member, u.member2)).status).toBe(403);
    expect((await ban(c, u.mod, u.mod2)).status).toBe(403);
    expect((await ban(c, u.mod, u.admin)).status).toBe(403);
    expect((await ban(c, u.admin, u.owner)).status).toBe(403);
    expect((await ban(c, u.mod, u.mod)).status).toBe(403); // yourself
    expect((await ban(c, u.mod, { ...u.member, id: 'nosuchuser' })).status).toBe(404);
    expect((await ban(c, u.mod, u.member, { reason: 'spam', isAdmin: true })).status).toBe(400);

    const b = await ban(c, u.mod, u.member, { reason: 'spam' });
    expect(b.status).toBe(201);
    expect(b.body.ban).toMatchObject({ userId: u.member.id, reason: 'spam', bannedBy: u.mod.id, expiresAt: null });
    expect((await ban(c, u.mod, u.member)).status).toBe(409);
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}`)).status).toBe(404);

    expect((await api(server, u.member2, 'GET', `/api/communities/${c.id}/bans`)).status).toBe(403);
    const list = await api(server, u.mod2, 'GET', `/api/communities/${c.id}/bans`);
    expect(list.status).toBe(200);
    expect(list.body.bans.map((x: { userId: string }) => x.userId)).toEqual([u.member.id]);

    expect((await api(server, u.member2, 'DELETE', `/api/communities/${c.id}/bans/${u.member.id}`)).status).toBe(403);
    expect((await api(server, u.mod, 'DELETE', `/api/communities/${c.id}/bans/${u.member.id}`)).status).toBe(204);
    expect((await api(server, u.mod, 'DELETE', `/api/communities/${c.id}/bans/${u.member.id}`)).status).toBe(404);
    expect((await api(server, u.mod2, 'GET', `/api/communities/${c.id}/bans`)).body.bans).toEqual([]);
  });

  it('5.2: timeouts need TIMEOUT and a higher rank; 60 s–28 days or 0 to lift', async () => {
    const c = await staffed();
    expect((await timeout(c, u.member, u.member2, 60)).status).toBe(403);
    expect((await timeout(c, u.mod, u.mod2, 60)).status).toBe(403);
    expect((await timeout(c, u.mod, u.admin, 60)).status).toBe(403);
    expect((await timeout(c, u.mod, u.member, 59)).status).toBe(400);
    expect((await timeout(c, u.mod, u.member, 2_419_201)).status).toBe(400);
    const t = await timeout(c, u.mod, u.member, 600);
    expect(t.status).toBe(200);
    expect(t.body.timedOutUntil).toBeGreaterThan(Date.now() + 590_000);
    const view = await api(server, u.member, 'GET', `/api/communities/${c.id}`);
    expect(view.body.channels[0].permissions & P.SEND).toBe(0); // may read, not send
    expect(view.body.channels[0].permissions & P.VIEW).toBe(P.VIEW);
    // A timed-out moderator keeps moderating but cannot speak; lifting restores sending.
    expect((await timeout(c, u.mod, u.member, 0)).body.timedOutUntil).toBeNull();
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}`)).body.channels[0].permissions & P.SEND).toBe(P.SEND);
  });
});

describe('Z4: no self-promotion, no granting above yourself', () => {
  it('Z4: built-in roles: MANAGE_ROLES, only below your own rank, only the owner makes admins', async () => {
    const c = await staffed();
    const patch = (actor: TestUser, target: TestUser, body: unknown) => api(server, actor, 'PATCH', `/api/communities/${c.id}/members/${target.id}`, body);
    expect((await patch(u.member, u.member, { role: 'admin' })).status).toBe(403); // self-promotion
    expect((await patch(u.mod, u.mod, { role: 'admin' })).status).toBe(403);
    expect((await patch(u.mod, u.member, { role: 'moderator' })).status).toBe(403); // moderators lack MANAGE_ROLES
    expect((await patch(u.admin, u.admin, { role: 'admin' })).status).toBe(403);
    expect((await patch(u.admin, u.member, { role: 'admin' })).status).toBe(403); // only the owner makes admins
    expect((await patch(u.admin, u.admin2, { role: 'member' })).status).toBe(403); // equal rank
    expect((await patch(u.admin, u.member, { role: 'owner' })).status).toBe(400); // not a choosable role
    // Extra fields are refused outright, whatever they claim (ASVS 15.3.3).
    expect((await patch(u.owner, u.member, { role: 'member', isAdmin: true })).status).toBe(400);
    expect((await patch(u.owner, u.member, { role: 'member', roles: ['x'] })).status).toBe(400);
    expect((await patch(u.owner, u.member, { permissions: ALL_PERMISSIONS })).status).toBe(400);
    expect((await api(server, u.admin, 'PATCH', `/api/communities/${c.id}`, { name: 'x', ownerId: u.admin.id })).status).toBe(400);

    expect((await patch(u.admin, u.member, { role: 'moderator' })).status).toBe(200);
    expect((await patch(u.admin, u.mod, { role: 'member' })).status).toBe(200);
    expect((await patch(u.owner, u.member, { role: 'admin' })).status).toBe(200);
    const list = await api(server, u.owner, 'GET', `/api/communities/${c.id}/members`);
    const roles = Object.fromEntries(list.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role]));
    expect(roles[u.member.id]).toBe('admin');
    expect(roles[u.mod.id]).toBe('member');
    expect(roles[u.owner.id]).toBe('owner');
  });

  it('Z4: custom roles hold only bits their creator holds; ADMINISTRATOR only from the owner', async () => {
    const c = await staffed();
    const create = (actor: TestUser, permissions: number) => api(server, actor, 'POST', `/api/communities/${c.id}/roles`, { name: 'r', permissions });
    expect((await create(u.member, P.VIEW)).status).toBe(403); // no MANAGE_ROLES
    expect((await create(u.admin, P.ADMINISTRATOR)).status).toBe(403);
    expect((await create(u.admin, ALL_PERMISSIONS)).status).toBe(403);
    expect((await create(u.admin, 1 << 20)).status).toBe(400); // a bit that does not exist
    expect((await create(u.admin, -1)).status).toBe(400);
    expect((await api(server, u.admin, 'POST', `/api/communities/${c.id}/roles`, { name: 'r', permissions: 1, position: 0 })).status).toBe(400);
    expect((await create(u.owner, P.ADMINISTRATOR)).status).toBe(201);

    // A member given MANAGE_ROLES (and KICK) by the owner can hand out only what they hold.
    const managers = (await create(u.owner, P.MANAGE_ROLES | P.KICK)).body.role;
    expect((await api(server, u.owner, 'PUT', `/api/communities/${c.id}/members/${u.member.id}/roles/${managers.id}`)).status).toBe(204);
    expect((await create(u.member, P.BAN)).status).toBe(403); // BAN: not theirs to give
    expect((await create(u.member, P.KICK | P.VIEW)).status).toBe(201);
    const banners = (await create(u.owner, P.BAN)).body.role;
    const kickers = (await create(u.owner, P.KICK)).body.role;
    const assign = (actor: TestUser, target: TestUser, roleId: string) => api(server, actor, 'PUT', `/api/communities/${c.id}/members/${target.id}/roles/${roleId}`);
    // Self-assignment is refused even for bits held (no acting on yourself)…
    expect((await assign(u.member, u.member, kickers.id)).status).toBe(403);
    // …a role with bits they lack cannot be given, and nobody of equal or higher rank can be touched.
    expect((await assign(u.member, u.member2, banners.id)).status).toBe(403);
    expect((await assign(u.member, u.member2, kickers.id)).status).toBe(403); // rank: member on member
    expect((await assign(u.admin, u.member2, banners.id)).status).toBe(204);
    expect((await assign(u.admin, u.member2, 'nosuchrole')).status).toBe(404);
    // Taking a role away follows the same rules; deleting a role too.
    expect((await api(server, u.member, 'DELETE', `/api/communities/${c.id}/members/${u.member2.id}/roles/${banners.id}`)).status).toBe(403);
    expect((await api(server, u.admin, 'DELETE', `/api/communities/${c.id}/members/${u.member2.id}/roles/${banners.id}`)).status).toBe(204);
    expect((await api(server, u.admin, 'DELETE', `/api/communities/${c.id}/members/${u.member2.id}/roles/${banners.id}`)).status).toBe(404);
    expect((await api(server, u.member, 'DELETE', `/api/communities/${c.id}/roles/${banners.id}`)).status).toBe(403);
    const roles = await api(server, u.member2, 'GET', `/api/communities/${c.id}/roles`);
    expect(roles.body.roles.map((r: { id: string }) => r.id)).toContain(banners.id);
    expect((await api(server, u.admin, 'DELETE', `/api/communities/${c.id}/roles/${banners.id}`)).status).toBe(204);
    expect((await api(server, u.admin, 'DELETE', `/api/communities/${c.id}/roles/${banners.id}`)).status).toBe(404);
  });

  it('Z4: an ADMINISTRATOR custom role makes a member an admin in effect, but only the owner can create or delete it', async () => {
    const c = await staffed();
    const adminRole = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Admins', permissions: P.ADMINISTRATOR })).body.role;
    expect((await api(server, u.admin, 'PUT', `/api/communities/${c.id}/members/${u.member.id}/roles/${adminRole.id}`)).status).toBe(403);
    expect((await api(server, u.admin, 'DELETE', `/api/communities/${c.id}/roles/${adminRole.id}`)).status).toBe(403);
    expect((await api(server, u.owner, 'PUT', `/api/communities/${c.id}/members/${u.member.id}/roles/${adminRole.id}`)).status).toBe(204);
    const view = await api(server, u.member, 'GET', `/api/communities/${c.id}`);
    expect(view.body.permissions).toBe(ALL_PERMISSIONS);
    expect((await api(server, u.member, 'PATCH', `/api/communities/${c.id}`, { name: 'now I can' })).status).toBe(200);
    // Still a built-in member: rank rules keep them from acting on anyone.
    expect((await kick(c, u.member, u.member2)).status).toBe(403);
  });

  it('Z4: channel overrides name only bits the actor holds in the channel; never ADMINISTRATOR; members below rank only', async () => {
    const c = await staffed();
    const managers = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Managers', permissions: P.MANAGE_ROLES | P.MANAGE_CHANNELS })).body.role;
    await api(server, u.owner, 'PUT', `/api/communities/${c.id}/members/${u.member.id}/roles/${managers.id}`);
    const put = (actor: TestUser, body: object) => api(server, actor, 'PUT', `/api/channels/${c.channelId}/overrides`, body);
    expect((await put(u.member2, { targetType: 'member', targetId: u.member.id, allow: 0, deny: P.SEND })).status).toBe(403); // no MANAGE_ROLES
    expect((await put(u.member, { targetType: 'member', targetId: u.member2.id, allow: P.BAN, deny: 0 })).status).toBe(403); // BAN not theirs
    expect((await put(u.member, { targetType: 'member', targetId: u.member, allow: P.SEND, deny: 0 })).status).toBe(400);
    expect((await put(u.member, { targetType: 'member', targetId: u.member.id, allow: P.SEND, deny: 0 })).status).toBe(403); // self
    expect((await put(u.member, { targetType: 'member', targetId: u.mod.id, allow: 0, deny: P.SEND })).status).toBe(403); // higher rank
    expect((await put(u.owner, { targetType: 'member', targetId: u.member2.id, allow: P.ADMINISTRATOR, deny: 0 })).status).toBe(400);
    expect((await put(u.owner, { targetType: 'member', targetId: u.member2.id, allow: 0, deny: 0, extra: 1 })).status).toBe(400);
    expect((await put(u.owner, { targetType: 'member', targetId: 'nosuchmember', allow: 0, deny: P.SEND })).status).toBe(404);
    expect((await put(u.owner, { targetType: 'role', targetId: 'nosuchrole', allow: 0, deny: P.SEND })).status).toBe(404);
    // A role override: the actor must hold the role's bits too (managers hold MANAGE_ROLES|MANAGE_CHANNELS).
    const banners = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Banners', permissions: P.BAN })).body.role;
    expect((await put(u.member, { targetType: 'role', targetId: banners.id, allow: 0, deny: P.SEND })).status).toBe(403);
    expect((await put(u.member, { targetType: 'member', targetId: u.member2.id, allow: 0, deny: P.SEND })).status).toBe(403); // equal rank
    // A role with no bits of its own: the member may override it, and its holders follow.
    const quiet = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Quiet', permissions: 0 })).body.role;
    await api(server, u.owner, 'PUT', `/api/communities/${c.id}/members/${u.member2.id}/roles/${quiet.id}`);
    expect((await put(u.member, { targetType: 'role', targetId: quiet.id, allow: 0, deny: P.SEND })).status).toBe(204);
    expect((await api(server, u.member2, 'GET', `/api/communities/${c.id}`)).body.channels[0].permissions & P.SEND).toBe(0);
    // An admin overrides a member directly; the member's own override comes last and wins.
    expect((await put(u.admin, { targetType: 'member', targetId: u.member2.id, allow: P.SEND, deny: 0 })).status).toBe(204);
    expect((await api(server, u.member2, 'GET', `/api/communities/${c.id}`)).body.channels[0].permissions & P.SEND).toBe(P.SEND);
  });
});
