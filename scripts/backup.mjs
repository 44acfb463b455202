#!/usr/bin/env node
/**
 * `npm run backup -- <file.tar>` (issue #19 item 2): a consistent backup of a self-hosted
 * instance, running or stopped, read with the same configuration `npm start` uses (DATA_DIR,
 * DATABASE_URL, key paths).
 *
 * How it stays consistent without stopping the server for more than a moment:
 * 1. The blob files (encrypted file parts, images, key backups) are copied while the server runs.
 * 2. The server's workerd process is paused (SIGSTOP); every Durable Object's SQLite files with
 *    their write-ahead logs, the blobs written since step 1, and the keys are copied; then it is
 *    resumed (SIGCONT). A paused process writes nothing, so the copy is exactly what a power cut
 *    at that instant would leave on disk, and SQLite recovers that to the last committed
 *    transaction. An envelope is acknowledged only after its write is durable (the Durable
 *    Object output gate), so every acknowledged message is in the backup; one not yet committed
 *    was never acknowledged and its sender sends it again.
 * 3. With DATABASE_URL, `pg_dump` (one consistent snapshot of its own) runs right after, if it is
 *    installed; otherwise the backup says how to take one.
 * The pause is reported; it grows with the size of the rooms' SQLite files, not with blobs.
 * The archive is a plain tar: nearly everything in it is ciphertext, which does not compress.
 *
 * What a backup holds: the key that opens TOTP secrets, the JWT signing key and the VAPID key —
 * so it is written with mode 0600 and must be kept like the server itself. What it does not
 * hold: anything that opens messages or files; those keys live only on members' devices.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readConfig } from '../selfhost/config.mjs';
import { runningServer } from '../selfhost/runState.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BACKUP_FORMAT = 'chatalot-backup';
export const BACKUP_VERSION = 1;

const say = (line) => console.log(`backup: ${line}`);

/**
 * Takes the files of `from` that `to` does not have yet. Blobs are written once and never changed,
 * so a hard link is as good as a copy and costs nothing (a blob deleted meanwhile stays in the
 * backup); across file systems it copies.
 */
function copyNew(from, to) {
  if (!existsSync(from)) return 0;
  let n = 0;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const a = join(from, entry.name);
    const b = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(b, { recursive: true });
      n += copyNew(a, b);
    } else if (entry.isFile() && (!existsSync(b) || statSync(b).size !== statSync(a).size)) {
      rmSync(b, { force: true });
      try {
        linkSync(a, b);
      } catch {
        copyFileSync(a, b);
      }
      n++;
    }
  }
  return n;
}

function sizeOf(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0);
}

export async function backup(file, env = process.env) {
  const config = readConfig(env);
  const target = resolve(file);
  if (existsSync(target)) throw new Error(`${target} exists already; choose a new file name`);
  if (!existsSync(join(config.dataDir, 'do'))) throw new Error(`${config.dataDir} holds no instance (no do/ directory): is DATA_DIR right?`);
  const started = Date.now();
  // Beside the data (DATA_DIR/run), so blobs can be hard-linked rather than copied.
  mkdirSync(join(config.dataDir, 'run'), { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(config.dataDir, 'run', 'backup-'));
  try {
    // 1. Blobs while the server runs (a part being written now is taken again, whole, in step 2).
    mkdirSync(join(staging, 'blobs'), { recursive: true });
    copyNew(join(config.dataDir, 'blobs'), join(staging, 'blobs'));

    // 2. The moment: rooms' and hubs' SQLite files, the blobs since, the keys.
    const pid = runningServer(config.dataDir);
    let pausedMs = 0;
    const pausedAt = Date.now();
    if (pid) process.kill(pid, 'SIGSTOP');
    try {
      cpSync(join(config.dataDir, 'do'), join(staging, 'do'), { recursive: true });
      copyNew(join(config.dataDir, 'blobs'), join(staging, 'blobs'));
      if (existsSync(join(config.dataDir, 'keys'))) cpSync(join(config.dataDir, 'keys'), join(staging, 'keys'), { recursive: true });
    } finally {
      if (pid) process.kill(pid, 'SIGCONT');
      pausedMs = pid ? Date.now() - pausedAt : 0;
    }
    const outside = [config.jwtPrivateKeyPath, config.jwtPublicKeyPath, config.vapidPrivateKeyPath, config.totpKeyPath].filter((p) => p && existsSync(p) && relative(config.dataDir, p).startsWith('..'));
    for (const p of outside) say(`warning: ${p} is outside DATA_DIR and not in this backup; keep a copy of it yourself`);

    // 3. PostgreSQL, when it holds the store.
    let postgres = 'none';
    if (config.database) {
      const dump = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${join(staging, 'postgres.dump')}`, config.database.url], { encoding: 'utf8' });
      if (dump.error || dump.status !== 0) {
        postgres = 'not-dumped';
        writeFileSync(
          join(staging, 'POSTGRES.txt'),
          'This instance keeps its accounts and communities in PostgreSQL (DATABASE_URL), and pg_dump could not be run here.\n' +
            'Take the database with its own consistent snapshot, right after this backup:\n  pg_dump --format=custom --no-owner --file=chatalot.dump "$DATABASE_URL"\n' +
            'and restore it with:\n  pg_restore --no-owner --dbname="$DATABASE_URL" chatalot.dump\n',
        );
        say(`warning: pg_dump failed (${dump.error?.message ?? dump.stderr.trim()}); POSTGRES.txt in the backup says how to take the database yourself`);
      } else postgres = 'dumped';
    }

    const manifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      chatalotVersion: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
      store: config.database ? 'postgres' : 'embedded',
      postgres,
      serverWasRunning: pid !== null,
      pausedMs,
      contains: ['do/ (every channel room, user hub and the embedded store: SQLite with write-ahead logs)', 'blobs/ (encrypted files, images, key backups)', 'keys/ (JWT signing key, TOTP encryption key, VAPID key)'],
      doesNotContain: ['any key that opens messages or files (only members’ devices hold those)', 'TLS certificates and keys (TLS_CERT_PATH, TLS_KEY_PATH)', 'key files configured outside DATA_DIR', 'the server’s configuration (environment variables)'],
    };
    writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    mkdirSync(dirname(target), { recursive: true });
    const tar = spawnSync('tar', ['-cf', target, '-C', staging, '.'], { encoding: 'utf8' });
    if (tar.error || tar.status !== 0) throw new Error(`tar failed: ${tar.error?.message ?? tar.stderr}`);
    chmodSync(target, 0o600);
    const result = { file: target, bytes: statSync(target).size, dataBytes: sizeOf(staging), ms: Date.now() - started, pausedMs, serverWasRunning: pid !== null, postgres };
    say(`wrote ${target}: ${(result.bytes / 1048576).toFixed(1)} MiB in ${(result.ms / 1000).toFixed(1)} s; ${pid ? `the server paused for ${pausedMs} ms` : 'the server was not running'}`);
    say('it holds the keys that open TOTP secrets and sign sessions: keep it as safe as the server (mode 0600)');
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run backup -- <file.tar>   (uses DATA_DIR and DATABASE_URL like npm start)');
    process.exit(2);
  }
  try {
    await backup(file);
  } catch (e) {
    console.error(`backup: ${e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
