/**
 * The asymmetric operations the protocol needs, behind one interface with two implementations.
 *
 * X25519 agreement and Ed25519 signatures are the hot operations (a channel backlog is one
 * signature check per message). Node 20 and Chromium ship both in WebCrypto, several times faster
 * than pure JavaScript, so `WebCryptoProvider` uses them; `NobleProvider` (@noble/curves) is the
 * fallback and the reference. Both speak raw bytes (32-byte X25519 private scalars, 32-byte
 * Ed25519 seeds, 32-byte public keys) so state serializes the same way whichever is in use.
 * Both must refuse low-order X25519 points (`low-order-point`) and verify Ed25519 strictly
 * (RFC 8032 with canonical encodings; never ZIP-215). ChaCha20-Poly1305, HKDF and ML-KEM are not
 * here: WebCrypto has no ChaCha20 or ML-KEM, and the symmetric parts are not the bottleneck.
 */

/** Raw-byte asymmetric operations. Every method is async because WebCrypto is. */
export interface CryptoProvider {
  /** 'noble' or 'webcrypto', for tests and the bench. */
  readonly name: string;
  /** X25519 public key for a 32-byte private scalar. */
  x25519PublicKey(privateKey: Uint8Array): Promise<Uint8Array>;
  /**
   * X25519(privateKey, publicKey). Throws `CryptoError('low-order-point')` when the result is the
   * all-zero value (a low-order or small-subgroup public key) and `malformed` on bad lengths.
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>;
  /** Ed25519 public key for a 32-byte seed. */
  ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array>;
  /** Deterministic Ed25519 signature (RFC 8032) of `message`. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /** Strict Ed25519 verification; returns false (never throws) for any invalid input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** Length of X25519 keys and shared secrets. */
export const X25519_KEY_LENGTH = 32;
/** Length of Ed25519 seeds and public keys. */
export const ED25519_KEY_LENGTH = 32;
/** Length of an Ed25519 signature. */
export const ED25519_SIGNATURE_LENGTH = 64;

/**
 * Clamps an X25519 private scalar (RFC 7748 §5). Both implementations clamp internally; storing
 * the clamped form as well means a serialized key has one canonical value, which avoids the
 * disagreement libsignal's KAT once had from an unclamped key.
 */
export function clampX25519(privateKey: Uint8Array): Uint8Array {
  const k = privateKey.slice();
  k[0] = (k[0] as number) & 248;
  k[31] = ((k[31] as number) & 127) | 64;
  return k;
}

/** True when all bytes are zero (the X25519 output for a low-order input), in constant time. */
export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}
