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
 *    its keys and decrypted history cache, as for a returning user. Each run starts that profile
 *    in a browser of its own (see `audit`).
 *
 * Lighthouse lives in bench/package.json (`npm install --prefix bench`), never in the product's
 * dependencies. Options: --messages=1000; --state=DIR keeps the server's data, its port and the
 * audited Chrome profile in DIR, so a second run with the same DIR (after `npm run build`) audits
 * the new client against the same history without writing it again; --only=chat and
 * --preset=mobile|desktop narrow what is audited; --trace writes each audit's trace next to its
 * report (with V8's CPU samples; --trace=plain without, --trace=hires at the high rate); --runs=N audits each preset N times and prints the medians. Prints its figures and writes bench/results/lighthouse.json; never part of `npm test`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, killAll, startChatalot } from './lib/servers.mjs';
import { PASSWORD, register, until } from './lib/ui.mjs';

const require = createRequire(import.meta.url);
const { default: lighthouse } = await import('lighthouse');
const chromeLauncher = await import(require.resolve('chrome-launcher', { paths: [require.resolve('lighthouse')] }));
const { default: desktopConfig } = await import('lighthouse/core/config/desktop-config.js');

const MESSAGES = Number(process.argv.find((a) => a.startsWith('--messages='))?.split('=')[1] ?? process.env.BENCH_MESSAGES ?? 1000);
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const STATE = option('state');
const ONLY = option('only');
const PRESETS = [['mobile', undefined], ['desktop', desktopConfig]].filter(([p]) => !option('preset') || option('preset') === p);
const TRACE = process.argv.some((a) => a === '--trace' || a.startsWith('--trace='));
// What the trace records beside Lighthouse's own categories. V8's CPU samples name the functions
// of each task, but they cost the page time of their own: the default rate nearly doubled one
// build's TBT (900 → 1,640 ms) and made each fetch() look 3–5 ms long; the high-resolution rate
// (--trace=hires) names the functions of a 20 ms task and costs more still. --trace=plain records
// no samples: its tasks are as long as in an untraced run, to compare builds by.
const SAMPLES = 'disabled-by-default-v8.cpu_profiler';
const TRACE_CATEGORIES = { plain: null, samples: SAMPLES, hires: `${SAMPLES},${SAMPLES}.hires` }[option('trace') ?? 'samples'];
// The same build's mobile score moves by 10 points and more from one run to the next on one
// machine (bench/README.md), so a figure is the median of several runs.
const RUNS = Math.max(1, Number(option('runs') ?? 1));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Runs both presets on `url`, each run in a browser of its own from `open()` (killed after it);
 * returns the figures. A browser kept between runs began each one with the previous run's chat
 * page in its renderer: its in-memory compiled code made some runs faster than any fresh tab, and
 * its garbage made others slower (Lighthouse's debugger, enabled as tracing starts, then walked
 * the whole heap in one task: up to 136 ms before the first paint, counted past it by the
 * simulation). A new browser on the same profile is what a returning user opens.
 */
async function audit(name, url, open, check) {
  const out = [];
  for (const [preset, config] of PRESETS) for (let run = 1; run <= RUNS; run++) {
    // With --trace the trace carries V8's CPU samples too, so a long task can be traced to its functions.
    const browser = await open();
    const flags = { port: browser.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES, disableStorageReset: true, ...(TRACE && TRACE_CATEGORIES ? { additionalTraceCategories: TRACE_CATEGORIES } : {}) };
    const result = await lighthouse(url, flags, config).finally(() => browser.kill());
    const lhr = result.lhr;
    await check?.(lhr);
    // The whole report, for the diagnostics (long tasks, boot-up time, main-thread breakdown).
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = `./results/lighthouse-${name.split(',')[0].replace(/\W+/g, '-')}-${preset}`;
    writeFileSync(new URL(`${file}.json`, import.meta.url), JSON.stringify(lhr));
    if (TRACE) writeFileSync(new URL(`${file}.trace.json`, import.meta.url), JSON.stringify(result.artifacts.Trace ?? result.artifacts.traces?.defaultPass));
    const figures = {
      screen: name,
      preset,
      run,
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(lhr.categories[c].score * 100)])),
      fcp: lhr.audits['first-contentful-paint'].displayValue,
      lcp: lhr.audits['largest-contentful-paint'].displayValue,
      tbt: lhr.audits['total-blocking-time'].displayValue,
      tbtMs: Math.round(lhr.audits['total-blocking-time'].numericValue),
      cls: lhr.audits['cumulative-layout-shift'].displayValue,
      failing: Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 1 && (a.scoreDisplayMode === 'binary' || a.scoreDisplayMode === 'metricSavings'))
        .map((a) => `${a.id} (${a.score})`),
    };
    console.log(`  ${name}, ${preset}: ${CATEGORIES.map((c) => `${lhr.categories[c].title} ${figures.scores[c]}`).join(', ')} — FCP ${figures.fcp}, LCP ${figures.lcp}, TBT ${figures.tbt}, CLS ${figures.cls}`);
    if (figures.failing.length) console.log(`    not passing: ${figures.failing.join(', ')}`);
    out.push(figures);
    if (run === RUNS && RUNS > 1) {
      const runs = out.filter((f) => f.preset === preset);
      console.log(`  ${name}, ${preset}, median of ${RUNS} runs: Performance ${median(runs.map((f) => f.scores.performance))}, TBT ${median(runs.map((f) => f.tbtMs))} ms`);
    }
  }
  return out;
}

// With --state, the data, the port (IndexedDB belongs to an origin, port included) and the
// audited profile outlive the run, and a run that finds them ready skips the seeding.
if (STATE) mkdirSync(STATE, { recursive: true });
const stateFile = STATE && join(STATE, 'state.json');
const saved = stateFile && existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : null;
if (saved && saved.messages !== MESSAGES) throw new Error(`${STATE} holds ${saved.messages} messages, not ${MESSAGES}`);
const port = saved?.port ?? (STATE ? await freePort() : 0);
const server = await startChatalot({
  ...(STATE ? { dataDir: join(STATE, 'data') } : {}),
  env: { REGISTRATION_MODE: 'open', SEND_RATE_PER_SECOND: '1000', RATE_LIMIT_PER_SECOND: '100000', LISTEN_ADDR: `127.0.0.1:${port}` },
});
const profile = STATE ? join(STATE, 'profile') : mkdtempSync(join(tmpdir(), 'chatalot-lh-'));
mkdirSync(profile, { recursive: true });
const chromeFlags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const chromePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The audited profile's browser: the signed-in user's, started afresh for each run. */
const returning = () => chromeLauncher.launch({ chromePath, userDataDir: profile, chromeFlags });
let chrome = await returning();
const results = [];
try {
  console.log(`lighthouse ${require('lighthouse/package.json').version} on ${server.url}`);
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  const channelUrl = saved?.channelUrl ?? (await seed(cdp.contexts()[0]));
  if (saved) await signedIn(cdp.contexts()[0], channelUrl);
  if (STATE && !saved) writeFileSync(stateFile, JSON.stringify({ port: new URL(server.url).port, channelUrl, messages: MESSAGES }));
  await cdp.close();
  await chrome.kill();
  chrome = null;

  if (ONLY !== 'chat') {
    // The sign-in screen, in a fresh profile each run (Lighthouse would reset its storage anyway).
    results.push(...(await audit('sign-in screen', `${server.url}/`, () => chromeLauncher.launch({ chromePath, chromeFlags }))));
  }
  results.push(
    ...(await audit(`chat screen, ${MESSAGES} messages`, channelUrl, returning, async (lhr) => {
      const shot = lhr.audits['final-screenshot']?.details?.data;
      const dom = lhr.audits['dom-size-insight']?.details?.debugData?.totalElements ?? lhr.audits['dom-size']?.details?.items?.[0]?.value;
      if (!lhr.finalDisplayedUrl.includes('#/c/')) throw new Error(`Lighthouse ended on ${lhr.finalDisplayedUrl}, not the channel`);
      if (!shot) throw new Error('no final screenshot');
      // A chat screen with its message list is thousands of elements; the sign-in screen is a few dozen.
      if (typeof dom !== 'number' || dom < 300) throw new Error(`the audited page has only ${dom} elements: not the chat screen with its messages`);
    })),
  );
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/lighthouse.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), messages: MESSAGES, results }, null, 2));
} finally {
  await chrome?.kill();
  if (!STATE) rmSync(profile, { recursive: true, force: true });
  killAll();
}

/** A kept profile whose session has ended (e.g. a run stopped midway) signs in again and shows the channel. */
async function signedIn(context, channelUrl) {
  const page = await context.newPage();
  await page.goto(channelUrl);
  const last = page.locator('li.message', { hasText: `History message ${MESSAGES} of ${MESSAGES}` });
  const form = page.getByLabel('Password', { exact: true });
  await until(() => Promise.all([last.count(), form.count()]).then(([a, b]) => a + b > 0), 60_000, 'the channel or the sign-in form');
  if ((await form.count()) > 0) {
    await page.getByLabel('Username', { exact: true }).fill('alice');
    await form.fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(channelUrl);
    await until(() => last.count().then((n) => n === 1), 180_000, 'the newest message after signing in again');
  }
  await page.close();
}

/**
 * The owner registers in the audited profile (`context`) and creates a channel; a second account
 * writes MESSAGES messages into it through the UI; the owner's device reads them all once.
 * Returns the channel's address.
 */
async function seed(context) {
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
  await alice.close();
  return channelUrl;
}
