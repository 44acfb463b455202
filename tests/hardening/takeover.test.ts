/**
 * Account and instance takeovers an attacker tried (hardening issue #11, items 5–7), each against
 * the real server:
 * - ADMIN_USERNAME handed the instance to whoever registered the name after the owner's account
 *   was deleted; the owner grant now happens once.
 * - A stolen access token alone turned 2FA on with the thief's authenticator; enrolling and
 *   enabling now need the password.
 * - The recovery code skipped 2FA; with 2FA on, recovery now needs the authenticator's code or a
 *   backup code as well, and a refusal leaves the recovery code usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshTotpWindow, invite, login, newVerifier, register, strongPassword, totp, uniqueName, type Account } from '../auth/client';
import { startServer, type RunningServer } from '../helpers/server';

describe('owner grant (ADMIN_USERNAME) happens once', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { ADMIN_USERNAME: 'boss', REGISTRATION_MODE: 'open' } });
  });
  afterAll(() => server?.kill());

  it('Z4 registering ADMIN_USERNAME again after the owner deleted their account gives an ordinary account that cannot read the admin audit log', async () => {
    const password = strongPassword();
    const owner = await register(server, { username: 'boss', password });
    expect(owner.auth.user.instanceRole).toBe('owner');
    const gone = await call(server, 'DELETE', '/api/me', { token: owner.auth.accessToken, body: { password } });
    expect(gone.status).toBe(204);

    const squatter = await register(server, { username: 'boss' });
    expect(squatter.auth.user.instanceRole).toBe('user');
    const audit = await call(server, 'GET', '/api/admin/audit', { token: squatter.auth.accessToken });
    expect(audit.status).toBe(403);
    const invites = await call(server, 'POST', '/api/invites', { token: squatter.auth.accessToken, body: {} });
    expect(invites.status).toBe(403);
  });
});

describe('2FA and recovery with a stolen token or a recovery code alone', () => {
  let server: RunningServer;
  let code: string;
  beforeAll(async () => {
    server = await startServer({});
    const owner = await register(server);
    code = await invite(server, owner.auth.accessToken, { maxUses: 100 });
  });
  afterAll(() => server?.kill());

  it('A10 a stolen access token cannot turn 2FA on: enroll and enable refuse without the password or with a wrong one, and the victim keeps signing in', async () => {
    const victim = await register(server, { inviteCode: code });
    const stolen = victim.auth.accessToken;
    expect((await call(server, 'POST', '/api/me/totp/enroll', { token: stolen })).status).toBe(415);
    const noPassword = await call(server, 'POST', '/api/me/totp/enroll', { token: stolen, body: {} });
    expect(noPassword.status).toBe(400);
    const wrong = await call(server, 'POST', '/api/me/totp/enroll', { token: stolen, body: { password: strongPassword() } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toMatch(/password is wrong/);

    // Even with a secret enrolled by the owner earlier, enabling needs the password again.
    const enrolled = await call(server, 'POST', '/api/me/totp/enroll', { token: stolen, body: { password: victim.password } });
    expect(enrolled.status).toBe(200);
    await freshTotpWindow(5_000);
    const enable = await call(server, 'POST', '/api/me/totp/enable', { token: stolen, body: { code: totp(enrolled.body.secret, 0) } });
    expect(enable.status).toBe(400);
    const enableWrong = await call(server, 'POST', '/api/me/totp/enable', { token: stolen, body: { code: totp(enrolled.body.secret, 0), password: strongPassword() } });
    expect(enableWrong.status).toBe(403);
    const me = await call(server, 'GET', '/api/me', { token: stolen });
    expect(me.body.totpEnabled).toBe(false);
    expect((await login(server, victim.username, victim.password)).status).toBe(200);
  });

  async function withTwoFactor(): Promise<Account & { secret: string; backupCodes: string[] }> {
    const u = await register(server, { inviteCode: code });
    const secret = (await call(server, 'POST', '/api/me/totp/enroll', { token: u.auth.accessToken, body: { password: u.password } })).body.secret as string;
    await freshTotpWindow(5_000);
    const enabled = await call(server, 'POST', '/api/me/totp/enable', { token: u.auth.accessToken, body: { code: totp(secret, 0), password: u.password } });
    expect(enabled.status).toBe(200);
    return { ...u, secret, backupCodes: enabled.body.backupCodes as string[] };
  }

  it('A5 recovery on an account with 2FA needs a second factor: none → totp_required, a wrong one → invalid_code, and the recovery code still works afterwards with a backup code', async () => {
    const u = await withTwoFactor();
    const attempt = (extra: Record<string, string>) =>
      call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: u.verifier, newPassword: strongPassword(), nextRecoveryVerifier: newVerifier(), ...extra } });
    const none = await attempt({});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('totp_required');
    expect(none.body.accessToken).toBeUndefined();
    const wrong = await attempt({ code: '000000' === totp(u.secret, 0) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_code');
    // The old password still signs in (with the factor): nothing was reset by the refusals.
    expect((await login(server, u.username, u.password, { code: u.backupCodes[1]! })).status).toBe(200);

    const ok = await attempt({ code: u.backupCodes[0]! });
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toEqual(expect.any(String));
    // A used backup code does not work twice.
    const again = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: u.verifier, newPassword: strongPassword(), nextRecoveryVerifier: newVerifier(), code: u.backupCodes[0]! } });
    expect(again.status).toBe(401);
  });

  it('A5 recovery without 2FA still needs only the recovery code', async () => {
    const u = await register(server, { inviteCode: code, username: uniqueName('rec') });
    const r = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: u.verifier, newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
    expect(r.status).toBe(200);
  });
});
