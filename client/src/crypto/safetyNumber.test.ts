import { describe, it, expect } from 'vitest';
import { compareSafetyNumberQr, computeSafetyNumber, formatSafetyNumber, safetyNumberQrPayload, safetyNumbersMatch } from './safetyNumber';
import { acknowledgeIdentityChange, assertCanSend, canSendTo, checkIdentity, markVerified, messageStatus, observeIdentity } from './TrustStore';
import { InMemoryKeyStore } from './KeyStore';
import { CryptoError } from './errors';
import { seededRng } from './seededRng';

const NOW = 1_700_000_000_000;
const rng = seededRng('safety');
const aliceKey = rng(32);
const bobKey = rng(32);
const bobNewKey = rng(32);

describe('safety numbers', () => {
  it('are 60 digits, identical on both sides, and change when a key changes', () => {
    const a = computeSafetyNumber({ identityKey: aliceKey, stableId: 'alice' }, { identityKey: bobKey, stableId: 'bob' });
    const b = computeSafetyNumber({ identityKey: bobKey, stableId: 'bob' }, { identityKey: aliceKey, stableId: 'alice' });
    expect(a.digits).toMatch(/^\d{60}$/);
    expect(a.digits).toBe(b.digits);
    expect(formatSafetyNumber(a.digits).split(' ')).toHaveLength(12);
    expect(safetyNumbersMatch(formatSafetyNumber(a.digits), b.digits)).toBe(true);
    const changed = computeSafetyNumber({ identityKey: aliceKey, stableId: 'alice' }, { identityKey: bobNewKey, stableId: 'bob' });
    expect(changed.digits).not.toBe(a.digits);
    expect(safetyNumbersMatch(changed.digits, a.digits)).toBe(false);
  });

  it('QR payloads built by one side verify on the other and fail for a swapped key', () => {
    const a = computeSafetyNumber({ identityKey: aliceKey, stableId: 'alice' }, { identityKey: bobKey, stableId: 'bob' });
    const b = computeSafetyNumber({ identityKey: bobKey, stableId: 'bob' }, { identityKey: aliceKey, stableId: 'alice' });
    expect(compareSafetyNumberQr(safetyNumberQrPayload(a), b)).toBe(true);
    expect(compareSafetyNumberQr(safetyNumberQrPayload(b), a)).toBe(true);
    expect(compareSafetyNumberQr(safetyNumberQrPayload(a), a)).toBe(false);
    const mitm = computeSafetyNumber({ identityKey: bobNewKey, stableId: 'bob' }, { identityKey: aliceKey, stableId: 'alice' });
    expect(compareSafetyNumberQr(safetyNumberQrPayload(mitm), a)).toBe(false);
    const v2 = safetyNumberQrPayload(a);
    v2[0] = 2;
    expect(() => compareSafetyNumberQr(v2, b)).toThrow(expect.objectContaining({ code: 'unknown-version', operation: 'safety-number' }));
  });
});

describe('TrustStore (TOFU)', () => {
  it('P8: an identity-key change is flagged, blocks sending until acknowledged, and changes the message status', async () => {
    const store = new InMemoryKeyStore();
    expect((await checkIdentity(store, 'bob', bobKey, NOW)).event).toBe('first-use');
    expect((await checkIdentity(store, 'bob', bobKey, NOW + 1)).event).toBe('unchanged');
    expect(messageStatus(true, await store.getTrust('bob'))).toBe('encrypted-unverified');
    const verified = markVerified((await store.getTrust('bob'))!, bobKey);
    await store.putTrust(verified);
    expect(messageStatus(true, verified)).toBe('encrypted-verified');

    const { record, event } = await checkIdentity(store, 'bob', bobNewKey, NOW + 2);
    expect(event).toBe('changed');
    expect(record.state).toBe('changed');
    expect(record.previousKey).toEqual(bobKey);
    expect(messageStatus(true, record)).toBe('key-changed');
    expect(canSendTo(record)).toBe(false);
    expect(() => assertCanSend(record)).toThrow(CryptoError);
    expect(() => markVerified(record, bobKey)).toThrow(expect.objectContaining({ code: 'identity-changed' }));
    const acked = acknowledgeIdentityChange(record);
    expect(canSendTo(acked)).toBe(true);
    expect(messageStatus(true, acked)).toBe('encrypted-unverified');
    expect(messageStatus(false, acked)).toBe('not-encrypted');
    expect(observeIdentity(acked, 'bob', bobNewKey, NOW + 3).event).toBe('unchanged');
  });
});
