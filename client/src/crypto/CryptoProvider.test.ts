import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { NobleProvider } from './NobleProvider';
import { WebCryptoProvider, webCryptoAvailable } from './WebCryptoProvider';
import { selectProvider } from './selectProvider';
import { clampX25519 } from './CryptoProvider';
import { generateX25519KeyPair, generateEd25519KeyPair } from './KeyPair';
import { seededRng } from './seededRng';

const noble = new NobleProvider();
const web = new WebCryptoProvider();

describe('CryptoProvider implementations agree', () => {
  it('WebCrypto X25519 and Ed25519 are available on this Node, and selectProvider picks them', async () => {
    expect(await webCryptoAvailable()).toBe(true);
    expect((await selectProvider()).name).toBe('webcrypto');
  });

  it('same public keys, shared secrets and signatures for random keys (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), async (k1, k2, msg) => {
        const a = clampX25519(k1);
        const bPub = await noble.x25519PublicKey(clampX25519(k2));
        expect(await web.x25519PublicKey(a)).toEqual(await noble.x25519PublicKey(a));
        expect(await web.x25519(a, bPub)).toEqual(await noble.x25519(a, bPub));
        const pub = await noble.ed25519PublicKey(k1);
        expect(await web.ed25519PublicKey(k1)).toEqual(pub);
        const sig = await web.ed25519Sign(k1, msg);
        expect(await noble.ed25519Sign(k1, msg)).toEqual(sig);
        expect(await noble.ed25519Verify(pub, msg, sig)).toBe(true);
        expect(await web.ed25519Verify(pub, msg, sig)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('bad lengths are typed refusals, and verify returns false rather than throwing', async () => {
    const kp = await generateX25519KeyPair(noble, seededRng('x'));
    const ed = await generateEd25519KeyPair(noble, seededRng('e'));
    for (const p of [noble, web]) {
      await expect(p.x25519(kp.privateKey, new Uint8Array(31))).rejects.toMatchObject({ code: 'malformed' });
      expect(await p.ed25519Verify(ed.publicKey, new Uint8Array(1), new Uint8Array(63))).toBe(false);
      expect(await p.ed25519Verify(new Uint8Array(32).fill(0xff), new Uint8Array(1), new Uint8Array(64))).toBe(false);
    }
  });

  it('P9: both providers refuse the all-zero point and a small-order point as low-order-point', async () => {
    const kp = await generateX25519KeyPair(noble, seededRng('x'));
    for (const p of [noble, web]) {
      await expect(p.x25519(kp.privateKey, new Uint8Array(32))).rejects.toMatchObject({ code: 'low-order-point', operation: 'x25519' });
      await expect(p.x25519(kp.privateKey, Uint8Array.of(1, ...new Uint8Array(31)))).rejects.toMatchObject({ code: 'low-order-point' });
    }
  });
});
