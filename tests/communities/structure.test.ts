/**
 * Issue 5 item 1: communities, groups and channels — create, rename, reorder, archive, delete —
 * membership lists and leaving, against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { TEST_PASSWORD } from '../helpers/accounts';
import { api, community, join, setRole, setup, type TestUser } from './fixture';

let server: RunningServer;
let operator: TestUser;
let u: Record<'owner' | 'admin' | 'mod' | 'member' | 'outsider', TestUser>;

beforeAll(async () => {
  ({ server, operator, users: u } = await setup(['owner', 'admin', 'mod', 'member', 'outsider'] as const));
});
afterAll(async () => {
  await server?.kill();
});

describe('communities', () => {
  it('5.1: creating a community makes you owner, with group "General" and text channel "general"', async () => {
    const r = await api(server, u.owner, 'POST', '/api/communities', { name: '  Book club  ' });
    expect(r.status).toBe(201);
    expect(r.body.community).toMatchObject({ name: 'Book club', ownerId: u.owner.id });
    expect(r.body.role).toBe('owner');
    expect(r.body.groups).toEqual([expect.objectContaining({ name: 'General', position: 0 })]);
    expect(r.body.channels).toEqual([expect.objectContaining({ name: 'general', kind: 'text', groupId: r.body.groups[0].id, archived: false, slowModeSeconds: 0 })]);
    expect(r.body.channels[0].permissions).toBeGreaterThan(0);

    const mine = await api(server, u.owner, 'GET', '/api/communities');
    expect(mine.body.communities).toEqual(expect.arrayContaining([expect.objectContaining({ id: r.body.community.id, role: 'owner' })]));
    const theirs = await api(server, u.outsider, 'GET', '/api/communities');
    expect(theirs.body.communities.map((x: { id: string }) => x.id)).not.toContain(r.body.community.id);
  });

  it('5.1: names are validated; unknown fields are refused (I2)', async () => {
    expect((await api(server, u.owner, 'POST', '/api/communities', { name: '' })).status).toBe(400);
    expect((await api(server, u.owner, 'POST', '/api/communities', { name: 'x'.repeat(101) })).status).toBe(400);
    expect((await api(server, u.owner, 'POST', '/api/communities', { name: 'ok', ownerId: u.member.id })).status).toBe(400);
    expect((await api(server, u.owner, 'POST', '/api/communities', '{"name":')).status).toBe(400);
  });

  it('5.1: rename needs ADMINISTRATOR; only the owner deletes, and then it is gone for everyone', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.admin, u.member]);
    await setRole(server, u.owner, c.id, u.admin, 'admin');

    expect((await api(server, u.member, 'PATCH', `/api/communities/${c.id}`, { name: 'Mine now' })).status).toBe(403);
    const renamed = await api(server, u.admin, 'PATCH', `/api/communities/${c.id}`, { name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}`)).body.community.name).toBe('Renamed');

    expect((await api(server, u.admin, 'DELETE', `/api/communities/${c.id}`)).status).toBe(403);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}`)).status).toBe(204);
    for (const who of [u.owner, u.admin, u.member]) expect((await api(server, who, 'GET', `/api/communities/${c.id}`)).status).toBe(404);
    expect((await api(server, u.member, 'GET', `/api/channels/${c.channelId}/members`)).status).toBe(404);
  });

  it('5.1: non-members, including the instance owner, get 404 for a community', async () => {
    const c = await community(server, u.owner);
    expect((await api(server, u.outsider, 'GET', `/api/communities/${c.id}`)).status).toBe(404);
    expect((await api(server, operator, 'GET', `/api/communities/${c.id}`)).status).toBe(404);
    expect((await api(server, u.outsider, 'GET', '/api/communities/doesnotexist')).status).toBe(404);
  });
});

describe('groups and channels', () => {
  it('5.1: create, rename and reorder groups; deleting a group keeps its channels', async () => {
    const c = await community(server, u.owner);
    const g2 = await api(server, u.owner, 'POST', `/api/communities/${c.id}/groups`, { name: 'Projects' });
    expect(g2.status).toBe(201);
    expect(g2.body.group).toMatchObject({ name: 'Projects', position: 1 });

    const ch = await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'voice-room', kind: 'voice', groupId: g2.body.group.id });
    expect(ch.status).toBe(201);
    expect(ch.body.channel).toMatchObject({ kind: 'voice', groupId: g2.body.group.id, position: 1 });

    // Reorder: Projects before General.
    expect((await api(server, u.owner, 'PATCH', `/api/communities/${c.id}/groups/${g2.body.group.id}`, { position: 0 })).status).toBe(200);
    expect((await api(server, u.owner, 'PATCH', `/api/communities/${c.id}/groups/${c.groupId}`, { position: 5, name: 'Lobby' })).status).toBe(200);
    let view = await api(server, u.owner, 'GET', `/api/communities/${c.id}`);
    expect(view.body.groups.map((g: { name: string }) => g.name)).toEqual(['Projects', 'Lobby']);

    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/groups/${g2.body.group.id}`)).status).toBe(204);
    view = await api(server, u.owner, 'GET', `/api/communities/${c.id}`);
    expect(view.body.groups.map((g: { name: string }) => g.name)).toEqual(['Lobby']);
    expect(view.body.channels.find((x: { id: string }) => x.id === ch.body.channel.id)).toMatchObject({ groupId: null });

    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/groups/${g2.body.group.id}`)).status).toBe(404);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'x', kind: 'text', groupId: g2.body.group.id })).status).toBe(404);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'x', kind: 'dm' })).status).toBe(400);
  });

  it('5.1: rename, reorder, move, archive and delete a channel (MANAGE_CHANNELS); members may not', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const second = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'second', kind: 'text' })).body.channel;
    expect(second.groupId).toBeNull();

    expect((await api(server, u.member, 'PATCH', `/api/channels/${second.id}`, { name: 'mine' })).status).toBe(403);
    expect((await api(server, u.member, 'DELETE', `/api/channels/${second.id}`)).status).toBe(403);

    const p = await api(server, u.owner, 'PATCH', `/api/channels/${second.id}`, { name: 'renamed', position: 0, groupId: c.groupId, archived: true });
    expect(p.status).toBe(200);
    expect(p.body.channel).toMatchObject({ name: 'renamed', position: 0, groupId: c.groupId, archived: true });
    expect(p.body.channel.archivedAt).toEqual(expect.any(Number));
    await api(server, u.owner, 'PATCH', `/api/channels/${c.channelId}`, { position: 1 });
    const view = await api(server, u.member, 'GET', `/api/communities/${c.id}`);
    expect(view.body.channels.map((x: { name: string }) => x.name)).toEqual(['renamed', 'general']);
    expect(view.body.channels[0].archived).toBe(true);

    const un = await api(server, u.owner, 'PATCH', `/api/channels/${second.id}`, { archived: false, groupId: null });
    expect(un.body.channel).toMatchObject({ archived: false, archivedAt: null, groupId: null });
    expect((await api(server, u.owner, 'PATCH', `/api/channels/${second.id}`, { slowModeSeconds: 21601 })).status).toBe(400);
    expect((await api(server, u.owner, 'PATCH', `/api/channels/${second.id}`, { communityId: 'elsewhere' })).status).toBe(400);

    expect((await api(server, u.owner, 'DELETE', `/api/channels/${second.id}`)).status).toBe(204);
    expect((await api(server, u.owner, 'PATCH', `/api/channels/${second.id}`, { name: 'gone' })).status).toBe(404);
  });

  it('5.2: a deny-VIEW override hides a channel from a member: not listed, its members 404', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const secret = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: 'staff', kind: 'text' })).body.channel;
    const o = await api(server, u.owner, 'PUT', `/api/channels/${secret.id}/overrides`, { targetType: 'member', targetId: u.member.id, allow: 0, deny: 1 });
    expect(o.status).toBe(204);
    const view = await api(server, u.member, 'GET', `/api/communities/${c.id}`);
    expect(view.body.channels.map((x: { id: string }) => x.id)).not.toContain(secret.id);
    expect((await api(server, u.member, 'GET', `/api/channels/${secret.id}/members`)).status).toBe(404);
    const seenBy = await api(server, u.owner, 'GET', `/api/channels/${secret.id}/members`);
    expect(seenBy.body.members.map((m: { userId: string }) => m.userId)).toEqual([u.owner.id]);
    // Clearing the override (allow = deny = 0) shows it again.
    await api(server, u.owner, 'PUT', `/api/channels/${secret.id}/overrides`, { targetType: 'member', targetId: u.member.id, allow: 0, deny: 0 });
    expect((await api(server, u.member, 'GET', `/api/channels/${secret.id}/members`)).status).toBe(200);
  });
});

describe('membership', () => {
  it('5.1: the member list names everyone with role, join time, timeout and custom roles', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.mod, u.member]);
    await setRole(server, u.owner, c.id, u.mod, 'moderator');
    const role = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Helpers', permissions: 1 << 5 })).body.role;
    expect((await api(server, u.owner, 'PUT', `/api/communities/${c.id}/members/${u.member.id}/roles/${role.id}`)).status).toBe(204);

    const r = await api(server, u.member, 'GET', `/api/communities/${c.id}/members`);
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.members.map((m: { userId: string }) => [m.userId, m]));
    expect(byId[u.owner.id]).toMatchObject({ username: u.owner.username, role: 'owner', roles: [], timedOutUntil: null });
    expect(byId[u.mod.id]).toMatchObject({ role: 'moderator' });
    expect(byId[u.member.id]).toMatchObject({ role: 'member', roles: [role.id], joinedAt: expect.any(Number) });
    expect(Object.keys(byId)).toHaveLength(3);
  });

  it('5.1: a member can leave (and loses access); the owner cannot leave (409)', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/members/me`)).status).toBe(409);
    expect((await api(server, u.member, 'DELETE', `/api/communities/${c.id}/members/me`)).status).toBe(204);
    expect((await api(server, u.member, 'GET', `/api/communities/${c.id}`)).status).toBe(404);
    expect((await api(server, u.member, 'DELETE', `/api/communities/${c.id}/members/me`)).status).toBe(404);
    const list = await api(server, u.owner, 'GET', `/api/communities/${c.id}/members`);
    expect(list.body.members.map((m: { userId: string }) => m.userId)).toEqual([u.owner.id]);
  });

  it('5.1: the owner transfers the community (with the password) and may then leave; the new owner holds every right', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.admin, u.member]);
    await setRole(server, u.owner, c.id, u.admin, 'admin');
    const transfer = (actor: TestUser, body: unknown) => api(server, actor, 'POST', `/api/communities/${c.id}/transfer`, body);
    expect((await transfer(u.admin, { userId: u.admin.id, password: TEST_PASSWORD })).status).toBe(403);
    expect((await transfer(u.owner, { userId: u.outsider.id, password: TEST_PASSWORD })).status).toBe(404);
    expect((await transfer(u.owner, { userId: u.owner.id, password: TEST_PASSWORD })).status).toBe(409);
    expect((await transfer(u.owner, { userId: u.member.id })).status).toBe(400);
    const wrong = await transfer(u.owner, { userId: u.member.id, password: 'not the password at all' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toMatch(/password/);
    const roleOf = async (id: string) => (await api(server, u.owner, 'GET', `/api/communities/${c.id}/members`)).body.members.find((m: { userId: string }) => m.userId === id)?.role;
    expect(await roleOf(u.member.id)).toBe('member');

    const done = await transfer(u.owner, { userId: u.member.id, password: TEST_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body.community.ownerId).toBe(u.member.id);
    expect(await roleOf(u.member.id)).toBe('owner');
    expect(await roleOf(u.owner.id)).toBe('admin');
    // The new owner can do what only the owner can; the old owner no longer can.
    expect((await transfer(u.owner, { userId: u.admin.id, password: TEST_PASSWORD })).status).toBe(403);
    expect((await api(server, u.member, 'DELETE', `/api/communities/${c.id}/members/me`)).status).toBe(409);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/members/me`)).status).toBe(204);
    expect((await api(server, u.member, 'PATCH', `/api/communities/${c.id}/members/${u.admin.id}`, { role: 'member' })).status).toBe(200);
    const audit = await api(server, operator, 'GET', `/api/admin/audit?event=ownership_transferred`);
    expect(audit.body.events).toEqual(expect.arrayContaining([expect.objectContaining({ userId: u.owner.id, detail: expect.objectContaining({ communityId: c.id, targetId: u.member.id }) })]));
  });

  it('5.1: custom roles do not survive leaving and rejoining', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const role = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Kickers', permissions: 1 << 8 })).body.role;
    await api(server, u.owner, 'PUT', `/api/communities/${c.id}/members/${u.member.id}/roles/${role.id}`);
    await api(server, u.member, 'DELETE', `/api/communities/${c.id}/members/me`);
    await join(server, u.owner, c.id, [u.member]);
    const me = await api(server, u.member, 'GET', `/api/communities/${c.id}`);
    expect(me.body.roles).toEqual([]);
  });
});
