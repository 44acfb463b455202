/**
 * `POST /api/batch` (issue 12: the chat screen's dozen reads as it opens, in one request). What a
 * stranger would try with it: read through it what they may not read alone (Z1: each read must
 * answer exactly as it answers alone, for the wrong user, a banned member, a quarantined account,
 * a plain member on an admin route), escape /api (`..`, encoded dots, another origin), nest
 * batches, pull binary or huge answers through it (D1), and dodge the per-IP rate limit by
 * spreading reads over one request (A9: each read takes its own token from the caller's bucket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createCommunity, joinCommunity, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { uploadTinyFile } from '../communities/fixture';
import { MAX_BATCH_PATHS } from '../../protocol/limits';

async function batch(server: RunningServer, user: TestUser | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/batch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(user ? { Authorization: `Bearer ${user.accessToken}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as { results?: { status: number; body: unknown }[]; error?: { code: string } };
  return { status: res.status, body: json, cacheControl: res.headers.get('Cache-Control') };
}

describe('POST /api/batch', () => {
  let server: RunningServer;
  let owner: TestUser, member: TestUser, outsider: TestUser, banned: TestUser, quarantined: TestUser;
  let community: string, channel: string, other: string;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    const n = Date.now() % 100000;
    owner = await registerUser(server, `bowner${n}`);
    [member, outsider, banned, quarantined] = (await Promise.all(['bmember', 'boutsider', 'bbanned', 'bquar'].map((u) => registerUser(server, `${u}${n}`)))) as [TestUser, TestUser, TestUser, TestUser];
    ({ communityId: community, channelId: channel } = await createCommunity(server, owner));
    await joinCommunity(server, owner, community, [member, banned, quarantined]);
    expect((await call(server, owner, 'POST', `/api/communities/${community}/bans`, { userId: banned.id })).status).toBe(201);
    expect((await call(server, owner, 'POST', `/api/admin/users/${quarantined.id}/quarantine`, { reason: 'spam' })).status).toBeLessThan(300);
    ({ communityId: other } = await createCommunity(server, outsider, 'Elsewhere'));
  });
  afterAll(() => server?.kill());

  it('Z1: each read answers exactly what it answers alone, for a member, a stranger, a banned member and a quarantined account', async () => {
    const paths = [
      '/api/me',
      '/api/communities',
      `/api/communities/${community}`,
      `/api/communities/${community}/members`,
      `/api/channels/${channel}/members`,
      `/api/communities/${other}/members`,
      `/api/communities/${community}/bans`,
      '/api/admin/users',
      '/api/me/blocks',
      '/api/no-such-route',
      '/api/me?unused=1',
    ];
    for (const user of [member, outsider, banned, quarantined, owner]) {
      const got = await batch(server, user, { paths });
      expect(got.status).toBe(200);
      expect(got.cacheControl).toBe('no-store');
      const alone = await Promise.all(paths.map((p) => call(server, user, 'GET', p)));
      expect(got.body.results, user.username).toEqual(alone.map((a) => ({ status: a.status, body: a.body })));
    }
    // The refusals are real refusals, not empty answers: a stranger reads nothing of the community.
    const stranger = await batch(server, outsider, { paths: [`/api/communities/${community}/members`, '/api/admin/users'] });
    expect(stranger.body.results!.map((r) => r.status)).toEqual([expect.any(Number), 403]);
    expect(stranger.body.results![0]!.status).toBeGreaterThanOrEqual(403);
    expect(JSON.stringify(stranger.body)).not.toContain(member.id);
  });

  it('Z1/A2: no token or a bad token is refused as a whole, before any read', async () => {
    for (const user of [null, { ...member, accessToken: 'not-a-token' }]) {
      const got = await batch(server, user, { paths: ['/api/me'] });
      expect(got.status).toBe(401);
      expect(got.body.results).toBeUndefined();
      expect(got.body.error?.code).toBe('unauthorized');
    }
  });

  it('D1/Z1: a body that is not a list of /api paths, or too many of them, is refused with the reason', async () => {
    const cases: [unknown, number, string][] = [
      [{ paths: [] }, 400, 'validation_failed'],
      [{ paths: ['/metrics'] }, 400, 'validation_failed'],
      [{ paths: ['https://example.com/api/me'] }, 400, 'validation_failed'],
      [{ paths: Array.from({ length: MAX_BATCH_PATHS + 1 }, () => '/api/me') }, 400, 'validation_failed'],
      [{ paths: ['/api/me'], extra: 1 }, 400, 'validation_failed'],
      [{ paths: '/api/me' }, 400, 'validation_failed'],
      ['{"paths": [', 400, 'invalid_json'],
    ];
    for (const [body, status, code] of cases) {
      const got = await batch(server, member, body);
      expect([got.status, got.body.error?.code], JSON.stringify(body).slice(0, 80)).toEqual([status, code]);
    }
    const wrongType = await batch(server, member, { paths: ['/api/me'] }, { 'Content-Type': 'text/plain' });
    expect([wrongType.status, wrongType.body.error?.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('Z1: a read cannot leave /api, nest a batch or fetch an image; the others in the batch still answer', async () => {
    const paths = ['/api/../metrics', '/api/%2e%2e/metrics', '/api/me#frag', '/api/batch', '/api/images/x0000000000000000000000', '//example.com/api/me', '/api/me'];
    // '//example.com/…' does not start with /api/ and is refused with the whole body; the rest are checked one by one.
    const got = await batch(server, member, { paths: paths.filter((p) => p.startsWith('/api/')) });
    expect(got.status).toBe(200);
    const statuses = got.body.results!.map((r) => r.status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 200]);
    expect((got.body.results![5]!.body as { id: string }).id).toBe(member.id);
    expect((await batch(server, member, { paths: ['//example.com/api/me'] })).status).toBe(400);
  });

  it('D1: an answer that is not JSON travels as too_large, to be read on its own', async () => {
    // A file's ciphertext is application/octet-stream: upload one and ask for it in a batch.
    const id = await uploadTinyFile(server, owner, channel);
    expect((await fetch(`${server.url}/api/files/${id}/content`, { headers: { Authorization: `Bearer ${owner.accessToken}` } })).status).toBe(200);
    const got = await batch(server, owner, { paths: [`/api/files/${id}/content`, '/api/me'] });
    expect(got.body.results!.map((r) => r.status)).toEqual([413, 200]);
    expect((got.body.results![0]!.body as { error: { code: string } }).error.code).toBe('too_large');
  });
});

describe('POST /api/batch and the per-IP rate limit', () => {
  let server: RunningServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open', RATE_LIMIT_PER_SECOND: '1' } });
    // The server's start-up checks took the bucket's token: register once it has refilled.
    const name = `brate${Date.now() % 100000}`;
    for (;;) {
      try {
        user = await registerUser(server, name);
        break;
      } catch (e) {
        if (!String(e).includes('429')) throw e;
        await new Promise((r) => setTimeout(r, 1100));
      }
    }
  });
  afterAll(() => server?.kill());

  it("A9: each read takes a token from the caller's own bucket (the connection's address goes with it)", async () => {
    // The batch itself takes the bucket's one token, so its reads find it empty, save what
    // refilled while they ran (one a second). Were the reads counted under another address
    // (a sub-request without the connection's), they would find a full bucket of their own.
    for (;;) {
      const started = Date.now();
      const got = await batch(server, user, { paths: Array.from({ length: 8 }, () => '/api/me') });
      const elapsed = Date.now() - started;
      if (got.status === 429) {
        await new Promise((r) => setTimeout(r, 1100)); // the registration took the token: wait for it to refill
        continue;
      }
      expect(got.status).toBe(200);
      const statuses = got.body.results!.map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(statuses.filter((s) => s === 200).length, `${elapsed} ms`).toBeLessThanOrEqual(Math.floor(elapsed / 1000));
      break;
    }
  });
});
