#!/usr/bin/env node
/**
 * `npm run migrate-store -- --to postgres://user:password@host:5432/database` (issue #19 item 4):
 * copies everything the embedded store holds (accounts, devices and prekeys, communities,
 * channels, roles, memberships, invites, audit entries, files' records, …) from DATA_DIR into an
 * empty PostgreSQL database, then verifies each table's row count and checksum inside the copy's
 * transaction. Afterwards set DATABASE_URL to the same URL and start the server again.
 *
 * The server must be stopped (a store that changes while it is copied would not match). The
 * copy runs in workerd (dist/tools/migrate-store.js) with the instance's own gateway object and
 * the same PostgreSQL socket binding `npm start` uses; this script only starts it, asks it to
 * migrate and prints what it did. The embedded store is read, never changed, so going back means
 * starting without DATABASE_URL. Envelopes, blobs and keys stay where they are: the rooms and
 * hubs keep their own storage under DATA_DIR/do whichever store holds the accounts.
 *
 * Exit codes: 0 migrated and verified; 2 refused (server running, target not empty, a store from
 * another version, bad arguments); 1 failed (nothing was kept in the target but an empty schema).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readConfig } from './config.mjs';
import { runningServer } from './runState.mjs';
import { workerdPath } from '../scripts/workerdPath.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOOL = join(ROOT, 'dist', 'tools', 'migrate-store.js');

const say = (line) => console.log(`migrate-store: ${line}`);

class Refused extends Error {}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs the copy; resolves with the tool's report. */
export async function migrateStore(to, env = process.env) {
  if (!to) throw new Refused('usage: npm run migrate-store -- --to postgres://user:password@host:5432/database');
  let config;
  try {
    config = readConfig({ ...env, DATABASE_URL: to });
  } catch (e) {
    if (e instanceof ConfigError) throw new Refused(e.message.replace(/^DATABASE_URL/, '--to'));
    throw e;
  }
  const store = join(config.dataDir, 'do', 'chatalot-store');
  if (!existsSync(store)) throw new Refused(`${config.dataDir} holds no embedded store (no do/chatalot-store): is DATA_DIR right?`);
  const pid = runningServer(config.dataDir);
  if (pid) throw new Refused(`the server is running on ${config.dataDir} (workerd pid ${pid}): stop it first`);

  if (!env.CHATALOT_SKIP_BUILD) {
    const { buildAll, needsBuild } = await import('../scripts/build.mjs');
    if (needsBuild()) await buildAll();
  }
  if (!existsSync(TOOL)) throw new Error(`${TOOL} is missing: run npm run build`);

  const runDir = join(config.dataDir, 'run');
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const host = config.database.host.includes(':') ? `[${config.database.host}]` : config.database.host;
  // embed takes a path relative to the config file. The same object namespace key and storage directory as selfhost/config.capnp, so the gateway
  // object opens the instance's own SQLite file; the URL comes from the environment, not the file.
  const capnp = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "tool", worker = (
      modules = [(name = "migrate-store.js", esModule = embed ${JSON.stringify(relative(runDir, TOOL))})],
      compatibilityDate = "2026-04-01",
      compatibilityFlags = ["nodejs_compat"],
      bindings = [
        (name = "STORE", durableObjectNamespace = "StoreObject"),
        (name = "PG", service = "pg"),
        (name = "TARGET_URL", fromEnvironment = "CHATALOT_MIGRATE_TARGET"),
      ],
      durableObjectNamespaces = [(className = "StoreObject", uniqueKey = "chatalot-store", enableSql = true)],
      durableObjectStorage = (localDisk = "do-storage"),
    )),
    (name = "do-storage", disk = (path = ${JSON.stringify(join(config.dataDir, 'do'))}, writable = true)),
    (name = "pg", external = (address = "${host}:${config.database.port}", tcp = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "tool")],
);
`;
  const configPath = join(runDir, 'migrate-store.capnp');
  writeFileSync(configPath, capnp, { mode: 0o600 });
  const child = spawn(workerdPath, ['serve', configPath], { stdio: ['ignore', 'inherit', 'pipe'], env: { ...env, CHATALOT_MIGRATE_TARGET: to } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    say(`copying ${store} into ${new URL(to).host}${new URL(to).pathname}`);
    let response;
    for (let i = 0; ; i++) {
      try {
        response = await fetch(`http://127.0.0.1:${port}/migrate`, { method: 'POST', signal: AbortSignal.timeout(3_600_000) });
        break;
      } catch (e) {
        if (child.exitCode !== null || i > 300) throw new Error(`workerd did not start: ${stderr || e.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const report = await response.json();
    if (report.refused) throw new Refused(report.error);
    if (!report.ok) throw new Error(report.error);
    return report;
  } finally {
    child.kill('SIGTERM');
    rmSync(configPath, { force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--to');
  const to = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--to='))?.slice(5);
  const started = Date.now();
  migrateStore(to)
    .then((report) => {
      const rows = report.tables.reduce((n, t) => n + t.rows, 0);
      for (const t of report.tables) say(`  ${t.table}: ${t.rows} rows, checksum ${t.checksum.slice(0, 16)}`);
      say(`copied and verified ${report.tables.length} tables, ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      say('next: set DATABASE_URL to the same URL and start the server (npm start). The embedded store is left as it was.');
    })
    .catch((e) => {
      console.error(`migrate-store: ${e instanceof Refused ? 'refused' : 'failed'}: ${e.message}`);
      process.exit(e instanceof Refused ? 2 : 1);
    });
}
