/**
 * `CryptoProvider` over @noble/curves: the portable fallback and the reference implementation.
 *
 * Ed25519 verification passes `{ zip215: false }`: noble's default accepts ZIP-215 encodings and
 * so accepts Wycheproof tcId 151 (a non-canonical R); the strict mode passes all 151 cases.
 * X25519 in noble throws when the shared secret is all-zero (low-order points); that exception
 * becomes `CryptoError('low-order-point')`, a fatal refusal, never something to carry on from.
 * It deliberately does no caching and keeps no state.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from './errors';
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, X25519_KEY_LENGTH, isAllZero } from './CryptoProvider';

function checkLength(b: Uint8Array, n: number, operation: 'x25519' | 'ed25519-sign'): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new CryptoError('malformed', operation);
}

/** Pure-JavaScript provider (synchronous work behind async signatures). */
export class NobleProvider implements CryptoProvider {
  readonly name = 'noble';

  async x25519PublicKey(privateKey: Uint8Array): Promise<Uint8Array> {
    checkLength(privateKey, X25519_KEY_LENGTH, 'x25519');
    return x25519.getPublicKey(privateKey);
  }

  async x25519(privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
    checkLength(privateKey, X25519_KEY_LENGTH, 'x25519');
    checkLength(publicKey, X25519_KEY_LENGTH, 'x25519');
    let out: Uint8Array;
    try {
      out = x25519.getSharedSecret(privateKey, publicKey);
    } catch {
      // noble throws only for the all-zero result once lengths are right.
      throw new CryptoError('low-order-point', 'x25519');
    }
    if (isAllZero(out)) throw new CryptoError('low-order-point', 'x25519');
    return out;
  }

  async ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
    checkLength(seed, ED25519_KEY_LENGTH, 'ed25519-sign');
    return ed25519.getPublicKey(seed);
  }

  async ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
    checkLength(seed, ED25519_KEY_LENGTH, 'ed25519-sign');
    return ed25519.sign(message, seed);
  }

  async ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== ED25519_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  }
}
