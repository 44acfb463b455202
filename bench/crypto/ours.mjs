/**
 * Chatalot's crypto core under load: takes the bundled module (see ../crypto.mjs) and a provider.
 * Each function returns operations per second (or milliseconds for the backlog).
 */
import { timeOps } from './timing.mjs';

const NOW = 1_700_000_000_000;
const enc = new TextEncoder();
const MESSAGE = enc.encode('x'.repeat(200));

export async function benchOurs(C, provider) {
  const rng = C.systemRng;
  const alice = await C.generateIdentityKeyPair(provider, rng);
  const bob = await C.generateIdentityKeyPair(provider, rng);
  const spk = await C.generateSignedPreKey(provider, rng, bob, 1, NOW);
  const [opk] = await C.generateOneTimePreKeys(provider, rng, 100, 1);
  const kyber = await C.generateKyberPreKey(provider, rng, bob, 7, NOW);
  const bundle = C.bundleFromKeys(bob, spk, opk, kyber);
  const lookup = { signedPreKey: async () => spk, oneTimePreKey: async () => opk, kyberPreKey: async () => kyber };
  const out = {};

  // Session establishment: verify bundle, PQXDH both sides, first message encrypted and opened.
  out.establish = await timeOps(100, async () => {
    const rec = await C.createInitiatorSession(provider, rng, alice, bundle, NOW);
    const first = C.sessionEncrypt(rec, MESSAGE).message;
    await C.acceptInitialMessage(provider, rng, bob, lookup, C.decodeInitialMessage(first), undefined, NOW);
  });

  // A live session pair.
  let a = await C.createInitiatorSession(provider, rng, alice, bundle, NOW);
  const first = C.sessionEncrypt(a, MESSAGE);
  a = first.record;
  let b = (await C.acceptInitialMessage(provider, rng, bob, lookup, C.decodeInitialMessage(first.message), undefined, NOW)).record;
  const r = C.sessionEncrypt(b, MESSAGE);
  b = r.record;
  a = (await C.sessionDecrypt(provider, rng, a, r.message)).record;

  out.ratchetSameDirection = await timeOps(5000, async () => {
    const e = C.sessionEncrypt(a, MESSAGE);
    a = e.record;
    b = (await C.sessionDecrypt(provider, rng, b, e.message)).record;
  });
  let turn = 0;
  out.ratchetAlternating = await timeOps(1000, async () => {
    if (turn++ % 2 === 0) {
      const e = C.sessionEncrypt(a, MESSAGE);
      a = e.record;
      b = (await C.sessionDecrypt(provider, rng, b, e.message)).record;
    } else {
      const e = C.sessionEncrypt(b, MESSAGE);
      b = e.record;
      a = (await C.sessionDecrypt(provider, rng, a, e.message)).record;
    }
  });

  // Sender keys.
  const sender = C.identityPublicOf(alice);
  let own = await C.createSenderKey(provider, rng, 'channel:bench', NOW);
  let view = C.processSenderKeyDistribution(undefined, C.senderKeyDistribution(own));
  const sent = [];
  out.senderKeyEncrypt = await timeOps(5000, async () => {
    const e = await C.senderKeyEncrypt(provider, own, sender, MESSAGE);
    own = e.own;
    sent.push(e.message);
  });
  let i = 0;
  out.senderKeyVerifyDecrypt = await timeOps(5000, async () => {
    view = (await C.senderKeyDecrypt(provider, view, sender, sent[i++])).record;
  });

  // Backlog of 10,000 channel messages from one sender, verified and decrypted.
  let own2 = await C.createSenderKey(provider, rng, 'channel:backlog', NOW);
  const view2 = C.processSenderKeyDistribution(undefined, C.senderKeyDistribution(own2));
  const backlog = [];
  for (let k = 0; k < 10_000; k++) {
    const e = await C.senderKeyEncrypt(provider, own2, sender, MESSAGE);
    own2 = e.own;
    backlog.push(e.message);
  }
  const t0 = performance.now();
  const res = await C.senderKeyDecryptBacklog(provider, view2, sender, backlog);
  out.backlogMs = performance.now() - t0;
  if (res.results.some((x) => !x.ok)) throw new Error('backlog message failed');
  return out;
}
