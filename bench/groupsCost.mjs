#!/usr/bin/env node
/**
 * `npm run bench:groups-cost` — what a sender-key distribution costs the sender's own device at
 * 100, 1,000 and 5,000 member devices (issue #21, item 5), beside the MLS estimate it is weighed
 * against. Crypto only, in Node with the client's library (bundled on the fly with esbuild) and
 * the WebCrypto provider the app uses; no server, so sizes the machine cannot host as live
 * members can be measured. For each size:
 *
 * - first message: verify every bundle, start a PQXDH session with each device, seal the
 *   distribution to each (what a sender pays before its first message in a channel);
 * - rotation: a fresh sender key sealed over the existing sessions (after someone leaves);
 * - bytes: the pairwise ciphertexts the sender uploads in each case;
 * - baseline, same run: one SenderKey encryption (what every later message costs, at any size);
 * - what one member device spends receiving the first distribution (a PQXDH prekey message) and a
 *   rotation (a Double Ratchet message).
 *
 * Then the same sizes carried on MLS, measured with ts-mls 1.6.4 in the same run (bench/lib/mlsCost.mjs;
 * `npm install --prefix bench` first), after checking ts-mls against the RFC 9420 vectors in
 * ../shared/vectors: set-up, a join, a later message, a removal (committer and every other
 * member), a late join. Each MLS size runs in a worker with a time budget; a step still running at
 * the budget is reported as "more than" the budget.
 *
 * The member devices' keys are made first (not timed). Options: --sizes=100,1000,5000,
 * --mlsSuites=MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519:100,1000,5000 (suite:sizes, ';' between
 * suites; `none` to skip), --mlsBudget=300 (seconds per suite and size).
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const SIZES = arg('sizes', '100,1000,5000').split(',').map(Number);
const MLS_SUITES = arg('mlsSuites', 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519:100,1000,5000;MLS_256_XWING_CHACHA20POLY1305_SHA512_Ed25519:100,1000');
const MLS_BUDGET_S = Number(arg('mlsBudget', '300'));

mkdirSync(path.join(repo, 'node_modules', '.cache'), { recursive: true });
const tmp = mkdtempSync(path.join(repo, 'node_modules', '.cache', 'chatalot-bench-cost-'));
const outfile = path.join(tmp, 'crypto.mjs');
await build({ entryPoints: [path.join(repo, 'client/src/crypto/index.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, logLevel: 'error' });
const C = await import(pathToFileURL(outfile).href);
rmSync(tmp, { recursive: true, force: true });

const provider = new C.WebCryptoProvider();
const rng = C.systemRng;

/** A member device's published bundle (its private halves are not needed: nobody answers here). */
async function bundleOf(i) {
  const identity = await C.generateIdentityKeyPair(provider, rng);
  const now = Date.now();
  const spk = await C.generateSignedPreKey(provider, rng, identity, 1, now);
  const kyber = await C.generateKyberPreKey(provider, rng, identity, 2, now);
  const [opk] = await C.generateOneTimePreKeys(provider, rng, 100 + i, 1);
  return {
    identity: C.identityPublicOf(identity),
    signedPreKey: { id: spk.id, createdAt: spk.createdAt, publicKey: spk.keyPair.publicKey, signature: spk.signature },
    kyberPreKey: { id: kyber.id, createdAt: kyber.createdAt, publicKey: kyber.keyPair.publicKey, signature: kyber.signature },
    oneTimePreKey: { id: opk.id, publicKey: opk.keyPair.publicKey },
  };
}

/** A member device with its private keys, to measure what receiving costs. */
async function receiverDevice() {
  const store = new C.InMemoryKeyStore();
  const identity = await C.generateIdentityKeyPair(provider, rng);
  await store.setIdentity(identity);
  const now = Date.now();
  const spk = await C.generateSignedPreKey(provider, rng, identity, 1, now);
  const kyber = await C.generateKyberPreKey(provider, rng, identity, 2, now);
  const [opk] = await C.generateOneTimePreKeys(provider, rng, 100, 1);
  await store.putSignedPreKey(spk);
  await store.putKyberPreKey(kyber);
  await store.putOneTimePreKeys([opk]);
  const bundle = {
    identity: C.identityPublicOf(identity),
    signedPreKey: { id: spk.id, createdAt: spk.createdAt, publicKey: spk.keyPair.publicKey, signature: spk.signature },
    kyberPreKey: { id: kyber.id, createdAt: kyber.createdAt, publicKey: kyber.keyPair.publicKey, signature: kyber.signature },
    oneTimePreKey: { id: opk.id, publicKey: opk.keyPair.publicKey },
  };
  return { bundle, deps: { provider, rng, store } };
}

const timedMs = async (f) => {
  const start = performance.now();
  const value = await f();
  return [value, +(performance.now() - start).toFixed(2)];
};

const results = [];
const bundles = [];
for (const size of SIZES) {
  while (bundles.length < size) bundles.push(await bundleOf(bundles.length));
  // Device 0 is a real receiver this time: fresh keys for each size, so its one-time prekey is unused.
  const receiver = await receiverDevice();
  bundles[0] = receiver.bundle;
  let receiveFirstMs = 0;
  let receiveRotationMs = 0;
  const store = new C.InMemoryKeyStore();
  await store.setIdentity(await C.generateIdentityKeyPair(provider, rng));
  const deps = { provider, rng, store };
  const channelId = 'channel-cost';

  let own = await C.createSenderKey(provider, rng, channelId, Date.now());
  let start = performance.now();
  let bytes = 0;
  let toReceiver;
  for (let i = 0; i < size; i++) {
    await C.verifyPreKeyBundle(provider, bundles[i]);
    await C.startSession(deps, `member.${i}`, bundles[i], Date.now());
    const sealed = await C.encryptTo(deps, `member.${i}`, C.encodeSenderKeyDistribution(C.senderKeyDistribution(own)));
    if (i === 0) toReceiver = sealed;
    bytes += sealed.length;
  }
  const firstMs = performance.now() - start;
  [, receiveFirstMs] = await timedMs(() => C.decryptFrom(receiver.deps, 'sender', toReceiver, undefined, Date.now()));
  const firstBytes = bytes;

  own = await C.createSenderKey(provider, rng, channelId, Date.now());
  start = performance.now();
  bytes = 0;
  for (let i = 0; i < size; i++) {
    const sealed = await C.encryptTo(deps, `member.${i}`, C.encodeSenderKeyDistribution(C.senderKeyDistribution(own)));
    if (i === 0) toReceiver = sealed;
    bytes += sealed.length;
  }
  const rotationMs = performance.now() - start;
  [, receiveRotationMs] = await timedMs(() => C.decryptFrom(receiver.deps, 'sender', toReceiver, undefined, Date.now()));

  start = performance.now();
  const message = await C.senderKeyEncrypt(provider, own, C.identityPublicOf(await store.getIdentity()), new TextEncoder().encode('a message of ordinary length, about sixty bytes long'));
  const messageMs = performance.now() - start;

  const r = {
    size,
    firstMs: Math.round(firstMs),
    firstPerDeviceMs: +(firstMs / size).toFixed(2),
    firstKiB: Math.round(firstBytes / 1024),
    rotationMs: Math.round(rotationMs),
    rotationPerDeviceMs: +(rotationMs / size).toFixed(3),
    rotationKiB: Math.round(bytes / 1024),
    messageMs: +messageMs.toFixed(2),
    messageBytes: message.message.length,
    receiveFirstMs,
    receiveRotationMs,
  };
  results.push(r);
  console.log(
    `${String(size).padStart(5)} member devices: first message ${r.firstMs} ms (${r.firstPerDeviceMs} ms a device), ${r.firstKiB} KiB up; ` +
      `rotation ${r.rotationMs} ms (${r.rotationPerDeviceMs} ms a device), ${r.rotationKiB} KiB up; ` +
      `baseline, a later message: ${r.messageMs} ms and ${r.messageBytes} B at any size; ` +
      `a member receiving the first key ${r.receiveFirstMs} ms, a rotated one ${r.receiveRotationMs} ms`,
  );
}

/** One MLS suite and size in a worker; resolves with every step it finished within the budget. */
function measureMls(suite, size) {
  return new Promise((resolve) => {
    const steps = {};
    const worker = new Worker(new URL('./lib/mlsCost.mjs', import.meta.url), { workerData: { suite, size } });
    const started = performance.now();
    const timer = setTimeout(() => {
      steps.cutAtS = MLS_BUDGET_S;
      steps.runningAtCut = ['key-packages', 'set-up', 'join', 'message', 'removal', 'second-removal', 'add', 'late-join'].find((s) => !steps[s]);
      void worker.terminate();
    }, MLS_BUDGET_S * 1000);
    worker.on('message', (m) => {
      const { step, ...fields } = m;
      steps[step] = fields;
      if (step !== 'done') console.log(`  ${suite} ${size}: ${step} ${JSON.stringify(fields)} (${((performance.now() - started) / 1000).toFixed(0)} s in)`);
    });
    worker.on('error', (e) => { steps.error = String(e?.message ?? e); });
    worker.on('exit', () => { clearTimeout(timer); resolve(steps); });
  });
}

const mls = [];
if (MLS_SUITES !== 'none') {
  const { checkMlsVectors } = await import('./lib/mlsVectors.mjs');
  const checked = await checkMlsVectors(path.resolve(repo, '..', 'shared', 'vectors'));
  console.log(`ts-mls passes ${checked} checks of the RFC 9420 vectors for cipher suite 3 (crypto basics, secret tree, message protection)`);
  for (const entry of MLS_SUITES.split(';')) {
    const [suite, sizes] = entry.split(':');
    for (const size of sizes.split(',').map(Number)) mls.push({ suite, size, steps: await measureMls(suite, size) });
  }
}

if (mls.length) {
  const f = (v, unit = ' ms') => (v === undefined ? '—' : `${v}${unit}`);
  console.log('\nMLS (ts-mls 1.6.4) beside Sender Keys, same run. A dash: the step was still running at the budget.');
  console.log('| Suite | Devices | Set-up (creator) | Join | Later message (send / read) | Removal: commit / each member | Commit size | Late join: add / new device | Welcome |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { suite, size, steps: s } of mls) {
    const cut = s.cutAtS ? ` (cut at ${s.cutAtS} s during ${s.runningAtCut})` : '';
    console.log(
      `| ${suite.includes('XWING') ? 'X-Wing (84)' : 'X25519 (3)'} | ${size} | ${f(s['set-up']?.ms)} | ${f(s.join?.ms)} | ${f(s.message?.sendMs)} / ${f(s.message?.readMs)} | ` +
        `${f(s.removal?.commitMs)} / ${f(s.removal?.readMs)} | ${f(s.removal?.commitKiB, ' KiB')} | ${f(s.add?.commitMs)} / ${f(s['late-join']?.ms)} | ${f(s.add?.welcomeKiB, ' KiB')}${cut}${s.error ? ` error: ${s.error}` : ''} |`,
    );
  }
  console.log('\nSender Keys, same run: first message of a sender | rotation | a member receiving the first key / a rotated one');
  for (const r of results) console.log(`| ${r.size} | ${r.firstMs} ms | ${r.rotationMs} ms | ${r.receiveFirstMs} / ${r.receiveRotationMs} ms |`);
}
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'groups-cost.json'), JSON.stringify({ at: new Date().toISOString(), results, mls }, null, 2));
