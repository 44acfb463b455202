/**
 * Community invites (issue 5 item 2) and SECURITY-TESTS Z5: one use goes to exactly one caller
 * under concurrency, and each refusal names its reason; bans hold against invites.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { api, community, join, setup, type TestUser } from './fixture';

let server: RunningServer;
let operator: TestUser;
let u: Record<'owner' | 'member' | 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h', TestUser>;

beforeAll(async () => {
  ({ server, operator, users: u } = await setup(['owner', 'member', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const));
});
afterAll(async () => {
  await server?.kill();
});

const joinWith = (who: TestUser, code: string) => api(server, who, 'POST', `/api/community-invites/${code}/join`);

describe('community invites', () => {
  it('Z5: 20 parallel joins of a one-use invite: exactly one succeeds, the rest are invite_exhausted', async () => {
    const c = await community(server, u.owner);
    const invite = await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { maxUses: 1 });
    expect(invite.status).toBe(201);
    expect(invite.body.code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const joiners = [u.a, u.b, u.c, u.d, u.e, u.f, u.g, u.h];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => joinWith(joiners[i % joiners.length]!, invite.body.code)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error.code).toBe('invite_exhausted');
    const members = await api(server, u.owner, 'GET', `/api/communities/${c.id}/members`);
    expect(members.body.members).toHaveLength(2);
    const list = await api(server, u.owner, 'GET', `/api/communities/${c.id}/invites`);
    expect(list.body.invites[0]).toMatchObject({ code: invite.body.code, uses: 1, maxUses: 1, state: 'used_up' });
  });

  it('Z5: joining returns the community; expired, revoked and unknown codes get their own codes', async () => {
    const c = await community(server, u.owner);
    const good = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { expiresInSeconds: 3600 })).body;
    const r = await joinWith(u.a, good.code);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ community: { id: c.id }, role: 'member' });
    expect(r.body.channels.map((x: { id: string }) => x.id)).toContain(c.channelId);

    const revoked = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, {})).body;
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/invites/${revoked.code}`)).status).toBe(204);
    const rr = await joinWith(u.b, revoked.code);
    expect(rr.status).toBe(403);
    expect(rr.body.error.code).toBe('invite_revoked');

    expect((await joinWith(u.b, 'AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await joinWith(u.b, encodeURIComponent('../../etc/passwd'))).status).toBe(404);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { expiresInSeconds: 3599 })).status).toBe(400);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { expiresInSeconds: 31_536_001 })).status).toBe(400);
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { communityId: 'other' })).status).toBe(400);
  });

  it('5.2: members already in get 409 and the use is given back', async () => {
    const c = await community(server, u.owner);
    const inv = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { maxUses: 2 })).body;
    expect((await joinWith(u.owner, inv.code)).status).toBe(409);
    expect((await joinWith(u.a, inv.code)).status).toBe(200);
    expect((await joinWith(u.a, inv.code)).status).toBe(409);
    expect((await joinWith(u.b, inv.code)).status).toBe(200); // the refused joins did not use it up
    const list = await api(server, u.owner, 'GET', `/api/communities/${c.id}/invites`);
    expect(list.body.invites[0]).toMatchObject({ uses: 2, state: 'used_up' });
  });

  it('Z3/Z5: a banned user cannot rejoin by invite (403 banned, use given back); after unban they can', async () => {
    const c = await community(server, u.owner);
    await join(server, u.owner, c.id, [u.member]);
    const inv = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { maxUses: 1 })).body;
    expect((await api(server, u.owner, 'POST', `/api/communities/${c.id}/bans`, { userId: u.member.id })).status).toBe(201);
    const r = await joinWith(u.member, inv.code);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('banned');
    // The member may still make invites, but a banned user cannot, and sees nothing.
    expect((await api(server, u.member, 'POST', `/api/communities/${c.id}/invites`, {})).status).toBe(404);
    expect((await api(server, u.owner, 'GET', `/api/communities/${c.id}/invites`)).body.invites[0].uses).toBe(0);
    await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/bans/${u.member.id}`);
    expect((await joinWith(u.member, inv.code)).status).toBe(200);
  });

  it('Z5: instance invites are not community invites: 404 and not used', async () => {
    const inst = await api(server, operator, 'POST', '/api/invites', { maxUses: 1 });
    expect(inst.status).toBe(201);
    expect((await joinWith(u.a, inst.body.code)).status).toBe(404);
    const list = await api(server, operator, 'GET', '/api/invites');
    expect(list.body.invites.find((i: { code: string }) => i.code === inst.body.code).uses).toBe(0);
  });

  it('5.2: invite management needs MANAGE_INVITES; another community cannot revoke yours', async () => {
    const c = await community(server, u.owner);
    const other = await community(server, u.a);
    await join(server, u.owner, c.id, [u.member]);
    // Members hold MANAGE_INVITES by default; an override can take it away.
    expect((await api(server, u.member, 'POST', `/api/communities/${c.id}/invites`, {})).status).toBe(201);
    const inv = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, {})).body;
    expect((await api(server, u.a, 'DELETE', `/api/communities/${other.id}/invites/${inv.code}`)).status).toBe(404);
    expect((await api(server, u.a, 'DELETE', `/api/communities/${c.id}/invites/${inv.code}`)).status).toBe(404);
    expect((await api(server, u.owner, 'DELETE', `/api/communities/${c.id}/invites/nosuchcode`)).status).toBe(404);
  });

  // Last, because it restarts the server with its clock moved on.
  it('Z5: an invite past its expiry is refused with invite_expired', async () => {
    const c = await community(server, u.owner);
    const inv = (await api(server, u.owner, 'POST', `/api/communities/${c.id}/invites`, { expiresInSeconds: 3600 })).body;
    expect(inv.expiresAt).toBeGreaterThan(Date.now());
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { REGISTRATION_MODE: 'open', CHATALOT_CLOCK_OFFSET_MS: String(2 * 3600 * 1000) } });
    const login = await api(server, null, 'POST', '/api/auth/login', { username: u.a.username, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const r = await joinWith({ ...u.a, accessToken: login.body.accessToken }, inv.code);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('invite_expired');
  });
});
