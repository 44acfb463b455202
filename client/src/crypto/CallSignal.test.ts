import { describe, expect, it } from 'vitest';
import { CryptoError } from './errors';
import { decodeCallSignal, encodeCallSignal, MAX_CALL_SIGNAL_PAYLOAD } from './CallSignal';
import { encodeSenderKeyRequest } from './SenderKey';

describe('call signals (issue #14 item 3)', () => {
  it('round-trips channel, call and payload, and refuses anything else', () => {
    const s = { channelId: 'ch_1', callId: 1_733_400_000_000, payload: new TextEncoder().encode('{"description":{"type":"offer","sdp":"v=0"}}') };
    const bytes = encodeCallSignal(s);
    expect(bytes[1]).toBe(0x10);
    expect(decodeCallSignal(bytes)).toEqual(s);
    // Another kind of pairwise message is not a call signal; a truncated or extended one is malformed.
    expect(() => decodeCallSignal(encodeSenderKeyRequest({ channelId: 'ch_1', keyId: 1, iteration: 0 }))).toThrow(CryptoError);
    expect(() => decodeCallSignal(bytes.slice(0, -1))).toThrow(CryptoError);
    expect(() => decodeCallSignal(Uint8Array.of(...bytes, 0))).toThrow(CryptoError);
    expect(() => encodeCallSignal({ ...s, payload: new Uint8Array(MAX_CALL_SIGNAL_PAYLOAD + 1) })).toThrow(CryptoError);
  });
});
