/**
 * SECURITY-TESTS D5 and hardening #11.4, #11.12: a stranger took all 100 of a user's one-time
 * prekeys in about six seconds, and any user read any user's device names and creation times.
 * Now only people who share a community or DM with a user see their devices and claim their
 * bundles (ids and keys only), and one caller takes at most OPK_CLAIMS_PER_PAIR claims' worth
 * of one-time prekeys from one user per day; past that the bundle carries the last-resort keys.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPK_CLAIMS_PER_PAIR } from '../../worker/auth/keyAccess';
import { call, createCommunity, joinCommunity, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';

const b64 = (n: number) => randomBytes(n).toString('base64url');

async function deviceWithPreKeys(server: RunningServer, user: TestUser, count: number): Promise<string> {
  const body = {
    name: 'victim laptop',
    identityKey: b64(64),
    signedPreKey: { id: 1, createdAt: Date.now(), publicKey: b64(32), signature: b64(64) },
    oneTimePreKeys: Array.from({ length: count }, (_, i) => ({ id: 100 + i, publicKey: b64(32) })),
  };
  const r = await call(server, user, 'POST', '/api/devices', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body!.deviceId as string;
}

async function stock(server: RunningServer, user: TestUser): Promise<number> {
  const r = await call(server, user, 'GET', '/api/devices');
  return (r.body!.devices as { oneTimePreKeys: number }[])[0]!.oneTimePreKeys;
}

describe('D5 one-time prekeys cannot be drained, and device details stay with their owner', () => {
  let server: RunningServer;
  let victim: TestUser;
  let member: TestUser;
  let other: TestUser;
  let stranger: TestUser;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    const tag = Date.now() % 100000;
    const users = await Promise.all(['victim', 'member', 'other', 'stranger'].map((n) => registerUser(server, `${n}${tag}`)));
    [victim, member, other, stranger] = users as [TestUser, TestUser, TestUser, TestUser];
    await deviceWithPreKeys(server, victim, 100);
    const { communityId } = await createCommunity(server, victim);
    await joinCommunity(server, victim, communityId, [member, other]);
  });
  afterAll(() => server?.kill());

  it('D5 a stranger who shares nothing with the user gets 404 for their devices, device list and bundles, like an unknown user', async () => {
    for (const [method, path] of [['GET', `/api/users/${victim.id}/devices`], ['GET', `/api/users/${victim.id}/device-list`], ['POST', `/api/users/${victim.id}/bundles`]] as const) {
      const r = await call(server, stranger, method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toEqual((await call(server, stranger, method, path.replace(victim.id, 'x'.repeat(22)))).body);
    }
    expect(await stock(server, victim)).toBe(100);
  });

  it(`D5 a member claiming 20 times at once takes at most ${OPK_CLAIMS_PER_PAIR} one-time prekeys; the rest of the answers carry the signed prekey only; another member has an allowance of their own`, async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, () => call(server, member, 'POST', `/api/users/${victim.id}/bundles`)));
    for (const c of claims) expect(c.status).toBe(200);
    const bundles = claims.map((c) => (c.body!.bundles as { oneTimePreKey: unknown; signedPreKey: { id: number } }[])[0]!);
    for (const b of bundles) expect(b.signedPreKey.id).toBe(1);
    const withOpk = bundles.filter((b) => b.oneTimePreKey !== null).length;
    expect(withOpk).toBe(OPK_CLAIMS_PER_PAIR);
    expect(await stock(server, victim)).toBe(100 - OPK_CLAIMS_PER_PAIR);

    const second = await call(server, other, 'POST', `/api/users/${victim.id}/bundles`);
    expect((second.body!.bundles as { oneTimePreKey: unknown }[])[0]!.oneTimePreKey).not.toBeNull();
  });

  it('#11.12 another user sees a device as id and identity key only: no name, no creation time', async () => {
    const r = await call(server, member, 'GET', `/api/users/${victim.id}/devices`);
    expect(r.status).toBe(200);
    const device = (r.body!.devices as Record<string, unknown>[])[0]!;
    expect(Object.keys(device).sort()).toEqual(['deviceId', 'identityKey']);
    expect(JSON.stringify(r.body)).not.toContain('victim laptop');
  });

  it('#21 D5 the batch routes answer for many users at once with the same rules: strangers and unknown ids are missing, devices are ids and keys, one-time prekeys stay within the same allowance', async () => {
    const devices = await call(server, other, 'POST', '/api/users/devices', { userIds: [victim.id, member.id, stranger.id, 'x'.repeat(22)] });
    expect(devices.status).toBe(200);
    const users = devices.body!.users as { userId: string; devices: Record<string, unknown>[] }[];
    expect(users.map((u) => u.userId).sort()).toEqual([victim.id, member.id].sort());
    expect(Object.keys(users.find((u) => u.userId === victim.id)!.devices[0]!).sort()).toEqual(['deviceId', 'identityKey']);
    expect((devices.body!.missing as string[]).sort()).toEqual([stranger.id, 'x'.repeat(22)].sort());
    expect((await call(server, stranger, 'POST', '/api/users/devices', { userIds: [victim.id] })).body).toEqual({ users: [], missing: [victim.id] });
    expect((await call(server, other, 'POST', '/api/users/devices', { userIds: [] })).status).toBe(400);
    expect((await call(server, other, 'POST', '/api/users/devices', { userIds: Array.from({ length: 257 }, (_, i) => `u${i}`) })).status).toBe(400);

    // `other` used one claim on the victim above; the batch route draws on the same allowance.
    const before = await stock(server, victim);
    const claims = await Promise.all(Array.from({ length: 8 }, () => call(server, other, 'POST', '/api/users/bundles', { userIds: [victim.id] })));
    const withOpk = claims.filter((c) => ((c.body!.users as { bundles: { oneTimePreKey: unknown }[] }[])[0]!.bundles[0]!.oneTimePreKey ?? null) !== null).length;
    expect(withOpk).toBe(OPK_CLAIMS_PER_PAIR - 1);
    expect(await stock(server, victim)).toBe(before - withOpk);
    expect((await call(server, stranger, 'POST', '/api/users/bundles', { userIds: [victim.id] })).body).toEqual({ users: [], missing: [victim.id] });
  });

  it('Z1 D5 a member banned from the only community they shared is a stranger to the key directory: 404 per user, missing in the batch routes', async () => {
    const banned = await registerUser(server, `banned${Date.now() % 100000}`);
    const { communityId } = await createCommunity(server, victim, 'Ban test');
    await joinCommunity(server, victim, communityId, [banned]);
    expect((await call(server, banned, 'POST', '/api/users/devices', { userIds: [victim.id] })).body).toMatchObject({ missing: [] });
    expect((await call(server, victim, 'POST', `/api/communities/${communityId}/bans`, { userId: banned.id })).status).toBe(201);
    expect((await call(server, banned, 'GET', `/api/users/${victim.id}/devices`)).status).toBe(404);
    expect((await call(server, banned, 'POST', `/api/users/${victim.id}/bundles`)).status).toBe(404);
    expect((await call(server, banned, 'POST', '/api/users/devices', { userIds: [victim.id] })).body).toEqual({ users: [], missing: [victim.id] });
    expect((await call(server, banned, 'POST', '/api/users/bundles', { userIds: [victim.id] })).body).toEqual({ users: [], missing: [victim.id] });
  });
});
