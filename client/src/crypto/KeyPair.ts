/**
 * X25519 and Ed25519 key pairs as raw bytes, and their generation from a passed-in RNG.
 *
 * Keys are plain byte arrays so they serialize identically whichever `CryptoProvider` is in use
 * and can go into an encrypted backup. X25519 private keys are stored clamped (RFC 7748 §5), and
 * `clampX25519` is applied again when state is decoded. This file deliberately does no signing or
 * agreement itself; that is the provider's job.
 */
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, X25519_KEY_LENGTH, clampX25519 } from './CryptoProvider';
import { randomBytes } from './primitives';
import type { Rng } from './primitives';

/** An X25519 key pair (clamped 32-byte private scalar, 32-byte public u-coordinate). */
export interface X25519KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** An Ed25519 key pair (32-byte RFC 8032 seed, 32-byte public key). */
export interface Ed25519KeyPair {
  publicKey: Uint8Array;
  seed: Uint8Array;
}

/** Generates an X25519 key pair. */
export async function generateX25519KeyPair(provider: CryptoProvider, rng: Rng): Promise<X25519KeyPair> {
  const privateKey = clampX25519(randomBytes(rng, X25519_KEY_LENGTH));
  return { privateKey, publicKey: await provider.x25519PublicKey(privateKey) };
}

/** Generates an Ed25519 key pair. */
export async function generateEd25519KeyPair(provider: CryptoProvider, rng: Rng): Promise<Ed25519KeyPair> {
  const seed = randomBytes(rng, ED25519_KEY_LENGTH);
  return { seed, publicKey: await provider.ed25519PublicKey(seed) };
}
