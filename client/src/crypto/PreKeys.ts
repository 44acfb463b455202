/**
 * A device's prekeys: the signed X25519 prekey, one-time X25519 prekeys and the signed ML-KEM-768
 * prekey, plus the policies that say when to rotate or replenish them.
 *
 * Signed prekeys carry an id and a creation time; their signature (by the identity's Ed25519 key)
 * covers a domain label, both halves of the identity, the id, the time and the public key, so a
 * signature cannot be replayed for another key, another identity or another purpose. The ML-KEM
 * prekey is a "last resort" key: it stays until rotated and may serve many sessions, which is why
 * it is signed; one-time X25519 prekeys are consumed on first use. This file deliberately does not
 * talk to the server or the key store; the app calls these helpers with what the server reported.
 */
import type { CryptoProvider } from './CryptoProvider';
import { ByteWriter, utf8 } from './encoding';
import { encodeIdentityPublic, identityPublicOf } from './IdentityKey';
import type { IdentityKeyPair, IdentityPublic } from './IdentityKey';
import { generateX25519KeyPair } from './KeyPair';
import type { X25519KeyPair } from './KeyPair';
import { mlKemGenerate } from './mlKem';
import type { MlKemKeyPair } from './mlKem';
import type { Rng } from './primitives';

/** One-time prekeys uploaded per batch: enough for a burst of new contacts between app launches. */
export const ONE_TIME_PREKEY_BATCH = 100;
/** Replenish when the server holds fewer than this: leaves room for contacts made while offline. */
export const ONE_TIME_PREKEY_LOW_WATER = 20;
/** Signed prekeys rotate weekly, bounding how long one compromised prekey matters. */
export const SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 60 * 60 * 1000;
/** A replaced signed prekey is kept this long so initial messages already in flight still open. */
export const SIGNED_PREKEY_GRACE_MS = 30 * 24 * 60 * 60 * 1000;
/** The ML-KEM last-resort prekey rotates on the same weekly schedule. */
export const KYBER_PREKEY_ROTATION_MS = SIGNED_PREKEY_ROTATION_MS;
/** Largest prekey id; ids are u32 on the wire and wrap around. */
export const MAX_PREKEY_ID = 0xffffffff;

/** Domain label of the signed X25519 prekey signature. */
const SIGNED_PREKEY_LABEL = utf8('Chatalot/SignedPreKey/v1');
/** Domain label of the signed ML-KEM prekey signature. */
const KYBER_PREKEY_LABEL = utf8('Chatalot/KyberPreKey/v1');

/** A signed X25519 prekey with its private half (kept on the device). */
export interface SignedPreKey {
  id: number;
  createdAt: number;
  keyPair: X25519KeyPair;
  signature: Uint8Array;
}

/** A one-time X25519 prekey with its private half. */
export interface OneTimePreKey {
  id: number;
  keyPair: X25519KeyPair;
}

/** A signed ML-KEM-768 prekey with its secret half. */
export interface KyberPreKey {
  id: number;
  createdAt: number;
  keyPair: MlKemKeyPair;
  signature: Uint8Array;
}

/** The bytes a signed X25519 prekey's signature covers. */
export function signedPreKeySignedData(identity: IdentityPublic, id: number, createdAt: number, publicKey: Uint8Array): Uint8Array {
  return new ByteWriter().var16(SIGNED_PREKEY_LABEL).bytes(encodeIdentityPublic(identity)).u32(id).u64(createdAt).bytes(publicKey).finish();
}

/** The bytes a signed ML-KEM prekey's signature covers. */
export function kyberPreKeySignedData(identity: IdentityPublic, id: number, createdAt: number, publicKey: Uint8Array): Uint8Array {
  return new ByteWriter().var16(KYBER_PREKEY_LABEL).bytes(encodeIdentityPublic(identity)).u32(id).u64(createdAt).bytes(publicKey).finish();
}

/** Generates and signs an X25519 prekey. `now` is milliseconds since the epoch. */
export async function generateSignedPreKey(provider: CryptoProvider, rng: Rng, identity: IdentityKeyPair, id: number, now: number): Promise<SignedPreKey> {
  const keyPair = await generateX25519KeyPair(provider, rng);
  const signature = await provider.ed25519Sign(identity.signing.seed, signedPreKeySignedData(identityPublicOf(identity), id, now, keyPair.publicKey));
  return { id, createdAt: now, keyPair, signature };
}

/** Generates and signs an ML-KEM-768 prekey. */
export async function generateKyberPreKey(provider: CryptoProvider, rng: Rng, identity: IdentityKeyPair, id: number, now: number): Promise<KyberPreKey> {
  const keyPair = mlKemGenerate(rng);
  const signature = await provider.ed25519Sign(identity.signing.seed, kyberPreKeySignedData(identityPublicOf(identity), id, now, keyPair.publicKey));
  return { id, createdAt: now, keyPair, signature };
}

/** Generates `count` one-time prekeys with consecutive ids from `firstId` (wrapping at 2^32). */
export async function generateOneTimePreKeys(provider: CryptoProvider, rng: Rng, firstId: number, count: number): Promise<OneTimePreKey[]> {
  const out: OneTimePreKey[] = [];
  for (let i = 0; i < count; i++) out.push({ id: (firstId + i) % (MAX_PREKEY_ID + 1), keyPair: await generateX25519KeyPair(provider, rng) });
  return out;
}

/**
 * How many one-time prekeys to generate when the server reports `remainingOnServer` left:
 * none while at least `ONE_TIME_PREKEY_LOW_WATER` remain, otherwise enough to refill a batch.
 */
export function oneTimePreKeysToGenerate(remainingOnServer: number): number {
  if (!Number.isFinite(remainingOnServer) || remainingOnServer < 0) return ONE_TIME_PREKEY_BATCH;
  if (remainingOnServer >= ONE_TIME_PREKEY_LOW_WATER) return 0;
  return ONE_TIME_PREKEY_BATCH - Math.floor(remainingOnServer);
}

/** True when a signed (or ML-KEM) prekey created at `createdAt` is due for rotation at `now`. */
export function shouldRotateSignedPreKey(createdAt: number, now: number): boolean {
  return now - createdAt >= SIGNED_PREKEY_ROTATION_MS;
}

/**
 * Ids of replaced signed prekeys that may now be deleted: those older than `currentId` (the one
 * the server hands out) whose successor, the key that replaced them, was made at least the grace
 * period ago. Counted from the replacement, not from the key's own age: a device that was away
 * for months replaces a months-old key that the server handed out until then, and the initial
 * messages made with it in the meantime must still open.
 */
export function signedPreKeysToDelete(keys: ReadonlyArray<{ id: number; createdAt: number }>, currentId: number, now: number): number[] {
  const byId = [...keys].sort((a, b) => a.id - b.id);
  return byId.filter((k, i) => k.id < currentId && i + 1 < byId.length && now - byId[i + 1]!.createdAt >= SIGNED_PREKEY_GRACE_MS).map((k) => k.id);
}
