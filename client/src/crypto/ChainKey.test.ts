import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DR_MESSAGE_KEY_INFO, SENDER_KEY_MESSAGE_KEY_INFO, expandMessageKey, expandMessageKeyReference, kdfChainKey } from './ChainKey';
import { hmacSha256 } from './primitives';

describe('ChainKey', () => {
  it('the fast message-key expansion equals plain HKDF-SHA-256 (salt 0, L=44) for any seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(DR_MESSAGE_KEY_INFO, SENDER_KEY_MESSAGE_KEY_INFO), (seed, info) => {
        expect(expandMessageKey(seed, info)).toEqual(expandMessageKeyReference(seed, info));
      }),
      { numRuns: 200 },
    );
  });

  it('KDF_CK is HMAC-SHA-256(ck, 0x01) for the message key seed and HMAC-SHA-256(ck, 0x02) for the next chain key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (ck) => {
        const s = kdfChainKey(ck);
        expect(s.messageKeySeed).toEqual(hmacSha256(ck, Uint8Array.of(1)));
        expect(s.nextChainKey).toEqual(hmacSha256(ck, Uint8Array.of(2)));
      }),
      { numRuns: 100 },
    );
  });
});
