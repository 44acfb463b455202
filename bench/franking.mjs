#!/usr/bin/env node
/**
 * `npm run bench:franking` — what message franking (issue #16 item 1, protocol/franking.ts)
 * costs, measured with the same code the room, the report route and the client run (pure JS
 * HMAC from @noble/hashes, bundled with esbuild; V8 as in workerd):
 *
 * - the room's tag on each accepted envelope, beside the baseline in the same run: serializing
 *   that envelope's frame once, which the room already does for every envelope;
 * - verifying one report's disclosure on the server (both HMACs and the JSON parse);
 * - the sender's commitment per message;
 * - the bytes franking adds to each envelope frame, beside the frame without them.
 * Never part of npm test.
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, '.tmp', 'bench-franking');
mkdirSync(outdir, { recursive: true });
const outfile = path.join(outdir, 'franking.mjs');
await build({ entryPoints: [path.join(root, 'protocol/franking.ts')], bundle: true, platform: 'neutral', format: 'esm', outfile, mainFields: ['module', 'main'] });
const f = await import(pathToFileURL(outfile).href);

const N = 20_000;
const key = f.serverFrankingKey(randomBytes(32));
const fk = f.newFrankingKey();
const plaintext = new TextEncoder().encode(JSON.stringify({ v: 1, text: 'x'.repeat(120), fk }));
const commitment = f.commitment(fk, plaintext);
const envelope = { type: 'envelope', seq: 123456, clientMsgId: 'AbCdEfGhIjKlMnOpQrStUv', sender: 'Xy0123456789abcdefghij', ciphertext: randomBytes(200).toString('base64'), ts: 1_764_000_000_000 };
const context = { channelId: 'Ch0123456789abcdefghij', sender: envelope.sender, seq: envelope.seq, ts: envelope.ts, commitment };
const tag = f.serverTag(key, context);

function perOp(fn, n = N) {
  for (let i = 0; i < 2000; i++) fn(i);
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(((performance.now() - t) * 1000) / n);
  }
  return runs.sort((a, b) => a - b)[2];
}

let sink = 0;
const serialize = perOp((i) => (sink += JSON.stringify({ ...envelope, seq: envelope.seq + i }).length));
const serializeFranked = perOp((i) => (sink += JSON.stringify({ ...envelope, seq: envelope.seq + i, franking: commitment, frankTag: tag }).length));
const tagging = perOp((i) => (sink += f.serverTag(key, { ...context, seq: context.seq + i }).length));
const verify = perOp(() => (sink += f.verifyDisclosure(key, { ...context, frankTag: tag }, plaintext).length), 5000);
const committing = perOp(() => (sink += f.commitment(fk, plaintext).length));
const plain = JSON.stringify(envelope).length;
const franked = JSON.stringify({ ...envelope, franking: commitment, frankTag: tag }).length;

console.log(`message franking (${N.toLocaleString('en')} operations per run, median of 5 runs):`);
console.log(`  room: tag per accepted envelope       ${tagging.toFixed(2)} µs`);
console.log(`  baseline: serializing that envelope   ${serialize.toFixed(2)} µs (with the franking fields: ${serializeFranked.toFixed(2)} µs)`);
console.log(`  server: verifying one report          ${verify.toFixed(2)} µs`);
console.log(`  client: commitment per message        ${committing.toFixed(2)} µs`);
console.log(`  envelope frame, 200-byte ciphertext:  ${plain} B → ${franked} B (+${franked - plain} B: 32-byte commitment, 16-byte tag, base64url and field names)`);
if (sink === 0) console.log('');
