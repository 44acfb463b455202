#!/usr/bin/env node
/**
 * `npm run bench:user-search` — the admin panel's account search (issue #16 item 6) over
 * 100,000 accounts (--accounts=N), p50/p99 of Storage.searchUsers on embedded SQLite and on
 * PostgreSQL (TEST_DATABASE_URL, else an embedded PostgreSQL), each inside workerd, beside two
 * baselines from the same run: the bare round trip into the runtime, and an unindexed substring
 * scan. Loopback only; never part of npm test. The body is bench/userSearch/entry.ts.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, '.tmp', 'bench-user-search');
mkdirSync(outdir, { recursive: true });
const outfile = path.join(outdir, 'entry.mjs');
// The repository's build scripts stay themselves (their root is where they live), not bundled copies.
const scripts = { name: 'scripts', setup: (b) => b.onResolve({ filter: /scripts\/(build|workerdPath)\.mjs$/ }, (a) => ({ path: path.resolve(a.resolveDir, a.path), external: true })) };
await build({ entryPoints: [path.join(root, 'bench/userSearch/entry.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, target: 'node20', plugins: [scripts] });
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
