/**
 * Builds `chatalot-post` (cli/, issue #17 item 4) into one self-contained file,
 * dist/cli/chatalot-post.cjs: the web client's Engine and crypto, fake-indexeddb and ws bundled
 * together, so a CI machine needs only Node 20 and that file (`node chatalot-post.cjs …`).
 * `ensureCli()` rebuilds it when a source is newer than the bundle (bin/chatalot-post.mjs).
 */
import { build } from 'esbuild';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './mtime.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = join(ROOT, 'dist/cli/chatalot-post.cjs');
const SOURCES = ['cli', 'client/src', 'protocol', 'package-lock.json'];

export async function buildCli() {
  await build({
    entryPoints: [join(ROOT, 'cli/chatalotPost.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ws's optional native speed-ups: it works without them.
    external: ['bufferutil', 'utf-8-validate'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/** Builds the bundle when it is missing or older than its sources. */
export async function ensureCli() {
  const built = existsSync(CLI_BUNDLE) ? statSync(CLI_BUNDLE).mtimeMs : 0;
  if (built === 0 || SOURCES.some((s) => newestMtime(join(ROOT, s)) > built)) await buildCli();
  return CLI_BUNDLE;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
