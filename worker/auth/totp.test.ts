/**
 * RFC 6238 Appendix B through our own hotp() (with each hash the RFC lists) and the pieces the
 * server builds on it: drift of ±1 step only, base32 and the otpauth URI, and the sealing of
 * secrets at rest (ChaCha20-Poly1305 bound to the user id).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/build.mjs';
import { base32Encode, hotp, matchingStep, openSecret, otpauthUri, sealSecret, sealingKey, stepAt } from './totp';

interface Vector {
  time: number;
  mode: 'SHA1' | 'SHA256' | 'SHA512';
  secret_hex: string;
  step: number;
  digits: number;
  totp: string;
}
const vectors = JSON.parse(readFileSync(path.resolve(ROOT, '..', 'shared', 'vectors', 'rfc6238_totp.json'), 'utf8')).tests as Vector[];
const HASHES = { SHA1: sha1, SHA256: sha256, SHA512: sha512 } as const;

describe('TOTP', () => {
  it('A5: every RFC 6238 Appendix B vector (SHA-1, SHA-256, SHA-512; 8 digits) matches hotp()', () => {
    expect(vectors.length).toBe(18);
    for (const v of vectors) {
      const counter = Math.floor(v.time / v.step);
      expect(stepAt(v.time * 1000)).toBe(counter);
      expect(hotp(Buffer.from(v.secret_hex, 'hex'), counter, v.digits, HASHES[v.mode] as typeof sha1), `${v.mode} t=${v.time}`).toBe(v.totp);
    }
  });

  it('A5: the 6-digit SHA-1 codes apps show are the last 6 digits; matchingStep accepts ±1 step only', () => {
    const sha1Vectors = vectors.filter((v) => v.mode === 'SHA1');
    for (const v of sha1Vectors) {
      const secret = Buffer.from(v.secret_hex, 'hex');
      const code = v.totp.slice(-6);
      const step = Math.floor(v.time / 30);
      expect(hotp(secret, step)).toBe(code);
      expect(matchingStep(secret, code, v.time * 1000)).toBe(step);
      expect(matchingStep(secret, code, (v.time - 30) * 1000)).toBe(step);
      expect(matchingStep(secret, code, (v.time + 30) * 1000)).toBe(step);
      // Two steps away is outside the window, unless the neighbouring step happens to share the code.
      if (hotp(secret, step + 2) !== code && hotp(secret, step + 1) !== code) expect(matchingStep(secret, code, (v.time + 60) * 1000)).toBeNull();
    }
    expect(matchingStep(Buffer.from(sha1Vectors[0]!.secret_hex, 'hex'), '12345', 59_000)).toBeNull();
    expect(matchingStep(Buffer.from(sha1Vectors[0]!.secret_hex, 'hex'), '1234567', 59_000)).toBeNull();
  });

  it('base32 follows RFC 4648 and the otpauth URI carries SHA1, 6 digits and 30 s', () => {
    expect(base32Encode(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(new TextEncoder().encode('12345678901234567890'))).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(otpauthUri(new TextEncoder().encode('12345678901234567890'), 'alice', 'Chatalot')).toBe(
      'otpauth://totp/Chatalot%3Aalice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Chatalot&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('sealed secrets open only with the same key and user; tampering is detected', () => {
    const key = sealingKey(Buffer.alloc(32, 7).toString('base64'));
    expect(sealingKey('07'.repeat(32))).toEqual(key);
    expect(() => sealingKey('short')).toThrow();
    expect(() => sealingKey(undefined)).toThrow();
    const secret = new Uint8Array(20).fill(9);
    const sealed = sealSecret(key, 'user-a', secret);
    expect(sealed).not.toBe(sealSecret(key, 'user-a', secret));
    expect(openSecret(key, 'user-a', sealed)).toEqual(secret);
    expect(() => openSecret(key, 'user-b', sealed)).toThrow();
    expect(() => openSecret(sealingKey('08'.repeat(32)), 'user-a', sealed)).toThrow();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => openSecret(key, 'user-a', bytes.toString('base64url'))).toThrow();
  });
});
