import { describe, expect, it } from 'vitest';
import { commitment, frankingKeyOf, newFrankingKey, serverFrankingKey, serverTag, verifyDisclosure } from './franking';

const key = serverFrankingKey(new Uint8Array(32).fill(7));
const encode = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

function franked(text: string, where = { channelId: 'chan1', sender: 'alice', seq: 12, ts: 1_700_000_000_000 }) {
  const fk = newFrankingKey();
  const plaintext = encode({ v: 1, text, fk });
  const c = commitment(fk, plaintext)!;
  return { plaintext, context: { ...where, commitment: c, frankTag: serverTag(key, { ...where, commitment: c }) } };
}

describe('message franking (issue #16 item 1)', () => {
  it('a genuine disclosure verifies', () => {
    const { plaintext, context } = franked('you are all idiots');
    expect(verifyDisclosure(key, context, plaintext)).toBe('verified');
    expect(frankingKeyOf(plaintext)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('M1: edited text is detected as altered', () => {
    const { context } = franked('hello');
    expect(verifyDisclosure(key, context, encode({ v: 1, text: 'something awful', fk: newFrankingKey() }))).toBe('altered');
    expect(verifyDisclosure(key, context, encode({ v: 1, text: 'hello' }))).toBe('altered');
  });

  it('M1: another sender, conversation, seq or time is detected as forged', () => {
    const { plaintext, context } = franked('hello');
    expect(verifyDisclosure(key, { ...context, sender: 'bob' }, plaintext)).toBe('forged');
    expect(verifyDisclosure(key, { ...context, channelId: 'chan2' }, plaintext)).toBe('forged');
    expect(verifyDisclosure(key, { ...context, seq: 13 }, plaintext)).toBe('forged');
    expect(verifyDisclosure(key, { ...context, ts: context.ts + 1 }, plaintext)).toBe('forged');
  });

  it('M1: a commitment replayed from another conversation, or a made-up tag, is detected as forged', () => {
    const elsewhere = franked('hello', { channelId: 'other', sender: 'alice', seq: 3, ts: 5 });
    const here = franked('hi');
    expect(verifyDisclosure(key, { ...here.context, commitment: elsewhere.context.commitment }, elsewhere.plaintext)).toBe('forged');
    expect(verifyDisclosure(key, { ...here.context, frankTag: elsewhere.context.frankTag }, here.plaintext)).toBe('forged');
    expect(verifyDisclosure(key, { ...here.context, frankTag: 'A'.repeat(22) }, here.plaintext)).toBe('forged');
    expect(verifyDisclosure(serverFrankingKey(new Uint8Array(32).fill(8)), here.context, here.plaintext)).toBe('forged');
  });

  it('a message without a commitment cannot be verified either way', () => {
    const { plaintext, context } = franked('old');
    const { commitment: _c, frankTag: _t, ...bare } = context;
    expect(verifyDisclosure(key, bare, plaintext)).toBe('unverifiable');
  });

  it('a malformed franking key gives no commitment', () => {
    expect(commitment('short', new Uint8Array(1))).toBeNull();
    expect(frankingKeyOf(new TextEncoder().encode('not json'))).toBeNull();
  });
});
