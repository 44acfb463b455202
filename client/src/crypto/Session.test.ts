import { describe, it, expect } from 'vitest';
import { decodeSessionRecord, decryptFrom, encodeSessionRecord, encryptTo, startSession } from './Session';
import { bundleOf, makeDevice, providers } from './testDevices';
import type { TestDevice } from './testDevices';
import type { CryptoProvider } from './CryptoProvider';
import { CryptoError } from './errors';
import { utf8, fromUtf8 } from './encoding';
import { encodePreKeyBundle, decodePreKeyBundle, verifyPreKeyBundle } from './PreKeyBundle';
import { decodeInitialMessage, encodeInitialMessage } from './pqxdh';
import { generateIdentityKeyPair } from './IdentityKey';
import { generateSignedPreKey } from './PreKeys';
import { seededRng } from './seededRng';
import { createSenderKey, senderKeyEncrypt } from './SenderKey';

const NOW = 1_700_000_000_000;
const CH = utf8('channel:dm-ab');

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => e instanceof CryptoError && e.code === code);
}

async function pair(provider: CryptoProvider, opts: { opk?: boolean; kyber?: boolean } = {}): Promise<{ a: TestDevice; b: TestDevice }> {
  const a = await makeDevice(provider, 'alice.1');
  const b = await makeDevice(provider, 'bob.1');
  await startSession({ provider, rng: a.rng, store: a.store }, b.address, bundleOf(b, opts), NOW);
  return { a, b };
}

const send = (provider: CryptoProvider, from: TestDevice, to: TestDevice, text: string, ctx = CH) =>
  encryptTo({ provider, rng: from.rng, store: from.store }, to.address, utf8(text), ctx);
const recv = async (provider: CryptoProvider, at: TestDevice, from: TestDevice, msg: Uint8Array, ctx = CH) =>
  fromUtf8((await decryptFrom({ provider, rng: at.rng, store: at.store }, from.address, msg, ctx, NOW)).plaintext);

describe.each(providers)('Session over %s', (_name, provider) => {
  it('PQXDH + Double Ratchet round trip in both directions over many steps', async () => {
    const { a, b } = await pair(provider);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3; i++) expect(await recv(provider, b, a, await send(provider, a, b, `a${round}.${i}`))).toBe(`a${round}.${i}`);
      for (let i = 0; i < 2; i++) expect(await recv(provider, a, b, await send(provider, b, a, `b${round}.${i}`))).toBe(`b${round}.${i}`);
    }
    const rec = await a.store.getSession(b.address);
    expect(rec?.postQuantum).toBe(true);
    expect(rec?.usedOneTimePreKey).toBe(true);
    expect(rec?.pendingInitial).toBeNull();
  });

  it('issue #20: two devices that start sessions with each other at the same moment keep reading each other (crossed sessions are archived, not lost)', async () => {
    const a = await makeDevice(provider, 'alice.1');
    const b = await makeDevice(provider, 'bob.1');
    // Each starts a session to the other before hearing from it, and sends on it.
    await startSession({ provider, rng: a.rng, store: a.store }, b.address, bundleOf(b), NOW);
    await startSession({ provider, rng: b.rng, store: b.store }, a.address, bundleOf(a), NOW);
    const fromA = await send(provider, a, b, 'a0');
    const fromB = await send(provider, b, a, 'b0');
    // Both initial messages arrive; each replaces the receiver's own session, which is archived.
    expect(await recv(provider, b, a, fromA)).toBe('a0');
    expect(await recv(provider, a, b, fromB)).toBe('b0');
    // From now on each encrypts with the session the other started: every message still opens,
    // in both directions, over several rounds (before: each side's next message was refused).
    for (let round = 0; round < 4; round++) {
      expect(await recv(provider, b, a, await send(provider, a, b, `a${round + 1}`))).toBe(`a${round + 1}`);
      expect(await recv(provider, a, b, await send(provider, b, a, `b${round + 1}`))).toBe(`b${round + 1}`);
    }
    // A message sent on a session before it was archived still opens, once.
    const late = await send(provider, a, b, 'late');
    expect(await recv(provider, b, a, late)).toBe('late');
    await expectCode(recv(provider, b, a, late), 'duplicate-message');
  });

  it('plain X3DH when the responder has no ML-KEM prekey, and the session is flagged not post-quantum', async () => {
    const { a, b } = await pair(provider, { kyber: false });
    expect(await recv(provider, b, a, await send(provider, a, b, 'hi'))).toBe('hi');
    expect(await recv(provider, a, b, await send(provider, b, a, 'yo'))).toBe('yo');
    expect((await a.store.getSession(b.address))?.postQuantum).toBe(false);
    expect((await b.store.getSession(a.address))?.postQuantum).toBe(false);
  });

  it('initial message carries identity, ephemeral key, prekey ids and KEM ciphertext until the first reply', async () => {
    const { a, b } = await pair(provider);
    const m1 = await send(provider, a, b, 'one');
    const m2 = await send(provider, a, b, 'two');
    const d = decodeInitialMessage(m1);
    expect(d.signedPreKeyId).toBe(b.spk.id);
    expect(d.oneTimePreKeyId).toBe(b.opks[0]?.id);
    expect(d.kyber?.id).toBe(b.kyber.id);
    expect(d.kyber?.ciphertext.length).toBe(1088);
    expect(decodeInitialMessage(m2).baseKey).toEqual(d.baseKey);
    // Second message arrives first: the session is built from it; the first still opens.
    expect(await recv(provider, b, a, m2)).toBe('two');
    expect(await recv(provider, b, a, m1)).toBe('one');
    expect(await recv(provider, a, b, await send(provider, b, a, 'back'))).toBe('back');
    expect((await send(provider, a, b, 'three'))[1]).toBe(0x04);
  });

  it('P1: the same DM ciphertext delivered twice is refused as duplicate-message, also after a restart', async () => {
    const { a, b } = await pair(provider);
    const m1 = await send(provider, a, b, 'x');
    expect(await recv(provider, b, a, m1)).toBe('x');
    await expectCode(recv(provider, b, a, m1), 'duplicate-message');
    const r1 = await send(provider, b, a, 'r');
    expect(await recv(provider, a, b, r1)).toBe('r');
    const m2 = await send(provider, a, b, 'y');
    expect(await recv(provider, b, a, m2)).toBe('y');
    // "Restart": the store round-trips through serialization.
    const rec = await b.store.getSession(a.address);
    await b.store.putSession(a.address, decodeSessionRecord(encodeSessionRecord(rec!)));
    await expectCode(recv(provider, b, a, m2), 'duplicate-message');
    await expectCode(recv(provider, b, a, m1), 'duplicate-message');
    expect(await recv(provider, b, a, await send(provider, a, b, 'z'))).toBe('z');
  });

  it('P2: a replayed initial message with a one-time prekey is refused and the prekey is gone', async () => {
    const { a, b } = await pair(provider);
    const m1 = await send(provider, a, b, 'hello');
    expect(await recv(provider, b, a, m1)).toBe('hello');
    expect(await b.store.getOneTimePreKey(b.opks[0]!.id)).toBeUndefined();
    const before = encodeSessionRecord((await b.store.getSession(a.address))!);
    await expectCode(recv(provider, b, a, m1), 'duplicate-message');
    expect(encodeSessionRecord((await b.store.getSession(a.address))!)).toEqual(before);
    // Even with the session gone (reinstall without backup), the replay cannot rebuild it.
    await b.store.removeSession(a.address);
    await expectCode(recv(provider, b, a, m1), 'duplicate-message');
    // And a different responder store that never saw the base key still has no prekey to give.
    const b2 = await makeDevice(provider, 'bob.1');
    await b2.store.removeOneTimePreKey(b.opks[0]!.id);
    await expectCode(recv(provider, b2, a, m1), 'prekey-reused');
  });

  it('P2: a replayed initial message without a one-time prekey is not shown twice and Bob replies under a fresh ratchet key', async () => {
    const { a, b } = await pair(provider, { opk: false });
    expect((await a.store.getSession(b.address))?.usedOneTimePreKey).toBe(false);
    const m1 = await send(provider, a, b, 'hello');
    expect(await recv(provider, b, a, m1)).toBe('hello');
    await expectCode(recv(provider, b, a, m1), 'duplicate-message');
    await b.store.removeSession(a.address);
    await expectCode(recv(provider, b, a, m1), 'duplicate-message');
    const c = await pair(provider, { opk: false });
    const n1 = await send(provider, c.a, c.b, 'hi');
    expect(await recv(provider, c.b, c.a, n1)).toBe('hi');
    const reply = await send(provider, c.b, c.a, 'reply');
    const bobSpk = c.b.spk.keyPair.publicKey;
    expect(reply.slice(2, 34)).not.toEqual(bobSpk);
  });

  it('P9: a bundle whose signed prekey signature is bad is refused', async () => {
    const a = await makeDevice(provider, 'alice.1');
    const b = await makeDevice(provider, 'bob.1');
    const bundle = bundleOf(b);
    const sig = bundle.signedPreKey.signature.slice();
    sig[5] = (sig[5] as number) ^ 1;
    await expectCode(startSession({ provider, rng: a.rng, store: a.store }, b.address, { ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: sig } }, NOW), 'bad-signature');
    const kSig = bundle.kyberPreKey!.signature.slice();
    kSig[0] = (kSig[0] as number) ^ 1;
    await expectCode(verifyPreKeyBundle(provider, { ...bundle, kyberPreKey: { ...bundle.kyberPreKey!, signature: kSig } }), 'bad-signature');
    expect(await a.store.getSession(b.address)).toBeUndefined();
  });

  it('P9: a signed prekey signed under a swapped identity is refused, and a swapped identity with its own prekey is a different key for TOFU', async () => {
    const a = await makeDevice(provider, 'alice.1');
    const b = await makeDevice(provider, 'bob.1');
    const mallory = await generateIdentityKeyPair(provider, seededRng('mallory'));
    const bundle = bundleOf(b);
    // Identity swapped, prekeys kept: signatures no longer verify.
    await expectCode(verifyPreKeyBundle(provider, { ...bundle, identity: { signingKey: mallory.signing.publicKey, agreementKey: mallory.agreement.publicKey } }), 'bad-signature');
    // Only the X25519 half swapped: the signature covers both halves.
    await expectCode(verifyPreKeyBundle(provider, { ...bundle, identity: { ...bundle.identity, agreementKey: mallory.agreement.publicKey } }), 'bad-signature');
    // A fully consistent fake bundle verifies, but names another identity (caught by TrustStore).
    const mSpk = await generateSignedPreKey(provider, seededRng('m'), mallory, 1, NOW);
    const fake = { ...bundle, identity: { signingKey: mallory.signing.publicKey, agreementKey: mallory.agreement.publicKey }, signedPreKey: { id: 1, createdAt: NOW, publicKey: mSpk.keyPair.publicKey, signature: mSpk.signature }, kyberPreKey: null, oneTimePreKey: null };
    await verifyPreKeyBundle(provider, fake);
    const rec = await startSession({ provider, rng: a.rng, store: a.store }, b.address, fake, NOW);
    expect(rec.remoteIdentity.signingKey).not.toEqual(b.publicIdentity.signingKey);
  });

  it('P9: Wycheproof low-order points as SPK, OPK or EK are a fatal low-order-point refusal', async () => {
    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ].map((h) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16))));
    const a = await makeDevice(provider, 'alice.1');
    const b = await makeDevice(provider, 'bob.1');
    for (const lo of lowOrder) {
      // OPK is not signed, so a server can substitute it freely: refused at DH time.
      const bundle = bundleOf(b);
      await expectCode(startSession({ provider, rng: a.rng, store: a.store }, b.address, { ...bundle, oneTimePreKey: { id: 1, publicKey: lo } }, NOW), 'low-order-point');
      // A low-order SPK would need a valid signature; sign one to show the DH still refuses it.
      const spkData = await import('./PreKeys').then((m) => m.signedPreKeySignedData(b.publicIdentity, 9, NOW, lo));
      const sig = await provider.ed25519Sign(b.identity.signing.seed, spkData);
      await expectCode(startSession({ provider, rng: a.rng, store: a.store }, b.address, { ...bundle, signedPreKey: { id: 9, createdAt: NOW, publicKey: lo, signature: sig } }, NOW), 'low-order-point');
    }
    // Low-order EK in an initial message: Bob refuses and keeps his one-time prekey.
    const { a: a2, b: b2 } = await pair(provider);
    const m = decodeInitialMessage(await send(provider, a2, b2, 'x'));
    await expectCode(recv(provider, b2, a2, encodeInitialMessage({ ...m, baseKey: lowOrder[2]! })), 'low-order-point');
    expect(await b2.store.getOneTimePreKey(b2.opks[0]!.id)).toBeDefined();
    expect(await b2.store.getSession(a2.address)).toBeUndefined();
  });

  it('P9: one one-time prekey served twice: the second session is refused as prekey-reused', async () => {
    const b = await makeDevice(provider, 'bob.1');
    const a = await makeDevice(provider, 'alice.1');
    const c = await makeDevice(provider, 'carol.1');
    const bundle = bundleOf(b);
    await startSession({ provider, rng: a.rng, store: a.store }, b.address, bundle, NOW);
    await startSession({ provider, rng: c.rng, store: c.store }, b.address, bundle, NOW);
    expect(await recv(provider, b, a, await send(provider, a, b, 'a'))).toBe('a');
    await expectCode(recv(provider, b, c, await send(provider, c, b, 'c')), 'prekey-reused');
  });

  it('P13: a DM moved to another conversation context is refused as tampered; a group message handed to the DM path is malformed', async () => {
    const { a, b } = await pair(provider);
    expect(await recv(provider, b, a, await send(provider, a, b, 'first'))).toBe('first');
    const m = await send(provider, a, b, 'second');
    await expectCode(recv(provider, b, a, m, utf8('channel:other')), 'tampered');
    expect(await recv(provider, b, a, m)).toBe('second');
    const own = await createSenderKey(provider, a.rng, 'channel:dm-ab', NOW);
    const group = (await senderKeyEncrypt(provider, own, a.publicIdentity, utf8('g'))).message;
    await expectCode(recv(provider, b, a, group), 'malformed');
  });

  it('a ratchet message without a session is session-missing; an unknown version is unknown-version', async () => {
    const { a, b } = await pair(provider);
    expect(await recv(provider, b, a, await send(provider, a, b, 'x'))).toBe('x');
    const r = await send(provider, b, a, 'y');
    const stranger = await makeDevice(provider, 'carol.1');
    await expectCode(recv(provider, stranger, b, r), 'session-missing');
    const v2 = r.slice();
    v2[0] = 2;
    await expectCode(recv(provider, a, b, v2), 'unknown-version');
    expect(await recv(provider, a, b, r)).toBe('y');
  });

  it('bundle encoding round-trips and refuses unknown flags', async () => {
    const b = await makeDevice(provider, 'bob.1');
    for (const opts of [{}, { opk: false }, { kyber: false }, { opk: false, kyber: false }]) {
      const bundle = bundleOf(b, opts);
      expect(decodePreKeyBundle(encodePreKeyBundle(bundle))).toEqual(bundle);
    }
    const enc = encodePreKeyBundle(bundleOf(b, { opk: false, kyber: false }));
    enc[2 + 64 + 4 + 8 + 32 + 64] = 0x80;
    expect(() => decodePreKeyBundle(enc)).toThrow(CryptoError);
  });
});
