/**
 * Issue #13, the file routes against the real server (workerd, disk blob store): a resumable
 * upload in parts, streamed download with Range, and every refusal an attacker would try — a
 * stranger, a member of another conversation, a removed or banned member, a member whose role
 * may not attach, a part out of order, too long or too short, a size past the limit or the
 * quota, too many open uploads, an id that walks out of the store — each with a clear 4xx and
 * nothing stored. Deleting a file, its channel or its uploader's account deletes its blobs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FILE_PART_BYTES, MAX_OPEN_UPLOADS_PER_ACCOUNT } from '../../protocol/files';
import { ACCESS_TOKEN_SECONDS, signAccessToken, tokenKeys, type AccessClaims } from '../../worker/auth/tokens';
import { ROUTES } from '../../worker/routes/manifest';
import { Permission } from '../../protocol/permissions';
import { call, createCommunity, joinCommunity, registerUser, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';

let server: RunningServer;
const MAX_MB = 3;
const QUOTA_MB = 6;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open', MAX_FILE_SIZE_MB: String(MAX_MB), FILE_QUOTA_MB: String(QUOTA_MB) } });
}, 120_000);
afterAll(async () => {
  await server?.kill();
});

const tag = () => randomBytes(3).toString('hex');
const partsDir = (id: string) => join(server.dataDir, 'blobs', 'files', id);

async function put(user: TestUser, id: string, n: number | string, bytes: Uint8Array) {
  const res = await fetch(`${server.url}/api/files/${id}/parts/${n}`, { method: 'PUT', headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/octet-stream' }, body: bytes as Uint8Array<ArrayBuffer> });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

/** Every file path under `dir`, relative, sorted. */
function listTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length))
    .sort();
}

/** A request whose path goes out exactly as written (no URL normalisation): its status, type and body. */
function rawRequest(method: string, path: string, token: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers: { Authorization: `Bearer ${token}`, ...(method === 'PUT' ? { 'Content-Type': 'application/octet-stream', 'Content-Length': '1' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end(method === 'PUT' ? Buffer.from([1]) : undefined);
  });
}

async function content(user: TestUser | null, id: string, range?: string) {
  const res = await fetch(`${server.url}/api/files/${id}/content`, { headers: { ...(user ? { Authorization: `Bearer ${user.accessToken}` } : {}), ...(range ? { Range: range } : {}) } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Uploads `bytes` whole as `user` into `channelId`; the file id. */
async function upload(user: TestUser, channelId: string, bytes: Uint8Array): Promise<string> {
  const created = await call(server, user, 'POST', '/api/files', { channelId, size: bytes.length });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body as { id: string }).id;
  for (let n = 0; n * FILE_PART_BYTES < bytes.length; n++) expect((await put(user, id, n, bytes.subarray(n * FILE_PART_BYTES, (n + 1) * FILE_PART_BYTES))).status).toBe(200);
  return id;
}

async function setting(t: string) {
  const owner = await registerUser(server, `fo${t}`);
  const member = await registerUser(server, `fm${t}`);
  const stranger = await registerUser(server, `fs${t}`);
  const { communityId, channelId } = await createCommunity(server, owner, `Files ${t}`);
  await joinCommunity(server, owner, communityId, [member]);
  return { owner, member, stranger, communityId, channelId };
}

describe('encrypted files: the routes', () => {
  it('13.2/13.3 F2/F3/I8/Z7: a resumable upload in parts; members download it whole or by Range; nobody else can, not even its id', async () => {
    const s = await setting(tag());
    const bytes = new Uint8Array(randomBytes(2 * FILE_PART_BYTES + 1234));
    const created = await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: bytes.length });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Part 0 arrives, then the connection "drops": the upload says where it stands and goes on.
    expect((await put(s.member, id, 0, bytes.subarray(0, FILE_PART_BYTES))).body).toEqual({ received: FILE_PART_BYTES, complete: false });
    const status = await call(server, s.member, 'GET', `/api/files/${id}`);
    expect(status.body).toMatchObject({ received: FILE_PART_BYTES, complete: false, size: bytes.length });
    // Not yet complete: nobody can read it.
    expect((await content(s.owner, id)).status).toBe(404);
    // A part again, or one skipped, is refused and changes nothing.
    expect((await put(s.member, id, 0, bytes.subarray(0, FILE_PART_BYTES))).status).toBe(409);
    expect((await put(s.member, id, 2, bytes.subarray(2 * FILE_PART_BYTES))).status).toBe(409);
    // Too long (read no further than the declared size allows) and too short.
    expect((await put(s.member, id, 1, new Uint8Array(FILE_PART_BYTES + 1))).status).toBe(413);
    expect((await put(s.member, id, 1, new Uint8Array(10))).status).toBe(400);
    // Someone else cannot write into it, and an id out of the store is no id.
    expect((await put(s.owner, id, 1, bytes.subarray(FILE_PART_BYTES, 2 * FILE_PART_BYTES))).status).toBe(404);
    for (const bad of ['..%2F..%2Fkeys', '..', `${id}%2F..`, 'x'.repeat(22)]) expect((await put(s.member, bad, 1, new Uint8Array(1))).status).toBe(404);
    expect((await put(s.member, id, '1%2F..', new Uint8Array(1))).status).toBe(409);
    expect((await call(server, s.member, 'GET', `/api/files/${id}`)).body).toMatchObject({ received: FILE_PART_BYTES });
    expect((await put(s.member, id, 1, bytes.subarray(FILE_PART_BYTES, 2 * FILE_PART_BYTES))).status).toBe(200);
    expect((await put(s.member, id, 2, bytes.subarray(2 * FILE_PART_BYTES))).body).toEqual({ received: bytes.length, complete: true });
    expect((await put(s.member, id, 3, new Uint8Array(1))).status).toBe(409);

    const whole = await content(s.owner, id);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/octet-stream');
    expect(whole.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.compare(whole.bytes, bytes)).toBe(0);
    // A range across a part boundary, an open-ended one, a suffix, and one past the end.
    const from = FILE_PART_BYTES - 10;
    const ranged = await content(s.owner, id, `bytes=${from}-${from + 99}`);
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes ${from}-${from + 99}/${bytes.length}`);
    expect(Buffer.compare(ranged.bytes, bytes.subarray(from, from + 100))).toBe(0);
    expect(Buffer.compare((await content(s.owner, id, `bytes=${2 * FILE_PART_BYTES}-`)).bytes, bytes.subarray(2 * FILE_PART_BYTES))).toBe(0);
    expect(Buffer.compare((await content(s.owner, id, 'bytes=-5')).bytes, bytes.subarray(bytes.length - 5))).toBe(0);
    expect((await content(s.owner, id, `bytes=${bytes.length}-`)).status).toBe(416);

    // A stranger, someone signed out, a member of another community with its own channel: 404 / 401.
    expect((await content(s.stranger, id)).status).toBe(404);
    expect((await call(server, s.stranger, 'GET', `/api/files/${id}`)).status).toBe(404);
    expect((await content(null, id)).status).toBe(401);
    const elsewhere = await createCommunity(server, s.stranger, 'Elsewhere');
    expect((await call(server, s.stranger, 'POST', '/api/files', { channelId: s.channelId, size: 10 })).status).toBe(404);
    expect(elsewhere.channelId).not.toBe(s.channelId);
    expect((await content(s.stranger, id)).status).toBe(404);
    // The stranger cannot delete it; the uploader can, and its blobs go.
    expect((await call(server, s.stranger, 'DELETE', `/api/files/${id}`)).status).toBe(404);
    expect(readdirSync(partsDir(id)).length).toBe(3);
    expect((await call(server, s.member, 'DELETE', `/api/files/${id}`)).status).toBe(204);
    expect(existsSync(join(partsDir(id), '0'))).toBe(false);
    expect((await content(s.owner, id)).status).toBe(404);
  });

  it('I8: hostile file ids (dot segments raw, percent-encoded and double-encoded, NUL, backslashes, absolute paths) are refused on every file route and touch no file', async () => {
    const s = await setting(tag());
    const id = await upload(s.member, s.channelId, new Uint8Array(randomBytes(100)));
    const before = listTree(server.dataDir);
    const hostile = [
      '../../keys/jwt-ed25519.pem', '..%2F..%2Fkeys%2Fjwt-ed25519.pem', '%2e%2e%2f%2e%2e%2fkeys', '%2E%2E/%2E%2E/keys', '%252e%252e%252f%252e%252e%252fkeys',
      `${id}%00`, `${id}%00.pem`, '..%5C..%5Ckeys', '..\\..\\keys', '%2Fetc%2Fpasswd', '/etc/passwd', 'C:%5CWindows%5Cwin.ini', `${id}%2F..%2F${id}`,
    ];
    // Sent as written: a URL parser (fetch's included) would resolve the dot segments before they left.
    for (const bad of hostile) {
      for (const [method, path] of [['GET', `/api/files/${bad}`], ['GET', `/api/files/${bad}/content`], ['DELETE', `/api/files/${bad}`], ['PUT', `/api/files/${bad}/parts/0`]] as const) {
        const res = await rawRequest(method, path, s.member.accessToken);
        expect(res.body, `${method} ${path}`).not.toContain('PRIVATE KEY');
        if (/(^|\/)\.\.(\/|$)/.test(bad)) {
          // The server resolves raw dot segments first, so the path no longer names a file route
          // at all: an unknown page gets the app's own HTML like any other, anything else a 4xx.
          if (res.status === 200) {
            expect(method).toBe('GET');
            expect(res.type, `${method} ${path}`).toMatch(/^text\/html/);
            expect(res.body, `${method} ${path}`).toMatch(/^<!doctype html>/i);
          } else expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
        } else expect([400, 404], `${method} ${path} → ${res.status}`).toContain(res.status);
      }
    }
    // Nothing was written, moved or deleted, and the real file is still there whole.
    expect(listTree(server.dataDir).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm') && !f.includes('/logs/'))).toEqual(before.filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm') && !f.includes('/logs/')));
    expect((await content(s.member, id)).bytes.length).toBe(100);
  });

  it('13.3 F2: a removed or banned member, and a role that may not attach, are refused (wrong user, wrong rank, banned)', async () => {
    const s = await setting(tag());
    const id = await upload(s.owner, s.channelId, new Uint8Array(randomBytes(5000)));
    expect((await content(s.member, id)).status).toBe(200);
    // A channel override that takes ATTACH from the member: they read files, but send none.
    const denied = await call(server, s.owner, 'PUT', `/api/channels/${s.channelId}/overrides`, { targetType: 'member', targetId: s.member.id, allow: 0, deny: Permission.ATTACH });
    expect(denied.status).toBe(204);
    expect((await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: 10 })).status).toBe(403);
    expect((await content(s.member, id)).status).toBe(200);
    // Kicked: the file is gone for them (404, like one that never existed); so for a banned member.
    expect((await call(server, s.owner, 'DELETE', `/api/communities/${s.communityId}/members/${s.member.id}`)).status).toBe(204);
    expect((await content(s.member, id)).status).toBe(404);
    const banned = await registerUser(server, `fb${tag()}`);
    await joinCommunity(server, s.owner, s.communityId, [banned]);
    expect((await content(banned, id)).status).toBe(200);
    const mid = (await call(server, banned, 'POST', '/api/files', { channelId: s.channelId, size: 3 })).body as { id: string };
    expect((await call(server, s.owner, 'POST', `/api/communities/${s.communityId}/bans`, { userId: banned.id })).status).toBe(201);
    expect((await content(banned, id)).status).toBe(404);
    // An upload started before the ban cannot be finished after it.
    expect((await put(banned, mid.id, 0, new Uint8Array(3))).status).toBe(404);
  });

  it('13.2 F3: the size limit and the quota are clear 413s; open uploads are capped; nothing is stored', async () => {
    const s = await setting(tag());
    const big = await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: MAX_MB * 1024 * 1024 + 1024 });
    expect(big.status).toBe(413);
    expect(JSON.stringify(big.body)).toContain(`${MAX_MB} MiB`);
    expect((await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: 0 })).status).toBe(400);
    expect((await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: 'lots' })).status).toBe(400);
    // Two files of 2.5 MiB fit the 6 MiB quota; a third does not.
    const size = 2.5 * 1024 * 1024;
    for (let i = 0; i < 2; i++) expect((await call(server, s.owner, 'POST', '/api/files', { channelId: s.channelId, size })).status).toBe(201);
    const over = await call(server, s.owner, 'POST', '/api/files', { channelId: s.channelId, size });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ error: { code: 'quota_exceeded' } });
    expect((await call(server, s.owner, 'GET', '/api/files/usage')).body).toEqual({ usedBytes: 2 * size, quotaBytes: QUOTA_MB * 1024 * 1024, maxFileBytes: MAX_MB * 1024 * 1024 });
    // Open uploads: the member may have a few at once, not more.
    for (let i = 0; i < MAX_OPEN_UPLOADS_PER_ACCOUNT; i++) expect((await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: 10 })).status).toBe(201);
    const more = await call(server, s.member, 'POST', '/api/files', { channelId: s.channelId, size: 10 });
    expect(more.status).toBe(429);
  });

  it('13.3: deleting the channel, or the uploader’s account, deletes the blobs (the sweeper, checked on disk)', async () => {
    const s = await setting(tag());
    const inChannel = await upload(s.member, s.channelId, new Uint8Array(randomBytes(FILE_PART_BYTES + 10)));
    const other = await call(server, s.owner, 'POST', `/api/communities/${s.communityId}/channels`, { name: 'second', kind: 'text' });
    expect(other.status).toBe(201);
    const secondChannel = (other.body as { channel: { id: string } }).channel.id;
    const byMember = await upload(s.member, secondChannel, new Uint8Array(randomBytes(100)));
    expect(readdirSync(partsDir(inChannel))).toEqual(expect.arrayContaining(['0', '1']));
    expect((await call(server, s.owner, 'DELETE', `/api/channels/${s.channelId}`)).status).toBe(204);
    await expect.poll(() => existsSync(join(partsDir(inChannel), '0')) || existsSync(join(partsDir(inChannel), '1')), { timeout: 10_000 }).toBe(false);
    expect(existsSync(join(partsDir(byMember), '0'))).toBe(true);
    expect((await call(server, s.member, 'DELETE', '/api/me', { password: 'correct horse battery staple' })).status).toBe(204);
    await expect.poll(() => existsSync(join(partsDir(byMember), '0')), { timeout: 10_000 }).toBe(false);
  });

  it('Z1/A2/Z7: every file route refuses an expired token (signed by this instance for a live session) and no token, as it refuses a stranger', async () => {
    const s = await setting(tag());
    const id = await upload(s.member, s.channelId, new Uint8Array(randomBytes(100)));
    const keyDir = join(server.dataDir, 'keys');
    const keys = await tokenKeys(readFileSync(join(keyDir, 'jwt-ed25519.pem'), 'utf8'), readFileSync(join(keyDir, 'jwt-ed25519.pub.pem'), 'utf8'));
    const claims = JSON.parse(Buffer.from(s.member.accessToken.split('.')[1]!, 'base64url').toString()) as AccessClaims;
    const expired = await signAccessToken(keys, claims, Date.now() - (ACCESS_TOKEN_SECONDS + 120) * 1000);
    const routes = ROUTES.filter((r) => r.path.startsWith('/api/files'));
    expect(routes.length).toBe(6);
    for (const r of routes) {
      const path = r.path.replace('{id}', id).replace('{n}', '0');
      for (const token of [expired, null]) {
        const res = await fetch(`${server.url}${path}`, { method: r.method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' }, body: r.method === 'POST' ? JSON.stringify({ channelId: s.channelId, size: 10 }) : r.method === 'PUT' ? '{}' : undefined });
        expect(res.status, `${r.method} ${path} with ${token ? 'an expired' : 'no'} token`).toBe(401);
      }
    }
    // The same member's live token still works: the refusals were the token's, and nothing changed.
    expect((await content(s.member, id)).status).toBe(200);
  });
});
