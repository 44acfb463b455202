/**
 * Per-IP rate limits (A9), spoofed proxy headers against the buckets (A7, ASVS 15.3.4), a login
 * flood (R8), registration modes and the owner bootstrap, hostile request bodies on the auth
 * routes (I2, I3) and security headers on their responses (I9), against the real server.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { call, invite, login, newVerifier, register, sleep, strongPassword, uniqueName, type Reply } from './client';

const SECURITY_HEADERS: Record<string, RegExp> = {
  'content-security-policy': /^default-src 'self';.*frame-ancestors 'none'/,
  'x-frame-options': /^DENY$/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^no-referrer$/,
  'permissions-policy': /geolocation=\(\)/,
};
function expectSecurityHeaders(r: Reply, what: string) {
  for (const [name, pattern] of Object.entries(SECURITY_HEADERS)) expect(r.headers.get(name) ?? '', `${what}: ${name}`).toMatch(pattern);
  // HSTS only over TLS; these servers speak plain HTTP on loopback, so it must be absent here.
  expect(r.headers.get('strict-transport-security'), what).toBeNull();
}

/**
 * POSTs with node:http so the answer is read even when the server refuses a huge body before
 * reading it and resets the connection while the client is still writing (fetch reports only
 * the reset then).
 */
function rawPost(server: { url: string }, path: string, body: string, headers: Record<string, string>, sendOnly?: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: h, ms: performance.now() - started });
      });
    });
    req.on('error', (e) => setTimeout(() => reject(e), 500));
    req.on('response', (res) => res.on('end', () => req.destroy()));
    // With `sendOnly`, the declared length is the whole body but only its start is sent: the
    // server must answer from the declared length without waiting for the rest.
    if (sendOnly === undefined) req.end(body);
    else req.write(body.slice(0, sendOnly));
  });
}

/**
 * Sends `size` requests at once and times the whole burst. Sent one after another, each would
 * wait for the one before; on a loaded machine that is over 200 ms a request, as long as a 5/s
 * bucket takes to refill a token, so a sequential burst might never find the bucket empty.
 */
async function burst(size: number, send: (i: number) => Promise<Reply>): Promise<{ replies: Reply[]; ms: number }> {
  const started = performance.now();
  const replies = await Promise.all(Array.from({ length: size }, (_, i) => send(i)));
  return { replies, ms: performance.now() - started };
}

/**
 * The token bucket's arithmetic (protocol/rateLimit.ts): it holds `rate` tokens and refills
 * `rate` a second, so requests answered within `ms` can have passed at most `rate` plus what
 * refilled in that time. A burst answered within 1/rate of a second passes exactly `rate` (the
 * strict outcome); a slower one, on a loaded machine, may also pass the tokens that refilled.
 * The server stamps requests with a whole-millisecond clock, hence 2 ms of slack.
 */
function expectWithinBucket(passed: number, rate: number, ms: number, what: string) {
  expect(passed, `${what}: ${passed} passed in ${ms.toFixed(0)} ms`).toBeLessThanOrEqual(rate + Math.floor((rate * (ms + 2)) / 1000));
}

const count = (replies: Reply[], status: number) => replies.filter((r) => r.status === status).length;

describe('A9: rate limits at the configured rates', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { AUTH_RATE_LIMIT_PER_SECOND: '5', RATE_LIMIT_PER_SECOND: '20' } });
  });
  afterAll(async () => server?.kill());

  const cheapAuth = (headers: Record<string, string> = {}) => call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: 'x' }, headers });

  it('A9 + I9: past the 5 auth requests a full bucket holds, requests get 429 with Retry-After; spoofed proxy headers do not open a new bucket; it refills', async () => {
    // TRUST_PROXY is false: a client naming another IP is still the socket's IP. Each spoofed
    // request names an address of its own and they go together straight after the plain burst, in
    // the same window: had any of them opened a fresh bucket it would pass on top of the first
    // five, and all six would, beyond what the shared bucket refills unless both took 1.2 s.
    const spoofs: Record<string, string>[] = [
      { 'X-Forwarded-For': '203.0.113.1' },
      { 'CF-Connecting-IP': '203.0.113.2' },
      { 'X-Forwarded-For': '203.0.113.3', 'CF-Connecting-IP': '203.0.113.4' },
      { 'X-Forwarded-For': '203.0.113.5' },
      { 'CF-Connecting-IP': '203.0.113.6' },
      { 'X-Forwarded-For': '203.0.113.7', 'CF-Connecting-IP': '203.0.113.8' },
    ];
    // A second of quiet: the bucket is full, so at least five of the plain burst pass.
    await sleep(1100);
    const started = performance.now();
    const plain = await burst(10, () => cheapAuth());
    const spoofed = await burst(spoofs.length, (i) => cheapAuth(spoofs[i]!));
    const ms = performance.now() - started;
    for (const r of [...plain.replies, ...spoofed.replies]) expect([400, 429]).toContain(r.status);
    expect(count(plain.replies, 400)).toBeGreaterThanOrEqual(5);
    expectWithinBucket(count(plain.replies, 400), 5, plain.ms, 'ten at once');
    const passedSpoofing = spoofs.filter((_, i) => spoofed.replies[i]!.status === 400);
    expectWithinBucket(count(plain.replies, 400) + passedSpoofing.length, 5, ms, `ten plain, then six spoofed of which ${JSON.stringify(passedSpoofing)}`);
    // Ten against five tokens leave at least one 429 unless the burst took a whole second.
    const limited = plain.replies.find((r) => r.status === 429);
    expect(limited, `no 429 among ten requests answered in ${plain.ms.toFixed(0)} ms`).toBeDefined();
    expect(limited!.body.error.code).toBe('rate_limited');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectSecurityHeaders(limited!, '429');
    await sleep(1200);
    expect((await cheapAuth()).status).toBe(400);
  });

  it('A9: 40 general requests at once from one IP: the 20 a full bucket holds pass, the rest get 429 but for refills; the bucket refills', async () => {
    await sleep(1100);
    const { replies, ms } = await burst(40, () => call(server, 'GET', '/api/health'));
    for (const r of replies) expect([200, 429]).toContain(r.status);
    expect(count(replies, 200)).toBeGreaterThanOrEqual(20);
    expectWithinBucket(count(replies, 200), 20, ms, 'forty at once');
    // Forty against twenty tokens leave 429s unless the burst took a whole second.
    expect(count(replies, 429), `429s among forty requests answered in ${ms.toFixed(0)} ms`).toBeGreaterThan(0);
    await sleep(1100);
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });
});

describe('A9: behind a trusted proxy the forwarded address picks the bucket', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { AUTH_RATE_LIMIT_PER_SECOND: '5', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => server?.kill());

  it('A9: with TRUST_PROXY=true, each forwarded client has its own auth bucket (control for the spoofing test)', async () => {
    // The proxy appends the address it saw: the right-most X-Forwarded-For entry.
    const send = (ip: string) => call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: 'x' }, headers: { 'X-Forwarded-For': ip } });
    const first = await burst(10, () => send('203.0.113.10'));
    expect(count(first.replies, 429), `429s among ten requests answered in ${first.ms.toFixed(0)} ms`).toBeGreaterThan(0);
    // Right after, five from another forwarded client all pass: a full bucket of its own. Sharing
    // the first one's, they could not, unless both bursts together took a second.
    const other = await burst(5, () => send('203.0.113.11'));
    expect(other.replies.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
  });

  it('A7 (#11.13): a forged first X-Forwarded-For entry, or a CF-Connecting-IP header, does not pick the bucket: 20 parallel requests from one proxied client meet the limit', async () => {
    const send = (i: number) =>
      call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: 'x' }, headers: { 'X-Forwarded-For': `198.51.100.${i}, 203.0.113.20`, 'CF-Connecting-IP': `198.51.100.${100 + i}` } });
    const r = await burst(20, (i) => send(i));
    for (const reply of r.replies) expect([400, 429]).toContain(reply.status);
    expectWithinBucket(count(r.replies, 400), 5, r.ms, 'twenty with forged first entries');
  });
});

describe('R8: a login flood', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server?.kill());

  it('R8: 20 concurrent logins all answer 200 or 429, none 500, and the server stays up', async () => {
    const u = await register(server);
    const replies = await Promise.all(Array.from({ length: 20 }, () => login(server, u.username, u.password)));
    const statuses = replies.map((r) => r.status);
    for (const s of statuses) expect([200, 429]).toContain(s);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    const ms = replies.map((r) => r.ms).sort((a, b) => a - b);
    const p = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!;
    console.log(`R8 20 concurrent logins: p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms, ${statuses.filter((s) => s === 200).length}×200`);
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
    expect((await login(server, u.username, u.password)).status).toBe(200);
  }, 90_000);
});

describe('registration modes and the owner bootstrap', () => {
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string>) => {
    const s = await startServer({ env });
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
  });
  const attempt = (s: RunningServer, username: string, inviteCode?: string) =>
    call(s, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username, password: strongPassword(), recoveryVerifier: newVerifier(), ...(inviteCode ? { inviteCode } : {}) } });

  it('open: anyone may register; the first account is the owner', async () => {
    const s = await start({ REGISTRATION_MODE: 'open' });
    expect((await call(s, 'GET', '/api/auth/config')).body).toEqual({ registrationMode: 'open', needsSetup: true, linkPreviews: false, gifs: false, instance: { name: 'Chatalot', iconId: null }, legalVersion: 1 });
    const first = await register(s);
    expect(first.auth.user.instanceRole).toBe('owner');
    const second = await register(s);
    expect(second.auth.user.instanceRole).toBe('user');
    expect((await call(s, 'GET', '/api/auth/config')).body.needsSetup).toBe(false);
  });

  it('closed: only the first account (the owner) can register, with or without an invite', async () => {
    const s = await start({ REGISTRATION_MODE: 'closed' });
    const first = await register(s);
    expect(first.auth.user.instanceRole).toBe('owner');
    const code = await invite(s, first.auth.accessToken);
    for (const r of [await attempt(s, uniqueName()), await attempt(s, uniqueName(), code)]) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
  });

  it('invite_only on an empty instance: of parallel first registrations exactly one becomes owner', async () => {
    const s = await start({});
    const replies = await Promise.all(Array.from({ length: 5 }, () => attempt(s, uniqueName())));
    const owners = replies.filter((r) => r.status === 201);
    expect(owners).toHaveLength(1);
    expect(owners[0]!.body.user.instanceRole).toBe('owner');
    for (const r of replies.filter((x) => x.status !== 201)) expect([403, 409]).toContain(r.status);
  });

  it('ADMIN_USERNAME: only that name becomes owner (even a reserved one, even typed in capitals); others need invites', async () => {
    const s = await start({ ADMIN_USERNAME: 'admin' });
    const early = await attempt(s, uniqueName());
    expect(early.status).toBe(403);
    const boss = await attempt(s, 'ADMIN');
    expect(boss.status).toBe(201);
    expect(boss.body.user).toMatchObject({ username: 'admin', instanceRole: 'owner' });
    const code = await invite(s, boss.body.accessToken);
    const next = await register(s, { inviteCode: code });
    expect(next.auth.user.instanceRole).toBe('user');
    expect((await attempt(s, 'admin', code)).status).toBe(409);
  });
});

describe('I2, I3, I9: hostile bodies on the auth routes', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { REGISTRATION_MODE: 'open' } });
    await register(server);
  });
  afterAll(async () => server?.kill());

  it('I2: arbitrary JSON, wrong types and extra fields to /login, /register, /refresh and /recover never give 500', async () => {
    const routes = ['/api/auth/login', '/api/auth/register', '/api/auth/refresh', '/api/auth/recover'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.jsonValue(), async (route, body) => {
        const r = await call(server, 'POST', route, { body: JSON.stringify(body) });
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.body.error.code).toEqual(expect.any(String));
      }),
      { numRuns: 150 },
    );
    // Passwords the hashing library chokes on (empty, one control byte) are plain wrong passwords.
    const known = await register(server);
    for (const password of ['\u0000', '\u0001', '\u0007', 'x']) {
      for (const username of [known.username, uniqueName()]) {
        const r = await login(server, username, password);
        expect(r.status, JSON.stringify([username, password])).toBe(401);
        expect(r.body.error.code).toBe('invalid_credentials');
      }
    }
    // Near-valid shapes reach deeper code (these hash passwords, so fewer runs).
    const field = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
    await fc.assert(
      fc.asyncProperty(fc.record({ username: field, password: field }, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 2 }), async (base, extra) => {
        const r = await call(server, 'POST', '/api/auth/login', { body: { ...extra, ...base } });
        expect([400, 401]).toContain(r.status);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('I3: 100k-deep nesting, a 10 MB string and huge numbers are refused quickly without a crash', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const cases: [string, string, number[]][] = [
      ['deep array', deep, [413]],
      ['deep array under the size cap', '['.repeat(32_000) + ']'.repeat(32_000), [400]],
      ['deep object under the size cap', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), [400]],
      ['deep object', '{"a":'.repeat(60_000) + '1' + '}'.repeat(60_000), [413]],
      ['10 MB string', JSON.stringify({ username: 'x'.repeat(10 * 1024 * 1024), password: 'y' }), [413]],
      ['huge number', `{"username":1e999999,"password":123456789012345678901234567890}`, [400]],
      ['wrong content type', 'username=a&password=b', [415]],
    ];
    for (const [what, body, expected] of cases) {
      const headers: Record<string, string> = what === 'wrong content type' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {};
      const r = await rawPost(server, '/api/auth/login', body, headers, body.length > 64 * 1024 ? 4096 : undefined);
      expect(expected, what).toContain(r.status);
      expect(r.ms, what).toBeLessThan(2000);
      expectSecurityHeaders(r, what);
    }
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('I9: security headers on every auth route response, 2xx and 4xx', async () => {
    const u = await register(server);
    const replies: [string, Reply][] = [
      ['config', await call(server, 'GET', '/api/auth/config')],
      ['login 401', await login(server, u.username, 'wrong-password-zz')],
      ['register 400', await call(server, 'POST', '/api/auth/register', { body: {} })],
      ['register 409', await call(server, 'POST', '/api/auth/register', { body: { acceptTerms: 1, username: u.username, password: strongPassword(), recoveryVerifier: newVerifier() } })],
      ['refresh 200', await call(server, 'POST', '/api/auth/refresh', { body: { refreshToken: u.auth.refreshToken } })],
      ['me 200', await call(server, 'GET', '/api/me', { token: u.auth.accessToken })],
      ['me 401', await call(server, 'GET', '/api/me')],
      ['invites 403', await call(server, 'GET', '/api/invites', { token: u.auth.accessToken })],
      ['session 404', await call(server, 'DELETE', '/api/me/sessions/nope', { token: u.auth.accessToken })],
      ['logout 204', await call(server, 'POST', '/api/auth/logout', { token: u.auth.accessToken })],
    ];
    expect(replies.map(([, r]) => r.status)).toEqual([200, 401, 400, 409, 200, 200, 401, 403, 404, 204]);
    for (const [what, r] of replies) {
      expectSecurityHeaders(r, what);
      if (r.status !== 204) expect(r.headers.get('cache-control') ?? '', `${what}: cache-control`).toMatch(/no-store/);
    }
  });
});
