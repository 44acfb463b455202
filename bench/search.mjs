#!/usr/bin/env node
/**
 * `npm run bench:search` — search over your own history (issue #15 item 8), in Debian's Chromium.
 *
 * The client's real SearchIndex (client/src/search/SearchIndex.ts, bundled with esbuild) runs in a
 * page served from loopback, over a message cache shaped like the app's (IndexedDB records keyed
 * [channelId, seq]). The bench generates --messages=100000 messages (deterministic: a Zipf-
 * distributed vocabulary of 30,000 words plus common English ones, 3–25 words each, 10
 * conversations, 50 senders, 5% with a link, 3% with a file), stores and indexes them in pages of
 * 500 as history pages arrive in the app, and reports:
 *
 * - the index build rate (messages/s; the time of `add` + writing the index, not the cache);
 * - query latency p50/p99 over 300 queries (common, middling and rare words, two words, a word
 *   with a sender, filters only), and the first query after reopening the index (cold);
 * - the index's stored size (its records' keys and values) beside the plaintext it covers, and
 *   the origin's storage use as Chromium estimates it (cache and index together);
 * - the baseline in the same run: what a client without an index does, reading every cached
 *   message and testing it (20 of the same queries).
 * Loopback only; never part of npm test.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const N = Number(arg('messages', '100000'));
const PAGE = 500;

// ── The history ──────────────────────────────────────────────────────────────────────────────
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'zo', 'pe', 'sa', 'do', 'fu', 'gi', 'ha', 'jo', 'be', 'ch', 'an', 'el', 'or'];
const COMMON = 'the be to of and a in that have it for not on with he as you do at this but his by from they we say her she or an will my one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your good some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us'.split(' ');
const vocabulary = [...COMMON];
while (vocabulary.length < 30_000 + COMMON.length) {
  let w = '';
  for (let k = 2 + Math.floor(random() * 3); k > 0; k--) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  vocabulary.push(w);
}
// Zipf (s = 1): the cumulative weights, sampled by binary search.
const cumulative = [];
let total = 0;
for (let r = 1; r <= vocabulary.length; r++) cumulative.push((total += 1 / r));
const zipf = () => {
  const x = random() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return vocabulary[lo];
};
const channels = Array.from({ length: 10 }, (_, i) => `channel${i}`);
const senders = Array.from({ length: 50 }, (_, i) => `user${i}`);
const seqs = new Map(channels.map((c) => [c, 0]));
const start = Date.UTC(2025, 0, 1);
function message(i) {
  const channelId = channels[Math.floor(random() * channels.length)];
  const seq = seqs.get(channelId) + 1;
  seqs.set(channelId, seq);
  const n = 3 + Math.floor(random() * 23);
  const ws = Array.from({ length: n }, zipf);
  const hasLink = random() < 0.05;
  const hasFile = random() < 0.03;
  if (hasLink) ws.push(`https://example.org/${zipf()}`);
  const text = ws.join(' ');
  return { channelId, seq, sender: senders[Math.floor(random() * senders.length)], ts: start + i * 30_000, text, hasFile, hasLink };
}

// ── The page ─────────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(path.join(os.tmpdir(), 'chatalot-bench-search-'));
await build({ entryPoints: [path.join(here, 'search/entry.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'chrome120', outfile: path.join(dir, 'bench.js'), logLevel: 'error' });
const files = { '/': '<!doctype html><meta charset="utf-8"><title>search bench</title><script src="/bench.js"></script>', '/bench.js': readFileSync(path.join(dir, 'bench.js'), 'utf8') };
const server = http.createServer((req, res) => {
  const body = files[req.url ?? '/'];
  res.writeHead(body ? 200 : 404, { 'content-type': req.url === '/bench.js' ? 'text/javascript' : 'text/html' });
  res.end(body ?? '');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const timeout = setTimeout(() => (console.error('bench:search took over 30 minutes; stopping'), process.exit(2)), 30 * 60_000);

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(() => globalThis.bench.open());

  let plaintextBytes = 0;
  let indexMs = 0;
  let cacheMs = 0;
  const t0 = Date.now();
  for (let i = 0; i < N; i += PAGE) {
    const batch = Array.from({ length: Math.min(PAGE, N - i) }, (_, k) => message(i + k));
    for (const m of batch) plaintextBytes += Buffer.byteLength(m.text);
    const t = await page.evaluate((b) => globalThis.bench.addPage(b), batch);
    indexMs += t.indexMs;
    cacheMs += t.cacheMs;
    if ((i / PAGE) % 40 === 0) process.stdout.write(`  indexed ${i + batch.length} messages\r`);
  }
  const wallS = (Date.now() - t0) / 1000;
  console.log(`\nindexed ${N} messages in ${wallS.toFixed(1)} s of wall time`);

  // Queries: words by rank (common, middling, rare), pairs, a word with a sender, filters only.
  const pick = (lo, hi) => vocabulary[lo + Math.floor(random() * (hi - lo))];
  const queries = [
    ...Array.from({ length: 100 }, () => ({ kind: 'common word', q: { text: pick(0, 100) } })),
    ...Array.from({ length: 50 }, () => ({ kind: 'middling word', q: { text: pick(1_000, 5_000) } })),
    ...Array.from({ length: 50 }, () => ({ kind: 'rare word', q: { text: pick(10_000, 30_000) } })),
    ...Array.from({ length: 50 }, () => ({ kind: 'two words', q: { text: `${pick(0, 300)} ${pick(300, 3_000)}` } })),
    ...Array.from({ length: 25 }, () => ({ kind: 'word + sender', q: { text: pick(100, 2_000), from: senders[Math.floor(random() * senders.length)] } })),
    ...Array.from({ length: 25 }, () => ({ kind: 'filters only', q: { text: '', from: senders[Math.floor(random() * senders.length)], has: ['file'] } })),
  ];
  const results = [];
  for (const { kind, q } of queries) results.push({ kind, ...(await page.evaluate((query) => globalThis.bench.query(query), q)) });
  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  };
  const byKind = {};
  for (const r of results) (byKind[r.kind] ??= []).push(r.ms);

  // Cold: the index reopened (nothing of it in memory) before each of 10 common-word queries.
  const colds = [];
  for (let i = 0; i < 10; i++) {
    await page.evaluate(() => globalThis.bench.reopen());
    colds.push(await page.evaluate((query) => globalThis.bench.query(query), { text: pick(0, 100) }));
  }
  const cold = { ms: pct(colds.map((c) => c.ms), 50), max: Math.max(...colds.map((c) => c.ms)), hits: colds.reduce((a, c) => a + c.hits, 0) / colds.length };

  const baseline = [];
  for (const { kind, q } of queries.filter((_, i) => i % 15 === 0)) baseline.push({ kind, ...(await page.evaluate((query) => globalThis.bench.scan(query), q)) });
  const sizes = await page.evaluate(() => globalThis.bench.sizes());

  const figures = {
    messages: N,
    plaintextBytes,
    indexBytes: sizes.indexBytes,
    indexToPlaintext: sizes.indexBytes / plaintextBytes,
    originUsageBytes: sizes.usage,
    buildRatePerSecond: N / (indexMs / 1000),
    cacheWriteRatePerSecond: N / (cacheMs / 1000),
    wallSeconds: wallS,
    query: { p50: pct(results.map((r) => r.ms), 50), p99: pct(results.map((r) => r.ms), 99), max: Math.max(...results.map((r) => r.ms)) },
    queryByKind: Object.fromEntries(Object.entries(byKind).map(([k, xs]) => [k, { n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99) }])),
    meanHits: results.reduce((a, r) => a + r.hits, 0) / results.length,
    coldQuery: cold,
    baselineScan: { n: baseline.length, p50: pct(baseline.map((r) => r.ms), 50), p99: pct(baseline.map((r) => r.ms), 99) },
  };
  const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
  console.log(`
search over ${N.toLocaleString('en-US')} messages in Chromium (2 cores)
  index build rate        ${Math.round(figures.buildRatePerSecond).toLocaleString('en-US')} messages/s (message cache writes beside it: ${Math.round(figures.cacheWriteRatePerSecond).toLocaleString('en-US')}/s)
  query p50 / p99 / max   ${figures.query.p50.toFixed(1)} / ${figures.query.p99.toFixed(1)} / ${figures.query.max.toFixed(1)} ms (target p99 < 100 ms), ${figures.meanHits.toFixed(0)} hits on average (limit 50)
${Object.entries(figures.queryByKind).map(([k, v]) => `    ${k.padEnd(16)} p50 ${v.p50.toFixed(1)} ms, p99 ${v.p99.toFixed(1)} ms (${v.n})`).join('\n')}
  first query after reopen p50 ${cold.ms.toFixed(1)} ms, max ${cold.max.toFixed(1)} ms (${cold.hits.toFixed(0)} hits on average)
  baseline (scan the cache) p50 ${figures.baselineScan.p50.toFixed(0)} ms, p99 ${figures.baselineScan.p99.toFixed(0)} ms (${figures.baselineScan.n} of the same queries)
  index size              ${mib(figures.indexBytes)} for ${mib(plaintextBytes)} of plaintext (${(figures.indexToPlaintext * 100).toFixed(0)}%; target ≤ 100%)
  origin storage (cache + index, Chromium's estimate) ${figures.originUsageBytes === undefined ? 'n/a' : mib(figures.originUsageBytes)}`);
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', `search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(figures, null, 2));
} finally {
  clearTimeout(timeout);
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
