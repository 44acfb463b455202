/**
 * TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, ±1 step of drift) and
 * the sealing of TOTP secrets at rest with ChaCha20-Poly1305 under TOTP_ENCRYPTION_KEY, the
 * user id bound as associated data so a sealed secret cannot be moved to another account.
 * It decides whether a code matches a step; replay protection (one use per step) is the
 * storage's atomic `acceptTotpStep`.
 */
import { serverFrankingKey } from '../../protocol/franking';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { base64url, fromBase64url, randomBytes } from './secrets';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps of drift accepted either side of now: one, as the issue and RFC 6238 §5.2 suggest. */
export const TOTP_DRIFT_STEPS = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** RFC 4226 HOTP value for a counter, with the given digits and HMAC hash. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS, hash: typeof sha1 = sha1): string {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const mac = hmac(hash, secret, msg);
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!) % 10 ** digits;
  return code.toString().padStart(digits, '0');
}

export function stepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The step within ±drift whose code equals `code`, or null. Compares every candidate. */
export function matchingStep(secret: Uint8Array, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const now = stepAt(nowMs);
  let found: number | null = null;
  for (let step = now - TOTP_DRIFT_STEPS; step <= now + TOTP_DRIFT_STEPS; step++) {
    if (hotp(secret, step) === code && found === null) found = step;
  }
  return found;
}

/** A new 160-bit secret (RFC 4226's recommended length). */
export function newTotpSecret(): Uint8Array {
  return randomBytes(20);
}

export function otpauthUri(secret: Uint8Array, username: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${username}`);
  return `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
}

/** Decodes TOTP_ENCRYPTION_KEY (32 bytes, base64 or hex). */
export function sealingKey(text: string | undefined): Uint8Array {
  const t = (text ?? '').trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Uint8Array.from(t.match(/../g)!.map((h) => parseInt(h, 16))) : /^[A-Za-z0-9+/]{43}=?$/.test(t) ? Uint8Array.from(atob(t), (c) => c.charCodeAt(0)) : null;
  if (!bytes || bytes.length !== 32) throw new Error('TOTP_ENCRYPTION_KEY is missing or not 32 bytes');
  return bytes;
}

const SEAL_VERSION = 1;

/** Seals a TOTP secret for storage: version byte, 12-byte random nonce, ciphertext and tag. */
export function sealSecret(key: Uint8Array, userId: string, secret: Uint8Array): string {
  const nonce = randomBytes(12);
  const sealed = chacha20poly1305(key, nonce, new TextEncoder().encode(`chatalot totp v1 ${userId}`)).encrypt(secret);
  return base64url(new Uint8Array([SEAL_VERSION, ...nonce, ...sealed]));
}

/** Opens a sealed secret; throws when the key, the user or the bytes are not the ones it was sealed with. */
export function openSecret(key: Uint8Array, userId: string, sealed: string): Uint8Array {
  const bytes = fromBase64url(sealed);
  if (bytes[0] !== SEAL_VERSION || bytes.length < 1 + 12 + 16) throw new Error('unknown TOTP seal format');
  return chacha20poly1305(key, bytes.subarray(1, 13), new TextEncoder().encode(`chatalot totp v1 ${userId}`)).decrypt(bytes.subarray(13));
}

/**
 * The server's message-franking key (protocol/franking.ts), derived from TOTP_ENCRYPTION_KEY, the
 * instance's one symmetric secret, under its own label: rooms tag accepted commitments with it
 * and the report route checks them. Rotating that secret makes older tags unverifiable.
 */
export function frankingKey(text: string | undefined): Uint8Array {
  return serverFrankingKey(sealingKey(text));
}
