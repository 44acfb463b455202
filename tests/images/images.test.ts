/**
 * Issue #13 items 5 and 6 against the real server (workerd, disk blob store): avatars, banners,
 * community icons and custom emoji are checked by content (an impostor gets 415 and nothing is
 * stored), served with the checked type and nosniff to whoever holds the id, changed only by
 * who may (the user; ADMINISTRATOR; MANAGE_EMOJI), and deleted from the blob store when
 * replaced, removed, or when their community or account goes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EMOJI_PER_COMMUNITY } from '../../protocol/images';
import { ACCESS_TOKEN_SECONDS, signAccessToken, tokenKeys, type AccessClaims } from '../../worker/auth/tokens';
import { ROUTES } from '../../worker/routes/manifest';
import { call, createCommunity, joinCommunity, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { IMPOSTORS, gif, png, webpLossless } from './samples';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
}, 120_000);
afterAll(async () => {
  await server?.kill();
});

const tag = () => randomBytes(3).toString('hex');
const imagesDir = () => join(server.dataDir, 'blobs', 'images');
const stored = (id: string) => existsSync(join(imagesDir(), id));
const storedCount = () => (existsSync(imagesDir()) ? readdirSync(imagesDir()).length : 0);

async function upload(user: TestUser | null, path: string, bytes: Uint8Array, token = user?.accessToken) {
  const res = await fetch(`${server.url}${path}`, { method: 'PUT', headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/octet-stream' }, body: bytes as Uint8Array<ArrayBuffer> });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> | null };
}

/**
 * PUT of a body the server refuses before reading it all (its declared length is over the limit):
 * the server answers 413 at once and closes, so the client's write may fail after the answer has
 * come. node:http gives the answer either way (fetch would report only the failed write).
 */
function putRefusedEarly(user: TestUser, path: string, bytes: Uint8Array): Promise<{ status: number; body: Record<string, any> | null }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${server.url}${path}`, { method: 'PUT', headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) } }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') as Record<string, any> | null }));
    });
    req.on('error', (e) => !answered && reject(e));
    req.end(bytes);
  });
}

async function image(id: string) {
  const res = await fetch(`${server.url}/api/images/${id}`);
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function setting(t: string) {
  const owner = await registerUser(server, `io${t}`);
  const member = await registerUser(server, `im${t}`);
  const stranger = await registerUser(server, `is${t}`);
  const { communityId, channelId } = await createCommunity(server, owner, `Images ${t}`);
  await joinCommunity(server, owner, communityId, [member]);
  return { owner, member, stranger, communityId, channelId };
}

describe('profile and community images, custom emoji', () => {
  it('13.5 F4: an avatar is checked, served as what it is with nosniff, replaced and removed with its blob', async () => {
    const me = await registerUser(server, `av${tag()}`);
    const first = png(256, 256);
    const set = await upload(me, '/api/me/avatar', first);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const firstId = set.body!.avatarId as string;
    expect(firstId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Anyone holding the id gets it (an <img> sends no token), as what the check found.
    const got = await image(firstId);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toContain('sandbox');
    expect(got.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(got.bytes).equals(Buffer.from(first))).toBe(true);
    // Others see it where they see the user.
    const seen = await call(server, me, 'GET', `/api/users/by-name/${me.username}`);
    expect(seen.body).toMatchObject({ avatarId: firstId });
    // Replaced: the old id is gone from the store and answers 404.
    const second = await upload(me, '/api/me/avatar', webpLossless(128, 128));
    expect(second.status).toBe(200);
    const secondId = second.body!.avatarId as string;
    expect((await image(secondId)).headers.get('content-type')).toBe('image/webp');
    expect((await image(firstId)).status).toBe(404);
    expect(stored(firstId)).toBe(false);
    // A banner has its own, larger limits.
    expect((await upload(me, '/api/me/banner', png(960, 320))).status).toBe(200);
    // Removed.
    const removed = await call(server, me, 'DELETE', '/api/me/avatar');
    expect(removed.body).toMatchObject({ avatarId: null });
    expect((await image(secondId)).status).toBe(404);
    expect(stored(secondId)).toBe(false);
  });

  it('13 (adversarial) F4/I8: HTML, SVG, a PNG signature in front of HTML as an avatar, emoji or icon, too large or too many pixels: a clear 4xx and nothing stored', async () => {
    const me = await registerUser(server, `ad${tag()}`);
    const before = storedCount();
    const s = await setting(tag());
    let n = 0;
    for (const [what, bytes] of Object.entries(IMPOSTORS)) {
      // Every route that takes an image: an avatar, a custom emoji, a community icon.
      for (const [user, path] of [[me, '/api/me/avatar'], [s.owner, `/api/communities/${s.communityId}/emoji/impostor${n++}`], [s.owner, `/api/communities/${s.communityId}/icon`]] as const) {
        const r = await upload(user, path, bytes);
        expect(r.status, `${what} → ${path}`).toBe(415);
        expect(r.body!.error.message, what).toMatch(/only PNG, JPEG, GIF and WebP/);
      }
    }
    expect((await call(server, s.member, 'GET', `/api/communities/${s.communityId}/emoji`)).body).toMatchObject({ emoji: [] });
    const huge = await upload(me, '/api/me/avatar', png(2000, 50));
    expect(huge.status).toBe(400);
    expect(huge.body!.error.message).toMatch(/at most 1024×1024 pixels/);
    const heavy = await putRefusedEarly(me, '/api/me/avatar', png(64, 64, [1, 2, 3], 'a'.repeat(1100 * 1024)));
    expect(heavy.status).toBe(413);
    expect(storedCount()).toBe(before);
    expect((await call(server, me, 'GET', '/api/me')).body).toMatchObject({ avatarId: null });
    // Ids that walk out of the store, or are not ids at all, never reach it.
    for (const id of ['..%2F..%2Fkeys%2Fjwt-ed25519.pem', '..', 'x'.repeat(22).replace(/x/g, '.')]) expect((await image(id)).status).toBe(404);
  });

  it('13.5: a community icon, banner and accent: ADMINISTRATOR only; members see them, strangers get 404; the invite page shows the icon', async () => {
    const s = await setting(tag());
    expect((await upload(s.member, `/api/communities/${s.communityId}/icon`, png(256, 256))).status).toBe(403);
    expect((await upload(s.stranger, `/api/communities/${s.communityId}/icon`, png(256, 256))).status).toBe(404);
    expect((await upload(null, `/api/communities/${s.communityId}/icon`, png(256, 256))).status).toBe(401);
    const set = await upload(s.owner, `/api/communities/${s.communityId}/icon`, gif(128, 128));
    expect(set.status).toBe(200);
    const iconId = set.body!.community.iconId as string;
    expect((await image(iconId)).headers.get('content-type')).toBe('image/gif');
    expect((await upload(s.owner, `/api/communities/${s.communityId}/banner`, png(960, 320))).status).toBe(200);
    expect((await call(server, s.member, 'PATCH', `/api/communities/${s.communityId}`, { accent: '#3a7bd5' })).status).toBe(403);
    expect((await call(server, s.owner, 'PATCH', `/api/communities/${s.communityId}`, { accent: 'red; background:url(x)' })).status).toBe(400);
    expect((await call(server, s.owner, 'PATCH', `/api/communities/${s.communityId}`, { accent: '#3a7bd5' })).status).toBe(200);
    const view = await call(server, s.member, 'GET', `/api/communities/${s.communityId}`);
    expect(view.body).toMatchObject({ community: { iconId, accent: '#3a7bd5' } });
    expect((view.body as any).community.bannerId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const invite = await call(server, s.owner, 'POST', `/api/communities/${s.communityId}/invites`, {});
    const preview = await call(server, null, 'GET', `/api/auth/invites/${(invite.body as { code: string }).code}`);
    expect(preview.body).toMatchObject({ community: { iconId } });
    // Removing it deletes it.
    expect((await call(server, s.member, 'DELETE', `/api/communities/${s.communityId}/icon`)).status).toBe(403);
    expect((await call(server, s.owner, 'DELETE', `/api/communities/${s.communityId}/icon`)).status).toBe(200);
    expect((await image(iconId)).status).toBe(404);
  });

  it('13.6: custom emoji: MANAGE_EMOJI adds and deletes; names are checked and unique; members list them; banned and strangers get 404', async () => {
    const s = await setting(tag());
    const path = (name: string) => `/api/communities/${s.communityId}/emoji/${name}`;
    expect((await upload(s.member, path('party'), png(64, 64))).status).toBe(403);
    expect((await upload(s.stranger, path('party'), png(64, 64))).status).toBe(404);
    for (const bad of ['P', 'Party', 'a-b', 'x'.repeat(33)]) expect((await upload(s.owner, path(bad), png(64, 64))).status, bad).toBe(400);
    expect((await upload(s.owner, path('party'), png(300, 300))).status).toBe(400);
    expect((await upload(s.owner, path('party'), IMPOSTORS.svg!)).status).toBe(415);
    const added = await upload(s.owner, path('party'), gif(64, 64));
    expect(added.status).toBe(201);
    const imageId = added.body!.emoji.imageId as string;
    const before = storedCount();
    expect((await upload(s.owner, path('party'), png(64, 64))).status).toBe(409);
    expect(storedCount()).toBe(before); // the refused one's bytes went again
    const list = await call(server, s.member, 'GET', `/api/communities/${s.communityId}/emoji`);
    expect(list.body).toMatchObject({ emoji: [{ name: 'party', imageId, createdBy: s.owner.id }], max: MAX_EMOJI_PER_COMMUNITY });
    expect((await call(server, s.stranger, 'GET', `/api/communities/${s.communityId}/emoji`)).status).toBe(404);
    // Banned: no longer a member, so 404 like a stranger.
    expect((await call(server, s.owner, 'POST', `/api/communities/${s.communityId}/bans`, { userId: s.member.id })).status).toBe(201);
    expect((await call(server, s.member, 'GET', `/api/communities/${s.communityId}/emoji`)).status).toBe(404);
    expect((await call(server, s.member, 'DELETE', path('party'))).status).toBe(404);
    // Deleted: its image goes.
    expect((await call(server, s.owner, 'DELETE', path('party'))).status).toBe(204);
    expect((await call(server, s.owner, 'DELETE', path('party'))).status).toBe(404);
    expect((await image(imageId)).status).toBe(404);
    expect(stored(imageId)).toBe(false);
  });

  it('13.5: a group DM has an icon and accent any member who accepted it may set; strangers get 404, a 1:1 DM 409', async () => {
    const s = await setting(tag());
    const third = await registerUser(server, `i3${tag()}`);
    await joinCommunity(server, s.owner, s.communityId, [third]);
    const group = await call(server, s.owner, 'POST', '/api/dms', { userIds: [s.member.id, third.id] });
    expect(group.status, JSON.stringify(group.body)).toBeLessThan(300);
    const id = (group.body as any).channel.id as string;
    for (const u of [s.member, third]) expect((await call(server, u, 'POST', `/api/dms/${id}/accept`)).status).toBe(200);
    expect((await upload(s.stranger, `/api/dms/${id}/icon`, png(128, 128))).status).toBe(404);
    const set = await upload(s.member, `/api/dms/${id}/icon`, png(128, 128));
    expect(set.status).toBe(200);
    const iconId = set.body!.channel.iconId as string;
    expect((await image(iconId)).status).toBe(200);
    expect((await call(server, s.stranger, 'PATCH', `/api/dms/${id}`, { accent: '#aa0000' })).status).toBe(404);
    expect((await call(server, third, 'PATCH', `/api/dms/${id}`, { accent: 'blue' })).status).toBe(400);
    expect((await call(server, third, 'PATCH', `/api/dms/${id}`, { accent: '#aa0000' })).status).toBe(200);
    const listed = await call(server, third, 'GET', '/api/dms');
    expect((listed.body as any).dms.find((d: { id: string }) => d.id === id)).toMatchObject({ iconId, accent: '#aa0000' });
    const pair = await call(server, s.owner, 'POST', '/api/dms', { userIds: [s.member.id] });
    expect((await upload(s.owner, `/api/dms/${(pair.body as any).channel.id}/icon`, png(128, 128))).status).toBe(409);
    expect((await call(server, s.owner, 'DELETE', `/api/dms/${id}/icon`)).status).toBe(200);
    expect((await image(iconId)).status).toBe(404);
    expect(stored(iconId)).toBe(false);
  });

  it("13.5: a member's profile banner is listed to the people they share a community with (their page shows it), not to strangers", async () => {
    const s = await setting(tag());
    const bannerId = (await upload(s.member, '/api/me/banner', png(300, 100))).body!.bannerId as string;
    const members = await call(server, s.owner, 'GET', `/api/communities/${s.communityId}/members`);
    expect((members.body as { members: { userId: string; bannerId: string | null }[] }).members.find((m) => m.userId === s.member.id)?.bannerId).toBe(bannerId);
    const inChannel = await call(server, s.owner, 'GET', `/api/channels/${s.channelId}/members`);
    expect((inChannel.body as { members: { userId: string; bannerId: string | null }[] }).members.find((m) => m.userId === s.member.id)?.bannerId).toBe(bannerId);
    expect((await call(server, s.stranger, 'GET', `/api/communities/${s.communityId}/members`)).status).toBe(404);
    expect((await call(server, s.stranger, 'GET', `/api/channels/${s.channelId}/members`)).status).toBe(404);
  });

  it('13.3: deleting a community or an account deletes its images from the blob store', async () => {
    const s = await setting(tag());
    const icon = (await upload(s.owner, `/api/communities/${s.communityId}/icon`, png(128, 128))).body!.community.iconId as string;
    const emoji = (await upload(s.owner, `/api/communities/${s.communityId}/emoji/wave`, png(64, 64))).body!.emoji.imageId as string;
    const avatar = (await upload(s.member, '/api/me/avatar', png(128, 128))).body!.avatarId as string;
    expect([icon, emoji, avatar].every(stored)).toBe(true);
    expect((await call(server, s.owner, 'DELETE', `/api/communities/${s.communityId}`)).status).toBe(204);
    await expect.poll(() => stored(icon) || stored(emoji), { timeout: 10_000 }).toBe(false);
    expect((await call(server, s.member, 'DELETE', '/api/me', { password: TEST_PASSWORD })).status).toBe(204);
    await expect.poll(() => stored(avatar), { timeout: 10_000 }).toBe(false);
  });

  it('Z1/A2: every image route that changes something refuses an expired token and no token', async () => {
    const s = await setting(tag());
    const keyDir = join(server.dataDir, 'keys');
    const keys = await tokenKeys(readFileSync(join(keyDir, 'jwt-ed25519.pem'), 'utf8'), readFileSync(join(keyDir, 'jwt-ed25519.pub.pem'), 'utf8'));
    const claims = JSON.parse(Buffer.from(s.owner.accessToken.split('.')[1]!, 'base64url').toString()) as AccessClaims;
    const expired = await signAccessToken(keys, claims, Date.now() - (ACCESS_TOKEN_SECONDS + 120) * 1000);
    const routes = ROUTES.filter((r) => r.tag === 'images' && r.access === 'user');
    expect(routes.length).toBe(14);
    for (const r of routes) {
      const path = r.path.replace('{id}', s.communityId).replace('{name}', 'nope');
      for (const token of [expired, null]) {
        const res = await fetch(`${server.url}${path}`, { method: r.method, headers: token ? { Authorization: `Bearer ${token}` } : {}, body: r.method === 'PUT' ? (png(64, 64) as Uint8Array<ArrayBuffer>) : undefined });
        expect(res.status, `${r.method} ${path} with ${token ? 'an expired' : 'no'} token`).toBe(401);
      }
    }
    expect((await call(server, s.owner, 'GET', `/api/communities/${s.communityId}/emoji`)).body).toMatchObject({ emoji: [] });
  });
});
