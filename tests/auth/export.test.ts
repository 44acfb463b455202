/**
 * Issue #19 item 6, the server's half: GET /api/me/export gives an account everything the server
 * holds about it — and nothing about anyone else, and no secret (password hash, token, TOTP
 * secret, key). Against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createCommunity, joinCommunity, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { addDevice } from '../hub/helpers';

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  alice = await registerUser(server, 'export_alice');
  bob = await registerUser(server, 'export_bob');
  stranger = await registerUser(server, 'export_stranger');
  const { communityId } = await createCommunity(server, alice, 'Export club');
  await joinCommunity(server, alice, communityId, [bob]);
  await addDevice(server, bob, 'bob laptop');
  expect((await call(server, bob, 'PUT', `/api/me/blocks/${stranger.id}`)).status).toBe(204);
}, 120_000);
afterAll(async () => server?.kill());

describe('account data export', () => {
  it('19.6: an account downloads what the server holds about it, as an attachment, never cached', async () => {
    const res = await fetch(`${server.url}/api/me/export`, { headers: { Authorization: `Bearer ${bob.accessToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="chatalot-account-export_bob.json"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body).toMatchObject({ format: 'chatalot-account-export/1', account: { id: bob.id, username: 'export_bob' } });
    expect(body.communities).toEqual([{ id: expect.any(String), name: 'Export club', role: 'member', joinedAt: expect.any(Number) }]);
    expect(body.devices.map((d: { name: string }) => d.name)).toEqual(['bob laptop']);
    expect(body.sessions.length).toBeGreaterThanOrEqual(1);
    expect(body.blocks.map((b: { userId: string }) => b.userId)).toEqual([stranger.id]);
    expect(body.audit.map((e: { event: string }) => e.event)).toContain('register');
    // No secret of any kind, and nothing of another account but the ids it shares with this one.
    for (const secret of [bob.refreshToken, bob.accessToken, alice.refreshToken, 'passwordHash', 'password_hash', 'totpSecret', 'secretDigest', 'identityKey', 'recovery']) expect(text).not.toContain(secret);
    expect(text).not.toContain('export_alice');
    expect(text).not.toContain('export_stranger');
    // The export is itself in the account's audit log.
    const events = (await call(server, bob, 'GET', '/api/me/audit')).body as { events: { event: string }[] };
    expect(events.events.map((e) => e.event)).toContain('data_exported');
  });

  it('19.6, Z1: without a token there is nothing; each account gets only its own', async () => {
    expect((await fetch(`${server.url}/api/me/export`)).status).toBe(401);
    const mine = JSON.parse(await (await fetch(`${server.url}/api/me/export`, { headers: { Authorization: `Bearer ${stranger.accessToken}` } })).text());
    expect(mine.account.id).toBe(stranger.id);
    expect(mine.communities).toEqual([]);
    expect(mine.blocks).toEqual([]);
  });
});
