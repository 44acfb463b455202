/**
 * Accounts and authentication over real HTTP against the real workerd, on each storage back end
 * a self-hosted server runs: embedded SQLite (Durable Object storage) and PostgreSQL. D1 exists
 * only on Cloudflare/Miniflare; the storage contract suite (tests/contract) runs the same SQL
 * against D1, so the atomic steps these tests lean on (refresh rotation, TOTP step, backup code,
 * invite redemption, lockout counter) are covered there for D1.
 *
 * Covers registration, login, refresh rotation and reuse (A4), sessions and their revocation
 * (A10), TOTP (A5), backup codes (A6), recovery, deletion, invites (Z5), profile updates (Z4),
 * look-alike usernames (I5), prototype pollution (I4) and the audit log.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../setup/postgres';
import { startServer, type RunningServer } from '../helpers/server';
import { call, digestOf, dumpStorage, freshTotpWindow, invite, login, newVerifier, pgRowsMentioning, register, sleep, strongPassword, totp, uniqueName, type Account, type Backend } from './client';

describe.each<Backend>(['sqlite', 'postgres'])('accounts on %s', (backend) => {
  let server: RunningServer;
  let databaseUrl: string | undefined;
  let owner: Account;
  let code: string;
  /** Every token the server handed out in this block, for the storage dump at the end (A4). */
  const refreshTokens: string[] = [];
  const accessTokens: string[] = [];
  const keep = (a: { accessToken: string; refreshToken: string }) => {
    accessTokens.push(a.accessToken);
    refreshTokens.push(a.refreshToken);
    return a;
  };
  const env = () => ({ ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const newUser = async (fields: { username?: string; deviceName?: string; headers?: Record<string, string> } = {}) => {
    const a = await register(server, { inviteCode: code, ...fields });
    keep(a.auth);
    return a;
  };
  const logIn = async (a: Account, extra: { code?: string; deviceName?: string; headers?: Record<string, string> } = {}) => {
    const r = await login(server, a.username, a.password, extra);
    if (r.status === 200) keep(r.body);
    return r;
  };

  beforeAll(async () => {
    if (backend === 'postgres') databaseUrl = await createDatabase(inject('postgresUrl'));
    server = await startServer({ env: env() });
    owner = await register(server);
    keep(owner.auth);
    code = await invite(server, owner.auth.accessToken, { maxUses: 1000 });
  });
  afterAll(async () => server?.kill());

  it('registration: the first account becomes owner without an invite; later ones need one (invite_only)', async () => {
    expect(owner.auth.user.instanceRole).toBe('owner');
    expect(owner.auth.expiresIn).toBe(900);
    expect((await call(server, 'GET', '/api/auth/config')).body).toEqual({ registrationMode: 'invite_only', needsSetup: false, linkPreviews: false, gifs: false, instance: { name: 'Chatalot', iconId: null }, legalVersion: 1 });
    const noInvite = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: uniqueName(), password: strongPassword(), recoveryVerifier: newVerifier() } });
    expect(noInvite.status).toBe(403);
    expect(noInvite.body.error.code).toBe('forbidden');
    const unknownInvite = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: uniqueName(), password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: 'no-such-invite-code' } });
    expect(unknownInvite.status).toBe(404);
    const user = await newUser();
    expect(user.auth.user.instanceRole).toBe('user');
    const me = await call(server, 'GET', '/api/me', { token: user.auth.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: user.username, instanceRole: 'user', totpEnabled: false });
    expect(JSON.stringify(me.body)).not.toMatch(/passwordHash|recoveryVerifier|totpSecret/);
  });

  it('registration refuses weak passwords, reserved names and malformed verifiers', async () => {
    const base = { acceptTerms: 1, username: uniqueName(), password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: code };
    for (const body of [
      { ...base, password: 'short-pw1' },
      { ...base, password: 'password123' },
      { ...base, password: `xx${base.username}yy99` },
      { ...base, username: 'admin' },
      { ...base, username: 'ab' },
      { ...base, username: 'x'.repeat(33) },
      { ...base, recoveryVerifier: 'too-short' },
    ]) {
      const r = await call(server, 'POST', '/api/auth/register', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('I5: look-alike usernames are refused; "Alice" and "alice" are the same account', async () => {
    for (const username of ['аdmin', 'ad\u200bmin', 'ａｄｍｉｎ', 'ad\u202emin', 'аlicе', 'bob\u200d', '\u202ebob']) {
      const r = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username, password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: code } });
      expect(r.status, JSON.stringify(username)).toBe(400);
    }
    const name = `Alice${Date.now().toString(36)}`;
    const alice = await register(server, { username: name, inviteCode: code });
    keep(alice.auth);
    expect(alice.auth.user.username).toBe(name.toLowerCase());
    for (const variant of [name.toLowerCase(), name.toUpperCase(), name.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))]) {
      const again = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: variant, password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: code } });
      expect(again.status, variant).toBe(409);
    }
    const upper = await logIn(alice, {});
    expect(upper.status).toBe(200);
    const viaUpper = await login(server, name.toUpperCase(), alice.password);
    expect(viaUpper.status).toBe(200);
    keep(viaUpper.body);
    expect(viaUpper.body.user.id).toBe(alice.auth.user.id);
  });

  it('I5: ASCII look-alikes of reserved names (400) and of existing users (409) are refused; deleting the user frees the look-alike', async () => {
    const attempt = (username: string) => call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username, password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: code } });
    for (const username of ['adm1n', 'ADRNIN', 'r00t', 'supp0rt', 'm0d']) {
      const r = await attempt(username);
      expect(r.status, username).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'validation_failed', message: 'username: this username looks too much like a reserved name' });
    }
    const originals = await Promise.all(['paypal', 'mallory', 'walter'].map((username) => newUser({ username })));
    for (const username of ['paypa1', 'pay_pal', 'PAYPA1', 'rnallory', 'vvalter']) {
      const r = await attempt(username);
      expect(r.status, username).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'conflict', message: 'this username looks too much like an existing one; choose another' });
    }
    const mallory = originals[1]!;
    expect((await call(server, 'DELETE', '/api/me', { token: mallory.auth.accessToken, body: { password: mallory.password } })).status).toBe(204);
    const rnallory = await newUser({ username: 'rnallory' });
    expect(rnallory.auth.user.username).toBe('rnallory');
  });

  it('I5: a session device name is stored without NUL, bidi or zero-width characters', async () => {
    const u = await newUser({ deviceName: 'Lap\u202Etop\u0000 \u200Bat home' });
    const sessions = await call(server, 'GET', '/api/me/sessions', { token: u.auth.accessToken });
    expect(sessions.body.sessions.map((s: { deviceName: string }) => s.deviceName)).toEqual(['Laptop at home']);
  });

  it('A4: refresh rotates; presenting a rotated token later revokes the whole family and is audited', async () => {
    const u = await newUser();
    const r1 = u.auth.refreshToken;
    const first = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r1 } });
    expect(first.status).toBe(200);
    keep(first.body);
    const r2 = first.body.refreshToken as string;
    expect(r2).not.toBe(r1);
    expect(r2).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await call(server, 'GET', '/api/me', { token: first.body.accessToken })).status).toBe(200);
    // The owner of the session uses r2, so r1 coming back (past the 2-second race window) means a copy exists.
    const second = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r2 } });
    expect(second.status).toBe(200);
    const r3 = second.body.refreshToken as string;
    await sleep(2100);
    const reuse = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r1 } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('refresh_reused');
    const afterReuse = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r3 } });
    expect(afterReuse.status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: first.body.accessToken })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).status).toBe(401);
    const fresh = await logIn(u);
    expect(fresh.status).toBe(200);
    const events = (await call(server, 'GET', '/api/me/audit', { token: fresh.body.accessToken })).body.events as { event: string; detail: { session?: string } }[];
    expect(events.some((e) => e.event === 'refresh_reuse')).toBe(true);
    const adminView = await call(server, 'GET', `/api/admin/audit?userId=${u.auth.user.id}&event=refresh_reuse`, { token: owner.auth.accessToken });
    expect(adminView.body.events).toHaveLength(1);
    expect(adminView.body.events[0]).toMatchObject({ event: 'refresh_reuse', userId: u.auth.user.id, ip: '127.0.0.1' });
  });

  it('A4: an answer lost on its way (the rotated token comes back before its successor was ever used) is answered again once; the unused successor stops working', async () => {
    const u = await newUser();
    const r1 = u.auth.refreshToken;
    const lost = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r1 } });
    expect(lost.status).toBe(200);
    const r2 = lost.body.refreshToken as string;
    // The page closed before it stored r2; the next load presents r1 again (past the race window).
    await sleep(2100);
    const retry = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r1 } });
    expect(retry.status).toBe(200);
    const r2b = retry.body.refreshToken as string;
    expect(r2b).not.toBe(r2);
    expect((await call(server, 'GET', '/api/me', { token: retry.body.accessToken })).status).toBe(200);
    // The successor nobody used was replaced: presenting it now is reuse, and ends the session.
    const stale = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r2 } });
    expect(stale.status).toBe(401);
    // r2 was rotated by the retry a moment ago and its successor r2b is unused: inside the race window this is a conflict, not yet reuse.
    expect(stale.body.error.code).toBe('refresh_conflict');
    await sleep(2100);
    // Once r2b has been used, r1 and r2 are plain reuse.
    const next = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r2b } });
    expect(next.status).toBe(200);
    const reuse = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: r1 } });
    expect(reuse.body.error.code).toBe('refresh_reused');
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: next.body.refreshToken } })).status).toBe(401);
    const fresh = await logIn(u);
    const events = (await call(server, 'GET', '/api/me/audit', { token: fresh.body.accessToken })).body.events as { event: string }[];
    expect(events.filter((e) => e.event === 'refresh_retry')).toHaveLength(1);
    expect(events.some((e) => e.event === 'refresh_reuse')).toBe(true);
  });

  it('A4: of parallel refreshes with one token exactly one wins', async () => {
    const u = await newUser();
    const results = await Promise.all(Array.from({ length: 6 }, () => call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: u.auth.refreshToken } })));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    keep(won[0]!.body);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('refresh_conflict');
    }
    // The winner's token keeps working: a race inside the window is not treated as theft.
    const next = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: won[0]!.body.refreshToken } });
    expect(next.status).toBe(200);
    keep(next.body);
  });

  it('A4: a garbage or unknown refresh token is 401, a malformed one 400', async () => {
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: 'A'.repeat(43) } })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: 'short' } })).status).toBe(400);
  });

  it('sessions list shows device, IP, user agent, times and the current one; revoke one and all others (A10)', async () => {
    const u = await newUser({ deviceName: 'Laptop', headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } });
    const phone = await logIn(u, { deviceName: 'Phone', headers: { 'User-Agent': 'Mozilla/5.0 (iPhone) Safari/604.1' } });
    const tablet = await logIn(u, { headers: { 'User-Agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0' } });
    expect(phone.status).toBe(200);
    expect(tablet.status).toBe(200);
    const list = await call(server, 'GET', '/api/me/sessions', { token: u.auth.accessToken });
    expect(list.status).toBe(200);
    const sessions = list.body.sessions as { id: string; deviceName: string; ip: string; userAgent: string; createdAt: number; lastUsedAt: number; current: boolean }[];
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const laptop = sessions.find((s) => s.current)!;
    expect(laptop).toMatchObject({ deviceName: 'Laptop', ip: '127.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' });
    expect(sessions.map((s) => s.deviceName).sort()).toEqual(['Chrome on Android', 'Laptop', 'Phone']);
    for (const s of sessions) {
      expect(s.createdAt).toBeGreaterThan(0);
      expect(s.lastUsedAt).toBeGreaterThanOrEqual(s.createdAt);
    }
    expect(JSON.stringify(list.body)).not.toMatch(/refresh|hash/i);

    // Another user cannot revoke these sessions (IDOR): the id is not theirs, so 404.
    const other = await newUser();
    const phoneId = sessions.find((s) => s.deviceName === 'Phone')!.id;
    expect((await call(server, 'DELETE', `/api/me/sessions/${phoneId}`, { token: other.auth.accessToken })).status).toBe(404);
    expect((await call(server, 'GET', '/api/me', { token: phone.body.accessToken })).status).toBe(200);

    expect((await call(server, 'DELETE', `/api/me/sessions/${phoneId}`, { token: u.auth.accessToken })).status).toBe(204);
    expect((await call(server, 'GET', '/api/me', { token: phone.body.accessToken })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: phone.body.refreshToken } })).status).toBe(401);
    expect((await call(server, 'DELETE', `/api/me/sessions/${phoneId}`, { token: u.auth.accessToken })).status).toBe(404);

    const others = await call(server, 'POST', '/api/me/sessions/revoke-others', { token: u.auth.accessToken });
    expect(others.body).toEqual({ endedSessions: 1 });
    expect((await call(server, 'GET', '/api/me', { token: tablet.body.accessToken })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: tablet.body.refreshToken } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).status).toBe(200);
    const after = await call(server, 'GET', '/api/me/sessions', { token: u.auth.accessToken });
    expect(after.body.sessions.map((s: { deviceName: string }) => s.deviceName)).toEqual(['Laptop']);
    const events = (await call(server, 'GET', '/api/me/audit', { token: u.auth.accessToken })).body.events as { event: string }[];
    expect(events.filter((e) => e.event === 'session_revoked')).toHaveLength(2);
  });

  it('A10: logout ends that session: its access and refresh tokens stop working', async () => {
    const u = await newUser();
    const other = await logIn(u);
    expect((await call(server, 'POST', '/api/auth/logout', { token: u.auth.accessToken })).status).toBe(204);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: u.auth.refreshToken } })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/logout', { token: u.auth.accessToken })).status).toBe(401);
    // Logging out one device leaves the others alone.
    expect((await call(server, 'GET', '/api/me', { token: other.body.accessToken })).status).toBe(200);
  });

  it('A10: a password change needs the current password and ends every other session', async () => {
    const u = await newUser();
    const other = await logIn(u);
    const wrong = await call(server, 'POST', '/api/me/password', { token: u.auth.accessToken, body: { currentPassword: 'not-the-password-1', newPassword: strongPassword() } });
    expect(wrong.status).toBe(403);
    const weak = await call(server, 'POST', '/api/me/password', { token: u.auth.accessToken, body: { currentPassword: u.password, newPassword: 'qwertyuiop' } });
    expect(weak.status).toBe(400);
    expect((await call(server, 'GET', '/api/me', { token: other.body.accessToken })).status).toBe(200);
    const newPassword = strongPassword();
    const changed = await call(server, 'POST', '/api/me/password', { token: u.auth.accessToken, body: { currentPassword: u.password, newPassword } });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ endedSessions: 1 });
    expect((await call(server, 'GET', '/api/me', { token: other.body.accessToken })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).status).toBe(200);
    expect((await login(server, u.username, u.password)).status).toBe(401);
    const withNew = await login(server, u.username, newPassword);
    expect(withNew.status).toBe(200);
    keep(withNew.body);
    const events = (await call(server, 'GET', '/api/me/audit', { token: u.auth.accessToken })).body.events.map((e: { event: string }) => e.event);
    expect(events).toContain('password_changed');
  });

  it('A5 + A10: TOTP enrol and enable; step −2 refused, step −1 accepted once, a code never twice, parallel replays lose; enabling and disabling end other sessions', async () => {
    const u = await newUser();
    const second = await logIn(u);
    const enroll = await call(server, 'POST', '/api/me/totp/enroll', { token: u.auth.accessToken, body: { password: u.password } });
    expect(enroll.status).toBe(200);
    const secret = enroll.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enroll.body.otpauthUri).toBe(`otpauth://totp/Chatalot%3A${u.username}?secret=${secret}&issuer=Chatalot&algorithm=SHA1&digits=6&period=30`);
    // Every code below is for a step relative to now; make sure the step does not change midway.
    await freshTotpWindow(10_000);
    const tooOld = await call(server, 'POST', '/api/me/totp/enable', { token: u.auth.accessToken, body: { code: totp(secret, -2), password: u.password } });
    expect(tooOld.status).toBe(400);
    expect(tooOld.body.error.code).toBe('invalid_code');
    const tooNew = await call(server, 'POST', '/api/me/totp/enable', { token: u.auth.accessToken, body: { code: totp(secret, 2), password: u.password } });
    expect(tooNew.status).toBe(400);
    const enabled = await call(server, 'POST', '/api/me/totp/enable', { token: u.auth.accessToken, body: { code: totp(secret, -1), password: u.password } });
    expect(enabled.status).toBe(200);
    const backupCodes = enabled.body.backupCodes as string[];
    expect(backupCodes).toHaveLength(8);
    // A10: turning 2FA on ends the other sessions, refresh families included.
    expect((await call(server, 'GET', '/api/me', { token: second.body.accessToken })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: second.body.refreshToken } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).body.totpEnabled).toBe(true);

    const noCode = await logIn(u);
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe('totp_required');
    const replayEnable = await logIn(u, { code: totp(secret, -1) });
    expect(replayEnable.status).toBe(401);
    expect(replayEnable.body.error.code).toBe('invalid_code');
    const current = totp(secret, 0);
    expect((await logIn(u, { code: current })).status).toBe(200);
    const twice = await logIn(u, { code: current });
    expect(twice.status).toBe(401);
    expect(twice.body.error.code).toBe('invalid_code');
    const parallel = await Promise.all([logIn(u, { code: totp(secret, 1) }), logIn(u, { code: totp(secret, 1) })]);
    expect(parallel.map((r) => r.status).sort()).toEqual([200, 401]);
    const survivor = parallel.find((r) => r.status === 200)!.body;

    // Disabling needs the password and a second factor, and ends the other sessions (A10).
    const badPassword = await call(server, 'POST', '/api/me/totp/disable', { token: u.auth.accessToken, body: { code: backupCodes[0], password: 'wrong-password-99' } });
    expect(badPassword.status).toBe(403);
    const disabled = await call(server, 'POST', '/api/me/totp/disable', { token: u.auth.accessToken, body: { code: backupCodes[0], password: u.password } });
    expect(disabled.status).toBe(204);
    expect((await call(server, 'GET', '/api/me', { token: survivor.accessToken })).status).toBe(401);
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: survivor.refreshToken } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).body.totpEnabled).toBe(false);
    expect((await logIn(u)).status).toBe(200);
    const events = (await call(server, 'GET', '/api/me/audit', { token: u.auth.accessToken })).body.events.map((e: { event: string }) => e.event);
    expect(events).toEqual(expect.arrayContaining(['totp_enabled', 'totp_disabled']));
  });

  it('A6: 8 backup codes, each single-use, the 9th use fails, regenerating voids the old set, stored hashed; the TOTP secret is sealed', async () => {
    const u = await newUser();
    const secret = (await call(server, 'POST', '/api/me/totp/enroll', { token: u.auth.accessToken, body: { password: u.password } })).body.secret as string;
    await freshTotpWindow(8_000);
    const first = await call(server, 'POST', '/api/me/totp/enable', { token: u.auth.accessToken, body: { code: totp(secret, -1), password: u.password } });
    expect(first.status).toBe(200);
    const oldSet = first.body.backupCodes as string[];
    const regenerated = await call(server, 'POST', '/api/me/totp/backup-codes', { token: u.auth.accessToken, body: { code: totp(secret, 0) } });
    expect(regenerated.status).toBe(200);
    const codes = regenerated.body.backupCodes as string[];
    expect(codes).toHaveLength(8);
    expect(new Set(codes).size).toBe(8);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(codes.filter((c) => oldSet.includes(c))).toEqual([]);
    const old = await logIn(u, { code: oldSet[1] });
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('invalid_code');
    for (const c of codes) expect((await logIn(u, { code: c })).status, c).toBe(200);
    const ninth = await logIn(u, { code: codes[0] });
    expect(ninth.status).toBe(401);
    expect(ninth.body.error.code).toBe('invalid_code');

    const dump = await dumpStorage(server, backend, databaseUrl);
    for (const c of [...codes, ...oldSet]) expect(dump.includes(c), c).toBe(false);
    expect(dump.includes(digestOf(codes[3]!))).toBe(true);
    const raw = Buffer.from(secret.split('').map((c) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(c).toString(2).padStart(5, '0')).join('').match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    expect(dump.includes(secret)).toBe(false);
    expect(dump.includes(raw.toString('hex'))).toBe(false);
    expect(dump.includes(raw.toString('base64url'))).toBe(false);
    expect(dump.includes(raw.toString('latin1'))).toBe(false);
  });

  it('recovery: the verifier resets the password, ends all sessions and installs the next one; wrong verifiers fail and count toward lockout', async () => {
    const u = await newUser();
    const other = await logIn(u);
    const wrong = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: newVerifier(), newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_recovery');
    const unknown = await call(server, 'POST', '/api/auth/recover', { body: { username: uniqueName(), recoveryVerifier: newVerifier(), newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    const newPassword = strongPassword();
    const next = newVerifier();
    const reset = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: u.verifier, newPassword, nextRecoveryVerifier: next } });
    expect(reset.status).toBe(200);
    keep(reset.body);
    for (const t of [u.auth.accessToken, other.body.accessToken]) expect((await call(server, 'GET', '/api/me', { token: t })).status).toBe(401);
    for (const t of [u.auth.refreshToken, other.body.refreshToken]) expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: t } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: reset.body.accessToken })).status).toBe(200);
    expect((await login(server, u.username, u.password)).status).toBe(401);
    const again = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: u.verifier, newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
    expect(again.status).toBe(401);
    const events = (await call(server, 'GET', '/api/me/audit', { token: reset.body.accessToken })).body.events.map((e: { event: string }) => e.event);
    expect(events).toEqual(expect.arrayContaining(['recovery_code_used', 'password_reset']));

    // Regenerating from settings needs the password and retires the verifier just installed.
    const third = newVerifier();
    expect((await call(server, 'POST', '/api/me/recovery', { token: reset.body.accessToken, body: { password: 'wrong-password-42', recoveryVerifier: third } })).status).toBe(403);
    expect((await call(server, 'POST', '/api/me/recovery', { token: reset.body.accessToken, body: { password: newPassword, recoveryVerifier: third } })).status).toBe(204);
    const viaNext = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: next, newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
    expect(viaNext.status).toBe(401);

    // Wrong verifiers count toward the lockout: after 10 failures in all, even the right password fails.
    // So far: 1 (wrong), 1 (old verifier again), 1 (wrong password on /me/recovery), 1 (retired verifier).
    for (let i = 0; i < 6; i++) {
      const r = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: newVerifier(), newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
      expect(r.status).toBe(401);
    }
    const locked = await login(server, u.username, newPassword);
    expect(locked.status).toBe(401);
    expect(locked.body.error.code).toBe('invalid_credentials');
    // A locked account cannot be reset with the recovery verifier either, even the right one.
    const lockedReset = await call(server, 'POST', '/api/auth/recover', { body: { username: u.username, recoveryVerifier: third, newPassword: strongPassword(), nextRecoveryVerifier: newVerifier() } });
    expect(lockedReset.status).toBe(401);
  });

  it('account deletion needs the password and the second factor; afterwards login fails, sessions end, rows go, the name is free', async () => {
    const u = await newUser();
    const other = await logIn(u);
    const secret = (await call(server, 'POST', '/api/me/totp/enroll', { token: u.auth.accessToken, body: { password: u.password } })).body.secret as string;
    await freshTotpWindow(8_000);
    const enabled = await call(server, 'POST', '/api/me/totp/enable', { token: u.auth.accessToken, body: { code: totp(secret, 0), password: u.password } });
    expect(enabled.status).toBe(200);
    const third = await logIn(u, { code: totp(secret, 1) });
    expect(third.status).toBe(200);
    const noCode = await call(server, 'DELETE', '/api/me', { token: u.auth.accessToken, body: { password: u.password } });
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe('totp_required');
    const badPassword = await call(server, 'DELETE', '/api/me', { token: u.auth.accessToken, body: { password: 'wrong-password-77', code: enabled.body.backupCodes[0] } });
    expect(badPassword.status).toBe(403);
    const badCode = await call(server, 'DELETE', '/api/me', { token: u.auth.accessToken, body: { password: u.password, code: '000000' === totp(secret, 0) ? '111111' : '000000' } });
    expect(badCode.status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).status).toBe(200);
    const deleted = await call(server, 'DELETE', '/api/me', { token: u.auth.accessToken, body: { password: u.password, code: enabled.body.backupCodes[1] } });
    expect(deleted.status).toBe(204);

    const gone = await login(server, u.username, u.password, { code: enabled.body.backupCodes[2] });
    expect(gone.status).toBe(401);
    expect(gone.body.error.code).toBe('invalid_credentials');
    for (const t of [u.auth.accessToken, third.body.accessToken]) expect((await call(server, 'GET', '/api/me', { token: t })).status).toBe(401);
    for (const t of [u.auth.refreshToken, third.body.refreshToken]) expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: t } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/me', { token: other.body.accessToken })).status).toBe(401);

    const admin = await call(server, 'GET', `/api/admin/audit?userId=${u.auth.user.id}`, { token: owner.auth.accessToken });
    // The deletion itself stays in the instance log (who, when); nothing else about the account does.
    expect(admin.body.events.map((e: { event: string }) => e.event)).toEqual(['account_deleted']);
    if (backend === 'postgres') {
      // Every row naming the user is gone but that one audit entry. (SQLite's pages are files
      // whose free space may still hold deleted bytes, so the row check runs on PostgreSQL.)
      const rows = await pgRowsMentioning(databaseUrl!, u.auth.user.id);
      expect(rows.map((r) => r.split(' ')[0])).toEqual(['audit_log']);
      expect(rows[0]).toContain('account_deleted');
    }
    const again = await register(server, { username: u.username, inviteCode: code });
    keep(again.auth);
    expect(again.auth.user.id).not.toBe(u.auth.user.id);
    expect((await call(server, 'GET', '/api/me/audit', { token: again.auth.accessToken })).body.events.map((e: { event: string }) => e.event)).toEqual(['register']);
  });

  it('Z4: PATCH /api/me cannot set a role; a normal user cannot manage invites or read the instance audit log', async () => {
    const u = await newUser();
    for (const body of [{ instanceRole: 'owner' }, { isAdmin: true }, { displayName: 'x', roles: ['admin'] }, { displayName: 'x', instanceRole: 'admin' }]) {
      const r = await call(server, 'PATCH', '/api/me', { token: u.auth.accessToken, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    const ok = await call(server, 'PATCH', '/api/me', { token: u.auth.accessToken, body: { displayName: 'Zoë \u202eevil\u200b name\u0007', email: 'zoe@example.org' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ displayName: 'Zoë evil name', email: 'zoe@example.org', instanceRole: 'user' });
    expect((await call(server, 'POST', '/api/invites', { token: u.auth.accessToken, body: {} })).status).toBe(403);
    expect((await call(server, 'GET', '/api/invites', { token: u.auth.accessToken })).status).toBe(403);
    expect((await call(server, 'DELETE', `/api/invites/${code}`, { token: u.auth.accessToken })).status).toBe(403);
    expect((await call(server, 'GET', '/api/admin/audit', { token: u.auth.accessToken })).status).toBe(403);
    // A role change takes effect at once: the next request sees the stored role, not the token's.
    expect((await call(server, 'GET', '/api/me', { token: u.auth.accessToken })).body.instanceRole).toBe('user');
  });

  it('I4: __proto__ and constructor.prototype payloads have no effect', async () => {
    const u = await newUser();
    const payloads = [
      `{"displayName":"p1","__proto__":{"instanceRole":"owner","isAdmin":true}}`,
      `{"displayName":"p2","constructor":{"prototype":{"instanceRole":"owner"}}}`,
      `{"__proto__":{"displayName":"polluted"}}`,
    ];
    for (const body of payloads) {
      const r = await call(server, 'PATCH', '/api/me', { token: u.auth.accessToken, body });
      expect(r.status, body).toBe(400);
    }
    const reg = await call(server, 'POST', '/api/auth/register', {
      body: `{"username":"${uniqueName()}","password":"${strongPassword()}","recoveryVerifier":"${newVerifier()}","inviteCode":"${code}","__proto__":{"instanceRole":"owner"}}`,
    });
    expect(reg.status).toBe(400);
    const log = await call(server, 'POST', '/api/auth/login', { body: `{"username":"${u.username}","password":"${u.password}","__proto__":{"code":"123456"}}` });
    expect(log.status).toBe(400);
    const me = await call(server, 'GET', '/api/me', { token: u.auth.accessToken });
    expect(me.body).toMatchObject({ instanceRole: 'user', displayName: u.username });
    expect(({} as Record<string, unknown>).instanceRole).toBeUndefined();
    // The server is unharmed: a fresh user still starts as a plain user.
    expect((await newUser()).auth.user.instanceRole).toBe('user');
  });

  it('Z5: invites: bounds on expiry and uses, revocation, listing with use counts, and 20 parallel redemptions of a 1-use invite', async () => {
    const t = owner.auth.accessToken;
    for (const body of [{ expiresInSeconds: 3599 }, { expiresInSeconds: 31_536_001 }, { maxUses: 0 }, { maxUses: 1.5 }, { expiresInSeconds: '3600' }, { uses: 5 }]) {
      const r = await call(server, 'POST', '/api/invites', { token: t, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [{ expiresInSeconds: 3600 }, { expiresInSeconds: 31_536_000 }]) expect((await call(server, 'POST', '/api/invites', { token: t, body })).status).toBe(201);

    const single = await invite(server, t, { maxUses: 1 });
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: uniqueName('z'), password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: single } })),
    );
    const won = attempts.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    keep(won[0]!.body);
    for (const r of attempts.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('invite_exhausted');
    }
    const list = await call(server, 'GET', '/api/invites', { token: t });
    expect(list.body.invites.find((i: { code: string }) => i.code === single)).toMatchObject({ maxUses: 1, uses: 1, state: 'used_up', createdBy: owner.auth.user.id });

    const revoked = await invite(server, t, { maxUses: 5 });
    expect((await call(server, 'DELETE', `/api/invites/${revoked}`, { token: t })).status).toBe(204);
    const refused = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: uniqueName(), password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: revoked } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('invite_revoked');
    expect((await call(server, 'GET', '/api/invites', { token: t })).body.invites.find((i: { code: string }) => i.code === revoked)).toMatchObject({ uses: 0, state: 'revoked' });
    expect((await call(server, 'DELETE', '/api/invites/no-such-code-here', { token: t })).status).toBe(404);
    // A registration refused after redemption (bad password) gives the use back.
    const two = await invite(server, t, { maxUses: 1 });
    const weak = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: uniqueName(), password: 'password', recoveryVerifier: newVerifier(), inviteCode: two } });
    expect(weak.status).toBe(400);
    keep((await register(server, { inviteCode: two })).auth);
  });

  it('audit log: users read their own events; admins read everyone, filtered and paged', async () => {
    const u = await newUser({ headers: { 'User-Agent': 'audit-agent/1.0' } });
    expect((await login(server, u.username, 'wrong-password-00')).status).toBe(401);
    keep((await logIn(u, { headers: { 'User-Agent': 'audit-agent/1.0' } })).body);
    const own = await call(server, 'GET', '/api/me/audit', { token: u.auth.accessToken });
    expect(own.status).toBe(200);
    const events = own.body.events as { id: string; event: string; ip: string; userAgent: string; createdAt: number; detail: unknown }[];
    expect(events.map((e) => e.event)).toEqual(['login', 'login_failed', 'register']);
    for (const e of events) expect(e).toMatchObject({ ip: '127.0.0.1', userAgent: expect.stringMatching(/audit-agent|node/) });
    expect(events[1]!.detail).toEqual({ reason: 'password' });
    expect(JSON.stringify(events)).not.toContain(u.password);

    // Admin: filters by user and by event.
    const byUser = await call(server, 'GET', `/api/admin/audit?userId=${u.auth.user.id}`, { token: owner.auth.accessToken });
    expect(byUser.body.events.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));
    const byEvent = await call(server, 'GET', '/api/admin/audit?event=invite_created', { token: owner.auth.accessToken });
    expect(byEvent.body.events.length).toBeGreaterThan(2);
    for (const e of byEvent.body.events) expect(e).toMatchObject({ event: 'invite_created', userId: owner.auth.user.id });
    expect(own.body.events.some((e: { event: string }) => e.event === 'invite_created')).toBe(false);

    // Paging: walking the whole log two at a time yields exactly the full list, newest first.
    const all = (await call(server, 'GET', '/api/admin/audit?limit=1000', { token: owner.auth.accessToken })).body.events as { id: string; createdAt: number }[];
    expect(all.length).toBeGreaterThan(20);
    const walked: string[] = [];
    // The cursor is the last event's (createdAt, id), so events sharing a millisecond are never skipped.
    let before: { createdAt: number; id: string } | undefined;
    for (let page = 0; page < 200; page++) {
      const r = await call(server, 'GET', `/api/admin/audit?limit=2${before ? `&before=${before.createdAt}&beforeId=${before.id}` : ''}`, { token: owner.auth.accessToken });
      const got = r.body.events as { id: string; createdAt: number }[];
      if (got.length === 0) break;
      expect(got.length).toBeLessThanOrEqual(2);
      walked.push(...got.map((e) => e.id));
      before = got[got.length - 1]!;
    }
    expect(walked).toEqual(all.map((e) => e.id));
  });

  it('A4: the storage holds only digests of the refresh and access tokens it issued', async () => {
    expect(refreshTokens.length).toBeGreaterThan(30);
    const dump = await dumpStorage(server, backend, databaseUrl);
    const leaked = refreshTokens.filter((t) => dump.includes(t));
    expect(leaked).toEqual([]);
    const leakedAccess = accessTokens.filter((t) => dump.includes(t) || dump.includes(t.split('.')[2]!));
    expect(leakedAccess).toEqual([]);
    // And what is there is the SHA-256 digest (the rotation would not work otherwise; this proves the format).
    expect(dump.includes(digestOf(owner.auth.refreshToken))).toBe(true);
  });

  it('A2 + Z5: after the clock moves on, old access tokens are refused and a 1-hour invite has expired', async () => {
    const t = owner.auth.accessToken;
    const shortInvite = await invite(server, t, { expiresInSeconds: 3600 });
    const longInvite = await invite(server, t, { expiresInSeconds: 7200 });
    const u = await newUser();
    // A refresh whose answer was lost, and the old token only comes back an hour later: past the grace window that is reuse.
    const late = await newUser();
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: late.auth.refreshToken } })).status).toBe(200);
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { ...env(), CHATALOT_CLOCK_OFFSET_MS: String(61 * 60 * 1000) } });
    expect((await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: late.auth.refreshToken } })).body.error.code).toBe('refresh_reused');
    const expired = await call(server, 'GET', '/api/me', { token: u.auth.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('unauthorized');
    // The session itself lives on: its refresh token (30 days) still gets a new access token.
    const refreshed = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: u.auth.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await call(server, 'GET', '/api/me', { token: refreshed.body.accessToken })).status).toBe(200);
    const r = await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: uniqueName(), password: strongPassword(), recoveryVerifier: newVerifier(), inviteCode: shortInvite } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('invite_expired');
    const ownerAgain = await login(server, owner.username, owner.password);
    expect(ownerAgain.status).toBe(200);
    const listed = await call(server, 'GET', '/api/invites', { token: ownerAgain.body.accessToken });
    expect(listed.body.invites.find((i: { code: string }) => i.code === shortInvite).state).toBe('expired');
    expect((await register(server, { inviteCode: longInvite })).auth.user.instanceRole).toBe('user');
  });
});
