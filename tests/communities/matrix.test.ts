/**
 * SECURITY-TESTS Z1: the authorization matrix for every route this area adds, driven by the route
 * manifest so a new route without a row here fails the test. Actors: nobody (no token), a
 * non-member, a plain member, a banned user, and another community's owner; resources: the
 * community, its groups, channels, members, roles, bans and invites, and a DM. Every refusal is
 * 401, 403 or 404 with no data; nothing a refused call names changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Permission as P } from '../../protocol/permissions';
import { ROUTES } from '../../worker/routes/manifest';
import type { RunningServer } from '../helpers/server';
import { api, community, join, setRole, setup, type TestUser } from './fixture';

let server: RunningServer;
let u: Record<'owner' | 'mod' | 'member' | 'target' | 'outsider' | 'banned' | 'otherOwner' | 'dmA' | 'dmB', TestUser>;

/** The resources every route is aimed at. */
let ids: { community: string; group: string; personalGroup: string; channel: string; role: string; invite: string; dm: string; otherCommunity: string; otherGroup: string; otherRole: string; otherInvite: string };

beforeAll(async () => {
  ({ server, users: u } = await setup(['owner', 'mod', 'member', 'target', 'outsider', 'banned', 'otherOwner', 'dmA', 'dmB'] as const));
  const c = await community(server, u.owner);
  await join(server, u.owner, c.id, [u.mod, u.member, u.target, u.banned]);
  await setRole(server, u.owner, c.id, u.mod, 'moderator');
  const role = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/roles`, { name: 'Readers', permissions: P.VIEW })).body.role;
  const invite = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, {})).body;
  expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/bans`, { userId: u.banned.id })).status).toBe(201);
  const o = await community(server, u.otherOwner, 'Elsewhere');
  const otherRole = (await api(server, u.otherOwner, 'POST', `/api/communities/${o.id}/roles`, { name: 'Theirs', permissions: P.VIEW })).body.role;
  const otherInvite = (await api(server, u.otherOwner, 'POST', `/api/communities/${o.id}/invites`, {})).body;
  const dm = (await api(server, u.dmA, 'POST', '/api/dms', { userIds: [u.dmB.id] })).body.channel;
  // A private personal group run by `target`, with the plain member on its list: they see it
  // (so its routes answer them 403 or allow them, not 404) but do not run it.
  const personal = (await api(server, u.mod, 'POST', `/api/communities/${c.id}/personal-groups`, { userId: u.target.id, name: 'Theirs' })).body.group;
  expect((await api(server, u.target, 'PUT', `/api/communities/${c.id}/personal-groups/${personal.id}/members/${u.member.id}`)).status).toBe(204);
  ids = { community: c.id, group: c.groupId, personalGroup: personal.id, channel: c.channelId, role: role.id, invite: invite.code, dm: dm.id, otherCommunity: o.id, otherGroup: o.groupId, otherRole: otherRole.id, otherInvite: otherInvite.code };
});
afterAll(async () => {
  await server?.kill();
});

/**
 * One row per route: a valid body (so a refusal is about who asks, not what they sent), and what
 * a plain member gets — 403 on manager routes, or 'allowed' where any member may (tested in the
 * other files). `scope` says what the route is about: a community resource, a DM, the caller's
 * own lists, or joining.
 */
type Row = { scope: 'community' | 'dm' | 'self' | 'join'; body?: unknown; member: 403 | 'allowed' };
const ROWS: Record<string, Row> = {
  'POST /api/communities': { scope: 'self', body: { name: 'x' }, member: 'allowed' },
  'GET /api/communities': { scope: 'self', member: 'allowed' },
  'GET /api/communities/{id}': { scope: 'community', member: 'allowed' },
  'PATCH /api/communities/{id}': { scope: 'community', body: { name: 'Taken over' }, member: 403 },
  'DELETE /api/communities/{id}': { scope: 'community', member: 403 },
  // Images (issue #13 item 5): the body would be the picture; who asks is refused before it is read.
  'PUT /api/communities/{id}/icon': { scope: 'community', member: 403 },
  'DELETE /api/communities/{id}/icon': { scope: 'community', member: 403 },
  'PUT /api/communities/{id}/banner': { scope: 'community', member: 403 },
  'DELETE /api/communities/{id}/banner': { scope: 'community', member: 403 },
  'GET /api/communities/{id}/emoji': { scope: 'community', member: 'allowed' },
  'PUT /api/communities/{id}/emoji/{name}': { scope: 'community', member: 403 },
  'DELETE /api/communities/{id}/emoji/{name}': { scope: 'community', member: 403 },
  'POST /api/communities/{id}/transfer': { scope: 'community', body: { userId: '{target}', password: 'correct horse battery staple' }, member: 403 },
  'POST /api/communities/{id}/groups': { scope: 'community', body: { name: 'g' }, member: 403 },
  'PATCH /api/communities/{id}/groups/{groupId}': { scope: 'community', body: { name: 'g' }, member: 403 },
  'DELETE /api/communities/{id}/groups/{groupId}': { scope: 'community', member: 403 },
  'POST /api/communities/{id}/personal-groups': { scope: 'community', body: { userId: '{target}', name: 'p' }, member: 403 },
  'PATCH /api/communities/{id}/personal-groups/{groupId}': { scope: 'community', body: { name: 'p' }, member: 403 },
  'DELETE /api/communities/{id}/personal-groups/{groupId}': { scope: 'community', member: 403 },
  'GET /api/communities/{id}/personal-groups/{groupId}/members': { scope: 'community', member: 'allowed' },
  'PUT /api/communities/{id}/personal-groups/{groupId}/members/{userId}': { scope: 'community', member: 403 },
  'DELETE /api/communities/{id}/personal-groups/{groupId}/members/{userId}': { scope: 'community', member: 403 },
  'POST /api/communities/{id}/channels': { scope: 'community', body: { name: 'c', kind: 'text' }, member: 403 },
  'GET /api/communities/{id}/members': { scope: 'community', member: 'allowed' },
  'DELETE /api/communities/{id}/members/me': { scope: 'community', member: 'allowed' },
  'DELETE /api/communities/{id}/members/{userId}': { scope: 'community', member: 403 },
  'PATCH /api/communities/{id}/members/{userId}': { scope: 'community', body: { role: 'moderator' }, member: 403 },
  'POST /api/communities/{id}/members/{userId}/timeout': { scope: 'community', body: { seconds: 60 }, member: 403 },
  'POST /api/communities/{id}/bans': { scope: 'community', body: { userId: '{target}' }, member: 403 },
  'GET /api/communities/{id}/bans': { scope: 'community', member: 403 },
  'DELETE /api/communities/{id}/bans/{userId}': { scope: 'community', member: 403 },
  // Theme (issue #16 item 8): members read what their clients apply; ADMINISTRATOR sets it.
  'GET /api/communities/{id}/theme': { scope: 'community', member: 'allowed' },
  'PUT /api/communities/{id}/theme': { scope: 'community', body: { css: '.x { color: red }' }, member: 403 },
  // Reports and warnings (issue #16): moderators only (tests/moderation/reports.test.ts).
  'GET /api/communities/{id}/reports': { scope: 'community', member: 403 },
  'POST /api/communities/{id}/members/{userId}/warnings': { scope: 'community', body: { reason: 'be nice' }, member: 403 },
  'GET /api/communities/{id}/members/{userId}/warnings': { scope: 'community', member: 403 },
  'POST /api/communities/{id}/members/{userId}/purge': { scope: 'community', body: { dryRun: false }, member: 403 },
  'GET /api/communities/{id}/moderation': { scope: 'community', member: 403 },
  'PUT /api/communities/{id}/moderation': { scope: 'community', body: { warnThreshold: 2, warnTimeoutSeconds: 600 }, member: 403 },
  'POST /api/communities/{id}/roles': { scope: 'community', body: { name: 'r', permissions: P.VIEW }, member: 403 },
  'GET /api/communities/{id}/roles': { scope: 'community', member: 'allowed' },
  'DELETE /api/communities/{id}/roles/{roleId}': { scope: 'community', member: 403 },
  'PUT /api/communities/{id}/members/{userId}/roles/{roleId}': { scope: 'community', member: 403 },
  'DELETE /api/communities/{id}/members/{userId}/roles/{roleId}': { scope: 'community', member: 403 },
  // Members hold MANAGE_INVITES by default (protocol/permissions.ts BUILT_IN.member).
  'POST /api/communities/{id}/invites': { scope: 'community', body: {}, member: 'allowed' },
  'GET /api/communities/{id}/invites': { scope: 'community', member: 'allowed' },
  // …but only their own invites, or those of someone they outrank (hardening #11.9): this one is the owner's.
  'DELETE /api/communities/{id}/invites/{code}': { scope: 'community', member: 403 },
  'POST /api/community-invites/{code}/join': { scope: 'join', member: 'allowed' },
  'PATCH /api/channels/{id}': { scope: 'community', body: { name: 'c' }, member: 403 },
  'DELETE /api/channels/{id}': { scope: 'community', member: 403 },
  'PUT /api/channels/{id}/overrides': { scope: 'community', body: { targetType: 'member', targetId: '{target}', allow: 0, deny: P.SEND }, member: 403 },
  'GET /api/channels/{id}/members': { scope: 'community', member: 'allowed' },
  // Members hold CONNECT by default (protocol/permissions.ts CALLS); tests/calls/calls.test.ts denies it.
  'GET /api/channels/{id}/call/ice': { scope: 'community', member: 'allowed' },
  'GET /api/channels/{id}/call': { scope: 'community', member: 'allowed' },
  // Incoming webhooks (issue #17 item 3): manage-webhooks only (tests/webhooks/webhooks.test.ts).
  'GET /api/channels/{id}/webhooks': { scope: 'community', member: 403 },
  'POST /api/channels/{id}/webhooks': { scope: 'community', body: { name: 'w' }, member: 403 },
  'POST /api/channels/{id}/webhooks/{webhookId}/rotate': { scope: 'community', member: 403 },
  'POST /api/channels/{id}/webhooks/{webhookId}/approve': { scope: 'community', member: 403 },
  'DELETE /api/channels/{id}/webhooks/{webhookId}': { scope: 'community', member: 403 },
  'POST /api/dms': { scope: 'self', body: { userIds: ['{target}'] }, member: 'allowed' },
  'GET /api/dms': { scope: 'self', member: 'allowed' },
  'DELETE /api/dms/{id}/members/me': { scope: 'dm', member: 'allowed' },
  'PUT /api/dms/{id}/icon': { scope: 'dm', member: 'allowed' },
  'DELETE /api/dms/{id}/icon': { scope: 'dm', member: 'allowed' },
  'PATCH /api/dms/{id}': { scope: 'dm', body: { accent: '#112233' }, member: 'allowed' },
  'POST /api/dms/{id}/accept': { scope: 'dm', member: 'allowed' },
  'POST /api/dms/{id}/decline': { scope: 'dm', member: 'allowed' },
};

const OURS = /^\/api\/(communities|channels|community-invites|dms)(\/|$)/;
const routes = ROUTES.filter((r) => OURS.test(r.path));
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/** Fills a route's path with the fixture's resources; `other` aims at the other community's ones. */
function pathFor(path: string, scope: Row['scope'], other = false): string {
  const id = path.startsWith('/api/channels/') ? ids.channel : path.startsWith('/api/dms/') ? ids.dm : other ? ids.otherCommunity : ids.community;
  return path
    .replace('{id}', scope === 'dm' ? ids.dm : id)
    .replace('{groupId}', path.includes('/personal-groups/') ? ids.personalGroup : ids.group)
    .replace('{userId}', u.target.id)
    .replace('{roleId}', ids.role)
    .replace('{code}', ids.invite)
    .replace('{name}', 'party')
    .replace('{webhookId}', 'no-such-webhook');
}
const bodyFor = (row: Row) => (row.body === undefined ? undefined : JSON.parse(JSON.stringify(row.body).replaceAll('{target}', u.target.id)));

describe('Z1: authorization matrix', () => {
  it('Z1: every route of communities, channels, community invites and DMs has a row, and every row a route', () => {
    expect(routes.map(key).sort()).toEqual(Object.keys(ROWS).sort());
    for (const r of routes) expect(r.access).toBe('user');
  });

  it('Z1: no token → 401 on every route', async () => {
    for (const r of routes) {
      const res = await api(server, null, r.method, pathFor(r.path, ROWS[key(r)]!.scope), bodyFor(ROWS[key(r)]!));
      expect(res.status, key(r)).toBe(401);
      expect(res.body.error.code, key(r)).toBe('unauthorized');
    }
    const forged = { ...u.member, accessToken: `${u.member.accessToken.slice(0, -2)}xx` };
    expect((await api(server, forged, 'GET', `/api/communities/${ids.community}`)).status).toBe(401);
  });

  it('Z1: a non-member, a banned user and another community’s owner get 404 for every community resource', async () => {
    for (const actor of [u.outsider, u.banned, u.otherOwner]) {
      for (const r of routes) {
        const row = ROWS[key(r)]!;
        if (row.scope !== 'community') continue;
        const res = await api(server, actor, r.method, pathFor(r.path, row.scope), bodyFor(row));
        expect(res.status, `${key(r)} as ${actor === u.banned ? 'banned' : actor === u.outsider ? 'non-member' : 'other owner'}`).toBe(404);
        expect(Object.keys(res.body), key(r)).toEqual(['error']);
      }
    }
  });

  it('Z1: a plain member gets 403 on every manager route', async () => {
    for (const r of routes) {
      const row = ROWS[key(r)]!;
      if (row.scope !== 'community' || row.member !== 403) continue;
      const res = await api(server, u.member, r.method, pathFor(r.path, row.scope), bodyFor(row));
      expect(res.status, key(r)).toBe(403);
      expect(res.body.error.code, key(r)).toBe('forbidden');
    }
    // A moderator is refused where moderators have no bit (MANAGE_CHANNELS, MANAGE_ROLES, ADMINISTRATOR).
    for (const k of ['PATCH /api/communities/{id}', 'POST /api/communities/{id}/channels', 'POST /api/communities/{id}/roles', 'PUT /api/channels/{id}/overrides', 'DELETE /api/communities/{id}']) {
      const [method, path] = k.split(' ') as [string, string];
      expect((await api(server, u.mod, method, pathFor(path, 'community'), bodyFor(ROWS[k]!))).status, k).toBe(403);
    }
  });

  it('Z1: another community’s owner cannot reach this community’s groups, members, roles or invites through their own community', async () => {
    for (const r of routes) {
      const row = ROWS[key(r)]!;
      if (row.scope !== 'community' || !/\{(groupId|userId|roleId|code)\}/.test(r.path) || !r.path.startsWith('/api/communities/')) continue;
      const res = await api(server, u.otherOwner, r.method, pathFor(r.path, row.scope, true), bodyFor(row));
      expect(res.status, key(r)).toBe(404);
    }
    // Their own role and invite ids do not work on this community either (as its members would use them).
    expect((await api(server, u.owner, 'PUT', `/api/communities/${ids.community}/members/${u.target.id}/roles/${ids.otherRole}`)).status).toBe(404);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${ids.community}/invites/${ids.otherInvite}`)).status).toBe(404);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${ids.community}/groups/${ids.otherGroup}`)).status).toBe(404);
  });

  it('Z1 rank (#11.9): a moderator is refused every moderation action aimed at the owner or at what the owner did', async () => {
    const c = ids.community;
    const tries: [string, string, unknown?][] = [
      ['DELETE', `/api/communities/${c}/members/${u.owner.id}`],
      ['PATCH', `/api/communities/${c}/members/${u.owner.id}`, { role: 'member' }],
      ['POST', `/api/communities/${c}/members/${u.owner.id}/timeout`, { seconds: 60 }],
      ['POST', `/api/communities/${c}/bans`, { userId: u.owner.id }],
      // The owner's ban and the owner's invite.
      ['DELETE', `/api/communities/${c}/bans/${u.banned.id}`],
      ['DELETE', `/api/communities/${c}/invites/${ids.invite}`],
    ];
    for (const [method, path, body] of tries) {
      const res = await api(server, u.mod, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code, `${method} ${path}`).toBe('forbidden');
    }
    // A plain member still revokes the invite they made themselves.
    const own = (await api(server, u.member, 'POST', `/api/communities/${c}/invites`, {})).body.code as string;
    expect((await api(server, u.member, 'DELETE', `/api/communities/${c}/invites/${own}`)).status).toBe(204);
  });

  it('Z1: nothing a refused call named has changed', async () => {
    const view = await api(server, u.owner, 'GET', `/api/communities/${ids.community}`);
    expect(view.body.community.name).toBe('Test community');
    expect(view.body.groups.map((g: { id: string }) => g.id)).toEqual([ids.group, ids.personalGroup]);
    expect(view.body.groups[1]).toMatchObject({ name: 'Theirs', ownerUserId: u.target.id, private: true });
    const listed = await api(server, u.owner, 'GET', `/api/communities/${ids.community}/personal-groups/${ids.personalGroup}/members`);
    expect(listed.body.members.map((m: { userId: string }) => m.userId)).toEqual([u.member.id]);
    expect(view.body.channels.map((c: { id: string; name: string }) => [c.id, c.name])).toEqual([[ids.channel, 'general']]);
    const members = await api(server, u.owner, 'GET', `/api/communities/${ids.community}/members`);
    const roles = Object.fromEntries(members.body.members.map((m: { userId: string; role: string; timedOutUntil: number | null; roles: string[] }) => [m.userId, m]));
    expect(roles[u.target.id]).toMatchObject({ role: 'member', timedOutUntil: null, roles: [] });
    expect(roles[u.member.id]).toMatchObject({ role: 'member' });
    expect((await api(server, u.owner, 'GET', `/api/communities/${ids.community}/roles`)).body.roles.map((r: { id: string }) => r.id)).toEqual([ids.role]);
    expect((await api(server, u.owner, 'GET', `/api/communities/${ids.community}/bans`)).body.bans.map((b: { userId: string }) => b.userId)).toEqual([u.banned.id]);
    expect((await api(server, u.owner, 'GET', `/api/communities/${ids.community}/invites`)).body.invites.find((i: { code: string }) => i.code === ids.invite).state).toBe('active');
  });

  it('Z1: DMs — everyone outside a DM gets 404; a banned user is refused an invite with 403', async () => {
    for (const actor of [u.outsider, u.member, u.owner, u.banned, u.otherOwner]) {
      for (const r of routes.filter((x) => ROWS[key(x)]!.scope === 'dm')) expect((await api(server, actor, r.method, pathFor(r.path, 'dm'))).status, key(r)).toBe(404);
      for (const p of ['PATCH', 'DELETE']) expect((await api(server, actor, p, `/api/channels/${ids.dm}`, p === 'PATCH' ? { name: 'x' } : undefined)).status).toBe(404);
      expect((await api(server, actor, 'GET', `/api/channels/${ids.dm}/members`)).status).toBe(404);
    }
    const refused = await api(server, u.banned, 'POST', `/api/community-invites/${ids.invite}/join`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('banned');
    expect((await api(server, u.member, 'POST', `/api/community-invites/${ids.invite}/join`)).status).toBe(409);
  });
});
