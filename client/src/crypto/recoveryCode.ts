/**
 * The recovery code: 160 random bits a person writes down, and the two keys derived from it.
 *
 * The code is 20 bytes from the RNG, rendered in Crockford base32 (no I, L, O or U, so it reads
 * aloud without ambiguity) as eight groups of four characters. Parsing ignores case, spaces and
 * dashes and maps O→0 and I/L→1. HKDF-SHA-256 with two distinct info labels (salt = SHA-256 of a
 * label and the account id) yields (a) the password-reset verifier, which the client sends and
 * the server stores only as a hash, and (b) the backup key, which never leaves the client. HKDF's
 * outputs under different labels are independent, so the server that sees (a) learns nothing
 * about (b). This file deliberately stores nothing and does not stretch the code: 160 bits from
 * the RNG need no password hashing.
 */
import { CryptoError } from './errors';
import { concat, utf8 } from './encoding';
import { hkdf, randomBytes, sha256 } from './primitives';
import type { Rng } from './primitives';

/** Entropy of a recovery code in bytes (160 bits, above the 128-bit floor). */
export const RECOVERY_CODE_BYTES = 20;
/** Characters in a code (160 bits / 5 bits per character). */
export const RECOVERY_CODE_CHARS = 32;
/** Characters per group when displayed, short enough to read aloud. */
export const RECOVERY_CODE_GROUP = 4;
/** HKDF info of the password-reset verifier. */
export const PASSWORD_RESET_INFO = 'Chatalot_Recovery_PasswordResetVerifier_v1';
/** HKDF info of the backup key. */
export const BACKUP_KEY_INFO = 'Chatalot_Recovery_BackupKey_v1';
/** Label hashed with the account id into the HKDF salt. */
const SALT_LABEL = 'Chatalot_Recovery_Salt_v1';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Encodes 20 bytes as 32 Crockford base32 characters. */
function toBase32(b: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const x of b) {
    acc = (acc << 8) | x;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Generates a recovery code, formatted "XXXX-XXXX-…" (8 groups). */
export function generateRecoveryCode(rng: Rng): string {
  return formatRecoveryCode(randomBytes(rng, RECOVERY_CODE_BYTES));
}

/** Formats code bytes for display. */
export function formatRecoveryCode(bytes: Uint8Array): string {
  if (bytes.length !== RECOVERY_CODE_BYTES) throw new CryptoError('malformed', 'recovery-code');
  const s = toBase32(bytes);
  return (s.match(new RegExp(`.{1,${RECOVERY_CODE_GROUP}}`, 'g')) ?? []).join('-');
}

/** Parses a typed code back to its 20 bytes; anything else is `malformed`. */
export function parseRecoveryCode(code: string): Uint8Array {
  const s = code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== RECOVERY_CODE_CHARS) throw new CryptoError('malformed', 'recovery-code');
  const out = new Uint8Array(RECOVERY_CODE_BYTES);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of s) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) throw new CryptoError('malformed', 'recovery-code');
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[o++] = (acc >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** The two independent keys a recovery code yields. */
export interface RecoveryKeys {
  /** Sent to the server at reset; the server stores only a hash of it. */
  passwordResetVerifier: Uint8Array;
  /** Encrypts the key backup; never leaves the client. */
  backupKey: Uint8Array;
}

/** Derives the reset verifier and the backup key from a code for `accountId`. */
export function deriveRecoveryKeys(code: string | Uint8Array, accountId: string): RecoveryKeys {
  const ikm = typeof code === 'string' ? parseRecoveryCode(code) : code;
  if (ikm.length !== RECOVERY_CODE_BYTES) throw new CryptoError('malformed', 'recovery-code');
  const salt = sha256(concat(utf8(SALT_LABEL), utf8(accountId)));
  return { passwordResetVerifier: hkdf(ikm, salt, utf8(PASSWORD_RESET_INFO), 32), backupKey: hkdf(ikm, salt, utf8(BACKUP_KEY_INFO), 32) };
}
