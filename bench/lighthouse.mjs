#!/usr/bin/env node
/**
 * Lighthouse scores (performance, accessibility, best practices) for the web client's sign-in
 * screen, served by the real `npm start` server and audited in Debian's Chromium. Runs the mobile
 * default (simulated slow 4G and a 4× slower CPU) and the desktop preset. Lighthouse lives in
 * bench/package.json (`npm install --prefix bench`), never in the product's dependencies.
 * Prints its figures; never part of `npm test`.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { killAll, startChatalot } from './lib/servers.mjs';

const require = createRequire(import.meta.url);
const { default: lighthouse } = await import('lighthouse');
const chromeLauncher = await import(require.resolve('chrome-launcher', { paths: [require.resolve('lighthouse')] }));
const { default: desktopConfig } = await import('lighthouse/core/config/desktop-config.js');

const server = await startChatalot({ env: { REGISTRATION_MODE: 'open' } });
// An owner exists, so a visitor sees the sign-in screen rather than first-run setup.
await fetch(`${server.url}/api/auth/register`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'owner', password: 'correct horse battery staple 42', recoveryVerifier: randomBytes(32).toString('base64url') }),
});
const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const categories = ['performance', 'accessibility', 'best-practices'];
  console.log(`lighthouse ${require('lighthouse/package.json').version} on ${server.url}/ (sign-in screen)`);
  for (const [name, config] of [['mobile (default)', undefined], ['desktop', desktopConfig]]) {
    const result = await lighthouse(`${server.url}/`, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: categories }, config);
    const lhr = result.lhr;
    const scores = categories.map((c) => `${lhr.categories[c].title} ${Math.round(lhr.categories[c].score * 100)}`).join(', ');
    const fcp = lhr.audits['first-contentful-paint'].displayValue;
    const lcp = lhr.audits['largest-contentful-paint'].displayValue;
    const tbt = lhr.audits['total-blocking-time'].displayValue;
    console.log(`  ${name}: ${scores} — FCP ${fcp}, LCP ${lcp}, TBT ${tbt}`);
    const failing = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary').map((a) => a.id);
    if (failing.length) console.log(`    failing audits: ${failing.join(', ')}`);
  }
} finally {
  await chrome.kill();
  killAll();
}
