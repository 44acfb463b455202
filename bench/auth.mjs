#!/usr/bin/env node
/**
 * `npm run bench:auth`: what accounts cost on this machine, against the real `npm start`.
 *
 * - Logins per second and p50/p99 login latency at a few concurrencies. Argon2id (64 MiB, t=3,
 *   p=4) dominates; hashes run one at a time per workerd isolate behind a queue of at most 32,
 *   so the server's memory stays flat while latency grows with concurrency (the queue wait).
 * - Authenticated requests per second (GET /api/me: token signature check plus a session and a
 *   user lookup in storage), over HTTP with a few connections.
 * - Access-token verifications per second in-process (jose EdDSA verify with our claims),
 *   by bundling worker/auth/tokens.ts with esbuild and calling it in a loop.
 * Bounded: a fixed count per phase; loopback only. Never part of `npm test`.
 */
import { build } from 'esbuild';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, killAll, startChatalot } from './lib/servers.mjs';

const PASSWORD = 'correct horse battery staple';
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function post(url, body, token) {
  try {
    // A fresh connection per login: a reused keep-alive connection can be closed by the server
    // just as the next request goes out, which would count a client-side race as a failure.
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Connection: 'close', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch (e) {
    return { status: `error:${e.cause?.code ?? e.message}`, body: null };
  }
}

async function logins(server, count, concurrency) {
  const latencies = [];
  const statuses = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const t = performance.now();
        const r = await post(`${server.url}/api/auth/login`, { username: 'bench_user', password: PASSWORD });
        latencies.push(performance.now() - t);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { count, concurrency, perSecond: count / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), statuses };
}

async function authenticatedRequests(server, token, count, concurrency) {
  let next = 0;
  let ok = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const res = await fetch(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        if (res.ok) ok++;
      }
    }),
  );
  return { count, ok, perSecond: count / ((performance.now() - started) / 1000) };
}

async function inProcessVerifications(seconds) {
  const out = join(mkdtempSync(join(tmpdir(), 'chatalot-bench-auth-')), 'tokens.mjs');
  await build({ entryPoints: [join(ROOT, 'worker/auth/tokens.ts')], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'warning' });
  const { tokenKeys, signAccessToken, verifyAccessToken } = await import(out);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const keys = await tokenKeys(privateKey, publicKey);
  const now = Date.now();
  const token = await signAccessToken(keys, { sub: randomBytes(16).toString('base64url'), sid: 'session', role: 'user' }, now);
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 100; i++) if (!(await verifyAccessToken(keys, token, now))) throw new Error('verification failed');
    n += 100;
  }
  return { verifications: n, perSecond: n / seconds };
}

try {
  const server = await startChatalot({ env: { REGISTRATION_MODE: 'open', RATE_LIMIT_PER_SECOND: '1000000', AUTH_RATE_LIMIT_PER_SECOND: '1000000' } });
  const reg = await post(`${server.url}/api/auth/register`, { acceptTerms: 1, username: 'bench_user', password: PASSWORD, recoveryVerifier: randomBytes(32).toString('base64url') });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  await logins(server, 3, 1); // warm-up: the first hash instantiates the Argon2 module
  const results = [];
  for (const [count, concurrency] of [[10, 1], [20, 4], [40, 20]]) results.push(await logins(server, count, concurrency));
  const authed = await authenticatedRequests(server, reg.body.accessToken, 2000, 8);
  await server.stop();
  const verify = await inProcessVerifications(3);

  console.log('\nLogins (Argon2id 64 MiB, t=3, p=4; one hash at a time per isolate, queue ≤ 32):');
  for (const r of results) {
    console.log(`  ${r.count} logins, ${r.concurrency} at a time: ${r.perSecond.toFixed(2)}/s  p50 ${r.p50.toFixed(0)} ms  p99 ${r.p99.toFixed(0)} ms  statuses ${JSON.stringify(r.statuses)}`);
  }
  console.log(`Authenticated GET /api/me (token + session + user lookup), 8 connections: ${authed.perSecond.toFixed(0)}/s (${authed.ok}/${authed.count} ok)`);
  console.log(`Access-token verifications in-process (jose EdDSA, our claims): ${verify.perSecond.toFixed(0)}/s`);
} finally {
  killAll('SIGKILL');
}
