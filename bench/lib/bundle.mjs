/**
 * Bundles TypeScript from this repository for a bench with esbuild and imports it: `exports` is the
 * source of a module re-exporting what the bench needs (paths from the repository root). The
 * bundle goes under node_modules/.cache, so nothing lands in the tree.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './servers.mjs';

export async function importBundled(name, exports, options = {}) {
  mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', `chatalot-bench-${name}-`));
  const outfile = join(dir, `${name}.mjs`);
  await build({ stdin: { contents: exports, resolveDir: ROOT, loader: 'ts', sourcefile: `${name}.ts` }, bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, logLevel: 'error', ...options });
  /** `dir`: remove it when done (worker threads may still import `url` until then). */
  return { module: await import(pathToFileURL(outfile).href), url: pathToFileURL(outfile).href, dir };
}
