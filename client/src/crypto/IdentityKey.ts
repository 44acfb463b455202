/**
 * A device's long-term identity: an Ed25519 signing key and an X25519 agreement key.
 *
 * Choice (vs XEdDSA): Signal uses one X25519 key and signs with XEdDSA, which needs a
 * hand-written conversion and signature scheme that neither noble nor WebCrypto ships. We keep two
 * standard keys instead: Ed25519 (RFC 8032, strict verification) for signatures and X25519
 * (RFC 7748) for PQXDH. The public identity is the pair, encoded together (66 bytes with the
 * version and kind header); every signature over a prekey covers both halves, and safety numbers
 * and TOFU pin the whole encoding, so a server cannot swap one half and keep the other. The cost
 * is 32 more bytes per identity. This file deliberately does not decide whom to trust: that is
 * `TrustStore` and `DeviceList`.
 */
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, X25519_KEY_LENGTH } from './CryptoProvider';
import { ByteReader, ByteWriter, Kind, constantTimeEqual } from './encoding';
import { generateEd25519KeyPair, generateX25519KeyPair } from './KeyPair';
import type { Ed25519KeyPair, X25519KeyPair } from './KeyPair';
import type { Rng } from './primitives';

/** The public half of an identity. */
export interface IdentityPublic {
  /** Ed25519 public key: verifies prekey, device and sender-key signatures. */
  signingKey: Uint8Array;
  /** X25519 public key: the IK of PQXDH. */
  agreementKey: Uint8Array;
}

/** A device's identity key pairs. */
export interface IdentityKeyPair {
  signing: Ed25519KeyPair;
  agreement: X25519KeyPair;
}

/** Length of an encoded public identity: header (2) + Ed25519 (32) + X25519 (32). */
export const IDENTITY_PUBLIC_LENGTH = 2 + ED25519_KEY_LENGTH + X25519_KEY_LENGTH;

/** Generates a new identity for a device. */
export async function generateIdentityKeyPair(provider: CryptoProvider, rng: Rng): Promise<IdentityKeyPair> {
  return { signing: await generateEd25519KeyPair(provider, rng), agreement: await generateX25519KeyPair(provider, rng) };
}

/** The public half of an identity key pair. */
export function identityPublicOf(pair: IdentityKeyPair): IdentityPublic {
  return { signingKey: pair.signing.publicKey, agreementKey: pair.agreement.publicKey };
}

/** Encodes a public identity: version, kind, Ed25519 key, X25519 key. */
export function encodeIdentityPublic(id: IdentityPublic): Uint8Array {
  return ByteWriter.withHeader(Kind.IdentityPublic).bytes(id.signingKey).bytes(id.agreementKey).finish();
}

/** Decodes a public identity; wrong sizes are `malformed`, another version `unknown-version`. */
export function decodeIdentityPublic(bytes: Uint8Array): IdentityPublic {
  const r = ByteReader.open(bytes, Kind.IdentityPublic);
  const signingKey = r.bytes(ED25519_KEY_LENGTH);
  const agreementKey = r.bytes(X25519_KEY_LENGTH);
  r.end();
  return { signingKey, agreementKey };
}

/** True when both halves are equal. */
export function identitiesEqual(a: IdentityPublic, b: IdentityPublic): boolean {
  return constantTimeEqual(encodeIdentityPublic(a), encodeIdentityPublic(b));
}
