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
 * - baseline, same run: one SenderKey encryption (what every later message costs, at any size).
 *
 * The member devices' keys are made first (not timed). Options: --sizes=100,1000,5000.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const SIZES = (process.argv.find((a) => a.startsWith('--sizes='))?.split('=')[1] ?? '100,1000,5000').split(',').map(Number);

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

const results = [];
const bundles = [];
for (const size of SIZES) {
  while (bundles.length < size) bundles.push(await bundleOf(bundles.length));
  const store = new C.InMemoryKeyStore();
  await store.setIdentity(await C.generateIdentityKeyPair(provider, rng));
  const deps = { provider, rng, store };
  const channelId = 'channel-cost';

  let own = await C.createSenderKey(provider, rng, channelId, Date.now());
  let start = performance.now();
  let bytes = 0;
  for (let i = 0; i < size; i++) {
    await C.verifyPreKeyBundle(provider, bundles[i]);
    await C.startSession(deps, `member.${i}`, bundles[i], Date.now());
    bytes += (await C.encryptTo(deps, `member.${i}`, C.encodeSenderKeyDistribution(C.senderKeyDistribution(own)))).length;
  }
  const firstMs = performance.now() - start;
  const firstBytes = bytes;

  own = await C.createSenderKey(provider, rng, channelId, Date.now());
  start = performance.now();
  bytes = 0;
  for (let i = 0; i < size; i++) bytes += (await C.encryptTo(deps, `member.${i}`, C.encodeSenderKeyDistribution(C.senderKeyDistribution(own)))).length;
  const rotationMs = performance.now() - start;

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
    // MLS (RFC 9420) for comparison, estimated, not measured: a commit carries one HPKE-encrypted
    // path secret per level of the ratchet tree (about log2(n)), and each member decrypts one.
    mlsCommitLevels: Math.ceil(Math.log2(size)),
  };
  results.push(r);
  console.log(
    `${String(size).padStart(5)} member devices: first message ${r.firstMs} ms (${r.firstPerDeviceMs} ms a device), ${r.firstKiB} KiB up; ` +
      `rotation ${r.rotationMs} ms (${r.rotationPerDeviceMs} ms a device), ${r.rotationKiB} KiB up; ` +
      `baseline, a later message: ${r.messageMs} ms and ${r.messageBytes} B at any size (MLS commit: about ${r.mlsCommitLevels} path secrets)`,
  );
}
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'groups-cost.json'), JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
