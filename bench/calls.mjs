#!/usr/bin/env node
/**
 * Calls (issue #14), in Debian's Chromium with its fake camera and microphone, against the real
 * `npm start` server. Prints its figures; never part of `npm test`.
 *
 * 1. Join → first decoded remote video frame, for a 2-party call (a DM video call) and the last
 *    of 4 joining a voice channel, median of --runs. Baseline in the same run: two pages of the
 *    same browser connected by a plain RTCPeerConnection whose SDP the bench hands across
 *    directly (no server, no encryption, no roster). Target: < 1.5 s for 2 parties.
 * 2. CPU and uplink per participant as the mesh grows from 2 to --max participants (cameras on):
 *    the browser's CPU time (all its processes) over a window, per participant; each
 *    participant's upload, measured as what the others received from it (inbound-rtp bytes), next
 *    to the bitrate policy's camera budget for that size.
 * 3. Signalling per join: call-signal frames and bytes the joining device and the others sent
 *    while the last participant joined, and the roster frames; extrapolated to 25 participants
 *    from the per-peer figures (a 25-browser mesh does not fit this machine).
 *
 * Options: --runs=3 --max=4 --window=8
 */
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { childPids, cpuMs, killAll, startChatalot } from './lib/servers.mjs';
import { ownerWithInvite, register, until } from './lib/ui.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 3);
const MAX = Math.max(2, arg('max', 4));
const WINDOW_S = arg('window', 8);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startChatalot({ env: { REGISTRATION_MODE: 'open' } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
});

/** Every Chromium process of this bench (the browser and its renderers, GPU and utility processes). */
function chromiumPids() {
  const out = [];
  const walk = (pid) => {
    for (const c of childPids(pid)) {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${c}/comm`, 'utf8');
      } catch {
        continue;
      }
      if (/chrom/i.test(comm)) out.push(c);
      walk(c);
    }
  };
  walk(process.pid);
  return [...new Set(out)];
}
const browserCpuMs = () => chromiumPids().reduce((t, pid) => t + (cpuMs(pid) || 0), 0);

const tiles = (page) =>
  page.getByTestId('call-tile').evaluateAll((els) => els.map((el) => ({ audioBytes: Number(el.getAttribute('data-audio-bytes')), videoBytes: Number(el.getAttribute('data-video-bytes')), connection: el.getAttribute('data-connection') })));
/** Resolves when `page` shows `n` remote tiles, each with a <video> that has decoded a frame. */
const framesFrom = (page, n) =>
  page.waitForFunction(
    (n) => {
      const tiles = [...document.querySelectorAll('[data-testid="call-tile"]')];
      return tiles.length === n && tiles.every((t) => {
        const v = t.querySelector('video');
        return v && v.videoWidth > 0 && v.readyState >= 2;
      });
    },
    n,
    { polling: 50, timeout: 60_000 },
  ).catch(async (e) => {
    const seen = await page.evaluate(() => [...document.querySelectorAll('[data-testid="call-tile"]')].map((t) => ({ html: t.outerHTML.slice(0, 300), video: t.querySelector('video') ? { w: t.querySelector('video').videoWidth, rs: t.querySelector('video').readyState } : null })));
    throw new Error(`${e.message}; tiles: ${JSON.stringify(seen)}`);
  });

// ── People: alice owns a community; the others join by its link ─────────────────────────────
const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].slice(0, Math.max(MAX, 2));
const pages = [];
for (const name of names) pages.push(await (await browser.newContext()).newPage());
const { link } = await ownerWithInvite(pages[0], server.url, 'Bench calls');
for (const [i, page] of pages.entries()) {
  if (i === 0) continue;
  await page.goto(link);
  await register(page, names[i]);
  await until(() => page.getByRole('heading', { name: '#general' }).count().then((n) => n === 1), 30_000, `${names[i]} in #general`);
}
const [alice, bob] = pages;
await alice.getByText('Community menu').click();
await alice.getByRole('button', { name: 'Create channel' }).click();
await alice.getByLabel('Channel name').fill('lounge');
await alice.getByRole('radio', { name: /Voice/ }).check();
await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
await until(() => alice.getByRole('heading', { name: '#lounge' }).count().then((n) => n === 1), 20_000, 'the voice channel');
const lounge = alice.url();
for (const page of pages.slice(1)) await page.goto(lounge);

async function join(page) {
  await page.getByTestId('call-join').click();
  await page.getByRole('button', { name: 'Camera on' }).click();
}
async function leave(page) {
  await page.getByRole('button', { name: 'Leave call' }).click();
  await until(() => page.getByTestId('call-view').count().then((n) => n === 0), 20_000, 'leaving');
}

// ── 1. Join → first remote frame ─────────────────────────────────────────────────────────────
async function baselineOnce() {
  const [a, b] = [pages[0], pages[1]];
  const open = (page) =>
    page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      w.benchPc?.close();
      const pc = new RTCPeerConnection();
      w.benchPc = pc;
      w.benchFrame = new Promise((resolve) => {
        pc.ontrack = ({ streams }) => {
          const v = document.createElement('video');
          v.muted = true;
          v.srcObject = streams[0];
          void v.play();
          v.requestVideoFrameCallback(() => resolve(performance.now()));
        };
      });
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      for (const t of stream.getTracks()) pc.addTrack(t, stream);
      w.benchCandidates = [];
      pc.onicecandidate = (e) => e.candidate && w.benchCandidates.push(e.candidate.toJSON());
    });
  const t0 = Date.now();
  await Promise.all([open(a), open(b)]);
  const offer = await a.evaluate(async () => (await window.benchPc.setLocalDescription(), window.benchPc.localDescription.toJSON()));
  const answer = await b.evaluate(async (o) => (await window.benchPc.setRemoteDescription(o), await window.benchPc.setLocalDescription(), window.benchPc.localDescription.toJSON()), offer);
  await a.evaluate((ans) => window.benchPc.setRemoteDescription(ans), answer);
  // Candidates both ways once gathered (loopback gathers at once).
  await new Promise((r) => setTimeout(r, 50));
  const ca = await a.evaluate(() => window.benchCandidates);
  const cb = await b.evaluate(() => window.benchCandidates);
  await b.evaluate((cs) => Promise.all(cs.map((c) => window.benchPc.addIceCandidate(c))), ca);
  await a.evaluate((cs) => Promise.all(cs.map((c) => window.benchPc.addIceCandidate(c))), cb);
  await b.evaluate(() => window.benchFrame);
  const ms = Date.now() - t0;
  await Promise.all([a, b].map((p) => p.evaluate(() => (window.benchPc.getSenders().forEach((s) => s.track?.stop()), window.benchPc.close()))));
  return ms;
}

const baseline = [];
for (let i = 0; i < RUNS; i++) baseline.push(await baselineOnce());

await join(alice);
await until(() => alice.getByTestId('call-view').getAttribute('data-state').then((s) => s === 'joined'), 30_000, 'alice in the call');
const twoParty = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = Date.now();
  await join(bob);
  await framesFrom(bob, 1);
  twoParty.push(Date.now() - t0);
  await leave(bob);
  await until(() => tiles(alice).then((t) => t.length === 0), 20_000, 'bob gone');
}

let fourParty = [];
const fourConnected = [];
if (MAX >= 4) {
  for (const page of pages.slice(1, 3)) await join(page);
  await Promise.all(pages.slice(0, 3).map((p) => framesFrom(p, 2)));
  const dave = pages[3];
  for (let i = 0; i < RUNS; i++) {
    const t0 = Date.now();
    await join(dave);
    await until(() => tiles(dave).then((t) => t.length === 3 && t.every((x) => x.connection === 'connected')), 60_000, 'dave connected to all');
    fourConnected.push(Date.now() - t0);
    await framesFrom(dave, 3);
    fourParty.push(Date.now() - t0);
    if (i < RUNS - 1) {
      await leave(dave);
      await until(() => tiles(alice).then((t) => t.length === 2), 20_000, 'dave gone');
    }
  }
  for (const page of pages.slice(1, 4).reverse()) await leave(page);
  await until(() => tiles(alice).then((t) => t.length === 0), 20_000, 'everyone gone');
}

// ── 3. Signalling per join (counted on the last join of a MAX-party call) ────────────────────
const frames = { signals: 0, signalBytes: 0, rosters: 0, rosterBytes: 0, counting: false };
for (const page of pages) {
  page.on('websocket', (ws) => {
    if (!ws.url().includes('?call=')) return;
    ws.on('framesent', (f) => {
      if (!frames.counting || typeof f.payload !== 'string' || !f.payload.startsWith('{"type":"call-signal"')) return;
      frames.signals++;
      frames.signalBytes += f.payload.length;
    });
    ws.on('framereceived', (f) => {
      if (!frames.counting || typeof f.payload !== 'string' || !f.payload.startsWith('{"type":"call-roster"')) return;
      frames.rosters++;
      frames.rosterBytes += f.payload.length;
    });
  });
}

// ── 2. CPU and uplink per participant as the mesh grows ─────────────────────────────────────
const growth = [];
for (let k = 2; k <= MAX; k++) {
  const last = pages[k - 1];
  if (k === MAX) frames.counting = true;
  await join(last);
  await Promise.all(pages.slice(0, k).map((p) => framesFrom(p, k - 1)));
  // Let the encoders settle at the policy's rate before measuring.
  await new Promise((r) => setTimeout(r, 3000));
  if (k === MAX) frames.counting = false;
  const before = await Promise.all(pages.slice(0, k).map(tiles));
  const cpu0 = browserCpuMs();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const cpu1 = browserCpuMs();
  const seconds = (Date.now() - t0) / 1000;
  const after = await Promise.all(pages.slice(0, k).map(tiles));
  const sum = (list, key) => list.flat().reduce((t, x) => t + x[key], 0);
  const received = sum(after, 'videoBytes') + sum(after, 'audioBytes') - sum(before, 'videoBytes') - sum(before, 'audioBytes');
  const budget = Math.min(1_500_000, Math.max(150_000, Math.round(2_500_000 / (k - 1)))) * (k - 1);
  growth.push({
    participants: k,
    cpuPercentPerParticipant: ((cpu1 - cpu0) / (seconds * 1000) / k) * 100,
    uplinkKbitPerParticipant: (received * 8) / seconds / k / 1000,
    policyCameraBudgetKbit: budget / 1000,
  });
}

// ── Report ──────────────────────────────────────────────────────────────────────────────────
const peersAtMax = MAX - 1;
const perPeerSignals = frames.signals / peersAtMax;
const perPeerSignalBytes = frames.signalBytes / peersAtMax;
const rosterEntryBytes = frames.rosters ? frames.rosterBytes / frames.rosters / MAX : 0;
console.log(`\ncalls on this machine (${RUNS} runs each, median)`);
console.log(`  join → first remote video frame, plain RTCPeerConnection (baseline): ${median(baseline)} ms`);
console.log(`  join → first remote video frame, 2-party call:                        ${median(twoParty)} ms   (target < 1500 ms; ${(median(twoParty) / median(baseline)).toFixed(1)}× the baseline)`);
if (fourParty.length) {
  console.log(`  4th joining a voice channel: connected (ICE + DTLS) to all 3 others:  ${median(fourConnected)} ms`);
  console.log(`  4th joining a voice channel: a frame from all 3 others:               ${median(fourParty)} ms`);
}
console.log('\n  mesh growth (cameras on; the browser holds every participant):');
console.log('  participants   CPU per participant   upload per participant   policy camera budget');
for (const g of growth) console.log(`  ${String(g.participants).padStart(12)}   ${g.cpuPercentPerParticipant.toFixed(0).padStart(17)} %   ${g.uplinkKbitPerParticipant.toFixed(0).padStart(16)} kbit/s   ${g.policyCameraBudgetKbit.toFixed(0).padStart(14)} kbit/s`);
console.log(`\n  signalling while the ${MAX}th joined: ${frames.signals} call-signal frames (${(frames.signalBytes / 1024).toFixed(1)} KiB) from all devices, ${frames.rosters} roster frames (${(frames.rosterBytes / 1024).toFixed(1)} KiB)`);
console.log(`  per peer pair: ${perPeerSignals.toFixed(1)} signals, ${(perPeerSignalBytes / 1024).toFixed(1)} KiB; extrapolated to a join at 25: ${(perPeerSignals * 24).toFixed(0)} signals, ${((perPeerSignalBytes * 24) / 1024).toFixed(0)} KiB, plus 25 roster frames of about ${((rosterEntryBytes * 25) / 1024).toFixed(1)} KiB each`);

await browser.close();
await server.stop?.();
killAll();
process.exit(0);
