/**
 * Issue #13 item 7 and #19 item 1, the first part: the Cloudflare build, run on this machine as
 * `npm run dev:cloudflare` runs it (wrangler dev: the worker `npm run deploy` ships, with
 * Miniflare's D1, R2 and Durable Objects), answers the file and image routes the same way the
 * self-hosted workerd does: an upload in parts into R2, a Range read, a stranger's 404, deletion
 * that empties the bucket; an avatar checked and served from R2. Registration hashes with the
 * Argon2 Wasm module there, too.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_PART_BYTES } from '../../protocol/files';
import { startWranglerDev, type WranglerServer } from '../helpers/wranglerDev';
import { IMPOSTORS, png } from '../images/samples';

let server: WranglerServer;
let url: string;

beforeAll(async () => {
  server = await startWranglerDev({ vars: { REGISTRATION_MODE: 'open', RATE_LIMIT_PER_SECOND: '1000', AUTH_RATE_LIMIT_PER_SECOND: '1000' } });
  url = server.url;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  server?.remove();
});

interface User {
  id: string;
  token: string;
}

async function call(user: User | null, method: string, path: string, body?: unknown, raw?: Uint8Array) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(user ? { Authorization: `Bearer ${user.token}` } : {}), ...(raw ? { 'Content-Type': 'application/octet-stream' } : body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: raw ? (raw as Uint8Array<ArrayBuffer>) : body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // bytes
  }
  return { status: res.status, json, headers: res.headers, bytes: Buffer.from(text, 'latin1') };
}

async function register(name: string): Promise<User> {
  const r = await call(null, 'POST', '/api/auth/register', { acceptTerms: 1, username: name, password: 'correct horse battery staple', recoveryVerifier: randomBytes(32).toString('base64url') });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { id: r.json.user.id, token: r.json.accessToken };
}

/** Every file under the R2 simulator's storage (Miniflare keeps object bodies as blob files). */
function r2Files(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(server.dataDir);
  return out.filter((p) => /[\\/]r2[\\/]/.test(p) && /[\\/]blobs[\\/]/.test(p));
}

describe('the Cloudflare build under wrangler dev (D1, R2, Durable Objects simulated)', () => {
  it('13.7: files in parts into R2, a Range read, a stranger refused, deletion empties the bucket; an avatar checked and served from R2', async () => {
    const owner = await register(`cfo${randomBytes(3).toString('hex')}`);
    const member = await register(`cfm${randomBytes(3).toString('hex')}`);
    const stranger = await register(`cfs${randomBytes(3).toString('hex')}`);
    const created = await call(owner, 'POST', '/api/communities', { name: 'On Cloudflare' });
    expect(created.status).toBe(201);
    const communityId = created.json.community.id as string;
    const channelId = created.json.channels[0].id as string;
    const invite = await call(owner, 'POST', `/api/communities/${communityId}/invites`, {});
    expect((await call(member, 'POST', `/api/community-invites/${invite.json.code}/join`)).status).toBe(200);

    const bytes = new Uint8Array(randomBytes(FILE_PART_BYTES + 4321));
    const start = await call(member, 'POST', '/api/files', { channelId, size: bytes.length });
    expect(start.status, JSON.stringify(start.json)).toBe(201);
    const id = start.json.id as string;
    const before = r2Files().length;
    expect((await call(member, 'PUT', `/api/files/${id}/parts/0`, undefined, bytes.subarray(0, FILE_PART_BYTES))).json).toEqual({ received: FILE_PART_BYTES, complete: false });
    expect((await call(member, 'PUT', `/api/files/${id}/parts/1`, undefined, bytes.subarray(FILE_PART_BYTES))).json).toEqual({ received: bytes.length, complete: true });
    expect(r2Files().length).toBeGreaterThan(before);
    const whole = await fetch(`${url}/api/files/${id}/content`, { headers: { Authorization: `Bearer ${owner.token}` } });
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    const range = await fetch(`${url}/api/files/${id}/content`, { headers: { Authorization: `Bearer ${owner.token}`, Range: `bytes=${FILE_PART_BYTES - 10}-${FILE_PART_BYTES + 9}` } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(Buffer.from(bytes.subarray(FILE_PART_BYTES - 10, FILE_PART_BYTES + 10)))).toBe(true);
    expect((await call(stranger, 'GET', `/api/files/${id}/content`)).status).toBe(404);
    expect((await call(null, 'GET', `/api/files/${id}/content`)).status).toBe(401);
    expect((await call(member, 'DELETE', `/api/files/${id}`)).status).toBe(204);
    expect((await call(owner, 'GET', `/api/files/${id}/content`)).status).toBe(404);
    await expect.poll(() => r2Files().length, { timeout: 10_000 }).toBe(before);

    // An avatar: an impostor refused, a PNG stored in R2 and served as what it is.
    expect((await call(member, 'PUT', '/api/me/avatar', undefined, IMPOSTORS.svg!)).status).toBe(415);
    const avatar = png(128, 128);
    const set = await call(member, 'PUT', '/api/me/avatar', undefined, avatar);
    expect(set.status).toBe(200);
    const served = await fetch(`${url}/api/images/${set.json.avatarId}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(avatar))).toBe(true);
  }, 120_000);
});
