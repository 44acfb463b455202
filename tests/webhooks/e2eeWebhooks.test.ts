/**
 * Issue #17 item 4 against the real server: end-to-end encrypted webhooks and `chatalot-post`.
 * - Managing: creating one answers an enrolment token once (never a URL that works); only
 *   manage-webhooks approves; approval needs an enrolled device; rotation is refused (delete and
 *   create instead).
 * - The command-line client (bin/chatalot-post.mjs, run as a CI machine would) enrols a device,
 *   is refused until approved, then posts: a member's device in Node (the client's own crypto)
 *   receives the bot's sender key and decrypts the text; the room stored a `message` envelope
 *   sealed by the bot account; the canary in the text is in no stored byte.
 * - The bot account: no sign-in, no route beyond its device, key directory and channel; no other
 *   channel; the fingerprint the app is shown is the one the client printed.
 * - Deleting the webhook tells the room's members to rotate (member-removed for the bot), and
 *   the client with the old state can no longer post.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatalotPost } from '../helpers/chatalotPost';
import { call, createCommunity, joinCommunity, openChannel, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { setRole } from '../communities/fixture';
import { startServer, type RunningServer } from '../helpers/server';
import { MemberDevice } from '../helpers/groupMember';
import type { TestSocket } from '../helpers/socket';
import { deviceFingerprint } from '../../client/src/e2ee/deviceFingerprint';
import type { WebhookEnrolment, WebhookView } from '../../protocol/webhooks';

const CANARY = 'e2ee-webhook-canary-51d7';

let server: RunningServer;
let owner: TestUser;
let member: TestUser;
let moderator: TestUser;
let channelId: string;
let otherChannelId: string;
let communityId: string;
let device: MemberDevice;
let room: TestSocket;
const work = mkdtempSync(join(tmpdir(), 'chatalot-post-'));

/** Runs the command-line client as a CI job would; its exit code, stdout and stderr. */
const cli = (args: string[]) => chatalotPost(work, args);

beforeAll(async () => {
  server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
  owner = await registerUser(server, 'ew_owner');
  member = await registerUser(server, 'ew_member');
  moderator = await registerUser(server, 'ew_mod');
  ({ communityId, channelId } = await createCommunity(server, owner, 'Encrypted hooks'));
  await joinCommunity(server, owner, communityId, [member, moderator]);
  await setRole(server, owner, communityId, moderator, 'moderator');
  const other = await call(server, owner, 'POST', `/api/communities/${communityId}/channels`, { name: 'elsewhere', kind: 'text' });
  otherChannelId = (other.body as { channel: { id: string } }).channel.id;
  device = (await MemberDevice.createAll(server, member, 1))[0]!;
  await device.connect(server, [channelId]);
  room = await openChannel(server, owner, channelId);
}, 180_000);
afterAll(async () => {
  room?.close();
  device?.close();
  await server?.kill();
});

const createEncrypted = async (name: string) => {
  const res = await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks`, { name, encrypted: true });
  expect(res.status).toBe(201);
  return res.body as { webhook: WebhookView; enrolment: WebhookEnrolment; url?: string };
};
const webhooks = async () => ((await call(server, owner, 'GET', `/api/channels/${channelId}/webhooks`)).body as { webhooks: WebhookView[] }).webhooks;

/** Every envelope the channel holds, read through the room. */
async function stored(): Promise<{ seq: number; kind?: string; sender: string; ciphertext: string }[]> {
  const s = await openChannel(server, owner, channelId);
  s.send({ type: 'history', after: 0, limit: 100 });
  const f = (await s.next((x) => x.type === 'history')) as unknown as { envelopes: { seq: number; kind?: string; sender: string; ciphertext: string }[] };
  s.close();
  return f.envelopes;
}

describe('end-to-end encrypted webhooks', () => {
  let hook: { webhook: WebhookView; enrolment: WebhookEnrolment; url?: string };
  let fingerprint = '';
  const state = join(work, 'ci-bot.json');

  it('17.4: creating one answers an enrolment token once, no working URL, and the bot account cannot sign in', async () => {
    hook = await createEncrypted('Deploys');
    expect(hook.url).toBeUndefined();
    expect(hook.enrolment.server).toBe(server.url);
    expect(hook.enrolment.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hook.webhook).toMatchObject({ encrypted: true, approvedAt: null, devices: [] });
    const listed = await webhooks();
    expect(JSON.stringify(listed)).not.toContain(hook.enrolment.token);
    const bot = ((await call(server, owner, 'GET', `/api/channels/${channelId}/members`)).body as { members: { userId: string }[] }).members;
    expect(bot.map((m) => m.userId)).not.toContain(hook.webhook.botUserId);
    expect(hook.webhook.botUserId).toBeTruthy();
  });

  it('17.4, Z1: approval needs manage-webhooks and an enrolled device; rotation is refused for an encrypted webhook', async () => {
    const approve = `/api/channels/${channelId}/webhooks/${hook.webhook.id}/approve`;
    expect((await call(server, member, 'POST', approve)).status).toBe(403);
    expect((await call(server, moderator, 'POST', approve)).status).toBe(403);
    expect((await call(server, null, 'POST', approve)).status).toBe(401);
    const notYet = await call(server, owner, 'POST', approve);
    expect(notYet.status).toBe(409);
    expect(JSON.stringify(notYet.body)).toMatch(/enrol/);
    const rotate = await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks/${hook.webhook.id}/rotate`);
    expect(rotate.status).toBe(409);
  });

  it('17.4: chatalot-post enrols a device with the token and prints its fingerprint, the same the app is shown', async () => {
    const r = await cli(['enrol', '--server', server.url, '--channel', channelId, '--token', hook.enrolment.token, '--state', state, '--name', 'CI runner']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    fingerprint = /fingerprint: ([0-9a-f ]+)/.exec(r.stdout)?.[1]?.trim() ?? '';
    expect(fingerprint).toMatch(/^([0-9a-f]{4} ){9}[0-9a-f]{4}$/);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    // The app is shown the device the server holds; its fingerprint is the one the client printed.
    const view = (await webhooks()).find((w) => w.id === hook.webhook.id)!;
    expect(view.devices).toHaveLength(1);
    expect(deviceFingerprint(view.devices[0]!.identityKey)).toBe(fingerprint);
    expect((await cli(['fingerprint', '--state', state])).stdout.trim()).toBe(fingerprint);
  });

  it('17.4: an enrolment token works once: presented again (a copy left in a CI log), it ends that webhook’s session', async () => {
    const spare = await createEncrypted('Leaky');
    const first = join(work, 'leaky-1.json');
    expect((await cli(['enrol', '--server', server.url, '--channel', channelId, '--token', spare.enrolment.token, '--state', first])).code).toBe(0);
    const again = await cli(['enrol', '--server', server.url, '--channel', channelId, '--token', spare.enrolment.token, '--state', join(work, 'leaky-2.json')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refused this webhook's session/);
    // The reuse ended the session the first enrolment holds as well: that machine must be enrolled afresh.
    await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks/${spare.webhook.id}/approve`);
    const post = await cli(['post', '--state', first, 'from a leaked enrolment']);
    expect(post.code).toBe(1);
    expect(post.stderr).toMatch(/refused this webhook's session/);
    expect((await call(server, owner, 'DELETE', `/api/channels/${channelId}/webhooks/${spare.webhook.id}`)).status).toBe(204);
  });

  it('17.4: before approval the client cannot post, and nothing is stored', async () => {
    const before = (await stored()).length;
    const r = await cli(['post', '--state', state, 'too early']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not approved yet/);
    expect((await stored()).length).toBe(before);
  });

  it('17.4: once approved, a post is sealed on the CI machine and a member’s device decrypts it', async () => {
    const approved = await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks/${hook.webhook.id}/approve`);
    expect(approved.status).toBe(200);
    expect((approved.body as { webhook: WebhookView }).webhook.approvedAt).toBeGreaterThan(0);
    const members = ((await call(server, owner, 'GET', `/api/channels/${channelId}/members`)).body as { members: { userId: string; bot?: boolean; displayName: string | null }[] }).members;
    expect(members.find((m) => m.userId === hook.webhook.botUserId)).toMatchObject({ bot: true, displayName: 'Deploys' });
    const r = await cli(['post', '--state', state, `Build 1 passed ${CANARY}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const seq = Number(/seq (\d+)/.exec(r.stdout)?.[1]);
    await device.receivedAt(`Build 1 passed ${CANARY}`, 60_000);
    const env = (await stored()).find((e) => e.seq === seq)!;
    expect(env.kind ?? 'message').toBe('message');
    expect(env.sender.split('.')[0]).toBe(hook.webhook.botUserId);
    expect(Buffer.from(env.ciphertext, 'base64').toString('latin1')).not.toContain(CANARY);
    // A second post reuses the state (sessions, sender key) the first one saved.
    const second = await cli(['post', '--state', state, 'Build 2 passed']);
    expect(second.code).toBe(0);
    await device.receivedAt('Build 2 passed', 60_000);
    expect(device.failures).toEqual([]);
    const audit = (await call(server, owner, 'GET', '/api/admin/audit?limit=100')).body as { events: { event: string }[] };
    expect(audit.events.map((e) => e.event)).toEqual(expect.arrayContaining(['webhook_created', 'webhook_approved']));
  });

  it('17.4, Z1/Z6: the bot account reaches only its device, the key directory and its channel', async () => {
    // The bot's session, as the state file holds it (the client rotated it; use it once and keep the new one).
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { refreshToken: string };
    const refreshed = await fetch(`${server.url}/api/auth/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: saved.refreshToken }) });
    expect(refreshed.status).toBe(200);
    const tokens = (await refreshed.json()) as { accessToken: string; refreshToken: string; user: { id: string; username: string; instanceRole: string } };
    // Put the new token back, so the client can go on (it is what a crash between the two would need too).
    const full = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>;
    await import('node:fs/promises').then((fs) => fs.writeFile(state, JSON.stringify({ ...full, refreshToken: tokens.refreshToken }), { mode: 0o600 }));
    expect(tokens.user.instanceRole).toBe('bot');
    const bot: TestUser = { id: tokens.user.id, username: tokens.user.username, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    expect((await call(server, bot, 'GET', '/api/me')).status).toBe(200);
    expect((await call(server, bot, 'GET', `/api/channels/${channelId}/members`)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/communities', { name: 'bot land' }],
      ['GET', `/api/communities/${communityId}/members`, undefined],
      ['POST', '/api/dms', { userIds: [member.id] }],
      ['PATCH', '/api/me', { displayName: 'Owner' }],
      ['GET', '/api/me/sessions', undefined],
      ['POST', `/api/channels/${channelId}/webhooks`, { name: 'more' }],
      ['PUT', '/api/key-backup', {}],
    ] as const) {
      const res = await call(server, bot, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Its own channel only: another channel of the community is not there for it.
    expect((await call(server, bot, 'GET', `/api/channels/${otherChannelId}/members`)).status).toBe(404);
    await expect(openChannel(server, bot, otherChannelId)).rejects.toThrow(/404/);
    // It has no password: signing in as the bot is refused like an unknown name.
    const login = await call(server, null, 'POST', '/api/auth/login', { username: tokens.user.username, password: TEST_PASSWORD });
    expect(login.status).toBe(401);
  });

  it('17.4: deleting the webhook removes its bot like a member (senders rotate) and its old keys cannot post', async () => {
    // A second encrypted webhook is the sender that must rotate: its client is the web client's
    // Engine, which sealed its first key to every member device, the first bot's included.
    const releases = await createEncrypted('Releases');
    const releasesState = join(work, 'releases.json');
    expect((await cli(['enrol', '--server', server.url, '--channel', channelId, '--token', releases.enrolment.token, '--state', releasesState])).code).toBe(0);
    expect((await call(server, owner, 'POST', `/api/channels/${channelId}/webhooks/${releases.webhook.id}/approve`)).status).toBe(200);
    const first = await cli(['post', '--state', releasesState, 'Release 1 is out']);
    expect(first.code, first.stderr).toBe(0);
    await device.receivedAt('Release 1 is out', 60_000);
    expect((await cli(['post', '--state', releasesState, 'Release 1.1 is out'])).code).toBe(0);
    await device.receivedAt('Release 1.1 is out', 60_000);
    const keysBefore = device.keysReceived;

    const del = await call(server, owner, 'DELETE', `/api/channels/${channelId}/webhooks/${hook.webhook.id}`);
    expect(del.status).toBe(204);
    const removed = await room.next((f) => f.type === 'member-removed' && (f as { userId: string }).userId === hook.webhook.botUserId);
    expect(removed).toBeTruthy();
    const before = (await stored()).length;
    const r = await cli(['post', '--state', state, 'after removal']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused this webhook's session/);
    expect((await stored()).length).toBe(before);
    const members = ((await call(server, owner, 'GET', `/api/channels/${channelId}/members`)).body as { members: { userId: string }[] }).members;
    expect(members.map((m) => m.userId)).not.toContain(hook.webhook.botUserId);
    // The remaining sender's next message comes with a new sender key (the removed bot never gets it).
    expect((await cli(['post', '--state', releasesState, 'Release 2 is out'])).code).toBe(0);
    await device.receivedAt('Release 2 is out', 60_000);
    expect(device.keysReceived).toBeGreaterThan(keysBefore);
    expect(device.failures).toEqual([]);
  });

  it('17.4, V1: the canary the bot posted is in no stored byte (the last test: it stops the server)', async () => {
    room.close();
    device.close();
    await server.stop();
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
    })(server.dataDir);
    expect(files.length).toBeGreaterThan(0);
    const forms = (text: string) => [text, ...[0, 1, 2].map((shift) => Buffer.concat([Buffer.alloc(shift), Buffer.from(text)]).toString('base64').slice(Math.ceil((shift * 4) / 3) + 1, -4))];
    for (const f of files) {
      const bytes = readFileSync(f).toString('latin1');
      for (const form of forms(CANARY)) expect(bytes.includes(form), `${f} holds the canary`).toBe(false);
    }
  }, 120_000);
});
