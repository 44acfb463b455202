#!/usr/bin/env node
// `npx chatalot-post …` in a checkout of this repository (cli/chatalotPost.ts has the manual):
// builds dist/cli/chatalot-post.cjs when it is missing or stale, then runs it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/chatalot-post.cjs', import.meta.url));
const builder = new URL('../scripts/buildCli.mjs', import.meta.url);
// A copy of the built file alone (no scripts beside it) runs as it is.
if (existsSync(fileURLToPath(builder))) await (await import(builder.href)).ensureCli();
const { main } = createRequire(import.meta.url)(bundle);
process.exit(await main(process.argv.slice(2)));
