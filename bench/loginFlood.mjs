#!/usr/bin/env node
/**
 * `npm run bench:login-flood`: what a login flood and a few hostile sockets cost an ordinary
 * member (hardening #11.3, SECURITY-TESTS D4), with password hashing in the server itself
 * (CHATALOT_HASHER=inline, how it was) and in the hasher process (the default), in one run.
 *
 * For each: wrong-password logins at the default auth rate limit (5 a second) for FLOOD_SECONDS
 * while a member pings its channel socket every 100 ms and sends a message every 500 ms to a
 * second socket; ten sockets that never read are open throughout. Prints ping p50/p99, delivery
 * p50/max and workerd's resident memory. Then, once, a chunked 256 MiB key-backup upload (limit
 * 16 MiB) and workerd's memory around it. Loopback only, bounded in count and time; never part
 * of `npm test`.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from './lib/ws.mjs';
import { request } from 'node:http';
import { connectRaw } from './lib/rawSocket.mjs';
import { killAll, rssKiB, startChatalot } from './lib/servers.mjs';

const FLOOD_PER_SECOND = 5;
const FLOOD_SECONDS = 10;
const STALLED = 10;
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(server, method, path, body, token) {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'Content-Type': 'application/json', Connection: 'close', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json().catch(() => null) };
}

function openSocket(url, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['chatalot.v1', `bearer.${token}`]);
    const frames = [];
    const waiters = [];
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      frames.push(f);
      for (const w of waiters.splice(0)) if (!w(f)) waiters.push(w);
    });
    ws.once('open', () => resolve({ ws, frames, next: (pred) => new Promise((r) => waiters.push((f) => (pred(f) ? (r(f), true) : false))) }));
    ws.once('error', reject);
  });
}

async function flood(mode) {
  const server = await startChatalot({ env: { REGISTRATION_MODE: 'open', CHATALOT_HASHER: mode === 'inline' ? 'inline' : '' } });
  try {
    const reg = await api(server, 'POST', '/api/auth/register', { acceptTerms: 1, username: `bench_${mode}`, password: 'correct horse battery staple', recoveryVerifier: randomBytes(32).toString('base64url') });
    const token = reg.body.accessToken;
    const community = await api(server, 'POST', '/api/communities', { name: 'Flood' }, token);
    const channelUrl = server.channelUrl(community.body.channels[0].id);
    const member = await openSocket(channelUrl, token);
    const reader = await openSocket(channelUrl, token);
    const stalled = await Promise.all(Array.from({ length: STALLED }, () => connectRaw(channelUrl, { onPayload: () => undefined, protocols: ['chatalot.v1', `bearer.${token}`] })));
    for (const s of stalled) s.socket.pause();
    const rssBefore = rssKiB(server.serverPid);
    let rssPeak = rssBefore;
    const pings = [];
    const deliveries = [];
    const statuses = {};
    let running = true;
    const attacker = (async () => {
      const inFlight = [];
      for (let s = 0; s < FLOOD_SECONDS; s++) {
        const tick = performance.now();
        for (let i = 0; i < FLOOD_PER_SECOND; i++) inFlight.push(api(server, "POST", "/api/auth/login", { username: `bench_${mode}`, password: `wrong password ${s} ${i}` }).then((r) => { statuses[r.status] = (statuses[r.status] ?? 0) + 1; if (r.status >= 500) console.error(`login ${r.status}: ${JSON.stringify(r.body)}`); }));
        await sleep(Math.max(0, 1000 - (performance.now() - tick)));
      }
      await Promise.all(inFlight);
      running = false;
    })();
    for (let i = 0; running; i++) {
      let t = performance.now();
      member.ws.send(JSON.stringify({ type: 'ping' }));
      await member.next((f) => f.type === 'pong');
      pings.push(performance.now() - t);
      if (i % 5 === 0) {
        const id = `bench-${i}-xxxxxx`;
        t = performance.now();
        member.ws.send(JSON.stringify({ type: 'send', franking: 'RnJhbmtpbmctY29tbWl0bWVudC1zdGFuZC1pbi0wMDA', clientMsgId: id, ciphertext: 'QUFB' }));
        await reader.next((f) => f.type === 'envelope' && f.clientMsgId === id);
        deliveries.push(performance.now() - t);
      }
      rssPeak = Math.max(rssPeak, rssKiB(server.serverPid));
      await sleep(100);
    }
    await attacker;
    for (const s of stalled) s.terminate();
    member.ws.close();
    reader.ws.close();
    return { mode, pings, deliveries, statuses, rssBefore, rssPeak };
  } finally {
    await server.stop();
  }
}

function oversizedBody(server, token, total, limit) {
  return new Promise((resolve) => {
    const req = request(`${server.url}/api/key-backup`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'X-Backup-Version': '1', Authorization: `Bearer ${token}`, 'Transfer-Encoding': 'chunked' } });
    const piece = Buffer.alloc(1024 * 1024, 0x41);
    let sent = 0;
    let answered = false;
    req.on('response', (res) => ((answered = true), res.resume(), res.on('end', () => resolve({ status: res.statusCode, sent }))));
    req.on('error', () => resolve({ status: answered ? 'answered' : 'closed by server', sent }));
    const pump = () => {
      while (!answered && sent < total) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
    void limit;
  });
}

async function main() {
  const results = [];
  for (const mode of process.env.MODES?.split(',') ?? ['inline', 'hasher']) results.push(await flood(mode));
  console.log(`\nLogin flood: ${FLOOD_PER_SECOND} wrong logins/s for ${FLOOD_SECONDS} s, ${STALLED} sockets that never read, one member pinging every 100 ms`);
  console.log('| hashing | logins answered | ping p50 | ping p99 | delivery p50 | delivery max | workerd RSS before → peak |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.mode === 'inline' ? 'in the server (before)' : 'hasher process (now)'} | ${JSON.stringify(r.statuses)} | ${pct(r.pings, 50).toFixed(1)} ms | ${pct(r.pings, 99).toFixed(1)} ms | ${pct(r.deliveries, 50).toFixed(1)} ms | ${Math.max(...r.deliveries).toFixed(1)} ms | ${(r.rssBefore / 1024).toFixed(0)} → ${(r.rssPeak / 1024).toFixed(0)} MiB |`);
  }

  const server = await startChatalot({ env: { REGISTRATION_MODE: 'open' } });
  try {
    const reg = await api(server, 'POST', '/api/auth/register', { acceptTerms: 1, username: 'bench_body', password: 'correct horse battery staple', recoveryVerifier: randomBytes(32).toString('base64url') });
    const before = rssKiB(server.serverPid);
    const r = await oversizedBody(server, reg.body.accessToken, 256 * 1024 * 1024, 16 * 1024 * 1024);
    await sleep(500);
    const after = rssKiB(server.serverPid);
    console.log(`\nOversized body: chunked PUT /api/key-backup of 256 MiB (limit 16 MiB): answered ${r.status} after ${(r.sent / 2 ** 20).toFixed(0)} MiB written; workerd RSS ${(before / 1024).toFixed(0)} → ${(after / 1024).toFixed(0)} MiB`);
  } finally {
    await server.stop();
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => killAll());
