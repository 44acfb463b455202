/**
 * Random identifiers and tokens, and the one-way digests the server stores instead of them.
 * Refresh tokens, backup codes and recovery verifiers are stored only as SHA-256 digests.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** A 128-bit random id, URL-safe (22 characters). */
export function newId(): string {
  return base64url(randomBytes(16));
}

/** A 256-bit random refresh token (43 characters). */
export function newRefreshToken(): string {
  return base64url(randomBytes(32));
}

/** SHA-256 of a UTF-8 string, hex: how tokens and codes are stored. */
export function digest(text: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}

/** Constant-time comparison of two byte strings of possibly different lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
