/**
 * Issue #16 item 6 on the real server: the admin panel's account actions beyond quarantine. The
 * owner and admins end an account's sessions, reset its two-factor authentication (with a reason,
 * ending its sessions), and delete it; only the owner makes and unmakes admins. Nobody acts on
 * themselves or the owner, and an admin acts on another admin only as the owner. Each is audited,
 * and a 2FA reset shows in the account's own audit log. The 401/403 matrix is tokens.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { call, freshTotpWindow, login, register, totp, type Account } from './client';

let server: RunningServer;
let owner: Account;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  owner = await register(server);
});
afterAll(async () => {
  await server?.kill();
});

const as = (a: Account, method: string, path: string, body?: unknown) => call(server, method, path, { token: a.auth.accessToken, ...(body !== undefined ? { body } : {}) });

describe('admin account actions (issue #16 item 6)', () => {
  it('16.6: roles by the owner only; sign-out, 2FA reset and deletion by admins, never on themselves, the owner, or (for admins) another admin; audited', async () => {
    const [ada, bea, cal] = await Promise.all([register(server), register(server), register(server)]);
    const id = async (a: Account) => (await as(a, 'GET', '/api/me')).body.id as string;
    const [adaId, beaId, calId, ownerId] = await Promise.all([id(ada), id(bea), id(cal), id(owner)]);

    // Roles: only the owner.
    expect((await as(ada, 'PATCH', `/api/admin/users/${beaId}`, { instanceRole: 'admin' })).status).toBe(403);
    expect((await as(owner, 'PATCH', `/api/admin/users/${adaId}`, { instanceRole: 'admin' })).body).toEqual({ userId: adaId, instanceRole: 'admin' });
    expect((await as(owner, 'PATCH', `/api/admin/users/${ownerId}`, { instanceRole: 'user' })).status).toBe(403);
    expect((await as(owner, 'PATCH', `/api/admin/users/${adaId}`, { instanceRole: 'owner' })).body.error.code).toBe('validation_failed');
    expect((await as(ada, 'PATCH', `/api/admin/users/${beaId}`, { instanceRole: 'admin' })).status).toBe(403);
    expect((await as(owner, 'PATCH', `/api/admin/users/${beaId}`, { instanceRole: 'admin' })).status).toBe(200);

    // The list shows sessions, devices and 2FA.
    const listed = (await as(ada, 'GET', `/api/admin/users?q=${cal.username}`)).body.users[0];
    expect(listed).toMatchObject({ id: calId, sessions: 1, devices: 0, twoFactor: false });

    // Nobody acts on themselves or the owner; an admin not on another admin.
    for (const [path, body] of [['sign-out', undefined], ['reset-2fa', { reason: 'x' }]] as const) {
      expect((await as(ada, 'POST', `/api/admin/users/${adaId}/${path}`, body)).status, path).toBe(403);
      expect((await as(ada, 'POST', `/api/admin/users/${ownerId}/${path}`, body)).status, path).toBe(403);
      expect((await as(ada, 'POST', `/api/admin/users/${beaId}/${path}`, body)).status, path).toBe(403);
    }
    expect((await as(ada, 'DELETE', `/api/admin/users/${ownerId}`, { reason: 'x' })).status).toBe(403);

    // Sign-out: every session of Cal ends; his refresh token is refused.
    expect((await as(ada, 'POST', `/api/admin/users/${calId}/sign-out`)).body.endedSessions).toBe(1);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: cal.auth.refreshToken } })).status).toBe(401);

    // 2FA reset: Cal turns 2FA on; the reset removes it and ends his sessions; he signs in with the password alone.
    const calIn = (await login(server, cal.username, cal.password)).body;
    const secret = (await call(server, 'POST', '/api/me/totp/enroll', { token: calIn.accessToken, body: { password: cal.password } })).body.secret as string;
    await freshTotpWindow(8_000);
    expect((await call(server, 'POST', '/api/me/totp/enable', { token: calIn.accessToken, body: { code: totp(secret, -1), password: cal.password } })).status).toBe(200);
    expect((await login(server, cal.username, cal.password)).body.error.code).toBe('totp_required');
    expect((await as(ada, 'POST', `/api/admin/users/${calId}/reset-2fa`, { reason: '' })).body.error.code).toBe('validation_failed');
    expect((await as(ada, 'POST', `/api/admin/users/${calId}/reset-2fa`, { reason: 'Lost phone; identity checked by video call' })).status).toBe(204);
    expect((await as(ada, 'POST', `/api/admin/users/${calId}/reset-2fa`, { reason: 'again' })).status).toBe(409);
    expect((await call(server, 'GET', '/api/me', { token: calIn.accessToken })).status).toBe(401);
    const again = await login(server, cal.username, cal.password);
    expect(again.status).toBe(200);
    const ownAudit = (await call(server, 'GET', '/api/me/audit', { token: again.body.accessToken })).body.events.map((e: { event: string }) => e.event);
    expect(ownAudit).toContain('totp_reset_by_admin');

    // Audited with who did it (before the deletion below, which takes the account's own entries along).
    const about = (await as(owner, 'GET', `/api/admin/audit?userId=${calId}&limit=20`)).body.events as { event: string; detail: Record<string, unknown> }[];
    for (const name of ['sessions_ended_by_admin', 'totp_reset_by_admin']) expect(about.some((e) => e.event === name && e.detail.by === adaId), name).toBe(true);
    expect(about.find((e) => e.event === 'totp_reset_by_admin')?.detail.reason).toBe('Lost phone; identity checked by video call');

    // Deletion: Cal's account is gone.
    expect((await as(ada, 'DELETE', `/api/admin/users/${calId}`, { reason: 'Spam account' })).status).toBe(204);
    expect((await login(server, cal.username, cal.password)).status).toBe(401);
    expect((await as(ada, 'DELETE', `/api/admin/users/${calId}`, { reason: 'again' })).status).toBe(404);

    const events = (await as(owner, 'GET', '/api/admin/audit?limit=50')).body.events as { event: string; detail: Record<string, unknown> }[];
    expect(events.some((e) => e.event === 'account_deleted' && e.detail.by === adaId && e.detail.reason === 'Spam account')).toBe(true);
    expect(events.filter((e) => e.event === 'instance_role_changed' && e.detail.by === ownerId)).toHaveLength(2);
  });
});
