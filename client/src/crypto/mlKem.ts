/**
 * ML-KEM-768 (FIPS 203) as PQXDH uses it, over @noble/post-quantum.
 *
 * Key generation and encapsulation take their randomness from the `Rng` passed in, so vectors
 * are reproducible. Decapsulation of a wrong ciphertext does not fail (FIPS 203 implicit
 * rejection returns an unrelated secret); the protocol notices later, when the first message does
 * not authenticate. This file deliberately has no WebCrypto path: no platform ships ML-KEM there yet.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { CryptoError, wrapPrimitive } from './errors';
import { randomBytes } from './primitives';
import type { Rng } from './primitives';

/** ML-KEM-768 encapsulation (public) key length. */
export const ML_KEM_PUBLIC_KEY_LENGTH = 1184;
/** ML-KEM-768 decapsulation (secret) key length. */
export const ML_KEM_SECRET_KEY_LENGTH = 2400;
/** ML-KEM-768 ciphertext length. */
export const ML_KEM_CIPHERTEXT_LENGTH = 1088;
/** Seed length of deterministic key generation (d || z). */
const ML_KEM_KEYGEN_SEED_LENGTH = 64;
/** Message randomness of encapsulation. */
const ML_KEM_ENCAPS_RANDOM_LENGTH = 32;

/** An ML-KEM-768 key pair. */
export interface MlKemKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Generates an ML-KEM-768 key pair from the RNG. */
export function mlKemGenerate(rng: Rng): MlKemKeyPair {
  const seed = randomBytes(rng, ML_KEM_KEYGEN_SEED_LENGTH);
  return wrapPrimitive('crypto-unavailable', 'ml-kem', () => ml_kem768.keygen(seed));
}

/** Encapsulates to `publicKey`; a malformed key (FIPS 203 modulus check) is `malformed`. */
export function mlKemEncapsulate(publicKey: Uint8Array, rng: Rng): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  if (publicKey.length !== ML_KEM_PUBLIC_KEY_LENGTH) throw new CryptoError('malformed', 'ml-kem');
  const m = randomBytes(rng, ML_KEM_ENCAPS_RANDOM_LENGTH);
  const r = wrapPrimitive('malformed', 'ml-kem', () => ml_kem768.encapsulate(publicKey, m));
  return { ciphertext: r.cipherText, sharedSecret: r.sharedSecret };
}

/** Decapsulates `ciphertext` with `secretKey`. */
export function mlKemDecapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (ciphertext.length !== ML_KEM_CIPHERTEXT_LENGTH || secretKey.length !== ML_KEM_SECRET_KEY_LENGTH) {
    throw new CryptoError('malformed', 'ml-kem');
  }
  return wrapPrimitive('malformed', 'ml-kem', () => ml_kem768.decapsulate(ciphertext, secretKey));
}
