#!/usr/bin/env node
/**
 * `npm run restore -- <file.tar>` (issue #19 item 2): brings a backup made by
 * `npm run backup` back into an empty DATA_DIR (it refuses one that holds anything), then
 * `npm start` serves it. With DATABASE_URL set and a `postgres.dump` in the backup, the dump is
 * restored into that database with pg_restore, which must be empty (it refuses one that already
 * has Chatalot's tables).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readConfig } from '../selfhost/config.mjs';
import { BACKUP_FORMAT, BACKUP_VERSION } from './backup.mjs';

const say = (line) => console.log(`restore: ${line}`);

export async function restore(file, env = process.env) {
  const config = readConfig(env);
  const source = resolve(file);
  if (!existsSync(source)) throw new Error(`${source} does not exist`);
  const present = existsSync(config.dataDir) ? readdirSync(config.dataDir).filter((n) => n !== 'run') : [];
  if (present.length > 0) throw new Error(`DATA_DIR ${config.dataDir} is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', …' : ''}): restore only into an empty one, so nothing is mixed or overwritten`);
  const started = Date.now();
  const staging = mkdtempSync(join(tmpdir(), 'chatalot-restore-'));
  try {
    const tar = spawnSync('tar', ['-xf', source, '-C', staging], { encoding: 'utf8' });
    if (tar.error || tar.status !== 0) throw new Error(`${source} could not be unpacked: ${tar.error?.message ?? tar.stderr.trim()}`);
    const manifestFile = join(staging, 'manifest.json');
    if (!existsSync(manifestFile)) throw new Error(`${source} is not a Chatalot backup (no manifest.json)`);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (manifest.format !== BACKUP_FORMAT || manifest.version !== BACKUP_VERSION) throw new Error(`${source} is not a Chatalot backup of version ${BACKUP_VERSION}`);
    if (manifest.store === 'postgres' && !config.database) throw new Error('this backup is of an instance on PostgreSQL: set DATABASE_URL to the (empty) database to restore it into');
    if (manifest.store === 'embedded' && config.database) throw new Error('this backup is of an instance on the embedded store: unset DATABASE_URL (to move to PostgreSQL, restore first, then use migrate-store)');

    if (config.database && existsSync(join(staging, 'postgres.dump'))) {
      const probe = spawnSync('psql', ['--no-psqlrc', '--tuples-only', '--command', "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'", config.database.url], { encoding: 'utf8' });
      if (probe.error || probe.status !== 0) throw new Error(`the database could not be checked with psql: ${probe.error?.message ?? probe.stderr.trim()}`);
      if (Number(probe.stdout.trim()) > 0) throw new Error('the database in DATABASE_URL already holds Chatalot tables: restore into an empty database');
      const pg = spawnSync('pg_restore', ['--no-owner', `--dbname=${config.database.url}`, join(staging, 'postgres.dump')], { encoding: 'utf8' });
      if (pg.error || pg.status !== 0) throw new Error(`pg_restore failed: ${pg.error?.message ?? pg.stderr.trim()}`);
      say('restored the PostgreSQL database');
    } else if (config.database) {
      say('warning: the backup has no database dump; restore it yourself (see POSTGRES.txt in the backup)');
    }

    mkdirSync(config.dataDir, { recursive: true });
    for (const dir of ['do', 'blobs', 'keys']) {
      if (existsSync(join(staging, dir))) cpSync(join(staging, dir), join(config.dataDir, dir), { recursive: true });
    }
    if (existsSync(join(config.dataDir, 'keys'))) chmodSync(join(config.dataDir, 'keys'), 0o700);
    mkdirSync(join(config.dataDir, 'do'), { recursive: true });
    mkdirSync(join(config.dataDir, 'blobs'), { recursive: true });
    say(`restored the backup of ${manifest.createdAt} (Chatalot ${manifest.chatalotVersion}) into ${config.dataDir} in ${((Date.now() - started) / 1000).toFixed(1)} s; start it with npm start`);
    return { ms: Date.now() - started, manifest };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run restore -- <file.tar>   (into DATA_DIR, which must be empty)');
    process.exit(2);
  }
  try {
    await restore(file);
  } catch (e) {
    console.error(`restore: ${e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
