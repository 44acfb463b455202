/**
 * Access-token attacks (A1–A3) and the authorization matrix, against the real server. The test
 * reads the server's key pair from its DATA_DIR, so it can forge every variant: a token the real
 * key signed with correct claims is the control that proves the forgery harness itself works,
 * and each attack differs from it in one respect only.
 *
 * Runs on SQLite only: token verification touches storage only to look the session up, which
 * the accounts suite exercises on every back end.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importPKCS8, importSPKI, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { ROUTES } from '../../worker/routes/manifest';
import { call, invite, register, type Account } from './client';

const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

/** Every route that needs a signed-in user, with a body that would pass validation. */
const USER_ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/me'],
  ['PATCH', '/api/me', { displayName: 'x' }],
  ['DELETE', '/api/me', { password: 'some-password-1' }],
  ['POST', '/api/me/password', { currentPassword: 'some-password-1', newPassword: 'other-password-2' }],
  ['POST', '/api/me/recovery', { password: 'some-password-1', recoveryVerifier: 'A'.repeat(43) }],
  ['GET', '/api/me/sessions'],
  ['DELETE', '/api/me/sessions/AAAAAAAAAAAAAAAAAAAAAA'],
  ['POST', '/api/me/sessions/revoke-others'],
  ['POST', '/api/me/totp/enroll', { password: 'some-password-1' }],
  ['POST', '/api/me/totp/enable', { code: '123456', password: 'some-password-1' }],
  ['POST', '/api/me/totp/disable', { code: '123456', password: 'some-password-1' }],
  ['POST', '/api/me/totp/backup-codes', { code: '123456' }],
  ['GET', '/api/me/audit'],
  ['GET', '/api/me/warnings'],
  ['GET', '/api/me/blocks'],
  ['GET', '/api/announcements'],
  ['POST', '/api/feedback', { kind: 'bug', text: 'it broke' }],
  ['POST', '/api/announcements/x0000000000000000000000/dismiss'],
  ['PUT', '/api/me/blocks/x0000000000000000000000'],
  ['DELETE', '/api/me/blocks/x0000000000000000000000'],
  ['POST', '/api/reports', { kind: 'user', userId: 'x0000000000000000000000', reason: 'spam' }],
  ['GET', '/api/reports/x0000000000000000000000'],
  ['POST', '/api/reports/x0000000000000000000000/resolve', { action: 'dismiss' }],
  ['POST', '/api/me/terms', { version: 1 }],
  ['POST', '/api/auth/logout'],
];
/** Routes only instance admins and the owner may use. */
const ADMIN_ROUTES: [string, string, unknown?][] = [
  ['POST', '/api/invites', { maxUses: 1 }],
  ['GET', '/api/invites'],
  ['DELETE', '/api/invites/AAAAAAAAAAAAAAAA'],
  ['GET', '/api/admin/audit'],
  ['GET', '/api/admin/audit?userId=x&event=login&limit=5'],
  ['GET', '/api/admin/users?q=a'],
  ['POST', '/api/admin/users/x0000000000000000000000/quarantine', { reason: 'spam' }],
  ['DELETE', '/api/admin/users/x0000000000000000000000/quarantine'],
  ['GET', '/api/admin/reports'],
  ['GET', '/api/admin/announcements'],
  ['GET', '/api/admin/settings'],
  // The mode this server already runs in (REGISTRATION_MODE's default), so the row changes nothing for later tests.
  ['PUT', '/api/admin/settings', { registrationMode: 'invite_only' }],
  ['GET', '/api/admin/feedback'],
  ['POST', '/api/admin/feedback/x0000000000000000000000/close'],
  ['POST', '/api/admin/users/x0000000000000000000000/sign-out'],
  ['POST', '/api/admin/users/x0000000000000000000000/reset-2fa', { reason: 'asked by phone' }],
  ['PATCH', '/api/admin/users/x0000000000000000000000', { instanceRole: 'admin' }],
  ['DELETE', '/api/admin/users/x0000000000000000000000', { reason: 'spam account' }],
  ['POST', '/api/admin/announcements', { text: 'hello' }],
  ['DELETE', '/api/admin/announcements/x0000000000000000000000'],
  ['GET', '/api/admin/reports?status=closed'],
  ['POST', '/api/admin/users/x0000000000000000000000/warnings', { reason: 'spam' }],
  ['GET', '/api/admin/users/x0000000000000000000000/warnings'],
  ['POST', '/api/admin/users/x0000000000000000000000/suspend', { reason: 'spam' }],
  ['DELETE', '/api/admin/users/x0000000000000000000000/suspend'],
  ['PUT', '/api/admin/settings', { name: '' }],
  ['DELETE', '/api/admin/settings/icon'],
  ['PUT', '/api/admin/legal', { reaccept: false }],
];

describe('access tokens (A1–A3) and the authorization matrix', () => {
  let server: RunningServer;
  let owner: Account;
  let user: Account;
  let privateKey: CryptoKey;
  let kid: string;
  let publicPem: string;
  let claims: { sub: string; sid: string; role: string };

  const me = (token: string) => call(server, 'GET', '/api/me', { token });
  const now = () => Math.floor(Date.now() / 1000);
  /** A token built like the server's own, with `change` applied to header and payload. */
  const forge = async (change: { header?: Record<string, unknown>; payload?: Record<string, unknown>; drop?: string[]; key?: CryptoKey } = {}) => {
    const t = now();
    const payload: Record<string, unknown> = { ...claims, iss: 'chatalot', aud: 'chatalot-api', iat: t, nbf: t, exp: t + 900, ...change.payload };
    for (const k of change.drop ?? []) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid, ...change.header } as never).sign(change.key ?? privateKey);
  };
  const expect401 = async (token: string, why: string) => {
    const r = await me(token);
    expect(r.status, why).toBe(401);
    expect(r.body, why).toEqual({ error: { code: 'unauthorized', message: 'missing, invalid or expired access token' } });
  };

  beforeAll(async () => {
    server = await startServer();
    owner = await register(server);
    user = await register(server, { inviteCode: await invite(server, owner.auth.accessToken) });
    const keys = join(server.dataDir, 'keys');
    privateKey = await importPKCS8(readFileSync(join(keys, 'jwt-ed25519.pem'), 'utf8'), 'EdDSA');
    publicPem = readFileSync(join(keys, 'jwt-ed25519.pub.pem'), 'utf8');
    kid = await calculateJwkThumbprint(await exportJWK(await importSPKI(publicPem, 'EdDSA', { extractable: true })));
    const [header, payload] = user.auth.accessToken.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid });
    expect(payload).toMatchObject({ iss: 'chatalot', aud: 'chatalot-api', sub: user.auth.user.id, sid: expect.any(String), role: 'user' });
    expect(payload.exp - payload.iat).toBe(900);
    claims = { sub: payload.sub, sid: payload.sid, role: payload.role };
  });
  afterAll(async () => server?.kill());

  it('control: a token forged with the real key and correct claims is accepted', async () => {
    expect((await me(await forge())).status).toBe(200);
  });

  it('A1: alg none, HS256 keyed with the public key, and key-naming headers are refused', async () => {
    const t = now();
    const body = b64({ ...claims, iss: 'chatalot', aud: 'chatalot-api', iat: t, nbf: t, exp: t + 900 });
    await expect401(`${b64({ alg: 'none', typ: 'JWT' })}.${body}.`, 'alg none, empty signature');
    await expect401(`${b64({ alg: 'none', typ: 'JWT', kid })}.${body}.AAAA`, 'alg none with a signature');
    await expect401(`${b64({ alg: 'None', typ: 'JWT', kid })}.${body}.${user.auth.accessToken.split('.')[2]}`, 'alg None, borrowed signature');
    const hmacKeys = [new TextEncoder().encode(publicPem), new TextEncoder().encode(publicPem.trim()), new Uint8Array(Buffer.from(publicPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))];
    for (const key of hmacKeys) {
      const hs = await new SignJWT(JSON.parse(Buffer.from(body, 'base64url').toString())).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(key);
      await expect401(hs, 'HS256 with the public key');
    }

    const attacker = await generateKeyPair('EdDSA', { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const attackerKid = await calculateJwkThumbprint(attackerJwk);
    await expect401(await forge({ key: attacker.privateKey, header: { jwk: attackerJwk, kid: attackerKid } }), 'embedded jwk');
    await expect401(await forge({ key: attacker.privateKey, header: { jwk: attackerJwk } }), 'embedded jwk with the real kid');
    await expect401(await forge({ key: attacker.privateKey, header: { jku: 'http://127.0.0.1:1/jwks.json', kid: attackerKid } }), 'jku');
    await expect401(await forge({ key: attacker.privateKey, header: { x5u: 'http://127.0.0.1:1/cert.pem' } }), 'x5u');
    for (const trick of ['../../../../dev/null', "' OR '1'='1", '', 'jwt-ed25519.pub.pem', attackerKid]) {
      await expect401(await forge({ key: attacker.privateKey, header: { kid: trick } }), `kid ${trick}`);
    }
    // Even signed by the real key, a token that tries to name its own key is refused.
    await expect401(await forge({ header: { jwk: attackerJwk } }), 'real signature with a jwk header');
    await expect401(await forge({ header: { jku: 'http://127.0.0.1:1/jwks.json' } }), 'real signature with a jku header');
    await expect401(await forge({ header: { kid: 'another-key' } }), 'real signature with another kid');
    // A borrowed real signature on an edited payload.
    const [h, , s] = user.auth.accessToken.split('.');
    await expect401(`${h}.${b64({ ...claims, role: 'owner', iss: 'chatalot', aud: 'chatalot-api', iat: t, nbf: t, exp: t + 900 })}.${s}`, 'tampered payload');
  });

  it('A2: expired, not yet valid, missing exp/sid/sub, wrong audience or issuer, a refresh token: refused; skew tolerated is at most 30 s', async () => {
    const t = now();
    await expect401(await forge({ payload: { exp: t - 31, iat: t - 931, nbf: t - 931 } }), 'expired 31 s ago');
    await expect401(await forge({ payload: { exp: t - 3600, iat: t - 4500, nbf: t - 4500 } }), 'expired an hour ago');
    await expect401(await forge({ payload: { nbf: t + 60 } }), 'nbf in a minute');
    // 31 s is one second past the tolerated skew: the token must reach the server within that
    // second for the check to mean anything, so it is made just before its request (rounded up,
    // not down, to the second), and a sample that took a second or more is taken again.
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const token = await forge({ payload: { nbf: Math.ceil(started / 1000) + 31 } });
      const r = await me(token);
      if (Date.now() - started < 1000) {
        expect(r.status, 'nbf in 31 s').toBe(401);
        break;
      }
      expect(attempt, 'every request for the nbf-in-31-s check took a second or more').toBeLessThan(10);
    }
    await expect401(await forge({ drop: ['exp'] }), 'no exp');
    await expect401(await forge({ drop: ['nbf'] }), 'no nbf');
    await expect401(await forge({ drop: ['iat'] }), 'no iat');
    await expect401(await forge({ drop: ['sid'] }), 'no sid');
    await expect401(await forge({ drop: ['sub'] }), 'no sub');
    await expect401(await forge({ payload: { aud: 'someone-else' } }), 'wrong aud');
    await expect401(await forge({ payload: { aud: ['someone-else'] } }), 'wrong aud array');
    await expect401(await forge({ payload: { iss: 'evil' } }), 'wrong iss');
    await expect401(await forge({ payload: { sub: owner.auth.user.id } }), 'sub of another user with this session');
    await expect401(await forge({ payload: { sid: 'no-such-session' } }), 'unknown session');
    await expect401(await forge({ header: { typ: 'refresh+jwt' } }), 'wrong typ');
    await expect401(user.auth.refreshToken, 'refresh token as access token');
    const asBearer = await call(server, 'GET', '/api/me', { headers: { Authorization: `Bearer ${user.auth.refreshToken}` } });
    expect(asBearer.status).toBe(401);
    // Within the 30-second skew the server still accepts (and only within it).
    expect((await me(await forge({ payload: { exp: t - 10, iat: t - 910, nbf: t - 910 } }))).status).toBe(200);
    expect((await me(await forge({ payload: { nbf: t + 10 } }))).status).toBe(200);
    // The role claim grants nothing: the stored role decides.
    const promoted = await forge({ payload: { role: 'owner' } });
    expect((await call(server, 'GET', '/api/admin/audit', { token: promoted })).status).toBe(403);
  });

  it('A3: another key with our kid, and one flipped byte anywhere, are refused', async () => {
    const other = await generateKeyPair('EdDSA');
    await expect401(await forge({ key: other.privateKey }), "another instance's key");
    const good = await forge();
    const parts = good.split('.');
    for (const [i, part] of parts.entries()) {
      const bytes = Buffer.from(part, 'base64url');
      for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
        const flipped = Buffer.from(bytes);
        flipped[at]! ^= 0x01;
        const copy = [...parts];
        copy[i] = flipped.toString('base64url');
        await expect401(copy.join('.'), `part ${i} byte ${at}`);
      }
    }
    await expect401(`${good}x`, 'trailing garbage');
    await expect401(good.slice(0, -2), 'truncated');
  });

  it('authorization matrix: every route refuses no token and a garbage token with 401; admin routes refuse a user with 403', async () => {
    for (const [method, path, body] of [...USER_ROUTES, ...ADMIN_ROUTES]) {
      for (const headers of <Record<string, string>[]>[{}, { Authorization: 'Bearer garbage' }, { Authorization: `Basic ${b64('a:b')}` }, { Authorization: `Bearer ${user.auth.refreshToken}` }]) {
        const r = await call(server, method, path, { headers, ...(body !== undefined ? { body } : {}) });
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body.error.code).toBe('unauthorized');
      }
    }
    for (const [method, path, body] of ADMIN_ROUTES) {
      const r = await call(server, method, path, { token: user.auth.accessToken, ...(body !== undefined ? { body } : {}) });
      expect(r.status, `${method} ${path}`).toBe(403);
      const asOwner = await call(server, method, path, { token: owner.auth.accessToken, ...(body !== undefined ? { body } : {}) });
      expect([200, 201, 204, 404], `${method} ${path} as owner`).toContain(asOwner.status);
    }
  });

  it('authorization matrix: 16 minutes later every route refuses the old access tokens with 401', async () => {
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { CHATALOT_CLOCK_OFFSET_MS: String(16 * 60 * 1000) } });
    for (const [method, path, body] of [...USER_ROUTES, ...ADMIN_ROUTES]) {
      for (const token of [user.auth.accessToken, owner.auth.accessToken]) {
        const r = await call(server, method, path, { token, ...(body !== undefined ? { body } : {}) });
        expect(r.status, `${method} ${path}`).toBe(401);
      }
    }
    // …and so does every other signed-in route of the manifest (communities, DMs and their
    // requests, the batch key directory), so a new route cannot skip the expiry check.
    for (const route of ROUTES.filter((r) => r.access !== 'public' && r.path.startsWith('/api/'))) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x0000000000000000000000');
      const r = await call(server, route.method, path, { token: user.auth.accessToken, ...(route.body ? { body: {} } : {}) });
      expect(r.status, `${route.method} ${route.path}`).toBe(401);
    }
    // Control: the owner's refreshed token works on the same server.
    const refreshed = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: owner.auth.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await call(server, 'GET', '/api/admin/audit', { token: refreshed.body.accessToken })).status).toBe(200);
  });

  it('A3: after the key pair is rotated, tokens signed by the old key (old kid) are refused', async () => {
    const before = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: user.auth.refreshToken } });
    expect(before.status).toBe(200);
    await server.stop();
    rmSync(join(server.dataDir, 'keys', 'jwt-ed25519.pem'));
    rmSync(join(server.dataDir, 'keys', 'jwt-ed25519.pub.pem'));
    server = await startServer({ dataDir: server.dataDir, env: { CHATALOT_CLOCK_OFFSET_MS: String(16 * 60 * 1000) } });
    const newPem = readFileSync(join(server.dataDir, 'keys', 'jwt-ed25519.pub.pem'), 'utf8');
    expect(newPem).not.toBe(publicPem);
    await expect401(before.body.accessToken, 'token from the old key');
    // The refresh token is not a signature; the session survives the rotation.
    const after = await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: before.body.refreshToken } });
    expect(after.status).toBe(200);
    expect(JSON.parse(Buffer.from(after.body.accessToken.split('.')[0], 'base64url').toString()).kid).not.toBe(kid);
    expect((await me(after.body.accessToken)).status).toBe(200);
  });
});
