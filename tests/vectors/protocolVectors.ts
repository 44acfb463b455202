/**
 * Computes Chatalot's own protocol known-answer vectors from fixed seeds (P14): PQXDH and X3DH
 * secrets and associated data, KDF_RK / KDF_CK steps, message keys, headers and ciphertexts over
 * three DH ratchet steps, and sender-key generations with signatures. Everything comes from the
 * seeded RNG, so the output is identical on every run; `protocol_kat.json` freezes it.
 */
import { NobleProvider } from '../../client/src/crypto/NobleProvider';
import { seededRng } from '../../client/src/crypto/seededRng';
import { generateIdentityKeyPair, identityPublicOf, encodeIdentityPublic } from '../../client/src/crypto/IdentityKey';
import { generateKyberPreKey, generateOneTimePreKeys, generateSignedPreKey } from '../../client/src/crypto/PreKeys';
import { bundleFromKeys, encodePreKeyBundle } from '../../client/src/crypto/PreKeyBundle';
import { deriveSharedKey, initiatePqxdh, respondPqxdh, PQXDH_INFO, X3DH_INFO } from '../../client/src/crypto/pqxdh';
import { DR_MESSAGE_KEY_INFO, ROOT_KDF_INFO, SENDER_KEY_MESSAGE_KEY_INFO, expandMessageKey, kdfChainKey, kdfRootKey } from '../../client/src/crypto/ChainKey';
import { initRatchetAsInitiator, initRatchetAsResponder, ratchetDecrypt, ratchetEncrypt } from '../../client/src/crypto/DoubleRatchet';
import type { RatchetState } from '../../client/src/crypto/DoubleRatchet';
import { createSenderKey, senderKeyDistribution, encodeSenderKeyDistribution, senderKeyEncrypt } from '../../client/src/crypto/SenderKey';
import { mlKemDecapsulate } from '../../client/src/crypto/mlKem';
import { toHex, utf8 } from '../../client/src/crypto/encoding';

const NOW = 1_700_000_000_000;

/** Computes the full vector document. */
export async function computeProtocolVectors(): Promise<Record<string, unknown>> {
  const provider = new NobleProvider();
  const rng = seededRng('chatalot-kat-v1');
  const alice = await generateIdentityKeyPair(provider, rng);
  const bob = await generateIdentityKeyPair(provider, rng);
  const spk = await generateSignedPreKey(provider, rng, bob, 1, NOW);
  const [opk] = await generateOneTimePreKeys(provider, rng, 100, 1);
  const kyber = await generateKyberPreKey(provider, rng, bob, 7, NOW);
  if (!opk) throw new Error('no opk');

  const pqxdh = async (withOpk: boolean, withKyber: boolean) => {
    const bundle = bundleFromKeys(bob, spk, withOpk ? opk : null, withKyber ? kyber : null);
    const a = await initiatePqxdh(provider, rng, alice, bundle);
    const b = await respondPqxdh(provider, bob, { signedPreKey: spk, oneTimePreKey: withOpk ? opk : null, kyberPreKey: withKyber ? kyber : null }, a.header);
    if (toHex(a.sharedKey) !== toHex(b.sharedKey)) throw new Error('PQXDH sides disagree');
    // The individual DH outputs, recomputed, so another implementation can check each step.
    const ekPub = a.header.baseKey;
    const dh1 = await provider.x25519(alice.agreement.privateKey, spk.keyPair.publicKey);
    const dh2 = await provider.x25519(bob.agreement.privateKey, ekPub);
    const dh3 = await provider.x25519(spk.keyPair.privateKey, ekPub);
    const dh4 = withOpk ? await provider.x25519(opk.keyPair.privateKey, ekPub) : null;
    const ss = a.header.kyber ? mlKemDecapsulate(a.header.kyber.ciphertext, kyber.keyPair.secretKey) : null;
    const recomputed = deriveSharedKey([dh1, dh2, dh3, ...(dh4 ? [dh4] : [])], ss);
    if (toHex(recomputed) !== toHex(a.sharedKey)) throw new Error('recomputed SK differs');
    return {
      info: withKyber ? PQXDH_INFO : X3DH_INFO,
      bundle: toHex(encodePreKeyBundle(bundle)),
      ephemeralPublic: toHex(ekPub),
      dh1: toHex(dh1),
      dh2: toHex(dh2),
      dh3: toHex(dh3),
      dh4: dh4 ? toHex(dh4) : null,
      kemCiphertext: a.header.kyber ? toHex(a.header.kyber.ciphertext) : null,
      kemSharedSecret: ss ? toHex(ss) : null,
      sk: toHex(a.sharedKey),
      ad: toHex(a.associatedData),
    };
  };

  const pq = await pqxdh(true, true);
  const pqNoOpk = await pqxdh(false, true);
  const x3dh = await pqxdh(true, false);

  // KDF steps from fixed inputs.
  const rk0 = rng(32);
  const dhOut = rng(32);
  const rkStep = kdfRootKey(rk0, dhOut);
  const ckSteps: Array<Record<string, string>> = [];
  let ck = rng(32);
  for (let i = 0; i < 3; i++) {
    const s = kdfChainKey(ck);
    const mk = expandMessageKey(s.messageKeySeed, DR_MESSAGE_KEY_INFO);
    const smk = expandMessageKey(s.messageKeySeed, SENDER_KEY_MESSAGE_KEY_INFO);
    ckSteps.push({ chainKey: toHex(ck), messageKeySeed: toHex(s.messageKeySeed), nextChainKey: toHex(s.nextChainKey), drKey: toHex(mk.key), drNonce: toHex(mk.nonce), senderKey: toHex(smk.key), senderNonce: toHex(smk.nonce) });
    ck = s.nextChainKey;
  }

  // Double Ratchet transcript over three DH ratchet steps (A→B, B→A, A→B), from the PQXDH SK.
  const sk = Uint8Array.from(Buffer.from(pq.sk, 'hex'));
  const ad = Uint8Array.from(Buffer.from(pq.ad, 'hex'));
  const aRng = seededRng('chatalot-kat-v1/alice-ratchet');
  const bRng = seededRng('chatalot-kat-v1/bob-ratchet');
  let a: RatchetState = await initRatchetAsInitiator(provider, aRng, sk, ad, spk.keyPair.publicKey);
  let b: RatchetState = initRatchetAsResponder(sk, ad, spk.keyPair);
  const context = utf8('channel:kat');
  const transcript: Array<Record<string, unknown>> = [];
  const step = async (fromA: boolean, text: string) => {
    const sender = fromA ? a : b;
    const chainKey = sender.sending!.chainKey;
    const seed = kdfChainKey(chainKey).messageKeySeed;
    const mk = expandMessageKey(seed, DR_MESSAGE_KEY_INFO);
    const out = ratchetEncrypt(sender, utf8(text), context);
    if (fromA) a = out.state;
    else b = out.state;
    const receiver = fromA ? b : a;
    const opened = await ratchetDecrypt(provider, fromA ? bRng : aRng, receiver, out.message, context);
    if (fromA) b = opened.state;
    else a = opened.state;
    transcript.push({
      from: fromA ? 'alice' : 'bob',
      plaintext: text,
      sendingChainKey: toHex(chainKey),
      rootKeyAfterSend: toHex((fromA ? a : b).rootKey),
      messageKey: toHex(mk.key),
      nonce: toHex(mk.nonce),
      header: toHex(out.message.slice(0, 42)),
      message: toHex(out.message),
    });
  };
  await step(true, 'a1');
  await step(true, 'a2');
  await step(false, 'b1');
  await step(false, 'b2');
  await step(true, 'a3');
  await step(true, 'a4');
  await step(false, 'b3');

  // Sender keys: three generations, signed.
  const senderRng = seededRng('chatalot-kat-v1/sender-key');
  let own = await createSenderKey(provider, senderRng, 'channel:kat', NOW);
  const distribution = toHex(encodeSenderKeyDistribution(senderKeyDistribution(own)));
  const generations: Array<Record<string, string | number>> = [];
  for (let i = 0; i < 3; i++) {
    const chainKey = own.chain.chainKey;
    const seed = kdfChainKey(chainKey).messageKeySeed;
    const mk = expandMessageKey(seed, SENDER_KEY_MESSAGE_KEY_INFO);
    const out = await senderKeyEncrypt(provider, own, identityPublicOf(alice), utf8(`group ${i}`));
    generations.push({ iteration: own.chain.index, chainKey: toHex(chainKey), messageKey: toHex(mk.key), nonce: toHex(mk.nonce), plaintext: `group ${i}`, message: toHex(out.message), signature: toHex(out.message.slice(-64)) });
    own = out.own;
  }

  return {
    description: 'Chatalot protocol known-answer vectors (format version 1). Generated by tests/vectors/generate.test.ts with UPDATE_VECTORS=1 from seededRng("chatalot-kat-v1"); see docs/crypto.md for every label.',
    labels: { PQXDH_INFO, X3DH_INFO, ROOT_KDF_INFO, DR_MESSAGE_KEY_INFO, SENDER_KEY_MESSAGE_KEY_INFO },
    identities: {
      alice: { signingSeed: toHex(alice.signing.seed), agreementPrivate: toHex(alice.agreement.privateKey), public: toHex(encodeIdentityPublic(identityPublicOf(alice))) },
      bob: { signingSeed: toHex(bob.signing.seed), agreementPrivate: toHex(bob.agreement.privateKey), public: toHex(encodeIdentityPublic(identityPublicOf(bob))) },
    },
    prekeys: {
      signedPreKey: { id: spk.id, createdAt: spk.createdAt, private: toHex(spk.keyPair.privateKey), public: toHex(spk.keyPair.publicKey), signature: toHex(spk.signature) },
      oneTimePreKey: { id: opk.id, private: toHex(opk.keyPair.privateKey), public: toHex(opk.keyPair.publicKey) },
      kyberPreKey: { id: kyber.id, publicKey: toHex(kyber.keyPair.publicKey), signature: toHex(kyber.signature) },
    },
    pqxdh: pq,
    pqxdhWithoutOneTimePreKey: pqNoOpk,
    x3dh,
    kdfRootKey: { rootKey: toHex(rk0), dhOutput: toHex(dhOut), newRootKey: toHex(rkStep.rootKey), chainKey: toHex(rkStep.chainKey) },
    kdfChainKey: ckSteps,
    doubleRatchet: { context: 'channel:kat', transcript },
    senderKey: { channelId: 'channel:kat', keyId: own.keyId, signingPublic: toHex(own.signing.publicKey), distribution, generations },
  };
}
