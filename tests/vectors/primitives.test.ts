/**
 * P14: published RFC and Wycheproof vectors through the exact wrappers the protocol calls
 * (CryptoProvider x25519 / ed25519 over noble and WebCrypto, aeadSeal / aeadOpen, hkdf).
 */
import { describe, it, expect } from 'vitest';
import { aeadOpen, aeadSeal, hkdf } from '../../client/src/crypto/primitives';
import { CryptoError } from '../../client/src/crypto/errors';
import { providers } from '../../client/src/crypto/testDevices';
import { hex, loadSharedVector } from './sharedVectors';

interface Wy<T> {
  testGroups: Array<{ tests: T[] } & Record<string, unknown>>;
}
type XdhCase = { tcId: number; public: string; private: string; shared: string; result: string; flags: string[] };
type EdCase = { tcId: number; msg: string; sig: string; result: string };
type AeadCase = { tcId: number; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string; flags: string[] };
type HkdfCase = { tcId: number; ikm: string; salt: string; info: string; size: number; okm: string; result: string };

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.each(providers)('P14: X25519 vectors through %s', (_n, provider) => {
  const rfc = loadSharedVector<{
    scalarmult: Array<{ scalar: string; u: string; out: string }>;
    iterated: Array<{ iterations: number; k: string; slow?: boolean }>;
    dh_6_1: Record<string, string>;
  }>('rfc7748_x25519.json');

  it('RFC 7748 §5.2 scalar multiplication and §6.1 Diffie-Hellman', async () => {
    for (const v of rfc.scalarmult) expect(toHex(await provider.x25519(hex(v.scalar), hex(v.u)))).toBe(v.out);
    const d = rfc.dh_6_1 as Record<string, string>;
    expect(toHex(await provider.x25519PublicKey(hex(d['alice_private']!)))).toBe(d['alice_public']);
    expect(toHex(await provider.x25519PublicKey(hex(d['bob_private']!)))).toBe(d['bob_public']);
    expect(toHex(await provider.x25519(hex(d['alice_private']!), hex(d['bob_public']!)))).toBe(d['shared']);
    expect(toHex(await provider.x25519(hex(d['bob_private']!), hex(d['alice_public']!)))).toBe(d['shared']);
  });

  for (const v of rfc.iterated) {
    const run = v.slow && !process.env['SLOW_VECTORS'] ? it.skip : it;
    run(`RFC 7748 §5.2 iterated ×${v.iterations}${v.slow ? ' (slow: set SLOW_VECTORS=1)' : ''}`, async () => {
      let k: Uint8Array = hex("0900000000000000000000000000000000000000000000000000000000000000");
      let u: Uint8Array = k.slice();
      for (let i = 0; i < v.iterations; i++) {
        const next = await provider.x25519(k, u);
        u = k;
        k = next;
      }
      expect(toHex(k)).toBe(v.k);
    }, 3_600_000);
  }

  it('Wycheproof x25519: valid cases match, low-order / zero-shared-secret cases are refused as low-order-point (P9)', async () => {
    const wy = loadSharedVector<Wy<XdhCase>>('wycheproof_x25519_test.json');
    let refused = 0;
    for (const g of wy.testGroups) {
      for (const t of g.tests) {
        const zero = /^0+$/.test(t.shared);
        let out: string | CryptoError;
        try {
          out = toHex(await provider.x25519(hex(t.private), hex(t.public)));
        } catch (e) {
          out = e as CryptoError;
        }
        if (zero) {
          expect(out, `tcId ${t.tcId}`).toBeInstanceOf(CryptoError);
          expect((out as CryptoError).code).toBe('low-order-point');
          refused++;
        } else if (t.result === 'invalid') {
          expect(out, `tcId ${t.tcId}`).toBeInstanceOf(CryptoError);
        } else {
          expect(out, `tcId ${t.tcId} (${t.result})`).toBe(t.shared);
        }
      }
    }
    expect(refused).toBeGreaterThanOrEqual(31);
  });
});

describe.each(providers)('P14: Ed25519 vectors through %s (strict verification)', (_n, provider) => {
  it('RFC 8032 §7.1: signing reproduces the signature and verification accepts it; flipped bits are refused', async () => {
    const rfc = loadSharedVector<{ tests: Array<{ name: string; secret_key: string; public_key: string; message: string; signature: string }> }>('rfc8032_ed25519.json');
    for (const v of rfc.tests) {
      expect(toHex(await provider.ed25519PublicKey(hex(v.secret_key))), v.name).toBe(v.public_key);
      expect(toHex(await provider.ed25519Sign(hex(v.secret_key), hex(v.message))), v.name).toBe(v.signature);
      expect(await provider.ed25519Verify(hex(v.public_key), hex(v.message), hex(v.signature))).toBe(true);
      const sig = hex(v.signature);
      sig[0] = (sig[0] as number) ^ 1;
      expect(await provider.ed25519Verify(hex(v.public_key), hex(v.message), sig)).toBe(false);
    }
  });

  it('Wycheproof ed25519: all 151 cases as expected (tcId 151, non-canonical R, is refused)', async () => {
    const wy = loadSharedVector<Wy<EdCase>>('wycheproof_ed25519_test.json');
    let n = 0;
    for (const g of wy.testGroups) {
      const pk = hex((g['publicKey'] as { pk: string }).pk);
      for (const t of g.tests) {
        expect(await provider.ed25519Verify(pk, hex(t.msg), hex(t.sig)), `tcId ${t.tcId}`).toBe(t.result === 'valid');
        n++;
      }
    }
    expect(n).toBe(151);
  });
});

describe('P14: ChaCha20-Poly1305 vectors through aeadSeal / aeadOpen', () => {
  it('RFC 8439 §2.8.2 and A.5', () => {
    const rfc = loadSharedVector<{ tests: Array<{ id: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }> }>('rfc8439_chacha20_poly1305.json');
    for (const v of rfc.tests) {
      const sealed = aeadSeal(hex(v.key), hex(v.nonce), hex(v.plaintext), hex(v.aad));
      expect(toHex(sealed), v.id).toBe(v.ciphertext + v.tag);
      expect(toHex(aeadOpen(hex(v.key), hex(v.nonce), sealed, hex(v.aad)))).toBe(v.plaintext);
      const bad = sealed.slice();
      bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
      expect(() => aeadOpen(hex(v.key), hex(v.nonce), bad, hex(v.aad))).toThrow(expect.objectContaining({ code: 'tampered' }));
    }
  });

  it('Wycheproof chacha20_poly1305: 325 cases; invalid tags are tampered, invalid nonce sizes malformed', () => {
    const wy = loadSharedVector<Wy<AeadCase>>('wycheproof_chacha20_poly1305_test.json');
    let n = 0;
    for (const g of wy.testGroups) {
      for (const t of g.tests) {
        n++;
        const key = hex(t.key);
        const iv = hex(t.iv);
        if (t.result === 'valid') {
          expect(toHex(aeadSeal(key, iv, hex(t.msg), hex(t.aad))), `tcId ${t.tcId}`).toBe(t.ct + t.tag);
          expect(toHex(aeadOpen(key, iv, hex(t.ct + t.tag), hex(t.aad)))).toBe(t.msg);
        } else {
          let err: unknown;
          try {
            aeadOpen(key, iv, hex(t.ct + t.tag), hex(t.aad));
          } catch (e) {
            err = e;
          }
          expect(err, `tcId ${t.tcId}`).toBeInstanceOf(CryptoError);
          expect((err as CryptoError).code).toBe(iv.length !== 12 ? 'malformed' : 'tampered');
        }
      }
    }
    expect(n).toBe(325);
  });
});

describe('P14: HKDF-SHA-256 vectors through hkdf', () => {
  it('RFC 5869 A.1-A.3', () => {
    const rfc = loadSharedVector<{ tests: Array<{ id: string; ikm: string; salt: string; info: string; length: number; okm: string }> }>('rfc5869_hkdf_sha256.json');
    for (const v of rfc.tests) expect(toHex(hkdf(hex(v.ikm), hex(v.salt), hex(v.info), v.length)), v.id).toBe(v.okm);
  });

  it('Wycheproof hkdf_sha256: 86 cases; an output size above 255*32 is refused as malformed', () => {
    const wy = loadSharedVector<Wy<HkdfCase>>('wycheproof_hkdf_sha256_test.json');
    let n = 0;
    for (const g of wy.testGroups) {
      for (const t of g.tests) {
        n++;
        if (t.result === 'valid') expect(toHex(hkdf(hex(t.ikm), hex(t.salt), hex(t.info), t.size)), `tcId ${t.tcId}`).toBe(t.okm);
        else expect(() => hkdf(hex(t.ikm), hex(t.salt), hex(t.info), t.size)).toThrow(expect.objectContaining({ code: 'malformed' }));
      }
    }
    expect(n).toBe(86);
  });
});
