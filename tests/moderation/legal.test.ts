/**
 * Issue #16 items 5, 6 and 7 on the real server: the legal pages (built-in texts, accepted at
 * registration and recorded; the operator's own texts, and a new version everyone accepts again),
 * the instance's name and icon, and suspension (no sign-in, no refresh, no recovery until lifted;
 * the reason is told only to whoever knows the password). The 401/403 rows for these routes are
 * in tests/auth/tokens.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { RunningServer } from '../helpers/server';
import { TEST_PASSWORD } from '../helpers/accounts';
import { api, setup, uname, type TestUser } from '../communities/fixture';
import { png } from '../images/samples';

let server: RunningServer;
let owner: TestUser;
let u: Record<'lia' | 'moe' | 'ned' | 'ola', TestUser>;

beforeAll(async () => {
  ({ server, operator: owner, users: u } = await setup(['lia', 'moe', 'ned', 'ola'] as const));
});
afterAll(async () => {
  await server?.kill();
});

const verifier = () => randomBytes(32).toString('base64url');
const registerWith = (acceptTerms?: number) => api(server, null, 'POST', '/api/auth/register', { username: uname('reader'), password: `${TEST_PASSWORD} 9`, recoveryVerifier: verifier(), ...(acceptTerms !== undefined ? { acceptTerms } : {}) });
const login = (user: TestUser, password = TEST_PASSWORD) => api(server, null, 'POST', '/api/auth/login', { username: user.username, password });
const auditOf = async (event: string) => (await api(server, owner, 'GET', `/api/admin/audit?event=${event}&limit=20`)).body.events as { userId: string; detail: Record<string, unknown> }[];

describe('legal pages (issue #16 item 7)', () => {
  it('16.7: the built-in texts are public, a registration must accept their version, and the acceptance is recorded', async () => {
    const legal = await api(server, null, 'GET', '/api/legal');
    expect(legal.status).toBe(200);
    expect(legal.body.version).toBe(1);
    expect(legal.body.custom).toEqual({ terms: false, privacy: false });
    expect(legal.body.terms).toMatch(/^# Terms of service/);
    // The privacy policy says what SECURITY.md says the server cannot and can see.
    expect(legal.body.privacy).toMatch(/cannot read/);
    expect(legal.body.privacy).toMatch(/IP address/);
    expect((await api(server, null, 'GET', '/api/auth/config')).body).toMatchObject({ legalVersion: 1, instance: { name: 'Chatalot', iconId: null } });

    const missing = await registerWith();
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('terms_not_accepted');
    expect(missing.body.error.message).toMatch(/version 1/);
    expect((await registerWith(2)).body.error.code).toBe('terms_not_accepted');
    const ok = await registerWith(1);
    expect(ok.status).toBe(201);
    expect(ok.body.user.termsVersion).toBe(1);
  });

  it('16.7: the operator publishes their own texts; with reaccept the version rises and everyone accepts again', async () => {
    expect((await api(server, u.lia, 'PUT', '/api/admin/legal', { terms: '# Ours' })).status).toBe(403);
    expect((await api(server, null, 'PUT', '/api/admin/legal', { terms: '# Ours' })).status).toBe(401);
    expect((await api(server, owner, 'PUT', '/api/admin/legal', { terms: '   ' })).body.error.code).toBe('validation_failed');
    expect((await api(server, owner, 'PUT', '/api/admin/legal', { terms: 'x'.repeat(100_001) })).body.error.code).toBe('validation_failed');
    expect((await api(server, owner, 'PUT', '/api/admin/legal', { terms: 'x'.repeat(1024 * 1024) })).body.error.code).toBe('payload_too_large');

    // A correction that nobody has to accept again keeps the version.
    const fixed = await api(server, owner, 'PUT', '/api/admin/legal', { privacy: '# Privacy\n\nRun by the Example club, hello@example.org.' });
    expect(fixed.body).toMatchObject({ version: 1, custom: { terms: false, privacy: true } });
    expect((await api(server, null, 'GET', '/api/legal')).body.privacy).toMatch(/Example club/);

    const changed = await api(server, owner, 'PUT', '/api/admin/legal', { terms: '# Terms\n\n1. Be kind.', reaccept: true });
    expect(changed.body).toMatchObject({ version: 2, custom: { terms: true, privacy: true }, terms: '# Terms\n\n1. Be kind.' });
    expect((await api(server, null, 'GET', '/api/auth/config')).body.legalVersion).toBe(2);
    expect((await registerWith(1)).body.error.code).toBe('terms_not_accepted');
    expect((await registerWith(2)).status).toBe(201);

    // An account that accepted version 1 is behind: it accepts 2 (not 1 again, not 3).
    expect((await api(server, u.lia, 'GET', '/api/me')).body.termsVersion).toBe(1);
    expect((await api(server, u.lia, 'POST', '/api/me/terms', { version: 1 })).body.error.code).toBe('conflict');
    expect((await api(server, u.lia, 'POST', '/api/me/terms', { version: 3 })).body.error.code).toBe('conflict');
    expect((await api(server, u.lia, 'POST', '/api/me/terms', { version: '2' })).body.error.code).toBe('validation_failed');
    expect((await api(server, null, 'POST', '/api/me/terms', { version: 2 })).status).toBe(401);
    const accepted = await api(server, u.lia, 'POST', '/api/me/terms', { version: 2 });
    expect(accepted.status).toBe(200);
    expect(accepted.body.termsVersion).toBe(2);
    expect((await auditOf('terms_accepted')).find((e) => e.userId === u.lia.id)?.detail).toEqual({ version: 2 });
    expect((await auditOf('legal_changed')).map((e) => e.detail.version)).toEqual([2, 1]);

    // Back to the built-in texts (null), the version stays where it is.
    const restored = await api(server, owner, 'PUT', '/api/admin/legal', { terms: null, privacy: null });
    expect(restored.body).toMatchObject({ version: 2, custom: { terms: false, privacy: false } });
    expect(restored.body.terms).toMatch(/^# Terms of service/);
  });
});

describe('instance name and icon (issue #16 item 6)', () => {
  it('16.6: the owner names the instance and gives it an icon everyone sees, signed in or not', async () => {
    expect((await api(server, u.lia, 'PUT', '/api/admin/settings', { name: 'Mine' })).status).toBe(403);
    expect((await api(server, owner, 'PUT', '/api/admin/settings', { name: 'x'.repeat(65) })).body.error.code).toBe('validation_failed');
    const named = await api(server, owner, 'PUT', '/api/admin/settings', { name: 'Example club' });
    expect(named.body).toMatchObject({ name: 'Example club', iconId: null });
    expect(['open', 'invite_only', 'closed']).toContain(named.body.registrationMode);

    const put = (user: TestUser | null, bytes: Uint8Array) =>
      fetch(`${server.url}/api/admin/settings/icon`, { method: 'PUT', headers: { ...(user ? { Authorization: `Bearer ${user.accessToken}` } : {}), 'Content-Type': 'application/octet-stream' }, body: bytes as Uint8Array<ArrayBuffer> });
    expect((await put(u.lia, png(64, 64))).status).toBe(403);
    expect((await put(owner, new TextEncoder().encode('<svg onload="alert(1)"/>'))).status).toBe(415);
    const first = (await (await put(owner, png(64, 64))).json()) as { iconId: string };
    const second = (await (await put(owner, png(32, 32))).json()) as { iconId: string };
    const config = (await api(server, null, 'GET', '/api/auth/config')).body;
    expect(config.instance).toEqual({ name: 'Example club', iconId: second.iconId });
    expect((await fetch(`${server.url}/api/images/${second.iconId}`)).headers.get('content-type')).toBe('image/png');
    // The icon it replaced is gone.
    expect((await fetch(`${server.url}/api/images/${first.iconId}`)).status).toBe(404);
    expect((await auditOf('instance_profile_changed')).length).toBe(3);

    expect((await api(server, owner, 'DELETE', '/api/admin/settings/icon')).status).toBe(204);
    expect((await api(server, null, 'GET', '/api/auth/config')).body.instance.iconId).toBeNull();
    expect((await fetch(`${server.url}/api/images/${second.iconId}`)).status).toBe(404);
    expect((await api(server, owner, 'PUT', '/api/admin/settings', { name: '' })).body.name).toBe('Chatalot');
  });
});

describe('suspension (issue #16 item 5)', () => {
  it('16.5: a suspended account is signed out everywhere and cannot sign in, refresh or recover until it is lifted', async () => {
    const moe = u.moe;
    expect((await api(server, u.lia, 'POST', `/api/admin/users/${moe.id}/suspend`, { reason: 'spam' })).status).toBe(403);
    expect((await api(server, owner, 'POST', `/api/admin/users/${moe.id}/suspend`, { reason: '' })).body.error.code).toBe('validation_failed');
    expect((await api(server, owner, 'POST', `/api/admin/users/${owner.id}/suspend`, { reason: 'x' })).status).toBe(403);
    expect((await api(server, owner, 'POST', '/api/admin/users/nobody/suspend', { reason: 'x' })).status).toBe(404);

    const suspended = await api(server, owner, 'POST', `/api/admin/users/${moe.id}/suspend`, { reason: 'spam in #general' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.endedSessions).toBe(1);
    // The access token it held stops at once, and so does its refresh token.
    expect((await api(server, moe, 'GET', '/api/me')).status).toBe(401);
    expect((await api(server, null, 'POST', '/api/auth/refresh', { refreshToken: moe.refreshToken })).status).toBe(401);
    // A wrong password learns nothing; the right one hears why.
    const wrong = await login(moe, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const right = await login(moe);
    expect(right.status).toBe(403);
    expect(right.body.error).toMatchObject({ code: 'suspended', message: expect.stringContaining('spam in #general') });
    const listed = (await api(server, owner, 'GET', `/api/admin/users?q=${moe.username}`)).body.users[0];
    expect(listed.suspension).toMatchObject({ reason: 'spam in #general' });
    expect(listed.sessions).toBe(0);

    expect((await api(server, owner, 'DELETE', `/api/admin/users/${moe.id}/suspend`)).status).toBe(204);
    expect((await login(moe)).status).toBe(200);
    expect((await api(server, owner, 'GET', `/api/admin/users?q=${moe.username}`)).body.users[0].suspension).toBeNull();
    const events = await auditOf('account_suspended');
    expect(events.find((e) => e.userId === moe.id)?.detail).toMatchObject({ by: owner.id, reason: 'spam in #general', endedSessions: 1 });
    expect((await auditOf('suspension_lifted')).some((e) => e.userId === moe.id)).toBe(true);
  });

  it('16.5: only the owner suspends an admin; an admin cannot suspend themselves or the owner', async () => {
    expect((await api(server, owner, 'PATCH', `/api/admin/users/${u.ned.id}`, { instanceRole: 'admin' })).status).toBe(200);
    expect((await api(server, owner, 'PATCH', `/api/admin/users/${u.ola.id}`, { instanceRole: 'admin' })).status).toBe(200);
    expect((await api(server, u.ned, 'POST', `/api/admin/users/${u.ola.id}/suspend`, { reason: 'x' })).status).toBe(403);
    expect((await api(server, u.ned, 'POST', `/api/admin/users/${u.ned.id}/suspend`, { reason: 'x' })).status).toBe(403);
    expect((await api(server, u.ned, 'POST', `/api/admin/users/${owner.id}/suspend`, { reason: 'x' })).status).toBe(403);
    expect((await api(server, u.ned, 'POST', `/api/admin/users/${u.lia.id}/suspend`, { reason: 'a test' })).status).toBe(200);
    expect((await api(server, owner, 'POST', `/api/admin/users/${u.ola.id}/suspend`, { reason: 'the owner may' })).status).toBe(200);
    expect((await api(server, u.ned, 'DELETE', `/api/admin/users/${u.lia.id}/suspend`)).status).toBe(204);
  });

  it('16.5: recovery with the recovery code is refused while suspended, and changes nothing', async () => {
    const name = uname('recoverer');
    const rv = verifier();
    const reg = await api(server, null, 'POST', '/api/auth/register', { acceptTerms: (await api(server, null, 'GET', '/api/legal')).body.version, username: name, password: TEST_PASSWORD, recoveryVerifier: rv });
    expect(reg.status).toBe(201);
    expect((await api(server, owner, 'POST', `/api/admin/users/${reg.body.user.id}/suspend`, { reason: 'hold' })).status).toBe(200);
    const recovered = await api(server, null, 'POST', '/api/auth/recover', { username: name, recoveryVerifier: rv, newPassword: 'another correct horse battery', nextRecoveryVerifier: verifier() });
    expect(recovered.body.error.code).toBe('suspended');
    expect((await api(server, owner, 'DELETE', `/api/admin/users/${reg.body.user.id}/suspend`)).status).toBe(204);
    // The old password still works and the recovery code was not spent.
    expect((await api(server, null, 'POST', '/api/auth/login', { username: name, password: TEST_PASSWORD })).status).toBe(200);
    expect((await api(server, null, 'POST', '/api/auth/recover', { username: name, recoveryVerifier: rv, newPassword: 'another correct horse battery', nextRecoveryVerifier: verifier() })).status).toBe(200);
  });
});
