#!/usr/bin/env node
/**
 * `npm run bench:start`: how long `npm start` (node selfhost/start.mjs) takes from spawn to a
 * healthy /api/health with the build cached, as an operator would see it. Median of 5 runs, each
 * on a fresh temporary DATA_DIR (so it includes generating the JWT key pair and the TOTP key and
 * applying every migration), then a second start on the now-existing DATA_DIR (secrets and schema
 * already there). It also reports how long Ctrl-C (SIGINT) takes to stop, and workerd's RSS once
 * healthy. It is never part of `npm test`.
 *
 * "Healthy" is measured by this script polling /api/health every 5 ms on a port it chose, not by
 * start.mjs's own line (which polls every 100 ms and is reported alongside as "serving line").
 * Runs where start.mjs rebuilt (sources changed under it, e.g. someone editing the tree) are
 * marked, left out of the medians and made up for by extra runs (at most 2 × runs in all).
 *
 * Options: --runs=5 (or BENCH_RUNS), --skip-build (sets CHATALOT_SKIP_BUILD=1, i.e. no
 * needsBuild() scan of the sources).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT, childPids, freePort, removeDir, rssKiB, tempDir } from './lib/servers.mjs';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? process.env.BENCH_RUNS ?? 5);
const skipBuild = process.argv.includes('--skip-build');
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');

const live = new Set();
const killLive = () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
};
process.on('exit', killLive);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (killLive(), process.exit(130)));

async function healthy(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** One start: spawn → healthy, then SIGINT → exit. */
async function startOnce(dataDir) {
  const port = await freePort();
  const healthUrl = `http://127.0.0.1:${port}/api/health`;
  const t0 = now();
  const child = spawn(process.execPath, [join(ROOT, 'selfhost/start.mjs')], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, LISTEN_ADDR: `127.0.0.1:${port}`, DATA_DIR: dataDir, ...(skipBuild ? { CHATALOT_SKIP_BUILD: '1' } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child.pid);
  let out = '';
  let servingAt;
  child.stdout.on('data', (d) => {
    out += d;
    if (servingAt === undefined && /serving http/.test(out)) servingAt = now() - t0;
  });
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => (live.delete(child.pid), r({ code, signal }))));
  let healthyAt;
  const deadline = t0 + 60_000;
  while (now() < deadline && child.exitCode === null) {
    if (await healthy(healthUrl)) {
      healthyAt = now() - t0;
      break;
    }
    await sleep(5);
  }
  if (healthyAt === undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
    throw new Error(`server did not become healthy:\n${out}`);
  }
  while (servingAt === undefined && now() < deadline && child.exitCode === null) await sleep(5);
  const workerd = childPids(child.pid)[0];
  const rss = workerd ? rssKiB(workerd) : NaN;
  const s0 = now();
  process.kill(-child.pid, 'SIGINT');
  const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 10_000);
  const exit = await exited;
  clearTimeout(timer);
  const stopMs = now() - s0;
  return { healthyMs: healthyAt, servingLineMs: servingAt, stopMs, exit, workerdRssMiB: rss / 1024, rebuilt: /building the worker/.test(out) };
}

async function main() {
  const build = await import('../scripts/build.mjs');
  if (build.needsBuild()) {
    console.log('cold start bench: dist/ is stale, building once first (not measured)…');
    await build.buildAll();
  }
  await healthy('http://127.0.0.1:9/'); // load fetch's implementation before the clock starts
  console.log(`cold start bench: ${runs} runs of node selfhost/start.mjs${skipBuild ? ' (CHATALOT_SKIP_BUILD=1)' : ' (build cached)'}, ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const fresh = [];
  const again = [];
  const good = (rs) => rs.filter((r) => !r.rebuilt).length;
  for (let i = 0; i < runs * 2 && (good(fresh) < runs || good(again) < runs); i++) {
    const dir = tempDir('chatalot-coldstart-');
    try {
      const a = await startOnce(dir);
      const b = await startOnce(dir);
      fresh.push(a);
      again.push(b);
      const line = (r) => `${ms(r.healthyMs)} to healthy (serving line ${ms(r.servingLineMs)}), stop ${ms(r.stopMs)}, workerd RSS ${r.workerdRssMiB.toFixed(1)} MiB${r.rebuilt ? ' [REBUILT, excluded]' : ''}`;
      console.log(`  run ${i + 1}: fresh DATA_DIR ${line(a)}`);
      console.log(`         existing DATA_DIR ${line(b)}`);
    } finally {
      removeDir(dir);
    }
  }
  const summary = (rs) => {
    const ok = rs.filter((r) => !r.rebuilt);
    return {
      runs: ok.length,
      medianHealthyMs: median(ok.map((r) => r.healthyMs)),
      minHealthyMs: Math.min(...ok.map((r) => r.healthyMs)),
      maxHealthyMs: Math.max(...ok.map((r) => r.healthyMs)),
      medianServingLineMs: median(ok.map((r) => r.servingLineMs)),
      medianStopMs: median(ok.map((r) => r.stopMs)),
      medianWorkerdRssMiB: median(ok.map((r) => r.workerdRssMiB)),
    };
  };
  const result = { fresh: summary(fresh), existing: summary(again) };
  console.log('');
  for (const [name, s] of [
    ['fresh DATA_DIR   ', result.fresh],
    ['existing DATA_DIR', result.existing],
  ]) {
    console.log(`cold start, ${name}: median ${ms(s.medianHealthyMs)} spawn → healthy /api/health (min ${ms(s.minHealthyMs)}, max ${ms(s.maxHealthyMs)}, n=${s.runs}); serving line ${ms(s.medianServingLineMs)}; Ctrl-C stop ${ms(s.medianStopMs)}; workerd RSS ${s.medianWorkerdRssMiB.toFixed(1)} MiB`);
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `coldStart-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ bench: 'coldStart', date: new Date().toISOString(), skipBuild, loadAverage: loadavg(), ...result, samples: { fresh, existing: again } }, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  killLive();
  process.exit(1);
});
