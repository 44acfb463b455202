/**
 * One link to join (issue 12 item 2): a community invite made by an instance admin with
 * admitsNewAccounts registers someone new on an invite-only instance and makes them a member in
 * the same step; every other community invite still needs an account first, and `closed` stays
 * closed. The public preview names the community only while the link works and never uses it.
 * SECURITY-TESTS Z1 (who may make such a link), Z5 (uses counted once, refusals give them back).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, registerUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { inviteAdmission } from '../../worker/routes/communityInvites';
import type { Invite, Storage, User } from '../../worker/storage/Storage';
import { api, community, join, uname, type TestUser } from './fixture';

let server: RunningServer;
let owner: TestUser;
let member: TestUser;
let c: { id: string; channelId: string };

const registerWith = (code: string | undefined, username = uname('new')) =>
  api(server, null, 'POST', '/api/auth/register', { acceptTerms: 1, username, password: TEST_PASSWORD, recoveryVerifier: randomBytes(32).toString('base64url'), ...(code ? { inviteCode: code } : {}) });
const preview = (code: string) => api(server, null, 'GET', `/api/auth/invites/${code}`);
const inviteUses = async (code: string) => (await api(server, owner, 'GET', `/api/communities/${c.id}/invites`)).body.invites.find((i: { code: string }) => i.code === code)?.uses;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'invite_only' } });
  owner = await registerUser(server, uname('owner')); // the first account: the instance owner
  const inst = await api(server, owner, 'POST', '/api/invites', { maxUses: 1 });
  const r = await registerWith(inst.body.code, uname('member'));
  expect(r.status).toBe(201);
  member = { id: r.body.user.id, username: r.body.user.username, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
  c = await community(server, owner, 'Book club');
  await join(server, owner, c.id, [member]);
});
afterAll(async () => {
  await server?.kill();
});

describe('one link to join', () => {
  it('12.2: an admitting community invite previews the community, registers a stranger and makes them a member in one step', async () => {
    const inv = await api(server, owner, 'POST', `/api/communities/${c.id}/invites`, { maxUses: 2, admitsNewAccounts: true });
    expect(inv.status).toBe(201);
    expect(inv.body.admitsNewAccounts).toBe(true);

    const p = await preview(inv.body.code);
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ kind: 'community', state: 'active', community: { id: c.id, name: 'Book club', memberCount: 2 }, invitedBy: { username: owner.username }, newAccounts: true });
    expect(await inviteUses(inv.body.code)).toBe(0); // looking is not using

    const r = await registerWith(inv.body.code);
    expect(r.status).toBe(201);
    expect(r.body.joinedCommunityId).toBe(c.id);
    const mine = await api(server, { id: r.body.user.id, username: r.body.user.username, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken }, 'GET', `/api/communities/${c.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.role).toBe('member');
    expect(await inviteUses(inv.body.code)).toBe(1);
    expect((await preview(inv.body.code)).body.community.memberCount).toBe(3);
  });

  it('Z1: only instance admins may make a link that admits new accounts; members get 403 and no invite', async () => {
    const r = await api(server, member, 'POST', `/api/communities/${c.id}/invites`, { admitsNewAccounts: true });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/instance administrators/);
    const list = await api(server, owner, 'GET', `/api/communities/${c.id}/invites`);
    expect(list.body.invites.every((i: { createdBy: string; admitsNewAccounts: boolean }) => i.createdBy !== member.id || !i.admitsNewAccounts)).toBe(true);
  });

  it('Z5: an ordinary community invite cannot register anyone on an invite-only instance, and its use is given back', async () => {
    const inv = await api(server, member, 'POST', `/api/communities/${c.id}/invites`, { maxUses: 1 });
    expect(inv.status).toBe(201);
    expect((await preview(inv.body.code)).body).toMatchObject({ kind: 'community', state: 'active', newAccounts: false });
    const r = await registerWith(inv.body.code);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/already have an account/);
    expect(await inviteUses(inv.body.code)).toBe(0);
    expect((await registerWith(undefined)).status).toBe(403); // and no invite at all is still refused
  });

  it('Z5: a revoked link previews as revoked with no names, and registers nobody', async () => {
    const inv = await api(server, owner, 'POST', `/api/communities/${c.id}/invites`, { admitsNewAccounts: true });
    expect((await api(server, owner, 'DELETE', `/api/communities/${c.id}/invites/${inv.body.code}`)).status).toBe(204);
    const p = await preview(inv.body.code);
    expect(p.status).toBe(200);
    expect(p.body).toEqual({ kind: 'community', state: 'revoked' });
    const r = await registerWith(inv.body.code);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('invite_revoked');
    expect((await preview('AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await preview('..%2F..%2Fetc')).status).toBe(404);
  });

  it('an instance invite previews as an instance invite with its maker, and still registers without joining anything', async () => {
    const inst = await api(server, owner, 'POST', '/api/invites', { maxUses: 1 });
    expect((await preview(inst.body.code)).body).toMatchObject({ kind: 'instance', state: 'active', community: null, invitedBy: { username: owner.username }, newAccounts: true });
    const r = await registerWith(inst.body.code);
    expect(r.status).toBe(201);
    expect(r.body.joinedCommunityId).toBeUndefined();
  });

  it('12.2: a link stops admitting new accounts when its maker may no longer invite to the instance', async () => {
    const invite: Invite = { code: 'x'.repeat(16), communityId: 'c1', createdBy: 'maker', maxUses: null, uses: 0, expiresAt: null, revokedAt: null, createdAt: 0, admitsNewAccounts: true };
    const as = (instanceRole: User['instanceRole'] | null) => ({ getUserById: async () => (instanceRole ? ({ id: 'maker', instanceRole } as User) : null) }) as unknown as Storage;
    expect(await inviteAdmission(as('admin'), invite)).toBe('admits');
    expect(await inviteAdmission(as('owner'), invite)).toBe('admits');
    expect(await inviteAdmission(as('user'), invite)).toMatch(/no longer admits/);
    expect(await inviteAdmission(as(null), invite)).toMatch(/no longer admits/);
    expect(await inviteAdmission(as('admin'), { ...invite, admitsNewAccounts: false })).toMatch(/already have an account/);
    expect(await inviteAdmission(as(null), { ...invite, communityId: null })).toBe('admits');
  });

  // Last: restarts the server in another registration mode.
  it('12.2: a closed instance stays closed to every link; an open one lets any community link register and join', async () => {
    const admitting = (await api(server, owner, 'POST', `/api/communities/${c.id}/invites`, { admitsNewAccounts: true })).body.code;
    const plain = (await api(server, member, 'POST', `/api/communities/${c.id}/invites`, {})).body.code;
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { REGISTRATION_MODE: 'closed' } });
    expect((await preview(admitting)).body.newAccounts).toBe(false);
    const closed = await registerWith(admitting);
    expect(closed.status).toBe(403);
    expect(closed.body.error.message).toMatch(/closed/);
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { REGISTRATION_MODE: 'open' } });
    expect((await preview(plain)).body.newAccounts).toBe(true);
    const open = await registerWith(plain);
    expect(open.status).toBe(201);
    expect(open.body.joinedCommunityId).toBe(c.id);
  });
});
