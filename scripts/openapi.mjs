#!/usr/bin/env node
/** Writes docs/openapi.json from the route manifest (npm run docs); tests check it is current. */
import { build } from 'esbuild';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './build.mjs';

const out = join(mkdtempSync(join(tmpdir(), 'chatalot-openapi-')), 'openapi.mjs');
await build({ entryPoints: [join(ROOT, 'worker/routes/openapi.ts')], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'warning' });
const { openApiDocument } = await import(out);
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
writeFileSync(join(ROOT, 'docs/openapi.json'), JSON.stringify(openApiDocument(version), null, 2) + '\n');
console.log('wrote docs/openapi.json');
