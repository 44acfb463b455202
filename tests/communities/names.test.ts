/**
 * SECURITY-TESTS I5 for the names people give things: community, group, personal-group, channel
 * and role names and ban reasons reach storage cleaned (protocol/names.ts) — no NUL, no bidi
 * override, no zero-width characters — whether created or renamed, and a name with nothing
 * visible is refused. Read back through the API from the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setup, type TestUser } from './fixture';

let server: RunningServer;
let u: Record<'owner' | 'member' | 'troll', TestUser>;

beforeAll(async () => {
  ({ server, users: u } = await setup(['owner', 'member', 'troll'] as const));
});
afterAll(async () => {
  await server?.kill();
});

/** A name with each hidden character the finding named: NUL, right-to-left override, zero-width space. */
const DIRTY = '  Evil\u0000 \u202Egnp.exe\u200B  club ';
const CLEAN = 'Evil gnp.exe club';
const INVISIBLE = ['\u200B\u202E\u0000', '\u2066\u2069\uFEFF', ' \u200D '];

describe('I5: names are stored cleaned', () => {
  it('I5: community created and renamed with NUL, U+202E and U+200B is stored without them', async () => {
    const created = await api(server, u.owner, 'POST', '/api/communities', { name: DIRTY });
    expect(created.status).toBe(201);
    expect(created.body.community.name).toBe(CLEAN);
    const id = created.body.community.id as string;
    expect((await api(server, u.owner, 'GET', `/api/communities/${id}`)).body.community.name).toBe(CLEAN);

    expect((await api(server, u.owner, 'PATCH', `/api/communities/${id}`, { name: `Re${DIRTY}` })).status).toBe(200);
    expect((await api(server, u.owner, 'GET', `/api/communities/${id}`)).body.community.name).toBe(`Re ${CLEAN}`);
  });

  it('I5: group and channel, created and renamed, are stored without hidden characters', async () => {
    const c = await community(server, u.owner);
    const group = await api(server, u.owner, 'POST', `/api/communities/${c.id}/groups`, { name: DIRTY });
    expect(group.status).toBe(201);
    const channel = await api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name: DIRTY, kind: 'text', groupId: group.body.group.id });
    expect(channel.status).toBe(201);
    const view = async () => (await api(server, u.owner, 'GET', `/api/communities/${c.id}`)).body;
    let body = await view();
    expect(body.groups.find((g: { id: string }) => g.id === group.body.group.id).name).toBe(CLEAN);
    expect(body.channels.find((ch: { id: string }) => ch.id === channel.body.channel.id).name).toBe(CLEAN);

    expect((await api(server, u.owner, 'PATCH', `/api/communities/${c.id}/groups/${c.groupId}`, { name: 'Gen\u202Eeral\u0000' })).status).toBe(200);
    expect((await api(server, u.owner, 'PATCH', `/api/channels/${c.channelId}`, { name: 'gen\u200Beral\u202E' })).status).toBe(200);
    body = await view();
    expect(body.groups.find((g: { id: string }) => g.id === c.groupId).name).toBe('General');
    expect(body.channels.find((ch: { id: string }) => ch.id === c.channelId).name).toBe('general');
  });

  it('I5: role and personal-group names, and ban reasons, are stored without hidden characters', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member, u.troll]);
    const role = await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: DIRTY, permissions: 0 });
    expect(role.status).toBe(201);
    const roles = (await api(server, u.owner, 'GET', `/api/communities/${c.id}/roles`)).body.roles;
    expect(roles.find((r: { id: string }) => r.id === role.body.role.id).name).toBe(CLEAN);

    const personal = await api(server, u.owner, 'POST', `/api/communities/${c.id}/personal-groups`, { userId: u.member.id, name: DIRTY });
    expect(personal.status).toBe(201);
    const groupName = async () => (await api(server, u.owner, 'GET', `/api/communities/${c.id}`)).body.groups.find((g: { id: string }) => g.id === personal.body.group.id).name;
    expect(await groupName()).toBe(CLEAN);
    expect((await api(server, u.member, 'PATCH', `/api/communities/${c.id}/personal-groups/${personal.body.group.id}`, { name: `My${DIRTY}` })).status).toBe(200);
    expect(await groupName()).toBe(`My ${CLEAN}`);

    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/bans`, { userId: u.troll.id, reason: 'spam\u0000\u202E links\u200B' })).status).toBe(201);
    const bans = (await api(server, u.owner, 'GET', `/api/communities/${c.id}/bans`)).body.bans;
    expect(bans.find((b: { userId: string }) => b.userId === u.troll.id).reason).toBe('spam links');
  });

  it('I5: a name of only invisible characters is refused with 400 naming the field, on create and rename alike', async () => {
    const c = await community(server, u.owner);
    for (const name of INVISIBLE) {
      const attempts = [
        api(server, u.owner, 'POST', '/api/communities', { name }),
        api(server, u.owner, 'PATCH', `/api/communities/${c.id}`, { name }),
        api(server, u.owner, 'POST', `/api/communities/${c.id}/groups`, { name }),
        api(server, u.owner, 'PATCH', `/api/communities/${c.id}/groups/${c.groupId}`, { name }),
        api(server, u.owner, 'POST', `/api/communities/${c.id}/channels`, { name, kind: 'text' }),
        api(server, u.owner, 'PATCH', `/api/channels/${c.channelId}`, { name }),
        api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name, permissions: 0 }),
        api(server, u.owner, 'POST', `/api/communities/${c.id}/personal-groups`, { userId: u.owner.id, name }),
      ];
      for (const r of await Promise.all(attempts)) {
        expect(r.status, JSON.stringify(name)).toBe(400);
        expect(r.body.error).toMatchObject({ code: 'validation_failed', message: 'name: name must contain at least one visible character' });
      }
    }
    const after = (await api(server, u.owner, 'GET', `/api/communities/${c.id}`)).body;
    expect(after.community.name).toBe('Test community');
    expect(after.groups.map((g: { name: string }) => g.name)).toEqual(['General']);
    expect(after.channels.map((ch: { name: string }) => ch.name)).toEqual(['general']);
  });
});
