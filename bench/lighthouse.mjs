#!/usr/bin/env node
/**
 * Lighthouse scores (performance, accessibility, best practices) for the web client, served by
 * the real `npm start` server and audited in Debian's Chromium, mobile default (simulated slow 4G,
 * 4× slower CPU) and the desktop preset:
 *
 * 1. the sign-in screen a visitor sees first;
 * 2. the signed-in chat screen, open on a channel holding 1,000 messages (issue 12). The messages
 *    are written through the UI by a second account, so they are real end-to-end encrypted
 *    envelopes; the audited account signs in in the same Chrome profile Lighthouse then uses
 *    (its storage is kept: `disableStorageReset`), so the page Lighthouse loads is the chat with
 *    its keys and decrypted history cache, as for a returning user.
 *
 * Lighthouse lives in bench/package.json (`npm install --prefix bench`), never in the product's
 * dependencies. Options: --messages=1000. Prints its figures and writes bench/results/lighthouse.json;
 * never part of `npm test`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { killAll, startChatalot } from './lib/servers.mjs';
import { register, until } from './lib/ui.mjs';

const require = createRequire(import.meta.url);
const { default: lighthouse } = await import('lighthouse');
const chromeLauncher = await import(require.resolve('chrome-launcher', { paths: [require.resolve('lighthouse')] }));
const { default: desktopConfig } = await import('lighthouse/core/config/desktop-config.js');

const MESSAGES = Number(process.argv.find((a) => a.startsWith('--messages='))?.split('=')[1] ?? process.env.BENCH_MESSAGES ?? 1000);
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

/** Runs both presets on `url` in the Chrome on `port`; returns the figures. */
async function audit(name, url, port, check) {
  const out = [];
  for (const [preset, config] of [['mobile', undefined], ['desktop', desktopConfig]]) {
    const result = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES, disableStorageReset: true }, config);
    const lhr = result.lhr;
    await check?.(lhr);
    // The whole report, for the diagnostics (long tasks, boot-up time, main-thread breakdown).
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL(`./results/lighthouse-${name.split(',')[0].replace(/\W+/g, '-')}-${preset}.json`, import.meta.url), JSON.stringify(lhr));
    const figures = {
      screen: name,
      preset,
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(lhr.categories[c].score * 100)])),
      fcp: lhr.audits['first-contentful-paint'].displayValue,
      lcp: lhr.audits['largest-contentful-paint'].displayValue,
      tbt: lhr.audits['total-blocking-time'].displayValue,
      cls: lhr.audits['cumulative-layout-shift'].displayValue,
      failing: Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 1 && (a.scoreDisplayMode === 'binary' || a.scoreDisplayMode === 'metricSavings'))
        .map((a) => `${a.id} (${a.score})`),
    };
    console.log(`  ${name}, ${preset}: ${CATEGORIES.map((c) => `${lhr.categories[c].title} ${figures.scores[c]}`).join(', ')} — FCP ${figures.fcp}, LCP ${figures.lcp}, TBT ${figures.tbt}, CLS ${figures.cls}`);
    if (figures.failing.length) console.log(`    not passing: ${figures.failing.join(', ')}`);
    out.push(figures);
  }
  return out;
}

const server = await startChatalot({ env: { REGISTRATION_MODE: 'open', SEND_RATE_PER_SECOND: '1000', RATE_LIMIT_PER_SECOND: '100000' } });
const profile = mkdtempSync(join(tmpdir(), 'chatalot-lh-'));
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  userDataDir: profile,
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const results = [];
try {
  console.log(`lighthouse ${require('lighthouse/package.json').version} on ${server.url}`);
  // The owner registers first, in the audited profile, so a visitor would see the sign-in screen.
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  const context = cdp.contexts()[0];
  const alice = await context.newPage();
  await alice.goto(server.url);
  await register(alice, 'alice');
  await alice.getByRole('button', { name: 'Create a community' }).click();
  await alice.getByLabel('Community name').fill('Bench');
  await alice.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
  await until(() => alice.getByRole('heading', { name: '#general' }).count().then((n) => n === 1), 30_000, 'the channel');
  const channelUrl = alice.url();
  await alice.getByRole('button', { name: 'Invite', exact: true }).click();
  await alice.getByRole('button', { name: 'Create invite link' }).click();
  const link = await alice.getByTestId('invite-link').inputValue();
  await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  // A second account, in a browser of its own, writes the history.
  const writerBrowser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const bob = await (await writerBrowser.newContext()).newPage();
  await bob.goto(link);
  await register(bob, 'bob');
  await until(() => bob.locator('#composer-input').isEnabled(), 30_000, "bob's composer");
  const seeded = Date.now();
  const box = bob.locator('#composer-input');
  for (let i = 1; i <= MESSAGES; i++) {
    await box.fill(`History message ${i} of ${MESSAGES}: the quick brown fox jumps over the lazy dog.`);
    await box.press('Enter');
  }
  await until(() => bob.locator('li.message.pending').count().then((n) => n === 0), 600_000, 'every message acknowledged');
  await writerBrowser.close();
  console.log(`  ${MESSAGES} messages written through the UI in ${((Date.now() - seeded) / 1000).toFixed(0)} s`);

  // Alice's device reads them all once (fetches, decrypts and caches), as a returning user's would have.
  const last = `History message ${MESSAGES} of ${MESSAGES}`;
  await alice.goto(channelUrl);
  await until(() => alice.locator('li.message', { hasText: last }).count().then((n) => n === 1), 180_000, 'the newest message on alice’s device');

  // The sign-in screen: a fresh profile would be reset by Lighthouse anyway; sign out first.
  const visitorUrl = `${server.url}/`;
  const visitor = await chromeLauncher.launch({ chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    results.push(...(await audit('sign-in screen', visitorUrl, visitor.port)));
  } finally {
    await visitor.kill();
  }
  await alice.close();
  results.push(
    ...(await audit(`chat screen, ${MESSAGES} messages`, channelUrl, chrome.port, async (lhr) => {
      const shot = lhr.audits['final-screenshot']?.details?.data;
      const dom = lhr.audits['dom-size']?.details?.items?.[0]?.value;
      if (!lhr.finalDisplayedUrl.includes('#/c/')) throw new Error(`Lighthouse ended on ${lhr.finalDisplayedUrl}, not the channel`);
      if (!shot) throw new Error('no final screenshot');
      // A chat screen with its message list is thousands of elements; the sign-in screen is a few dozen.
      if (typeof dom === 'number' && dom < 300) throw new Error(`the audited page has only ${dom} elements: not the chat screen with its messages`);
    })),
  );
  await cdp.close();
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/lighthouse.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), messages: MESSAGES, results }, null, 2));
} finally {
  await chrome.kill();
  rmSync(profile, { recursive: true, force: true });
  killAll();
}
