#!/usr/bin/env node
/**
 * `npm run bench:backup` — issue #19 item 2's figures: `npm run backup` of a running instance
 * holding 100,000 envelopes in one channel and 1 GiB of blobs, then `npm run restore` into a new
 * DATA_DIR and a start on it (the head seq must be 100,000).
 *
 * The envelopes are sent through the real channel socket (200-byte ciphertexts, pipelined in
 * windows). The blobs are 1 GiB of random bytes written as 4 MiB files into DATA_DIR/blobs
 * before the start: what encrypted uploads leave there, without spending minutes on uploads the
 * backup does not care about. The baseline in the same run: `tar -cf` of the stopped instance's
 * DATA_DIR (what an operator would do by hand, with the server down).
 *
 * Flags: --envelopes=N (default 100000), --blob-mib=N (default 1024). Never part of npm test.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from './lib/ws.mjs';
import { chatalotAccess } from './lib/access.mjs';
import { ROOT, killAll, removeDir, startChatalot, tempDir } from './lib/servers.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ENVELOPES = arg('envelopes', 100_000);
const BLOB_MIB = arg('blob-mib', 1024);
const WINDOW = 200;

const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

function run(cmd, args, env) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return { ms: Date.now() - t, stdout: r.stdout };
}

async function fill(server, channelId, protocols) {
  const ws = new WebSocket(server.channelUrl(channelId), protocols);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let acked = 0;
  let sent = 0;
  let wake = () => {};
  ws.on('message', (data) => {
    const text = String(data);
    if (text.startsWith('{"type":"ack"')) {
      acked++;
      wake();
    } else if (text.startsWith('{"type":"error"')) {
      console.error(`refused: ${text}`);
      process.exit(1);
    }
  });
  const ciphertext = randomBytes(200).toString('base64');
  const started = Date.now();
  while (acked < ENVELOPES) {
    while (sent < ENVELOPES && sent - acked < WINDOW) ws.send(JSON.stringify({ type: 'send', clientMsgId: `bench-message-${sent++}`, ciphertext, franking: 'RnJhbmtpbmctY29tbWl0bWVudC1zdGFuZC1pbi0wMDAx'.slice(0, 43) }));
    await new Promise((r) => (wake = r));
  }
  ws.close();
  return Date.now() - started;
}

async function head(server, channelId, protocols) {
  const ws = new WebSocket(server.channelUrl(channelId), protocols);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'hello', lastSeq: ENVELOPES }));
  const ready = await new Promise((resolve) => ws.on('message', (d) => String(d).startsWith('{"type":"ready"') && resolve(JSON.parse(String(d)))));
  ws.close();
  return ready.head;
}

const dataDir = tempDir('chatalot-bench-backup-');
const restoredDir = tempDir('chatalot-bench-restored-');
const work = tempDir('chatalot-bench-backup-files-');
try {
  // 1 GiB of "encrypted parts" in the blob store before the server starts.
  mkdirSync(join(dataDir, 'blobs', 'bench'), { recursive: true });
  for (let i = 0; i < BLOB_MIB / 4; i++) writeFileSync(join(dataDir, 'blobs', 'bench', `part-${i}`), randomBytes(4 * 1048576));

  const server = await startChatalot({ dataDir });
  const { channelId, protocols } = await chatalotAccess(server.url);
  const fillMs = await fill(server, channelId, protocols);
  console.log(`instance: ${ENVELOPES.toLocaleString('en')} envelopes in one channel (sent in ${secs(fillMs)}), ${mib(BLOB_MIB * 1048576)} of blobs`);

  const backupFile = join(work, 'instance.tar');
  const b = run('node', ['scripts/backup.mjs', backupFile], { DATA_DIR: dataDir });
  const paused = Number(/paused for (\d+) ms/.exec(b.stdout)?.[1] ?? NaN);
  const size = statSync(backupFile).size;
  await server.stop();

  // Baseline in the same run: tar of the stopped DATA_DIR by hand.
  const baseline = run('tar', ['-cf', join(work, 'cold.tar'), '-C', dataDir, '.'], {});
  const coldSize = statSync(join(work, 'cold.tar')).size;

  const r = run('node', ['scripts/restore.mjs', backupFile], { DATA_DIR: restoredDir });
  const startedAt = Date.now();
  const restored = await startChatalot({ dataDir: restoredDir });
  const startMs = Date.now() - startedAt;
  const restoredHead = await head(restored, channelId, protocols);
  await restored.stop();

  console.log('');
  console.log(`backup, server running:  ${secs(b.ms)}, server paused ${paused} ms, ${mib(size)}`);
  console.log(`baseline, tar of the stopped DATA_DIR: ${secs(baseline.ms)}, ${mib(coldSize)}`);
  console.log(`restore into an empty DATA_DIR: ${secs(r.ms)}; restored instance started in ${secs(startMs)}`);
  console.log(`restored head seq: ${restoredHead} (expected ${ENVELOPES}) ${restoredHead === ENVELOPES ? 'OK' : 'MISMATCH'}`);
} finally {
  killAll('SIGKILL');
  for (const d of [dataDir, restoredDir, work]) removeDir(d);
}
