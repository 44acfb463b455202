#!/usr/bin/env node
/**
 * `npm run bench:floor`: what an idle WebSocket costs the runtime itself, before any Chatalot code
 * (issue #18 items 2 and 3). For each N it starts, fresh and one at a time:
 *   - `ws`: a Node `ws` server that accepts and holds sockets (the baseline of bench:fanout);
 *   - `worker`: workerd with a worker that accepts each socket itself (`WebSocketPair`, `accept`),
 *     the cheapest socket workerd can hold;
 *   - `object`: workerd with a worker that forwards each upgrade to one Durable Object, which
 *     accepts it as a hibernatable socket: what the channel room does, with no checks at all;
 *   - `chatalot`: the real server (`npm start`), authenticated members of one channel.
 * and joins N sockets, 200 handshakes in flight. It reports the join time, and the server's RSS
 * growth per socket: over all N after the first socket ("KiB/conn", as bench:fanout reports it)
 * and over the second half of the joins only ("marginal": one more socket once the process is
 * warm). Both workerd servers use the compatibility flags of selfhost/config.capnp.
 *
 * Options: sizes=1000,3000 modes=ws,worker,object,chatalot concurrency=200. `--profile` records
 * the real server's V8 CPU profile over its joins (through workerd's inspector on a loopback port)
 * and prints the functions with the most self time. Loopback only; every server is killed at the
 * end. Never part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { workerdPath } from '../scripts/workerdPath.mjs';
import { chatalotAccess } from './lib/access.mjs';
import { connectMany } from './lib/connect.mjs';
import { inspector, topSelf } from './lib/inspector.mjs';
import { nowUs } from './lib/measure.mjs';
import { ROOT, freePort, killAll, removeDir, rssKiB, spawnGroup, startBaseline, startChatalot, tempDir, waitForOutput } from './lib/servers.mjs';
import { option, versionOf } from './lib/workerClient.mjs';

const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);
const opts = {
  sizes: list(option('sizes', '1000,3000')).map(Number),
  modes: list(option('modes', 'ws,worker,object,chatalot')),
  concurrency: Number(option('concurrency', 200)),
  profile: process.argv.includes('--profile'),
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');

const WORKER = `import { DurableObject } from 'cloudflare:workers';
export class Room extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, m) { ws.send(m); }
}
export class Checks extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, v INTEGER)');
    ctx.storage.sql.exec("INSERT OR IGNORE INTO t VALUES ('member', 1)");
  }
  take() { return { ok: true }; }
  read(id) { return this.ctx.storage.sql.exec('SELECT v FROM t WHERE id = ?', id).toArray(); }
}
export default {
  async fetch(req, env) {
    if (new URL(req.url).pathname === '/health') return new Response('ok');
    if (new URL(req.url).pathname.startsWith('/checks/')) {
      // As many object calls as an authenticated join makes before the room: the per-IP rate
      // limit, one store read, and the account's and the IP's socket leases.
      const checks = (name) => env.CHECKS.get(env.CHECKS.idFromName(name));
      await checks('ip').take();
      await checks('store').read('member');
      await Promise.all([checks('account').take(), checks('ip').take()]);
    }
    if (new URL(req.url).pathname.startsWith('/worker/')) {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener('message', (e) => server.send(e.data));
      return new Response(null, { status: 101, webSocket: client });
    }
    return env.ROOM.get(env.ROOM.idFromName('room')).fetch(req);
  },
};
`;

const config = (port) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w), (name = "st", disk = (path = "do", writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "w.js", esModule = embed "w.js") ],
  compatibilityDate = "2026-04-01",
  compatibilityFlags = ["nodejs_compat", "no_web_socket_compression"],
  bindings = [ (name = "ROOM", durableObjectNamespace = "Room"), (name = "CHECKS", durableObjectNamespace = "Checks") ],
  durableObjectNamespaces = [ (className = "Room", uniqueKey = "floor-room", enableSql = true), (className = "Checks", uniqueKey = "floor-checks", enableSql = true) ],
  durableObjectStorage = (localDisk = "st"),
);
`;

/** A bare workerd serving WORKER; `url` takes the mode (`worker` or `object`). */
async function startBareWorkerd() {
  const dir = tempDir('chatalot-floor-');
  mkdirSync(join(dir, 'do'));
  const port = await freePort();
  writeFileSync(join(dir, 'w.js'), WORKER);
  writeFileSync(join(dir, 'config.capnp'), config(port));
  const handle = spawnGroup(`${workerdPath} serve config.capnp`, { cwd: dir });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      if (i > 200 || handle.child.exitCode !== null) throw new Error(`bare workerd did not start:\n${handle.output()}`);
      await sleep(50);
    }
  }
  return {
    serverPid: handle.pid,
    url: (mode) => `ws://127.0.0.1:${port}/${mode}/socket`,
    async stop() {
      await handle.stop();
      removeDir(dir);
    },
  };
}

async function open(mode) {
  if (mode === 'ws') {
    const s = await startBaseline();
    return { server: s, url: s.channelUrl('floor'), protocols: undefined };
  }
  if (mode === 'chatalot') {
    const inspectorAddress = opts.profile ? `127.0.0.1:${await freePort()}` : undefined;
    const s = await startChatalot({ timeoutMs: 180_000, env: inspectorAddress ? { CHATALOT_INSPECTOR: inspectorAddress } : {} });
    const access = await chatalotAccess(s.url);
    const cdp = inspectorAddress ? await inspector(inspectorAddress) : null;
    return { server: s, url: s.channelUrl(access.channelId), protocols: access.protocols, cdp };
  }
  const s = await startBareWorkerd();
  return { server: s, url: s.url(mode), protocols: undefined };
}

async function measure(mode, n) {
  const { server, url, protocols, cdp } = await open(mode);
  const join = async (count) => {
    const started = nowUs();
    const r = await connectMany(count, () => url, () => ({ credentials: async () => ({ protocols }), onPayload: () => {} }), opts.concurrency);
    if (r.errors.length) throw new Error(`${mode}: ${r.errors.length} of ${count} joins failed (first: ${r.errors[0]})`);
    return { sockets: r.sockets, ms: (nowUs() - started) / 1000 };
  };
  const held = [];
  try {
    held.push(...(await join(1)).sockets);
    await sleep(500);
    const rss0 = rssKiB(server.serverPid);
    if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    const half = Math.floor((n - 1) / 2);
    const a = await join(half);
    held.push(...a.sockets);
    await sleep(1000);
    const rssHalf = rssKiB(server.serverPid);
    const b = await join(n - 1 - half);
    held.push(...b.sockets);
    await sleep(1000);
    const rss1 = rssKiB(server.serverPid);
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
      const busyMs = profile.samples.reduce((sum, id, i) => sum + (idle.has(id) ? 0 : (profile.timeDeltas[i] ?? 0) / 1000), 0);
      console.log(`  the server's CPU profile over the joins (and the idle seconds after each half): ${fmt(busyMs)} ms not idle\n${topSelf(profile, 30)}`);
      cdp.close();
    }
    const row = { mode, n, joinMs: a.ms + b.ms, perConnKiB: (rss1 - rss0) / (n - 1), marginalKiB: (rss1 - rssHalf) / (n - 1 - half), rssMiB: rss1 / 1024 };
    console.log(`  ${mode.padEnd(8)} N=${n}: joined in ${fmt(row.joinMs)} ms (${fmt(row.joinMs / (n - 1), 3)} ms each); ${fmt(row.perConnKiB, 1)} KiB/conn, ${fmt(row.marginalKiB, 1)} KiB marginal; RSS ${fmt(row.rssMiB, 1)} MiB`);
    return row;
  } finally {
    for (const s of held) s?.terminate();
    await server.stop();
  }
}

async function main() {
  console.log(`socket floor: sizes ${opts.sizes.join(', ')}; modes ${opts.modes.join(', ')}; ${cpus().length} cores, node ${process.version}, workerd ${versionOf('workerd')}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const rows = [];
  for (const n of opts.sizes) for (const mode of opts.modes) rows.push(await measure(mode, n));
  console.log('\nN      mode      join ms  ms/join  KiB/conn  KiB marginal');
  for (const r of rows) console.log(`${String(r.n).padEnd(6)} ${r.mode.padEnd(8)} ${fmt(r.joinMs).padStart(8)} ${fmt(r.joinMs / (r.n - 1), 3).padStart(8)} ${fmt(r.perConnKiB, 1).padStart(9)} ${fmt(r.marginalKiB, 1).padStart(13)}`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `floor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ bench: 'socketFloor', date: new Date().toISOString(), options: opts, rows }, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => killAll('SIGKILL'));
