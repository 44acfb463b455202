/**
 * `npm run bench:crypto`: throughput of Chatalot's crypto core, beside @signalapp/libsignal-client
 * doing the closest equivalent operations, in the same run.
 *
 * Node cannot import the TypeScript sources directly, so client/src/crypto/index.ts is bundled on
 * the fly with esbuild into a temporary file and imported. Our core runs over both providers
 * (WebCrypto, the one the app selects on Node and Chromium, and noble, the fallback).
 * libsignal lives only in bench/package.json; when absent, our figures still print.
 */
import { build } from 'esbuild';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { benchOurs } from './crypto/ours.mjs';
import { benchLibsignal } from './crypto/libsignal.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chatalot-bench-'));
const outfile = path.join(tmp, 'crypto.mjs');
await build({ entryPoints: [path.join(repo, 'client/src/crypto/index.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, logLevel: 'error' });
const C = await import(pathToFileURL(outfile).href);
rmSync(tmp, { recursive: true, force: true });

const rows = [
  ['establish', 'session establishments/s (PQXDH + first message, both sides)'],
  ['ratchetSameDirection', 'Double Ratchet encrypt+decrypt/s, 200 B, same direction'],
  ['ratchetAlternating', 'Double Ratchet encrypt+decrypt/s, 200 B, alternating (DH step each)'],
  ['senderKeyEncrypt', 'Sender Key encrypt+sign/s, 200 B'],
  ['senderKeyVerifyDecrypt', 'Sender Key verify+decrypt/s, 200 B'],
  ['backlogMs', 'backlog of 10,000 channel messages: verify+decrypt (ms, target < 2000)'],
];

const columns = [];
columns.push(['chatalot/webcrypto', await benchOurs(C, new C.WebCryptoProvider())]);
columns.push(['chatalot/noble', await benchOurs(C, new C.NobleProvider())]);

let libsignalNote = '';
try {
  const require = createRequire(path.join(here, 'package.json'));
  const S = require('@signalapp/libsignal-client');
  columns.push([`libsignal ${require('@signalapp/libsignal-client/package.json').version}`, await benchLibsignal(S)]);
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND') libsignalNote = 'libsignal not installed: run npm install --prefix bench';
  else throw e;
}

const fmt = (k, v) => (k === 'backlogMs' ? `${v.toFixed(0)} ms` : `${v.toFixed(0)}/s`);
console.log(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine skews figures)`);
const w = Math.max(...rows.map((r) => r[1].length));
console.log(''.padEnd(w) + columns.map(([n]) => n.padStart(22)).join(''));
for (const [k, label] of rows) console.log(label.padEnd(w) + columns.map(([, r]) => fmt(k, r[k]).padStart(22)).join(''));
if (libsignalNote) console.log(libsignalNote);
