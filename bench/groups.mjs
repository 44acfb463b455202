#!/usr/bin/env node
/**
 * `npm run bench:groups` — group encryption at community scale (issue #21).
 *
 * The sender is the real web client in Debian's Chromium; the members are devices run in Node
 * with the client's crypto library and real keys (tests/helpers/groupMember.ts, bundled on the fly
 * with esbuild), each user with a signed device list. For each channel size (member devices) it
 * measures, on loopback and with a round-trip delay injected between the sender and the server:
 *
 * - Enter → the first member device opening the owner's first message, and → every member device;
 * - what the sender spent on it: HTTP requests and bytes, hub frames and bytes;
 * - after one member is removed (the sender rotates its key), the same for the next message;
 * - after a second removal, the sender types first: how long until every member device holds the
 *   new key (sent while typing, Engine.prepare), then Enter → every device (no distribution left).
 *
 * Sizes: --sizes=20,100,500,1000 (member devices; up to 4 devices per user), --rtt=50 (ms; 0 skips
 * the delayed runs), --typed=0 (skip the typed rotation, for a build without Engine.prepare). Rate limits are raised for the members' setup only because every simulated
 * member shares 127.0.0.1; the browser test tests/e2e/group-scale.test.ts checks the sender meets
 * no 429 under the default limits. Loopback only, bounded in count and time; never part of npm test.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { inspector, topSelf } from './lib/inspector.mjs';
import { cpuMs, killAll, machineBusyMs, startChatalot } from './lib/servers.mjs';
import { PASSWORD, register, until } from './lib/ui.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const SIZES = arg('sizes', '20,100,500,1000').split(',').map(Number);
const RTT = Number(arg('rtt', '50'));
const PROFILE = process.argv.includes('--profile');
const TIMELINE = process.argv.includes('--timeline');
/** --typed=0 skips the second removal with the key sent while typing (for a build without it). */
const TYPED = arg('typed', '1') !== '0';
/** --server-profile: workerd's V8 profile of the first send, through its inspector (loopback). */
const SERVER_PROFILE = process.argv.includes('--server-profile');
const INSPECTOR = '127.0.0.1:9229';

/** Devices that decrypt (the rest record what arrives): about this many per channel. */
const PROBES = 10;

// Inside the repository, so the bundle's external imports (ws) resolve from its node_modules.
mkdirSync(path.join(repo, 'node_modules', '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(repo, 'node_modules', '.cache', 'chatalot-bench-groups-'));
const outfile = path.join(tmp, 'groupMember.mjs');
await build({ entryPoints: [path.join(repo, 'tests/helpers/groupMember.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, packages: 'external', logLevel: 'error' });
const { MemberDevice, registerMember } = await import(pathToFileURL(outfile).href);

/** A TCP proxy to `target` that holds every chunk rttMs/2 in each direction, in order. */
function delayProxy(targetPort, rttMs) {
  const half = rttMs / 2;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pipe = (from, to) => {
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), half));
      from.on('end', () => setTimeout(() => to.end(), half));
      from.on('error', () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => server.close() })));
}

/**
 * Waits until the machine is nearly idle (under a quarter of one core busy over half a second,
 * for at most 60 s): after the sender's page loads, a thousand simulated members still take in
 * its presence and the page still reads the member list, and a send measured in the middle of
 * that measured the load, not the send.
 */
async function settled() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const before = machineBusyMs();
    await new Promise((r) => setTimeout(r, 500));
    if (machineBusyMs() - before < 125) return;
  }
}

const usersFor = (devices) => {
  const perUser = devices <= 20 ? 1 : devices <= 100 ? 2 : 4;
  return { users: Math.ceil(devices / perUser), perUser };
};

async function run(size, rttMs) {
  const server = await startChatalot({ env: { ...(SERVER_PROFILE ? { CHATALOT_INSPECTOR: INSPECTOR } : {}), REGISTRATION_MODE: 'open', RATE_LIMIT_PER_SECOND: '1000000', AUTH_RATE_LIMIT_PER_SECOND: '1000000', SEND_RATE_PER_SECOND: '1000' } });
  const target = { url: server.url, wsUrl: server.url.replace(/^http/, 'ws') };
  const proxy = rttMs > 0 ? await delayProxy(Number(new URL(server.url).port), rttMs) : null;
  const viaUrl = proxy ? `http://127.0.0.1:${proxy.port}` : server.url;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const devices = [];
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(viaUrl);
    await register(page, 'crowdhost');
    await page.getByRole('button', { name: 'Create a community' }).click();
    await page.getByLabel('Community name').fill('Crowd');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await until(() => page.getByRole('heading', { name: '#general' }).count().then((n) => n === 1), 60_000, 'the channel');
    const [, communityId, channelId] = /#\/c\/([^/]+)\/([^/?]+)/.exec(page.url());
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const code = (await page.getByTestId('invite-link').inputValue()).split('/').pop();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    const { users, perUser } = usersFor(size);
    const setupStart = Date.now();
    const members = [];
    const probes = [];
    for (let i = 0; i < users; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, users - i) }, (_, j) => registerMember(target, `member${i + j}`, code)));
      for (const user of batch) {
        const own = await MemberDevice.createAll(target, user, perUser, 2);
        // A sample of devices decrypts (one device of every few users); the rest record arrivals.
        const probe = members.length % Math.max(1, Math.floor(users / PROBES)) === 0;
        await Promise.all(own.map((d, k) => d.connect(target, [channelId], { decrypt: probe && k === 0 })));
        if (probe) probes.push(own[0]);
        devices.push(...own);
        members.push({ user, devices: own });
      }
    }
    const setupS = ((Date.now() - setupStart) / 1000).toFixed(0);

    // What the sender's page spends: HTTP requests and bytes, hub frames and bytes.
    const hubSent = [];
    const spent = { requests: 0, requestBytes: 0, responseBytes: 0, hubFrames: 0, hubBytes: 0, tooMany: 0 };
    const reset = () => Object.keys(spent).forEach((k) => (spent[k] = 0));
    /** --timeline: each request of a measured send, as [start, end] ms after Enter. */
    const timeline = [];
    let enterAt = 0;
    page.on('request', (r) => {
      spent.requests++;
      spent.requestBytes += (r.postData() ?? '').length;
      if (TIMELINE) timeline.push({ url: new URL(r.url()).pathname, start: Date.now() - enterAt, request: r });
    });
    page.on('requestfinished', (r) => {
      const t = timeline.find((e) => e.request === r);
      if (t) t.end = Date.now() - enterAt;
    });
    page.on('response', async (r) => {
      if (r.status() === 429) spent.tooMany++;
      spent.responseBytes += Number(r.headers()['content-length'] ?? 0);
    });
    page.on('websocket', (ws) => {
      if (!ws.url().includes('/ws/hub')) return;
      ws.on('framesent', (f) => {
        if (TIMELINE) hubSent.push(Date.now() - enterAt);
        spent.hubFrames++;
        spent.hubBytes += typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength;
      });
    });
    // The hub socket was opened before the listener: reload so it is counted.
    await page.reload();
    await until(() => page.locator('#composer-input').isEnabled(), 60_000, 'the composer');
    await settled();

    /**
     * Enter → the sender's message acknowledged by the server (`sentMs`), → the first and the last
     * sampled device that decrypted it (`firstMs`, `probesMs`), → every member device holding the
     * envelope and, when a key goes out with it, its pairwise ciphertext (`allMs`).
     */
    const measure = async (text, readers, withKey) => {
      reset();
      timeline.length = 0;
      hubSent.length = 0;
      const cpu0 = { server: cpuMs(server.serverPid), members: process.cpuUsage(), machine: machineBusyMs() };
      const start = Date.now();
      enterAt = start;
      await page.locator('#composer-input').fill(text);
      await page.locator('#composer-input').press('Enter');
      const sampled = probes.filter((d) => readers.includes(d));
      const first = await Promise.any(sampled.map((d) => d.receivedAt(text, 600_000)));
      await until(() => page.locator('li.message.pending').count().then((n) => n === 0), 600_000, 'the acknowledgement');
      const sentMs = Date.now() - start;
      const read = await Promise.all(sampled.map((d) => d.receivedAt(text, 600_000)));
      const delivered = await Promise.all(readers.map((d) => (sampled.includes(d) ? d.receivedAt(text, 600_000) : d.deliveredAt(start, withKey, 600_000))));
      const members = process.cpuUsage(cpu0.members);
      // Where the machine's CPU went while the message travelled: the server (workerd), the
      // simulated members (this process) and the rest (mostly the sender's Chromium).
      const cpu = { server: Math.round(cpuMs(server.serverPid) - cpu0.server), members: Math.round((members.user + members.system) / 1000), machine: Math.round(machineBusyMs() - cpu0.machine) };
      if (TIMELINE) {
        for (const t of timeline) console.log(`    ${String(t.start).padStart(6)} → ${String(t.end ?? '?').padStart(6)} ms ${t.url}`);
        if (hubSent.length) console.log(`    hub frames sent at (ms): ${hubSent.join(', ')}`);
        console.log(`    CPU while it travelled: server ${cpu.server} ms, members ${cpu.members} ms, whole machine ${cpu.machine} ms`);
      }
      return {
        cpu,
        sentMs,
        firstMs: first - start,
        probesMs: Math.max(...read) - start,
        allMs: Math.max(...delivered) - start,
        perMember: { requests: +(spent.requests / readers.length).toFixed(3), hubFrames: +(spent.hubFrames / readers.length).toFixed(3), hubBytes: Math.round(spent.hubBytes / readers.length) },
        total: { ...spent },
      };
    };
    // --profile: where the sender's main thread spends the first send (self time per function).
    const cdp = PROFILE ? await page.context().newCDPSession(page) : null;
    if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    const serverCdp = SERVER_PROFILE ? await inspector(INSPECTOR) : null;
    if (serverCdp) await serverCdp.send('Profiler.enable').then(() => serverCdp.send('Profiler.start'));
    const firstSend = await measure('the first message', devices, true);
    if (cdp) console.log(`  the sender's page:\n${topSelf((await cdp.send('Profiler.stop')).profile)}`);
    if (serverCdp) {
      console.log(`  the server (workerd):\n${topSelf((await serverCdp.send('Profiler.stop')).profile, 40)}`);
      serverCdp.close();
    }
    // The baseline, in the same run: a message whose key every member already holds.
    const steady = await measure('a second message', devices, false);
    // One member leaves (is removed): the sender rotates; the next message carries the new key.
    const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'crowdhost', password: PASSWORD }) }).then((r) => r.json());
    /**
     * Removes the last member; their devices stay connected to their hub, so `reached(text)` can
     * tell whether the new key or that message got to them anyway. Waits for the machine to settle.
     */
    const removeOne = async () => {
      const leaver = members.pop();
      const kicked = (await fetch(`${server.url}/api/communities/${communityId}/members/${leaver.user.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${login.accessToken}` } })).status;
      if (kicked >= 300) throw new Error(`removing a member answered ${kicked}`);
      const at = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      await settled();
      const reached = (text) => leaver.devices.some((d) => d.arrivals.some((a) => a.kind === 'key' && a.at >= at) || d.received.some((r) => r.text === text));
      return { remaining: members.flatMap((m) => m.devices), reached };
    };
    const first = await removeOne();
    const rotation = await measure('after the rotation', first.remaining, true);
    const leaverRead = first.reached('after the rotation');
    // A second removal, and this time the sender types before pressing Enter, as people do: the
    // new key goes out while they type (Engine.prepare), and Enter only sends the message. Same
    // run, same channel, one fewer member: lazy distribution at Enter above, prepared here.
    if (!TYPED) {
      const failures = devices.flatMap((d) => d.failures);
      return { size, users, perUser, rttMs, setupS, firstSend, steady, rotation, leaverRead, failures: failures.length };
    }
    const second = await removeOne();
    const remaining2 = second.remaining;
    const typingAt = Date.now();
    await page.locator('#composer-input').fill('after the second rot');
    await Promise.all(remaining2.map((d) => until(async () => d.arrivals.some((a) => a.kind === 'key' && a.at >= typingAt), 600_000, 'the key while typing')));
    const preparedMs = Date.now() - typingAt;
    await settled();
    const typed = await measure('after the second rotation', remaining2, false);
    const secondLeaverRead = second.reached('after the second rotation');
    const failures = devices.flatMap((d) => d.failures);
    return { size, users, perUser, rttMs, setupS, firstSend, steady, rotation, leaverRead, typed: { ...typed, preparedMs }, secondLeaverRead, failures: failures.length };
  } finally {
    for (const d of devices) d.close();
    await browser.close();
    proxy?.close();
    await server.stop?.();
    killAll();
  }
}

const results = [];
for (const rtt of RTT > 0 ? [0, RTT] : [0]) {
  for (const size of SIZES) {
    const r = await run(size, rtt);
    results.push(r);
    const f = (m) =>
      `sent ${m.sentMs} ms, first read ${m.firstMs} ms, sampled devices read ${m.probesMs} ms, every device reached ${m.allMs} ms ` +
      `(CPU: server ${m.cpu.server} ms, simulated members ${m.cpu.members} ms, machine ${m.cpu.machine} ms)`;
    console.log(
      `${String(size).padStart(5)} member devices (${r.users} users × ${r.perUser}), RTT ${rtt} ms\n` +
        `    first message: ${f(r.firstSend)}; per member ${r.firstSend.perMember.requests} requests, ${r.firstSend.perMember.hubFrames} hub frames, ${r.firstSend.perMember.hubBytes} B; 429s ${r.firstSend.total.tooMany}\n` +
        `    baseline (key held): ${f(r.steady)}\n` +
        `    after a removal (rotation): ${f(r.rotation)}; per member ${r.rotation.perMember.hubFrames} hub frames, ${r.rotation.perMember.hubBytes} B; leaver got the new key or message: ${r.leaverRead}\n` +
        (r.typed ? `    after a second removal, key sent while typing: every device held the key ${r.typed.preparedMs} ms after typing began; then Enter: ${f(r.typed)}; second leaver got the new key or message: ${r.secondLeaverRead}\n` : '') +
        `    decrypt failures ${r.failures}; setup ${r.setupS} s`,
    );
  }
}
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'groups.json'), JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
rmSync(tmp, { recursive: true, force: true });
