/**
 * The public bundle a device publishes so others can start a session with it offline.
 *
 * A bundle holds the device's public identity, its signed X25519 prekey, at most one one-time
 * prekey (the server hands each out once) and, when the device has one, its signed ML-KEM-768
 * prekey. `verifyPreKeyBundle` checks every signature strictly before the initiator uses any key.
 * Encoding: version, kind, identity (64), signed prekey id/time/key/signature, a flags byte (bit 0:
 * one-time prekey present, bit 1: ML-KEM prekey present; other bits refused), then the optional
 * parts. This file deliberately does not decide whether the identity is the expected one: a
 * verified bundle only proves the identity signed these prekeys; `TrustStore` handles the rest.
 */
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, X25519_KEY_LENGTH } from './CryptoProvider';
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, Kind } from './encoding';
import { identityPublicOf } from './IdentityKey';
import type { IdentityKeyPair, IdentityPublic } from './IdentityKey';
import { ML_KEM_PUBLIC_KEY_LENGTH } from './mlKem';
import { kyberPreKeySignedData, signedPreKeySignedData } from './PreKeys';
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from './PreKeys';

const FLAG_ONE_TIME = 0x01;
const FLAG_KYBER = 0x02;

/** The public part of a signed X25519 prekey. */
export interface PublicSignedPreKey {
  id: number;
  createdAt: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/** The public part of a one-time prekey. */
export interface PublicOneTimePreKey {
  id: number;
  publicKey: Uint8Array;
}

/** The public part of a signed ML-KEM-768 prekey. */
export interface PublicKyberPreKey {
  id: number;
  createdAt: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/** A device's prekey bundle as served to an initiator. */
export interface PreKeyBundle {
  identity: IdentityPublic;
  signedPreKey: PublicSignedPreKey;
  oneTimePreKey: PublicOneTimePreKey | null;
  kyberPreKey: PublicKyberPreKey | null;
}

/** Builds the public bundle from a device's own keys. */
export function bundleFromKeys(identity: IdentityKeyPair, spk: SignedPreKey, opk: OneTimePreKey | null, kpk: KyberPreKey | null): PreKeyBundle {
  return {
    identity: identityPublicOf(identity),
    signedPreKey: { id: spk.id, createdAt: spk.createdAt, publicKey: spk.keyPair.publicKey, signature: spk.signature },
    oneTimePreKey: opk ? { id: opk.id, publicKey: opk.keyPair.publicKey } : null,
    kyberPreKey: kpk ? { id: kpk.id, createdAt: kpk.createdAt, publicKey: kpk.keyPair.publicKey, signature: kpk.signature } : null,
  };
}

/** Encodes a bundle. */
export function encodePreKeyBundle(b: PreKeyBundle): Uint8Array {
  const w = ByteWriter.withHeader(Kind.PreKeyBundle).bytes(b.identity.signingKey).bytes(b.identity.agreementKey);
  w.u32(b.signedPreKey.id).u64(b.signedPreKey.createdAt).bytes(b.signedPreKey.publicKey).bytes(b.signedPreKey.signature);
  w.u8((b.oneTimePreKey ? FLAG_ONE_TIME : 0) | (b.kyberPreKey ? FLAG_KYBER : 0));
  if (b.oneTimePreKey) w.u32(b.oneTimePreKey.id).bytes(b.oneTimePreKey.publicKey);
  if (b.kyberPreKey) w.u32(b.kyberPreKey.id).u64(b.kyberPreKey.createdAt).bytes(b.kyberPreKey.publicKey).bytes(b.kyberPreKey.signature);
  return w.finish();
}

/** Decodes a bundle; refuses unknown versions, unknown flags, wrong sizes and trailing bytes. */
export function decodePreKeyBundle(bytes: Uint8Array): PreKeyBundle {
  const r = ByteReader.open(bytes, Kind.PreKeyBundle);
  const identity = { signingKey: r.bytes(ED25519_KEY_LENGTH), agreementKey: r.bytes(X25519_KEY_LENGTH) };
  const signedPreKey = { id: r.u32(), createdAt: r.u64(), publicKey: r.bytes(X25519_KEY_LENGTH), signature: r.bytes(ED25519_SIGNATURE_LENGTH) };
  const flags = r.u8();
  if ((flags & ~(FLAG_ONE_TIME | FLAG_KYBER)) !== 0) throw new CryptoError('malformed', 'decode');
  const oneTimePreKey = flags & FLAG_ONE_TIME ? { id: r.u32(), publicKey: r.bytes(X25519_KEY_LENGTH) } : null;
  const kyberPreKey =
    flags & FLAG_KYBER
      ? { id: r.u32(), createdAt: r.u64(), publicKey: r.bytes(ML_KEM_PUBLIC_KEY_LENGTH), signature: r.bytes(ED25519_SIGNATURE_LENGTH) }
      : null;
  r.end();
  return { identity, signedPreKey, oneTimePreKey, kyberPreKey };
}

/**
 * Verifies the signed prekey's and the ML-KEM prekey's signatures under the bundle's identity
 * (strict Ed25519). Throws `CryptoError('bad-signature', 'verify-bundle')` on any failure.
 */
export async function verifyPreKeyBundle(provider: CryptoProvider, b: PreKeyBundle): Promise<void> {
  const spk = b.signedPreKey;
  const ok = await provider.ed25519Verify(b.identity.signingKey, signedPreKeySignedData(b.identity, spk.id, spk.createdAt, spk.publicKey), spk.signature);
  if (!ok) throw new CryptoError('bad-signature', 'verify-bundle');
  const kpk = b.kyberPreKey;
  if (kpk) {
    const kOk = await provider.ed25519Verify(b.identity.signingKey, kyberPreKeySignedData(b.identity, kpk.id, kpk.createdAt, kpk.publicKey), kpk.signature);
    if (!kOk) throw new CryptoError('bad-signature', 'verify-bundle');
  }
}
