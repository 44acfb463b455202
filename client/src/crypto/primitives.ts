/**
 * Symmetric primitives and the randomness/clock types, as the protocol calls them.
 *
 * Thin wrappers over @noble/hashes and @noble/ciphers: HKDF-SHA-256, HMAC-SHA-256, SHA-256/512
 * and ChaCha20-Poly1305 (RFC 8439, 96-bit nonce, 128-bit tag appended to the ciphertext). The
 * wrappers check lengths at the boundary and turn every library exception into a `CryptoError`,
 * so a bad tag is `tampered` and a bad size is `malformed`. They deliberately hold no state, draw
 * no randomness and read no clock: an `Rng` is always passed in. Asymmetric operations live behind
 * `CryptoProvider`, because only they have a faster WebCrypto path.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { CryptoError, wrapPrimitive } from './errors';

/** Source of cryptographically secure random bytes, passed in (never read ambiently by the core). */
export type Rng = (length: number) => Uint8Array;

/** Symmetric key length in bytes (256-bit keys everywhere). */
export const KEY_LENGTH = 32;
/** ChaCha20-Poly1305 nonce length (RFC 8439 IETF variant). */
export const AEAD_NONCE_LENGTH = 12;
/** Poly1305 tag length appended to each ciphertext. */
export const AEAD_TAG_LENGTH = 16;
/** HKDF-SHA-256 output limit (255 × hash length, RFC 5869 §2.3); longer requests are refused. */
export const HKDF_MAX_OUTPUT = 255 * 32;

/** The system RNG for callers at the edge (the app); core code receives an `Rng` parameter instead. */
export const systemRng: Rng = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let o = 0; o < length; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(length, o + 65536)));
  return out;
};

/** Draws `length` bytes from `rng` and checks it returned exactly that many. */
export function randomBytes(rng: Rng, length: number): Uint8Array {
  const b = rng(length);
  if (!(b instanceof Uint8Array) || b.length !== length) throw new CryptoError('crypto-unavailable', 'provider');
  return b;
}

/** HKDF-SHA-256 (RFC 5869). An empty salt means HashLen zero bytes, as the RFC says. */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_MAX_OUTPUT) throw new CryptoError('malformed', 'hkdf');
  return wrapPrimitive('malformed', 'hkdf', () => nobleHkdf(nobleSha256, ikm, salt, info, length));
}

/** HMAC-SHA-256. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return nobleHmac(nobleSha256, key, data);
}

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA-512. */
export function sha512(data: Uint8Array): Uint8Array {
  return nobleSha512(data);
}

/**
 * ChaCha20-Poly1305 encryption: returns ciphertext || 16-byte tag.
 * The caller is responsible for never reusing (key, nonce); the protocol derives both from a
 * one-time message key, or draws the nonce from the RNG for long-lived keys (backup).
 */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  if (key.length !== KEY_LENGTH || nonce.length !== AEAD_NONCE_LENGTH) throw new CryptoError('malformed', 'aead-seal');
  return wrapPrimitive('malformed', 'aead-seal', () => chacha20poly1305(key, nonce, ad).encrypt(plaintext));
}

/** ChaCha20-Poly1305 decryption of ciphertext || tag; any authentication failure is `tampered`. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
  if (key.length !== KEY_LENGTH || nonce.length !== AEAD_NONCE_LENGTH) throw new CryptoError('malformed', 'aead-open');
  if (sealed.length < AEAD_TAG_LENGTH) throw new CryptoError('tampered', 'aead-open');
  return wrapPrimitive('tampered', 'aead-open', () => chacha20poly1305(key, nonce, ad).decrypt(sealed));
}
