#!/usr/bin/env node
/**
 * `npm run bench:push`: issue #17's Web Push figures. It prints them and writes them as JSON to
 * bench/results/push-<time>.json. It is never part of `npm test`.
 *
 * Setup: a chatalot server (`npm start`'s code) and the test suite's push service
 * (tests/helpers/pushService.ts, bundled on the fly: it verifies every VAPID token and decrypts
 * every payload, as a vendor's push service and the browser would). Alice owns a community with
 * C channels (`--channels`, default 100); Bob is a member with D devices (`--devices`, default 10,
 * the most an account may have), each subscribed to push with "every message", none connected.
 *
 * 1. Delay: `--samples` (default 20) times, Alice sends one message into a channel not pushed in
 *    the last 5 s (so coalescing does not hold it); the figure is the time from the room's ack to
 *    the push service receiving the first of its D pushes. This includes the channel-activity
 *    batching (up to 1 s, durable-objects/channelActivity.ts), which every unread badge shares.
 * 2. Throughput: Alice sends one message into each of the C channels at once; the figure is
 *    C × D pushes over the time from the first send to the last push received: how many pushes a
 *    user's hub encrypts (RFC 8291, one ECDH and two HKDFs each), signs (a VAPID JWT each) and sends
 *    per second.
 * Baseline, same run, same push service: the same C × D payloads encrypted and POSTed straight from
 *    Node with the same code (worker/push/webPush.ts) at the same concurrency the hub reaches
 *    (all at once per message), with no server in between: what the cryptography and HTTP cost alone.
 *
 * Bounded: loopback only, at most 1,000 channels, a timeout per phase; the server is killed at the end.
 * Options (CLI `--name=value`): channels=100 devices=10 samples=20 timeout=300
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { api } from './lib/access.mjs';
import { importBundled } from './lib/bundle.mjs';
import { ROOT, cpuMs, killAll, startChatalot } from './lib/servers.mjs';
import { option } from './lib/workerClient.mjs';

const opts = {
  channels: Math.min(1000, Number(option('channels', 100))),
  devices: Math.min(10, Number(option('devices', 10))),
  samples: Number(option('samples', 20)),
  timeout: Number(option('timeout', 300)) * 1000,
};
const log = (...a) => console.log(...a);
const COALESCE_MS = 5_000;
const FRANKING = Buffer.alloc(32, 7).toString('base64url');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

async function until(predicate, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Opens a channel socket as `token`; resolves with a sender that waits for each ack. */
function openRoom(wsUrl, channelId, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}/ws/channels/${channelId}`, ['chatalot.v1', `bearer.${token}`]);
    const waiting = new Map();
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.type === 'ack') waiting.get(f.clientMsgId)?.(f);
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        send(text) {
          const clientMsgId = `bench-${randomBytes(8).toString('hex')}`;
          return new Promise((done) => {
            waiting.set(clientMsgId, (f) => done({ seq: f.seq, at: performance.now() }));
            ws.send(JSON.stringify({ type: 'send', franking: FRANKING, clientMsgId, ciphertext: Buffer.from(text).toString('base64') }));
          });
        },
        close: () => ws.close(),
      }),
    );
  });
}

async function main() {
  const { fakePushService, pushRequest, importVapidKeys } = (
    await importBundled('push', "export { fakePushService } from './tests/helpers/pushService.ts';\nexport { pushRequest, importVapidKeys } from './worker/push/webPush.ts';\n", { external: ['jose'] })
  ).module;
  const service = await fakePushService();
  const server = await startChatalot({ env: { REGISTRATION_MODE: 'open', AUTH_RATE_LIMIT_PER_SECOND: '1000', CHATALOT_TEST_PUSH_SERVICE: service.origin } });
  const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: loadavg() }, options: opts };
  try {
    log(`push bench: ${opts.channels} channels, ${opts.devices} subscribed devices, ${opts.samples} delay samples; ${cpus().length} cores`);
    const reg = (username) => api(server.url, 'POST', '/api/auth/register', { acceptTerms: 1, username, password: randomBytes(18).toString('base64url'), recoveryVerifier: randomBytes(32).toString('base64url') });
    const alice = await reg('bench_alice');
    const bob = await reg('bench_bob');
    const created = await api(server.url, 'POST', '/api/communities', { name: 'Push bench' }, alice.accessToken);
    const communityId = created.community.id;
    const channels = [created.channels[0].id];
    while (channels.length < opts.channels) channels.push((await api(server.url, 'POST', `/api/communities/${communityId}/channels`, { name: `c${channels.length}`, kind: 'text' }, alice.accessToken)).channel?.id ?? null);
    if (channels.some((c) => !c)) throw new Error('a channel was created without an id in the answer');
    const invite = await api(server.url, 'POST', `/api/communities/${communityId}/invites`, {}, alice.accessToken);
    await api(server.url, 'POST', `/api/community-invites/${invite.code}/join`, undefined, bob.accessToken);
    const subs = [];
    for (let i = 0; i < opts.devices; i++) {
      const b = (n) => randomBytes(n).toString('base64url');
      const device = await api(server.url, 'POST', '/api/devices', { name: `d${i}`, identityKey: b(64), signedPreKey: { id: 1, createdAt: Date.now(), publicKey: b(32), signature: b(64) } }, bob.accessToken);
      const sub = service.subscribe();
      await api(server.url, 'PUT', `/api/push/subscriptions/${device.deviceId}`, { endpoint: sub.endpoint, keys: sub.keys, prefs: { dnd: false, defaultLevel: 'all', communities: {}, conversations: {}, mutedUntil: {} } }, bob.accessToken);
      subs.push(sub);
    }
    const rooms = await Promise.all(channels.map((c) => openRoom(server.wsBase, c, alice.accessToken)));
    const received = () => service.received.length;

    // 1. Delay from ack to push request, each in a channel not pushed for COALESCE_MS.
    const delays = [];
    for (let i = 0; i < opts.samples; i++) {
      const room = rooms[i % rooms.length];
      if (i >= rooms.length) await new Promise((r) => setTimeout(r, COALESCE_MS));
      const before = received();
      const ack = await room.send(`delay ${i}`);
      await until(() => received() > before, 30_000, 'a push');
      const first = service.received[before];
      delays.push(first.at - (performance.timeOrigin + ack.at));
      await until(() => received() >= before + opts.devices, 30_000, 'all devices’ pushes');
    }
    results.delayMs = { median: median(delays), p95: pct(delays, 95), max: Math.max(...delays), samples: delays.length };
    log(`message (ack) → push request: median ${results.delayMs.median.toFixed(0)} ms, p95 ${results.delayMs.p95.toFixed(0)} ms (includes up to 1 s of channel-activity batching)`);

    // 2. Throughput: one message into every channel at once.
    await new Promise((r) => setTimeout(r, COALESCE_MS));
    const before = received();
    const expected = opts.channels * opts.devices;
    const cpuBefore = cpuMs(server.serverPid);
    const t0 = performance.now();
    await Promise.all(rooms.map((r, i) => r.send(`burst ${i}`)));
    await until(() => received() >= before + expected, opts.timeout, `${expected} pushes`);
    const seconds = (performance.now() - t0) / 1000;
    const serverCpu = cpuMs(server.serverPid) - cpuBefore;
    results.hub = { pushes: expected, seconds, pushesPerSecond: expected / seconds, serverCpuMsPerPush: serverCpu / expected };
    log(`hub: ${expected} pushes in ${seconds.toFixed(2)} s = ${(expected / seconds).toFixed(0)} pushes/s (server CPU ${(serverCpu / expected).toFixed(2)} ms per push)`);

    // Baseline: the same pushes from Node directly.
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const vapid = await importVapidKeys(pem);
    const payload = new TextEncoder().encode(JSON.stringify({ v: 1, channelId: channels[0], seq: 1, mention: false }));
    const b0 = performance.now();
    const baseBefore = received();
    await Promise.all(
      channels.map(async (c) => {
        await Promise.all(
          subs.map(async (s) => {
            const req = await pushRequest(vapid, { endpoint: s.endpoint, ...s.keys }, payload, { ttlSeconds: 86400, urgency: 'normal', topic: c, padTo: 192 });
            const res = await fetch(req.endpoint, { method: 'POST', headers: req.headers, body: req.body });
            await res.arrayBuffer();
          }),
        );
      }),
    );
    await until(() => received() >= baseBefore + expected, opts.timeout, 'baseline pushes');
    const bs = (performance.now() - b0) / 1000;
    results.baseline = { pushes: expected, seconds: bs, pushesPerSecond: expected / bs };
    log(`baseline (Node, same code, no server): ${(expected / bs).toFixed(0)} pushes/s; the hub reaches ${((expected / seconds) / (expected / bs) * 100).toFixed(0)} % of it`);
    const refused = service.refused.length;
    if (refused) throw new Error(`the push service refused ${refused} requests: ${JSON.stringify(service.refused.slice(0, 3))}`);
    for (const r of rooms) r.close();
  } finally {
    await server.stop().catch(() => undefined);
    await service.close();
    killAll();
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `push-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  log(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    killAll();
    process.exit(1);
  },
);
