/**
 * Safety numbers: a 60-digit number both users compare to confirm they see each other's real key.
 *
 * Signal's NumericFingerprint, with our key encoding: per side,
 *   h = SHA-512(version (2 bytes, 0) || key || stableId); repeat 5200 times h = SHA-512(h || key);
 * the first 30 bytes of h become six 5-digit groups (each 5-byte big-endian chunk mod 100000).
 * The two 30-digit halves are sorted, so both users get the same 60 digits. The QR payload is
 * version, kind, then the first 32 bytes of each side's hash (scanner's own first when it builds
 * it); `compareSafetyNumberQr` accepts a payload built by the other side. Inputs are the keys the
 * app pins (the account key) and stable ids (user ids). Deliberately not here: deciding trust
 * (`TrustStore`) and rendering the QR image.
 */
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, Kind, constantTimeEqual, utf8 } from './encoding';
import { sha512 } from './primitives';

/** Hash iterations per side: Signal's value, making a 30-digit collision search expensive. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Digits per side. */
export const SAFETY_NUMBER_SIDE_DIGITS = 30;
/** Fingerprint version mixed into the hash (0, as Signal's numeric version). */
const FINGERPRINT_VERSION = Uint8Array.of(0, 0);
/** Bytes of each side's hash in the QR payload. */
const QR_HASH_LENGTH = 32;

/** One side of a safety number. */
export interface FingerprintParty {
  /** The pinned public key (encoded). */
  identityKey: Uint8Array;
  /** A stable identifier (the user id). */
  stableId: string;
}

function iteratedHash(p: FingerprintParty): Uint8Array {
  const id = utf8(p.stableId);
  const first = new Uint8Array(2 + p.identityKey.length + id.length);
  first.set(FINGERPRINT_VERSION);
  first.set(p.identityKey, 2);
  first.set(id, 2 + p.identityKey.length);
  let h = sha512(first);
  const buf = new Uint8Array(64 + p.identityKey.length);
  buf.set(p.identityKey, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0);
    h = sha512(buf);
  }
  return h;
}

function digits(h: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 30; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + (h[i + j] as number);
    s += String(v % 100000).padStart(5, '0');
  }
  return s;
}

/** Both sides' 30-digit strings and hashes, computed once. */
export interface SafetyNumber {
  /** 60 digits, identical on both sides. */
  digits: string;
  localDigits: string;
  remoteDigits: string;
  localHash: Uint8Array;
  remoteHash: Uint8Array;
}

/** Computes the safety number between `local` and `remote`. */
export function computeSafetyNumber(local: FingerprintParty, remote: FingerprintParty): SafetyNumber {
  const localHash = iteratedHash(local);
  const remoteHash = iteratedHash(remote);
  const localDigits = digits(localHash);
  const remoteDigits = digits(remoteHash);
  const ordered = localDigits <= remoteDigits ? localDigits + remoteDigits : remoteDigits + localDigits;
  return { digits: ordered, localDigits, remoteDigits, localHash, remoteHash };
}

/** Formats 60 digits as twelve groups of five for display. */
export function formatSafetyNumber(d: string): string {
  return (d.match(/.{1,5}/g) ?? []).join(' ');
}

/** The QR payload this device shows. */
export function safetyNumberQrPayload(n: SafetyNumber): Uint8Array {
  return ByteWriter.withHeader(Kind.SafetyNumberQr).bytes(n.localHash.slice(0, QR_HASH_LENGTH)).bytes(n.remoteHash.slice(0, QR_HASH_LENGTH)).finish();
}

/**
 * True when a scanned payload (built by the other side) matches our view: their "local" is our
 * "remote" and vice versa. A payload of another version or size throws a typed error.
 */
export function compareSafetyNumberQr(scanned: Uint8Array, ours: SafetyNumber): boolean {
  let r: ByteReader;
  try {
    r = ByteReader.open(scanned, Kind.SafetyNumberQr);
  } catch (e) {
    if (e instanceof CryptoError) throw new CryptoError(e.code, 'safety-number');
    throw e;
  }
  const theirLocal = r.bytes(QR_HASH_LENGTH);
  const theirRemote = r.bytes(QR_HASH_LENGTH);
  r.end();
  const a = constantTimeEqual(theirLocal, ours.remoteHash.slice(0, QR_HASH_LENGTH));
  const b = constantTimeEqual(theirRemote, ours.localHash.slice(0, QR_HASH_LENGTH));
  return a && b;
}

/** True when two typed-in or displayed safety numbers are the same 60 digits (spaces ignored). */
export function safetyNumbersMatch(a: string, b: string): boolean {
  const na = a.replace(/\s+/g, '');
  const nb = b.replace(/\s+/g, '');
  return /^\d{60}$/.test(na) && constantTimeEqual(utf8(na), utf8(nb));
}
