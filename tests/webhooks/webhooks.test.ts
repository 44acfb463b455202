/**
 * Issue #17 item 3 against the real server: incoming webhooks.
 * - Managing: only a member with manage-webhooks in a community channel (not a plain member, not
 *   a stranger, not without a token, not in a DM); the secret URL is shown once and only its
 *   digest is stored; rotation stops the old URL; deletion stops the URL.
 * - Posting: the post reaches the channel's sockets as a `webhook` envelope from `webhook.{id}`
 *   whose body names the webhook; wrong secret, rotated secret, deleted webhook, oversized body,
 *   HTML and a burst beyond the per-webhook rate get clear errors and store nothing.
 * - A webhook's post can be reacted to and deleted by a moderator; the audit log shows it.
 * - Storage: the webhook's text is stored (it is plaintext by nature), and only in the channel's
 *   room; a member's end-to-end encrypted message beside it leaves no trace of its canary.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createCommunity, joinCommunity, openChannel, registerUser, type TestUser } from '../helpers/accounts';
import { setRole } from '../communities/fixture';
import { startServer, type RunningServer } from '../helpers/server';
import { FRANKING } from '../helpers/franking';
import type { TestSocket } from '../helpers/socket';
import { MAX_WEBHOOK_BODY_BYTES, WEBHOOK_BURST } from '../../protocol/webhooks';

let server: RunningServer;
let owner: TestUser;
let member: TestUser;
let stranger: TestUser;
let channelId: string;
let communityId: string;
let room: TestSocket;

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  owner = await registerUser(server, 'wh_owner');
  member = await registerUser(server, 'wh_member');
  stranger = await registerUser(server, 'wh_stranger');
  ({ communityId, channelId } = await createCommunity(server, owner, 'Hooks'));
  await joinCommunity(server, owner, communityId, [member]);
  room = await openChannel(server, member, channelId);
}, 120_000);
afterAll(async () => {
  room?.close();
  await server?.kill();
});

const post = (url: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) => fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const create = async (name: string) => {
  const res = await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks`, { name });
  expect(res.status).toBe(201);
  return res.body as { webhook: { id: string; name: string }; url: string };
};

/** Every envelope the channel holds, read through the room. */
async function stored(): Promise<{ seq: number; kind?: string; sender: string; ciphertext: string }[]> {
  const s = await openChannel(server, owner, channelId);
  s.send({ type: 'history', after: 0, limit: 100 });
  const f = (await s.next((x) => x.type === 'history')) as unknown as { envelopes: { seq: number; kind?: string; sender: string; ciphertext: string }[] };
  s.close();
  return f.envelopes;
}
/** The webhook posts still standing (a moderator's delete leaves a tombstone without text). */
const webhookPosts = async () => (await stored()).filter((e) => e.kind === 'webhook' && e.ciphertext !== '');
const bodyOf = (e: { ciphertext: string }) => JSON.parse(Buffer.from(e.ciphertext, 'base64').toString('utf8'));

describe('incoming webhooks', () => {
  it('17.3, Z1: only a member with manage-webhooks manages them; strangers, tokenless callers and DMs are refused', async () => {
    expect((await call(server, member, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'CI' })).status).toBe(403);
    expect((await call(server, member, 'GET', `/api/channels/${channelId}/webhooks`)).status).toBe(403);
    expect((await call(server, stranger, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'CI' })).status).toBe(404);
    expect((await call(server, stranger, 'GET', `/api/channels/${channelId}/webhooks`)).status).toBe(404);
    expect((await call(server, null, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'CI' })).status).toBe(401);
    expect((await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks`, { name: '' })).status).toBe(400);
    const dm = await call(server, owner, 'POST', '/api/dms', { userIds: [member.id] });
    expect([200, 201]).toContain(dm.status);
    const dmId = (dm.body as { channel: { id: string } }).channel.id;
    expect((await call(server, owner, 'POST', `/api/channels/${dmId}/webhooks`, { name: 'CI' })).status).toBe(403);
    const hook = await create('CI');
    expect(hook.url).toMatch(new RegExp(`^${server.url}/api/webhooks/${hook.webhook.id}/[A-Za-z0-9_-]{43}$`));
    const listed = (await call(server, owner, 'GET', `/api/channels/${channelId}/webhooks`)).body as { webhooks: Record<string, unknown>[] };
    expect(listed.webhooks.map((w) => w.name)).toContain('CI');
    expect(JSON.stringify(listed)).not.toContain(hook.url.split('/').at(-1)!);
    // A member cannot rotate or delete it either.
    expect((await call(server, member, 'POST', `/api/channels/${channelId}/webhooks/${hook.webhook.id}/rotate`)).status).toBe(403);
    expect((await call(server, member, 'DELETE', `/api/channels/${channelId}/webhooks/${hook.webhook.id}`)).status).toBe(403);
  });

  it('17.3, Z1: a moderator (wrong rank) is refused; an admin may until quarantined, then is refused too', async () => {
    const mod = await registerUser(server, 'wh_mod');
    const admin = await registerUser(server, 'wh_admin');
    await joinCommunity(server, owner, communityId, [mod, admin]);
    await setRole(server, owner, communityId, mod, 'moderator');
    await setRole(server, owner, communityId, admin, 'admin');
    expect((await call(server, mod, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'Mod hook' })).status).toBe(403);
    expect((await call(server, mod, 'GET', `/api/channels/${channelId}/webhooks`)).status).toBe(403);
    expect((await call(server, admin, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'Admin hook' })).status).toBe(201);
    expect((await call(server, owner, 'POST', `/api/admin/users/${admin.id}/quarantine`, { reason: 'review' })).status).toBe(200);
    expect((await call(server, admin, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'Held hook' })).status).toBe(403);
    expect((await call(server, admin, 'GET', `/api/channels/${channelId}/webhooks`)).status).toBe(403);
  });

  it('17.3: a post reaches the channel as a webhook envelope naming the webhook; ?wait=true answers with its seq', async () => {
    const hook = await create('Deploy bot');
    const res = await post(hook.url, { content: 'deployed **v1.2** to production', username: 'Release train', avatar_url: 'https://example.org/a.png', unknown_field: 1 });
    expect(res.status).toBe(204);
    const env = (await room.next((f) => f.type === 'envelope' && (f as { kind?: string }).kind === 'webhook')) as unknown as { seq: number; sender: string; ciphertext: string };
    expect(env.sender).toBe(`webhook.${hook.webhook.id}`);
    expect(bodyOf(env)).toEqual({ v: 1, webhook: { id: hook.webhook.id, name: 'Deploy bot' }, username: 'Release train', content: 'deployed **v1.2** to production' });
    const waited = await post(`${hook.url}?wait=true`, { embeds: [{ title: 'Build #42', description: 'green', fields: [{ name: 'branch', value: 'main' }] }] });
    expect(waited.status).toBe(200);
    const answer = (await waited.json()) as { id: string; channel_id: string };
    expect(answer.channel_id).toBe(channelId);
    const posts = await webhookPosts();
    expect(posts.map((p) => String(p.seq))).toContain(answer.id);
    const listed = (await call(server, owner, 'GET', `/api/channels/${channelId}/webhooks`)).body as { webhooks: { id: string; posts: number; lastPostAt: number | null }[] };
    expect(listed.webhooks.find((w) => w.id === hook.webhook.id)).toMatchObject({ posts: 2, lastPostAt: expect.any(Number) });

    // Members react to it; a moderator deletes it; nobody edits it.
    room.send({ type: 'send', clientMsgId: 'react-to-hook-1', kind: 'reaction', target: env.seq, ciphertext: 'AAAA' });
    expect(await room.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'react-to-hook-1')).toMatchObject({ type: 'ack' });
    room.send({ type: 'send', clientMsgId: 'edit-hook-post-1', kind: 'edit', target: env.seq, ciphertext: 'AAAA', franking: FRANKING });
    expect(await room.next((f) => f.type === 'error' && (f as { error: { ref?: string } }).error.ref === 'edit-hook-post-1')).toMatchObject({ error: { code: 'forbidden' } });
    const mod = await openChannel(server, owner, channelId);
    mod.send({ type: 'send', clientMsgId: 'delete-hook-post', kind: 'delete', target: env.seq, ciphertext: 'AAAA' });
    const answer2 = await mod.next((f) => f.type === 'ack' || f.type === 'error');
    expect(answer2, JSON.stringify(answer2)).toMatchObject({ type: 'ack' });
    mod.close();

    const audit = (await call(server, owner, 'GET', '/api/admin/audit?limit=100')).body as { events: { event: string; detail: Record<string, unknown> | string }[] };
    const events = audit.events.map((e) => e.event);
    expect(events).toContain('webhook_created');
    expect(events.filter((e) => e === 'webhook_post').length).toBeGreaterThanOrEqual(2);
  });

  it('17.3 W1: wrong, rotated and deleted secrets, an oversized body, HTML and bad JSON get clear errors and store nothing', async () => {
    const hook = await create('Strict');
    const before = (await stored()).length;
    const wrong = hook.url.replace(/[A-Za-z0-9_-]{43}$/, 'A'.repeat(43));
    const refused = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(10);
      return body.error.message;
    };
    await refused(await post(wrong, { content: 'x' }), 404, 'not_found');
    await refused(await post(`${server.url}/api/webhooks/${hook.webhook.id}/short`, { content: 'x' }), 404, 'not_found');
    await refused(await post(hook.url, 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1)), 413, 'payload_too_large');
    await refused(await post(hook.url, { content: 'y'.repeat(2001) }), 400, 'validation_failed');
    expect(await refused(await post(hook.url, { content: 'hi <script>alert(1)</script>' }), 400, 'validation_failed')).toMatch(/HTML/);
    await refused(await post(hook.url, { embeds: [{ description: '<img src=x onerror=alert(1)>' }] }), 400, 'validation_failed');
    await refused(await post(hook.url, { content: '   ' }), 400, 'validation_failed');
    await refused(await post(hook.url, '{"content": '), 400, 'invalid_json');
    await refused(await post(hook.url, { content: 'x' }, { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type');

    const rotated = (await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks/${hook.webhook.id}/rotate`)).body as { url: string };
    expect(rotated.url).not.toBe(hook.url);
    await refused(await post(hook.url, { content: 'old secret' }), 404, 'not_found');
    expect((await post(rotated.url, { content: 'new secret works' })).status).toBe(204);
    expect((await call(server, owner, 'DELETE', `/api/channels/${channelId}/webhooks/${hook.webhook.id}`)).status).toBe(204);
    await refused(await post(rotated.url, { content: 'after delete' }), 404, 'not_found');
    expect((await call(server, owner, 'DELETE', `/api/channels/${channelId}/webhooks/${hook.webhook.id}`)).status).toBe(404);

    const after = await stored();
    expect(after.length).toBe(before + 1);
    const texts = (await webhookPosts()).map(bodyOf).map((b) => b.content ?? '');
    expect(texts).toContain('new secret works');
    for (const text of texts) expect(text).not.toMatch(/old secret|after delete|script|img/);
  });

  it('17.3 Z6: a webhook URL only posts into its own channel: its secret under another webhook, a read with it, and its secret as an account token are refused', async () => {
    const a = await create('Here');
    // A second channel with a webhook of its own.
    const other = await call(server, owner, 'POST', `/api/communities/${communityId}/channels`, { name: 'elsewhere', kind: 'text' });
    expect(other.status).toBe(201);
    const otherId = (other.body as { channel?: { id: string }; id?: string }).channel?.id ?? (other.body as { id: string }).id;
    const b = (await call(server, owner, 'POST', `/api/channels/${otherId}/webhooks`, { name: 'There' })).body as { webhook: { id: string }; url: string };
    const secretOf = (url: string) => url.split('/').at(-1)!;
    const before = (await stored()).length;
    // Channel A's secret under channel B's webhook id, and the other way round.
    expect((await post(`${server.url}/api/webhooks/${b.webhook.id}/${secretOf(a.url)}`, { content: 'crossed' })).status).toBe(404);
    expect((await post(`${server.url}/api/webhooks/${a.webhook.id}/${secretOf(b.url)}`, { content: 'crossed' })).status).toBe(404);
    // The URL does not read: no GET, and nothing of the channel comes back from it.
    const read = await fetch(a.url);
    expect([404, 405]).toContain(read.status);
    expect(await read.text()).not.toMatch(/"seq"|ciphertext|crossed/);
    // The secret is no account token: not for the channel's history, its webhooks or the account.
    for (const path of [`/api/channels/${channelId}/webhooks`, `/api/channels/${channelId}/members`, '/api/me']) {
      const res = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${secretOf(a.url)}` } });
      expect(res.status, path).toBe(401);
    }
    expect((await stored()).length).toBe(before);
  });

  it('17.3 W1: a burst beyond the per-webhook rate is refused with 429 and Retry-After, and only the accepted posts are stored', async () => {
    const hook = await create('Chatty');
    const before = (await webhookPosts()).length;
    const burst = await Promise.all(Array.from({ length: WEBHOOK_BURST + 5 }, (_, i) => post(hook.url, { content: `burst ${i}` })));
    const ok = burst.filter((r) => r.status === 204).length;
    const limited = burst.filter((r) => r.status === 429);
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(WEBHOOK_BURST + 1); // a refill may land while the burst is in flight on a slow machine
    expect(limited.length).toBe(burst.length - ok);
    for (const r of limited) expect(Number(r.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await webhookPosts()).length).toBe(before + ok);
  });

  it('17.3, V1: the webhook’s text is stored (and only in the channel’s room); an encrypted message beside it leaves no canary', async () => {
    const hook = await create('Canary');
    expect((await post(hook.url, { content: 'webhook-plaintext-9c2f' })).status).toBe(204);
    // A member's message: what its client sends is ciphertext; the canary is what its plaintext would be.
    const ciphertext = Buffer.from('opaque bytes that a client sealed').toString('base64');
    room.send({ type: 'send', franking: FRANKING, clientMsgId: 'canary-message-1', ciphertext });
    await room.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'canary-message-1');
    await server.stop();
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
    })(server.dataDir);
    const holding = (needle: string) => files.filter((f) => readFileSync(f).toString('latin1').includes(needle));
    // Stored as the envelope's base64 or as its bytes: any alignment of the base64 counts.
    const forms = (text: string) => [text, ...[0, 1, 2].map((shift) => Buffer.concat([Buffer.alloc(shift), Buffer.from(text)]).toString('base64').slice(Math.ceil((shift * 4) / 3) + 1, -4))];
    const webhookFiles = [...new Set(forms('webhook-plaintext-9c2f').flatMap(holding))];
    expect(webhookFiles.length).toBeGreaterThan(0);
    for (const f of webhookFiles) expect(f).toMatch(/chatalot-channel-room/);
    server = await startServer({ dataDir: server.dataDir, env: { REGISTRATION_MODE: 'open' } });
  });
});
