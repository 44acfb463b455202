#!/usr/bin/env node
/**
 * Encrypted files (issue #13), in Debian's Chromium against the real `npm start` server:
 *
 * 1. Upload and download throughput of a 200 MiB file, end to end encrypted by the web client
 *    (file button → Ready; Download → the saved file), against a plain unencrypted transfer of
 *    the same bytes through the same server and the same routes from the same page (POST
 *    /api/files, PUT the raw parts; GET the content saved as a download the way the app saves
 *    one) in the same run. Target: ≥ 0.5× the plain.
 * 2. Peak memory during each transfer: the workerd process's RSS and the tab's JS heap, against
 *    their level before it. Target: flat (no growth in proportion to the file).
 * 3. Time from dropping a 5 MiB photo (a real PNG) to the other side showing its preview: the
 *    sender's thumbnail first, then the photo itself.
 *    Target < 1.5 s.
 *
 * Options: --mib=200, --repeat=3 (each transfer, alternating plain and encrypted; medians).
 * Prints its figures; never part of `npm test`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { killAll, rssKiB, startChatalot, tempDir } from './lib/servers.mjs';
import { ownerWithInvite, PASSWORD, register, until } from './lib/ui.mjs';

const MIB = Number(process.argv.find((a) => a.startsWith('--mib='))?.split('=')[1] ?? 200);
const REPEAT = Number(process.argv.find((a) => a.startsWith('--repeat='))?.split('=')[1] ?? 3);
const work = tempDir('chatalot-bench-files-');
const server = await startChatalot({ env: { REGISTRATION_MODE: 'open', MAX_FILE_SIZE_MB: String(MIB + 16), FILE_QUOTA_MB: String((2 * REPEAT + 1) * MIB + 64), RATE_LIMIT_PER_SECOND: '100000' } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Samples the workerd RSS and a page's JS heap every 100 ms until stopped; reports the peaks. */
function sampler(page) {
  let rssPeak = 0;
  let heapPeak = 0;
  let running = true;
  const cdp = page.context().newCDPSession(page);
  const loop = (async () => {
    const session = await cdp;
    await session.send('Performance.enable');
    while (running) {
      rssPeak = Math.max(rssPeak, rssKiB(server.serverPid) * 1024);
      const { metrics } = await session.send('Performance.getMetrics');
      heapPeak = Math.max(heapPeak, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { rssPeak, heapPeak };
    },
  };
}

async function level(page) {
  const s = sampler(page);
  await new Promise((r) => setTimeout(r, 500));
  return s.stop();
}

/** A real PNG of random pixels, about `bytes` long (random data does not compress). */
function noisePng(bytes) {
  const w = 1400;
  const h = Math.ceil(bytes / (w * 3));
  const crc = (buf) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < h; y++) rows.push(Buffer.from([0]), randomBytes(w * 3));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

try {
  // Alice and Bob in one community, as in the other browser benches.
  const alice = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const { link, channelUrl } = await ownerWithInvite(alice, server.url, 'Files');
  const channelId = channelUrl.split('/').pop();
  const bob = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await bob.goto(link);
  await register(bob, 'bob');
  await until(() => bob.locator('#composer-input').isEnabled(), 30_000, "bob's composer");
  await until(() => alice.locator('#composer-input').isEnabled(), 30_000, "alice's composer");

  // The big file, on disk: the browser reads it from there as a person's file would be.
  const bigPath = join(work, 'big.bin');
  const block = randomBytes(1024 * 1024);
  writeFileSync(bigPath, Buffer.alloc(0));
  for (let i = 0; i < MIB; i++) writeFileSync(bigPath, block.map((b) => b ^ i), { flag: 'a' });
  const bigBytes = statSync(bigPath).size;

  // The plain transfers: the same bytes through the same routes from Alice's page, no encryption.
  await alice.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-plain';
    document.body.appendChild(input);
  });
  await alice.setInputFiles('#bench-plain', bigPath);
  await alice.evaluate(async ({ username, password }) => {
    const login = await (await fetch('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password, deviceName: 'bench' }) })).json();
    window.benchAuth = { Authorization: `Bearer ${login.accessToken}` };
  }, { username: 'alice', password: PASSWORD });
  const plainUpload = () =>
    alice.evaluate(async (channelId) => {
      const auth = window.benchAuth;
      const file = document.getElementById('bench-plain').files[0];
      const t0 = performance.now();
      const started = await (await fetch('/api/files', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ channelId, size: file.size }) })).json();
      for (let at = 0, n = 0; at < file.size; at += started.partBytes, n++) {
        const res = await fetch(`/api/files/${started.id}/parts/${n}`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: file.slice(at, at + started.partBytes) });
        if (!res.ok) throw new Error(`plain part ${n}: ${res.status}`);
      }
      window.benchPlainId = started.id;
      return performance.now() - t0;
    }, channelId);
  // The plain download is saved the way the app saves a file (fetch → Blob → a download), so the
  // two differ only by the decryption.
  const plainDownload = async () => {
    const t = Date.now();
    const [download] = await Promise.all([
      alice.waitForEvent('download', { timeout: 600_000 }),
      alice.evaluate(async () => {
        const blob = await (await fetch(`/api/files/${window.benchPlainId}/content`, { headers: window.benchAuth })).blob();
        const a = document.createElement('a');
        a.href = window.benchPlainUrl = URL.createObjectURL(blob);
        a.download = 'plain.bin';
        document.body.appendChild(a);
        a.click();
        a.remove();
      }),
    ]);
    await download.path();
    const ms = Date.now() - t;
    await download.delete();
    // The page's Blob is let go, or three of a 400 MiB file fill the browser's blob storage and
    // the next fetch().blob() never settles.
    await alice.evaluate(() => URL.revokeObjectURL(window.benchPlainUrl));
    return ms;
  };
  // The encrypted transfers, through the app: the file button until the upload is Ready, send;
  // then Bob's Download button until the file is saved.
  const encryptedUpload = async (label) => {
    const t = Date.now();
    await alice.getByTestId('file-input').setInputFiles(bigPath);
    await until(() => alice.getByTestId('pending-file').filter({ hasText: 'Ready' }).count().then((n) => n === 1), 600_000, 'the encrypted upload');
    const ms = Date.now() - t;
    await alice.locator('#composer-input').fill(label);
    await alice.locator('#composer-input').press('Enter');
    await until(() => alice.getByTestId('pending-file').count().then((n) => n === 0), 60_000, 'the message sent');
    return ms;
  };
  let same = true;
  const encryptedDownload = async (label) => {
    const card = bob.locator('li.message', { hasText: label }).getByTestId('file-card');
    await until(() => card.count().then((n) => n === 1), 60_000, 'the file card');
    const t = Date.now();
    const [download] = await Promise.all([bob.waitForEvent('download', { timeout: 600_000 }), card.getByRole('button', { name: /^Download/ }).click()]);
    const savedPath = await download.path();
    const ms = Date.now() - t;
    same &&= readFileSync(savedPath).equals(readFileSync(bigPath));
    await download.delete();
    return ms;
  };
  await bob.goto(channelUrl.replace(/^https?:\/\/[^/]+/, server.url));
  await until(() => bob.locator('#composer-input').isEnabled(), 30_000, "bob's composer");

  // Alternating, REPEAT times each, so both kinds see the same machine; medians reported.
  const times = { plainUp: [], plainDown: [], encUp: [], encDown: [] };
  const base = await level(alice);
  const bobBase = await level(bob);
  const peaks = { plain: { rssPeak: 0, heapPeak: 0 }, up: { rssPeak: 0, heapPeak: 0 }, down: { rssPeak: 0, heapPeak: 0 } };
  const peak = (into, m) => ((into.rssPeak = Math.max(into.rssPeak, m.rssPeak)), (into.heapPeak = Math.max(into.heapPeak, m.heapPeak)));
  for (let r = 0; r < REPEAT; r++) {
    let s = sampler(alice);
    times.plainUp.push(await plainUpload());
    times.plainDown.push(await plainDownload());
    peak(peaks.plain, await s.stop());
    s = sampler(alice);
    times.encUp.push(await encryptedUpload(`the big one ${r}`));
    peak(peaks.up, await s.stop());
    s = sampler(bob);
    times.encDown.push(await encryptedDownload(`the big one ${r}`));
    peak(peaks.down, await s.stop());
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const plain = { up: median(times.plainUp), down: median(times.plainDown) };
  const encUp = median(times.encUp);
  const encDown = median(times.encDown);
  const plainMem = peaks.plain;
  const upMem = peaks.up;
  const downMem = peaks.down;

  // 3. A 5 MiB photo dropped (chosen) on one side, its preview on the other.
  const photoPath = join(work, 'photo.png');
  writeFileSync(photoPath, noisePng(5 * 1024 * 1024));
  const photoBytes = statSync(photoPath).size;
  // When the sender's thumbnail first draws on the other side (it stands in while the file arrives).
  await bob.evaluate(() => {
    window.__thumbAt = null;
    document.addEventListener('load', (e) => e.target instanceof HTMLImageElement && e.target.classList.contains('image-thumb') && (window.__thumbAt ??= Date.now()), true);
  });
  const t2 = Date.now();
  await alice.getByTestId('file-input').setInputFiles(photoPath);
  await until(() => alice.getByTestId('pending-file').filter({ hasText: 'Ready' }).count().then((n) => n === 1), 60_000, 'the photo upload');
  await alice.locator('#composer-input').fill('a photo');
  await alice.locator('#composer-input').press('Enter');
  const img = bob.locator('li.message', { hasText: 'a photo' }).getByTestId('attachment-image');
  await until(() => img.evaluate((e) => e.complete && e.naturalWidth > 0), 60_000, 'the preview on the other side');
  const preview = Date.now() - t2;
  const thumbAt = await bob.evaluate(() => window.__thumbAt);
  const thumbShown = thumbAt === null ? null : thumbAt - t2;

  const rate = (bytes, ms) => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(1)} MiB/s`;
  console.log(`files bench: chromium ${browser.version()}, ${mib(bigBytes)} file, loopback, same run, medians of ${REPEAT}`);
  console.log(`  upload   : encrypted ${rate(bigBytes, encUp)} (${(encUp / 1000).toFixed(1)} s) vs plain ${rate(bigBytes, plain.up)} (${(plain.up / 1000).toFixed(1)} s) → ${(plain.up / encUp).toFixed(2)}× of plain — target ≥ 0.5×`);
  console.log(`  download : encrypted ${rate(bigBytes, encDown)} (${(encDown / 1000).toFixed(1)} s, decrypted and saved, byte-identical: ${same}) vs plain ${rate(bigBytes, plain.down)} (${(plain.down / 1000).toFixed(1)} s) → ${(plain.down / encDown).toFixed(2)}× of plain — target ≥ 0.5×`);
  console.log(`  each run, ms: plain up ${times.plainUp.join(' ')}, down ${times.plainDown.join(' ')}; encrypted up ${times.encUp.join(' ')}, down ${times.encDown.join(' ')}`);
  console.log(`  workerd RSS: before ${mib(base.rssPeak)}, peak during plain ${mib(plainMem.rssPeak)}, encrypted upload ${mib(upMem.rssPeak)}, encrypted download ${mib(downMem.rssPeak)} — target flat`);
  console.log(`  tab JS heap: sender before ${mib(base.heapPeak)}, peak plain ${mib(plainMem.heapPeak)}, encrypted upload ${mib(upMem.heapPeak)}; receiver before ${mib(bobBase.heapPeak)}, peak download ${mib(downMem.heapPeak)} — target flat`);
  console.log(`  ${mib(photoBytes)} photo chosen → its thumbnail shown on the other side: ${thumbShown === null ? 'none drawn' : `${thumbShown} ms`}; → the photo itself decrypted and shown: ${preview} ms — target < 1,500 ms`);
} finally {
  await browser.close();
  killAll();
}
