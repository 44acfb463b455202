#!/usr/bin/env node
/**
 * Builds what the server runs: the worker bundle (esbuild, the same module graph wrangler
 * bundles for Cloudflare) into dist/worker, and the web client (vite) into dist/client.
 * `needsBuild()` lets `npm start` skip both when nothing changed since the last build.
 */
import { build as esbuild, context as esbuildContext } from 'esbuild';
import { build as viteBuild } from 'vite';
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, dirname, basename } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './mtime.mjs';
import { buildCli } from './buildCli.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['selfhost/config.capnp', 'worker', 'durable-objects', 'protocol', 'migrations', 'cli', 'client/src', 'client/public', 'client/index.html', 'client/vite.config.ts', 'package-lock.json'];
const STAMP = join(ROOT, 'dist', '.build-stamp');

const require = createRequire(import.meta.url);

/**
 * WebAssembly imports stay imports: workerd (like Cloudflare) refuses to compile Wasm from bytes
 * at run time, so each `.wasm` file is copied beside the bundle and declared in
 * selfhost/config.capnp as a precompiled module under the name `<package>-<file>.wasm`.
 */
export const wasmModules = {
  name: 'wasm-modules',
  setup(build) {
    build.onResolve({ filter: /\.wasm$/ }, (args) => {
      const source = args.path.startsWith('.') ? join(args.resolveDir, args.path) : require.resolve(args.path, { paths: [args.resolveDir] });
      const name = args.path.startsWith('.') ? basename(source) : `${args.path.split('/')[0]}-${basename(source)}`;
      const outdir = dirname(build.initialOptions.outfile);
      mkdirSync(outdir, { recursive: true });
      copyFileSync(source, join(outdir, name));
      return { path: `./${name}`, external: true };
    });
  },
};

/** esbuild options for the worker bundle; wrangler.toml's `main` builds the same graph. */
export const workerBuildOptions = {
  entryPoints: [join(ROOT, 'worker/index.ts')],
  outfile: join(ROOT, 'dist/worker/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*', 'node:*'],
  loader: { '.sql': 'text', '.txt': 'text' },
  plugins: [wasmModules],
  legalComments: 'none',
  logLevel: 'warning',
};

/** esbuild options for the password hasher (worker/hasher), run by its own workerd process. */
export const hasherBuildOptions = {
  ...workerBuildOptions,
  entryPoints: [join(ROOT, 'worker/hasher/index.ts')],
  outfile: join(ROOT, 'dist/hasher/index.js'),
};

/** esbuild options for `npm run migrate-store`'s worker (worker/tools/migrateStore.ts), run once by selfhost/migrateStore.mjs. */
export const migrateStoreBuildOptions = {
  ...workerBuildOptions,
  entryPoints: [join(ROOT, 'worker/tools/migrateStore.ts')],
  outfile: join(ROOT, 'dist/tools/migrate-store.js'),
};

/** True when dist/ is missing or older than any source that goes into it. */
export function needsBuild() {
  if (!existsSync(STAMP) || !existsSync(join(ROOT, 'dist/worker/index.js')) || !existsSync(join(ROOT, 'dist/hasher/index.js')) || !existsSync(join(ROOT, 'dist/tools/migrate-store.js')) || !existsSync(join(ROOT, 'dist/client/index.html')) || !existsSync(join(ROOT, 'dist/cli/chatalot-post.cjs'))) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

export async function buildWorker() {
  await Promise.all([esbuild(workerBuildOptions), esbuild(hasherBuildOptions), esbuild(migrateStoreBuildOptions)]);
}

export async function buildClient() {
  await viteBuild({ configFile: join(ROOT, 'client/vite.config.ts'), root: join(ROOT, 'client'), logLevel: 'warn' });
  await buildServiceWorker();
}

/** Every file of the built client, as URL paths. */
function clientFiles(dir = join(ROOT, 'dist/client'), prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? clientFiles(join(dir, e.name), `${prefix}/${e.name}`) : [`${prefix}/${e.name}`]));
}

/**
 * Compiles the service worker (client/src/pwa/sw.ts) into dist/client/sw.js with the list of
 * files to precache and a version derived from their contents, so any change to the client
 * installs a new worker (and the app offers to reload into it).
 */
async function buildServiceWorker() {
  const files = clientFiles().filter((p) => p !== '/sw.js').sort();
  const version = createHash('sha256');
  for (const p of files) version.update(p).update(readFileSync(join(ROOT, 'dist/client', p)));
  await esbuild({
    entryPoints: [join(ROOT, 'client/src/pwa/sw.ts')],
    outfile: join(ROOT, 'dist/client/sw.js'),
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
    define: { __PRECACHE__: JSON.stringify(files), __VERSION__: JSON.stringify(version.digest('hex').slice(0, 16)) },
  });
}

export async function buildAll() {
  await buildWorker();
  await buildClient();
  await buildCli();
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(STAMP, new Date().toISOString());
}

/** Rebuilds the worker on every change (workerd --watch then reloads it). */
export async function watchWorker() {
  const ctx = await esbuildContext(workerBuildOptions);
  await ctx.watch();
  return ctx;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildAll();
  console.log(`built dist/worker and dist/client in ${Date.now() - started} ms`);
}
