/**
 * `CryptoProvider` over the platform's WebCrypto (`crypto.subtle`) X25519 and Ed25519.
 *
 * WebCrypto only imports private keys as PKCS#8 or JWK, so raw 32-byte keys are wrapped in the
 * fixed 16-byte PKCS#8 prefix of RFC 8410. Imported keys are cached: public keys by value (they
 * are public) and private keys by the identity of the byte array holding them (a WeakMap, so no
 * copy of a secret becomes a map key and entries vanish with the array). Imported private keys
 * are non-extractable. WebCrypto Ed25519 (OpenSSL) verifies strictly, as RFC 8032 asks, and its
 * X25519 refuses low-order points with an OperationError; the result is still checked for the
 * all-zero value, so the refusal does not depend on the platform. It deliberately does not fall
 * back to noble by itself: choosing a provider is `selectProvider`'s job.
 */
import { CryptoError } from './errors';
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, X25519_KEY_LENGTH, isAllZero } from './CryptoProvider';
import { toHex } from './encoding';

/** RFC 8410 PKCS#8 prefix for a raw Ed25519 seed. */
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
/** RFC 8410 PKCS#8 prefix for a raw X25519 private key. */
const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

/** Imported public keys kept; enough for every sender in a busy channel, small enough to ignore. */
export const PUBLIC_KEY_CACHE_SIZE = 1024;

function pkcs8(prefix: Uint8Array, raw: Uint8Array): Uint8Array {
  const b = new Uint8Array(prefix.length + raw.length);
  b.set(prefix);
  b.set(raw, prefix.length);
  return b;
}

/**
 * TypeScript's DOM types want an ArrayBuffer-backed view; our arrays always are (never shared
 * memory), so this narrows the type without copying.
 */
function bs(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>;
}

function b64urlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Provider over `crypto.subtle`. Construct only after `webCryptoAvailable()` said yes. */
export class WebCryptoProvider implements CryptoProvider {
  readonly name = 'webcrypto';
  private readonly subtle: SubtleCrypto;
  private readonly privateKeys = new WeakMap<Uint8Array, CryptoKey>();
  private readonly publicKeys = new Map<string, CryptoKey>();
  /** The last public key imported, by array identity: a backlog verifies one sender's key thousands of times. */
  private last: { raw: Uint8Array; alg: string; key: CryptoKey } | null = null;

  constructor(subtle: SubtleCrypto = globalThis.crypto.subtle) {
    this.subtle = subtle;
  }

  private async importPrivate(raw: Uint8Array, alg: 'X25519' | 'Ed25519'): Promise<CryptoKey> {
    const cached = this.privateKeys.get(raw);
    if (cached && cached.algorithm.name === alg) return cached;
    const prefix = alg === 'X25519' ? X25519_PKCS8_PREFIX : ED25519_PKCS8_PREFIX;
    const key = await this.subtle.importKey('pkcs8', bs(pkcs8(prefix, raw)), { name: alg }, false, alg === 'X25519' ? ['deriveBits'] : ['sign']);
    this.privateKeys.set(raw, key);
    return key;
  }

  private async importPublic(raw: Uint8Array, alg: 'X25519' | 'Ed25519'): Promise<CryptoKey> {
    if (this.last && this.last.raw === raw && this.last.alg === alg) return this.last.key;
    const key = await this.importPublicCached(raw, alg);
    this.last = { raw, alg, key };
    return key;
  }

  private async importPublicCached(raw: Uint8Array, alg: 'X25519' | 'Ed25519'): Promise<CryptoKey> {
    const id = alg + toHex(raw);
    const cached = this.publicKeys.get(id);
    if (cached) return cached;
    const key = await this.subtle.importKey('raw', bs(raw), { name: alg }, true, alg === 'X25519' ? [] : ['verify']);
    if (this.publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) {
      const oldest = this.publicKeys.keys().next().value;
      if (oldest !== undefined) this.publicKeys.delete(oldest);
    }
    this.publicKeys.set(id, key);
    return key;
  }

  private async publicFromPrivate(raw: Uint8Array, alg: 'X25519' | 'Ed25519'): Promise<Uint8Array> {
    // The only way to read the public half is a JWK export of an extractable import.
    const prefix = alg === 'X25519' ? X25519_PKCS8_PREFIX : ED25519_PKCS8_PREFIX;
    const key = await this.subtle.importKey('pkcs8', bs(pkcs8(prefix, raw)), { name: alg }, true, alg === 'X25519' ? ['deriveBits'] : ['sign']);
    const jwk = await this.subtle.exportKey('jwk', key);
    if (typeof jwk.x !== 'string') throw new CryptoError('crypto-unavailable', 'provider');
    return b64urlToBytes(jwk.x);
  }

  async x25519PublicKey(privateKey: Uint8Array): Promise<Uint8Array> {
    if (privateKey.length !== X25519_KEY_LENGTH) throw new CryptoError('malformed', 'x25519');
    try {
      return await this.publicFromPrivate(privateKey, 'X25519');
    } catch (e) {
      if (e instanceof CryptoError) throw e;
      throw new CryptoError('malformed', 'x25519');
    }
  }

  async x25519(privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
    if (privateKey.length !== X25519_KEY_LENGTH || publicKey.length !== X25519_KEY_LENGTH) throw new CryptoError('malformed', 'x25519');
    let out: Uint8Array;
    try {
      const priv = await this.importPrivate(privateKey, 'X25519');
      const pub = await this.importPublic(publicKey, 'X25519');
      out = new Uint8Array(await this.subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256));
    } catch {
      // OpenSSL refuses the all-zero shared secret with an OperationError; lengths were checked above.
      throw new CryptoError('low-order-point', 'x25519');
    }
    if (isAllZero(out)) throw new CryptoError('low-order-point', 'x25519');
    return out;
  }

  async ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
    if (seed.length !== ED25519_KEY_LENGTH) throw new CryptoError('malformed', 'ed25519-sign');
    try {
      return await this.publicFromPrivate(seed, 'Ed25519');
    } catch (e) {
      if (e instanceof CryptoError) throw e;
      throw new CryptoError('malformed', 'ed25519-sign');
    }
  }

  async ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
    if (seed.length !== ED25519_KEY_LENGTH) throw new CryptoError('malformed', 'ed25519-sign');
    try {
      const key = await this.importPrivate(seed, 'Ed25519');
      return new Uint8Array(await this.subtle.sign('Ed25519', key, bs(message)));
    } catch {
      throw new CryptoError('crypto-unavailable', 'ed25519-sign');
    }
  }

  async ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== ED25519_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
    try {
      const key = await this.importPublic(publicKey, 'Ed25519');
      return await this.subtle.verify('Ed25519', key, bs(signature), bs(message));
    } catch {
      return false;
    }
  }
}

/** True when this platform's WebCrypto can generate and use X25519 and Ed25519 keys. */
export async function webCryptoAvailable(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<boolean> {
  if (!subtle) return false;
  try {
    await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    await subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
    return true;
  } catch {
    return false;
  }
}
