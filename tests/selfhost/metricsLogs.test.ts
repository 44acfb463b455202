/**
 * Issue #19 item 5 against the real server: metrics and logs.
 * - `GET /metrics` does not exist without METRICS_TOKEN (404); with it, no token or a wrong one
 *   is 401 and the right one gets the Prometheus text format.
 * - The figures follow what happens: sockets open and close (channel, hub), active rooms,
 *   envelopes accepted and refused by reason, deliveries, sign-ins by result, request latency by
 *   route pattern — never by path, so a webhook's secret URL never becomes a label.
 * - Logs (LOG_LEVEL=debug, one line per request): every line the server writes as JSON parses,
 *   has a level and an event; the whole output holds no password, recovery verifier, access or
 *   refresh token, webhook secret, invite code or message canary used in the run.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemberDevice } from '../helpers/groupMember';
import { call, createCommunity, openChannel, registerUser, TEST_PASSWORD, type TestUser } from '../helpers/accounts';
import { startServer, type RunningServer } from '../helpers/server';
import { FRANKING } from '../helpers/franking';
import { freshTotpWindow, totp } from '../auth/client';

const TOKEN = randomBytes(32).toString('hex');
const CANARY = 'metrics-log-canary-8f21';
const WEBHOOK_CANARY = 'webhook-log-canary-2c7e';

/** The text and its base64 at each alignment (as a log line might carry it inside a larger base64). */
const needles = (text: string) => [text, ...[0, 1, 2].map((shift) => Buffer.concat([Buffer.alloc(shift), Buffer.from(text)]).toString('base64').slice(Math.ceil((shift * 4) / 3) + 1, -4))];

let server: RunningServer;
let bare: RunningServer;
let alice: TestUser;
let channelId: string;

beforeAll(async () => {
  [server, bare] = await Promise.all([startServer({ env: { REGISTRATION_MODE: 'open', METRICS_TOKEN: TOKEN, LOG_LEVEL: 'debug' } }), startServer({ env: { REGISTRATION_MODE: 'open' } })]);
  alice = await registerUser(server, 'metrics_alice');
  ({ channelId } = await createCommunity(server, alice, 'Measured'));
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.kill(), bare?.kill()]);
});

const scrape = async () => {
  const res = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
};
/** One sample's value (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = text.split('\n').find((l) => (want ? l.startsWith(`${name}{${want}} `) : l.startsWith(`${name} `)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
async function waitFor(what: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('the metric did not reach the expected value');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('metrics', () => {
  it('19.5: without METRICS_TOKEN there is no endpoint; with it, only the token opens it', async () => {
    expect((await fetch(`${bare.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${bare.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN.slice(0, -1)}x` } })).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${alice.accessToken}` } })).status).toBe(401);
    const res = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ['chatalot_sockets_open', 'chatalot_rooms_active', 'chatalot_envelopes_accepted_total', 'chatalot_envelopes_refused_total', 'chatalot_envelope_deliveries_total', 'chatalot_logins_total', 'chatalot_argon2_queue_depth', 'chatalot_storage_errors_total', 'chatalot_http_request_duration_seconds']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('19.5: sockets, rooms, envelopes accepted, refused and delivered, and sign-ins follow what happens', async () => {
    const before = await scrape();
    const a = await openChannel(server, alice, channelId);
    const b = await openChannel(server, alice, channelId);
    const device = (await MemberDevice.createAll(server, alice, 1))[0]!;
    await device.connect(server, []);
    await waitFor(async () => sample(await scrape(), 'chatalot_sockets_open', { kind: 'channel' }) === sample(before, 'chatalot_sockets_open', { kind: 'channel' }) + 2);
    await waitFor(async () => sample(await scrape(), 'chatalot_sockets_open', { kind: 'hub' }) === sample(before, 'chatalot_sockets_open', { kind: 'hub' }) + 1);
    expect(sample(await scrape(), 'chatalot_rooms_active')).toBeGreaterThanOrEqual(1);

    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'metrics-1', ciphertext: Buffer.from(CANARY).toString('base64') });
    await a.next((f) => f.type === 'ack');
    await b.next((f) => f.type === 'envelope');
    // The same clientMsgId with other content: refused as a conflict.
    a.send({ type: 'send', franking: FRANKING, clientMsgId: 'metrics-1', ciphertext: 'AAAA' });
    await a.next((f) => f.type === 'error');
    const after = await scrape();
    expect(sample(after, 'chatalot_envelopes_accepted_total') - sample(before, 'chatalot_envelopes_accepted_total')).toBe(1);
    // One accepted envelope, relayed to the one other socket in the room.
    expect(sample(after, 'chatalot_envelope_deliveries_total') - sample(before, 'chatalot_envelope_deliveries_total')).toBe(1);
    expect(sample(after, 'chatalot_envelopes_refused_total', { reason: 'conflict' }) - sample(before, 'chatalot_envelopes_refused_total', { reason: 'conflict' })).toBe(1);

    a.close();
    b.close();
    device.close();
    await waitFor(async () => sample(await scrape(), 'chatalot_sockets_open', { kind: 'channel' }) === sample(before, 'chatalot_sockets_open', { kind: 'channel' }));
    await waitFor(async () => sample(await scrape(), 'chatalot_sockets_open', { kind: 'hub' }) === sample(before, 'chatalot_sockets_open', { kind: 'hub' }));
    await waitFor(async () => sample(await scrape(), 'chatalot_rooms_active') === sample(before, 'chatalot_rooms_active'));

    const logins = (result: string, text: string) => sample(text, 'chatalot_logins_total', { result });
    const l0 = await scrape();
    expect((await call(server, null, 'POST', '/api/auth/login', { username: 'metrics_alice', password: 'not the password' })).status).toBe(401);
    expect((await call(server, null, 'POST', '/api/auth/login', { username: 'metrics_alice', password: TEST_PASSWORD })).status).toBe(200);
    const l1 = await scrape();
    expect(logins('failure', l1) - logins('failure', l0)).toBe(1);
    expect(logins('success', l1) - logins('success', l0)).toBe(1);
    expect(sample(l1, 'chatalot_argon2_queue_depth')).toBe(0);
    expect(sample(l1, 'chatalot_http_request_duration_seconds_count', { method: 'POST', route: '/api/auth/login', status: '2xx' })).toBeGreaterThanOrEqual(1);
  });
});

describe('logs', () => {
  it('19.5 V3: every JSON line parses with a level and an event, and no secret or canary of the run (tokens, passwords, TOTP secret and backup codes) is in the output', async () => {
    // More secrets of the kinds the server handles: a refresh, an invite, a webhook's URL and plaintext post.
    const refreshed = await call(server, null, 'POST', '/api/auth/refresh', { refreshToken: alice.refreshToken });
    expect(refreshed.status).toBe(200);
    const tokens = refreshed.body as { accessToken: string; refreshToken: string };
    const invite = await call(server, { ...alice, accessToken: tokens.accessToken }, 'POST', '/api/invites', { maxUses: 1 });
    const inviteCode = (invite.body as { code?: string }).code ?? '';
    const hook = await call(server, { ...alice, accessToken: tokens.accessToken }, 'POST', `/api/channels/${channelId}/webhooks`, { name: 'Logs' });
    const url = (hook.body as { url: string }).url;
    expect((await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ content: WEBHOOK_CANARY }) })).status).toBe(204);
    expect((await fetch(`${url}x`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(404);
    // Two-factor: the TOTP secret, a code, the backup codes, and a sign-in with a code.
    const twoFactor = await registerUser(server, 'metrics_totp');
    const enroll = await call(server, twoFactor, 'POST', '/api/me/totp/enroll', { password: TEST_PASSWORD });
    expect(enroll.status).toBe(200);
    const totpSecret = (enroll.body as { secret: string }).secret;
    await freshTotpWindow(8_000);
    const enabled = await call(server, twoFactor, 'POST', '/api/me/totp/enable', { code: totp(totpSecret, 0), password: TEST_PASSWORD });
    expect(enabled.status).toBe(200);
    const backupCodes = (enabled.body as { backupCodes: string[] }).backupCodes;
    const signIn = await call(server, null, 'POST', '/api/auth/login', { username: 'metrics_totp', password: TEST_PASSWORD, code: backupCodes[0] });
    expect(signIn.status).toBe(200);

    const output = server.output();
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    // Logging is on (debug: a line per request), so a clean output means something.
    expect(lines.filter((l) => l.includes('"event":"request"')).length).toBeGreaterThan(10);
    for (const line of lines) {
      const entry = JSON.parse(line) as { t?: string; level?: string; event?: string };
      expect(entry.level, line).toMatch(/^(error|warn|info|debug)$/);
      expect(typeof entry.event, line).toBe('string');
      expect(Number.isNaN(Date.parse(entry.t ?? ''))).toBe(false);
    }
    // Requests are logged by route pattern: the webhook's secret path is not there, its pattern is.
    expect(output).toContain('"route":"/api/webhooks/:id/:secret"');
    const secrets = [TEST_PASSWORD, alice.accessToken, alice.refreshToken, tokens.accessToken, tokens.refreshToken, url.split('/').at(-1)!, CANARY, WEBHOOK_CANARY, TOKEN, totpSecret, ...backupCodes];
    if (inviteCode) secrets.push(inviteCode);
    for (const secret of secrets) {
      for (const form of needles(secret)) expect(output.includes(form), `the output holds ${secret}`).toBe(false);
    }
  });
});
