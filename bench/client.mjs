#!/usr/bin/env node
/**
 * Web client figures (issue 6), in Debian's Chromium against the real `npm start` server:
 *
 * 1. Initial JavaScript transferred for the sign-in screen, and for the chat screen of a
 *    signed-in user opening the app (the service worker is blocked, so every byte comes from the
 *    server; the server gzips text). Bytes are what went over the wire (CDP encodedDataLength),
 *    with the uncompressed size beside it.
 * 2. Time from navigation to an interactive chat screen (composer enabled, newest message shown)
 *    with 1,000 messages of history: once for a member whose device has never opened them (it
 *    fetches and decrypts all 1,000), and once more after a reload (its decrypted cache).
 *
 * Options: --messages=1000. Prints its figures; never part of `npm test`.
 */
import { chromium } from 'playwright-core';
import { killAll, startChatalot } from './lib/servers.mjs';
import { ownerWithInvite, register, until } from './lib/ui.mjs';

const MESSAGES = Number(process.argv.find((a) => a.startsWith('--messages='))?.split('=')[1] ?? process.env.BENCH_MESSAGES ?? 1000);

const server = await startChatalot({ env: { REGISTRATION_MODE: 'open', SEND_RATE_PER_SECOND: '1000', RATE_LIMIT_PER_SECOND: '100000' } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/** Counts script bytes a page loads: on the wire, and decoded. */
async function scriptMeter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  // Every byte from the server, as on a first visit: no HTTP cache (the service worker is blocked too).
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const scripts = new Map();
  let wire = 0;
  let decoded = 0;
  cdp.on('Network.responseReceived', (e) => e.type === 'Script' && scripts.set(e.requestId, e.response.url));
  cdp.on('Network.dataReceived', (e) => scripts.has(e.requestId) && (decoded += e.dataLength));
  cdp.on('Network.loadingFinished', (e) => scripts.has(e.requestId) && (wire += e.encodedDataLength));
  return { read: () => ({ wire, decoded, files: scripts.size }), reset: () => ((wire = 0), (decoded = 0), scripts.clear()) };
}

try {
  const options = { serviceWorkers: 'block' };
  // The owner registers and builds a community with one invitee.
  const alice = await (await browser.newContext(options)).newPage();
  const { link, channelUrl } = await ownerWithInvite(alice, server.url, 'Bench');

  // 1. The screen an invite link opens, as a visitor sees it first (the invite, then registration).
  const bobContext = await browser.newContext(options);
  const bob = await bobContext.newPage();
  const meter = await scriptMeter(bob);
  await bob.goto(link);
  await until(() => bob.getByRole('heading', { level: 1 }).textContent().then((t) => t === 'Create your account to join'), 20_000, 'the invite screen');
  await bob.waitForLoadState('networkidle');
  const login = meter.read();
  await register(bob, 'bob');
  await until(() => bob.getByRole('heading', { name: '#general' }).count().then((n) => n === 1), 20_000, 'bob in the channel');
  await until(() => bob.locator('#composer-input').isEnabled(), 30_000, "bob's composer");

  // 2. The chat screen for a signed-in user opening the app.
  meter.reset();
  await bob.reload();
  await until(() => bob.locator('#composer-input').isEnabled(), 30_000, 'chat after reload');
  await bob.waitForLoadState('networkidle');
  const chat = meter.read();
  await bob.close();

  // 3. Alice writes the history while Bob's device is away.
  const box = alice.locator('#composer-input');
  const seeded = Date.now();
  for (let i = 1; i <= MESSAGES; i++) {
    await box.fill(`History message ${i} of ${MESSAGES}: the quick brown fox jumps over the lazy dog.`);
    await box.press('Enter');
  }
  await until(() => alice.locator('li.message.pending').count().then((n) => n === 0), 300_000, 'every message acknowledged');
  const seedSeconds = (Date.now() - seeded) / 1000;

  const last = `History message ${MESSAGES} of ${MESSAGES}`;
  const interactive = async (page, url) => {
    const t0 = Date.now();
    await page.goto(url);
    await until(async () => (await page.locator('#composer-input').isEnabled()) && (await page.locator('li.message', { hasText: last }).count()) === 1, 120_000, 'the newest message');
    return Date.now() - t0;
  };
  const bobAgain = await bobContext.newPage();
  const bobUrl = channelUrl.replace(/^https?:\/\/[^/]+/, server.url);
  const fresh = await interactive(bobAgain, bobUrl);
  // Then a reload: the device has the history decrypted in its cache.
  const t0 = Date.now();
  await bobAgain.reload();
  await until(async () => (await bobAgain.locator('#composer-input').isEnabled()) && (await bobAgain.locator('li.message', { hasText: last }).count()) === 1, 120_000, 'the newest message after reload');
  const cached = Date.now() - t0;

  console.log(`client bench: chromium ${browser.version()}, ${MESSAGES} messages of history (seeded in ${seedSeconds.toFixed(0)} s through the UI)`);
  console.log(`  initial JS, invite/sign-in screen : ${kib(login.wire)} transferred (${kib(login.decoded)} uncompressed, ${login.files} files) — target < 150 KB`);
  console.log(`  initial JS, chat screen    : ${kib(chat.wire)} transferred (${kib(chat.decoded)} uncompressed, ${chat.files} files) — target < 150 KB`);
  console.log(`  navigation → interactive chat with ${MESSAGES} messages: ${fresh} ms on a device that must fetch and decrypt them, ${cached} ms from its cache — target < 1,000 ms`);
} finally {
  await browser.close();
  killAll();
}
