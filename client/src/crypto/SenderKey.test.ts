import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  MAX_FORWARD_JUMPS,
  MAX_RETIRED_SENDER_KEYS,
  MAX_SENDER_KEY_STATES,
  SENDER_KEY_ROTATION_MESSAGES,
  SENDER_KEY_ROTATION_MS,
  createSenderKey,
  decodeSenderKeyDistribution,
  decodeSenderKeyRecord,
  encodeSenderKeyDistribution,
  encodeSenderKeyRecord,
  historyRecord,
  mergeSenderKeyRecords,
  processSenderKeyDistribution,
  retireSenderKey,
  senderKeyDecrypt,
  senderKeyDecryptBacklog,
  senderKeyDistribution,
  senderKeyDistributionAt,
  decodeSenderKeyRequest,
  encodeSenderKeyRequest,
  senderKeyEncrypt,
  shouldRotateSenderKey,
} from './SenderKey';
import type { OwnSenderKey, SenderKeyRecord } from './SenderKey';
import { CryptoError } from './errors';
import { ByteWriter, Kind, fromUtf8, toHex, utf8 } from './encoding';
import { generateIdentityKeyPair, identityPublicOf } from './IdentityKey';
import type { IdentityPublic } from './IdentityKey';
import { seededRng } from './seededRng';
import { providers } from './testDevices';
import type { CryptoProvider } from './CryptoProvider';
import { kdfChainKey } from './ChainKey';

const NOW = 1_700_000_000_000;
const CHANNEL = 'channel:general';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CryptoError) return e.code;
    throw e;
  }
  return 'accepted';
}

async function member(provider: CryptoProvider, name: string): Promise<{ id: IdentityPublic; own: OwnSenderKey }> {
  const rng = seededRng(name);
  const identity = await generateIdentityKeyPair(provider, rng);
  return { id: identityPublicOf(identity), own: await createSenderKey(provider, rng, CHANNEL, NOW) };
}

describe.each(providers)('Sender Keys over %s', (_n, provider) => {
  it('round trip, out of order within bounds, duplicates refused, record unchanged on failure', async () => {
    const alice = await member(provider, 'alice');
    let bobView: SenderKeyRecord = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const out = await senderKeyEncrypt(provider, alice.own, alice.id, utf8(`hello ${i}`));
      alice.own = out.own;
      msgs.push(out.message);
    }
    for (const i of [3, 0, 9, 1, 2, 8, 4, 5, 7, 6]) {
      const out = await senderKeyDecrypt(provider, bobView, alice.id, msgs[i]!);
      expect(fromUtf8(out.plaintext)).toBe(`hello ${i}`);
      bobView = out.record;
      const before = toHex(encodeSenderKeyRecord(bobView));
      expect(await code(senderKeyDecrypt(provider, bobView, alice.id, msgs[i]!))).toBe('duplicate-message');
      expect(toHex(encodeSenderKeyRecord(bobView))).toBe(before);
    }
  });

  it('MAX_FORWARD_JUMPS: an iteration beyond the bound is too-far-ahead', async () => {
    const alice = await member(provider, 'alice');
    const view = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    const far = { ...alice.own, chain: { ...alice.own.chain, index: MAX_FORWARD_JUMPS + 1 } };
    const msg = (await senderKeyEncrypt(provider, far, alice.id, utf8('x'))).message;
    const t = performance.now();
    expect(await code(senderKeyDecrypt(provider, view, alice.id, msg))).toBe('too-far-ahead');
    expect(performance.now() - t).toBeLessThan(50);
    const edge = { ...alice.own, chain: { ...alice.own.chain, index: MAX_FORWARD_JUMPS } };
    // Chain key at the edge is not the real one, so the AEAD refuses it, but the bound admits it.
    expect(await code(senderKeyDecrypt(provider, view, alice.id, (await senderKeyEncrypt(provider, edge, alice.id, utf8('x'))).message))).toBe('tampered');
  });

  it('P10: after rotation on removal, a removed member holding every old key decrypts nothing', async () => {
    const alice = await member(provider, 'alice');
    let bob = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    let carol = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    const m0 = await senderKeyEncrypt(provider, alice.own, alice.id, utf8('before'));
    alice.own = m0.own;
    carol = (await senderKeyDecrypt(provider, carol, alice.id, m0.message)).record;
    bob = (await senderKeyDecrypt(provider, bob, alice.id, m0.message)).record;
    // Carol is removed: Alice must rotate; the new distribution goes to Bob only (over pairwise sessions).
    expect(shouldRotateSenderKey(alice.own, NOW, true)).toBe('member-removed');
    const fresh = await createSenderKey(provider, seededRng('alice-rotated'), CHANNEL, NOW);
    bob = processSenderKeyDistribution(bob, senderKeyDistribution(fresh));
    let own = fresh;
    const carolSnapshot = toHex(encodeSenderKeyRecord(carol));
    for (let i = 0; i < 20; i++) {
      const out = await senderKeyEncrypt(provider, own, alice.id, utf8(`after ${i}`));
      own = out.own;
      const opened = await senderKeyDecrypt(provider, bob, alice.id, out.message);
      expect(fromUtf8(opened.plaintext)).toBe(`after ${i}`);
      bob = opened.record;
      expect(await code(senderKeyDecrypt(provider, carol, alice.id, out.message))).toBe('not-a-recipient');
      // Even re-labelled with the old key id, the old chain cannot open it.
      const relabelled = out.message.slice();
      new DataView(relabelled.buffer).setUint32(2, alice.own.keyId, false);
      expect(await code(senderKeyDecrypt(provider, carol, alice.id, relabelled))).not.toBe('accepted');
    }
    expect(toHex(encodeSenderKeyRecord(carol))).toBe(carolSnapshot);
  });

  it('P11: a member forging a message under another member\'s key id with the shared chain key is refused by the signature', async () => {
    const alice = await member(provider, 'alice');
    const mallory = await member(provider, 'mallory');
    const view = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    // Mallory knows Alice's chain key (every member does) but not her signing key.
    const forgedKey: OwnSenderKey = { ...alice.own, signing: mallory.own.signing };
    const forged = (await senderKeyEncrypt(provider, forgedKey, alice.id, utf8('pay mallory'))).message;
    expect(await code(senderKeyDecrypt(provider, view, alice.id, forged))).toBe('bad-signature');
    // Changing one signature byte of a genuine message is refused too.
    const genuine = (await senderKeyEncrypt(provider, alice.own, alice.id, utf8('hi'))).message;
    const bad = genuine.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect(await code(senderKeyDecrypt(provider, view, alice.id, bad))).toBe('bad-signature');
    expect(fromUtf8((await senderKeyDecrypt(provider, view, alice.id, genuine)).plaintext)).toBe('hi');
  });

  it('P13: a group message moved to another channel or attributed to another sender is refused', async () => {
    const alice = await member(provider, 'alice');
    const bob = await member(provider, 'bob');
    const view = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    const msg = (await senderKeyEncrypt(provider, alice.own, alice.id, utf8('x'))).message;
    // Same key material filed under another channel id: signature binds the channel.
    const otherChannel: SenderKeyRecord = { ...view, channelId: 'channel:random' };
    expect(await code(senderKeyDecrypt(provider, otherChannel, alice.id, msg))).toBe('bad-signature');
    expect(await code(senderKeyDecrypt(provider, view, bob.id, msg))).toBe('bad-signature');
    // A Double Ratchet message is not a sender-key message.
    const dr = msg.slice();
    dr[1] = Kind.RatchetMessage;
    expect(await code(senderKeyDecrypt(provider, view, alice.id, dr))).toBe('malformed');
  });

  it('typed reasons: not-a-recipient, sent-before-join, tampered body, unknown version', async () => {
    const alice = await member(provider, 'alice');
    const early = await senderKeyEncrypt(provider, alice.own, alice.id, utf8('early'));
    alice.own = early.own;
    expect(await code(senderKeyDecrypt(provider, undefined, alice.id, early.message))).toBe('not-a-recipient');
    const lateJoiner = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    expect(await code(senderKeyDecrypt(provider, lateJoiner, alice.id, early.message))).toBe('sent-before-join');
    const v9 = early.message.slice();
    v9[0] = 9;
    expect(await code(senderKeyDecrypt(provider, lateJoiner, alice.id, v9))).toBe('unknown-version');
    const next = (await senderKeyEncrypt(provider, alice.own, alice.id, utf8('next'))).message;
    expect(fromUtf8((await senderKeyDecrypt(provider, lateJoiner, alice.id, next)).plaintext)).toBe('next');
  });

  it('issue #20: a distribution from an earlier iteration of a held key makes the messages before the first one readable', async () => {
    const alice = await member(provider, 'alice');
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await senderKeyEncrypt(provider, alice.own, alice.id, utf8(`m${i}`));
      alice.own = out.own;
      msgs.push(out.message);
    }
    // Bob's device got the key at iteration 4 (it missed the first distribution).
    let bob = processSenderKeyDistribution(undefined, senderKeyDistributionAt(alice.own, 4));
    expect(await code(senderKeyDecrypt(provider, bob, alice.id, msgs[2]!))).toBe('sent-before-join');
    bob = (await senderKeyDecrypt(provider, bob, alice.id, msgs[5]!)).record;
    // The re-request's answer: the same key from iteration 2.
    bob = processSenderKeyDistribution(bob, senderKeyDistributionAt(alice.own, 2));
    for (const i of [3, 2, 4]) {
      const out = await senderKeyDecrypt(provider, bob, alice.id, msgs[i]!);
      expect(fromUtf8(out.plaintext)).toBe(`m${i}`);
      bob = out.record;
    }
    expect(await code(senderKeyDecrypt(provider, bob, alice.id, msgs[1]!))).toBe('sent-before-join');
    expect(await code(senderKeyDecrypt(provider, bob, alice.id, msgs[5]!))).toBe('duplicate-message');
    // The distribution at iteration 0 is the one made at creation.
    expect(toHex(encodeSenderKeyDistribution(senderKeyDistributionAt(alice.own, 0)))).toBe(toHex(encodeSenderKeyDistribution({ ...senderKeyDistribution(alice.own), iteration: 0, chainKey: alice.own.initialChainKey! })));
  });

  it('issue #20: an earlier distribution that is not the same chain (other chain key or signing key) changes nothing', async () => {
    const alice = await member(provider, 'alice');
    for (let i = 0; i < 3; i++) alice.own = (await senderKeyEncrypt(provider, alice.own, alice.id, utf8(`m${i}`))).own;
    const bob = processSenderKeyDistribution(undefined, senderKeyDistributionAt(alice.own, 3));
    const before = toHex(encodeSenderKeyRecord(bob));
    const real = senderKeyDistributionAt(alice.own, 1);
    const forgedChain = { ...real, chainKey: new Uint8Array(32).fill(7) };
    const forgedSigner = { ...real, signingKey: new Uint8Array(32).fill(9) };
    const later = senderKeyDistributionAt(alice.own, 3);
    for (const d of [forgedChain, forgedSigner, later]) expect(toHex(encodeSenderKeyRecord(processSenderKeyDistribution(bob, d)))).toBe(before);
    // Without the initial chain key (history not retained) there is nothing to derive from.
    expect(() => senderKeyDistributionAt({ ...alice.own, initialChainKey: null }, 1)).toThrow(CryptoError);
    expect(() => senderKeyDistributionAt(alice.own, 4)).toThrow(CryptoError);
  });

  it('issue #20: a sender-key request round-trips and its decoder refuses trailing bytes', () => {
    const r = { channelId: CHANNEL, keyId: 0xdeadbeef, iteration: 12 };
    const bytes = encodeSenderKeyRequest(r);
    expect(decodeSenderKeyRequest(bytes)).toEqual(r);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeSenderKeyRequest(longer)).toThrow(CryptoError);
    expect(() => decodeSenderKeyRequest(encodeSenderKeyDistribution({ channelId: CHANNEL, keyId: 1, iteration: 0, chainKey: new Uint8Array(32), signingKey: new Uint8Array(32) }))).toThrow(CryptoError);
  });

  it('keeps at most MAX_SENDER_KEY_STATES key ids per sender, and in-flight messages across a rotation still open', async () => {
    const alice = await member(provider, 'alice');
    let view = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    const inFlight = (await senderKeyEncrypt(provider, alice.own, alice.id, utf8('old'))).message;
    const rotated = await createSenderKey(provider, seededRng('r'), CHANNEL, NOW);
    view = processSenderKeyDistribution(view, senderKeyDistribution(rotated));
    expect(fromUtf8((await senderKeyDecrypt(provider, view, alice.id, inFlight)).plaintext)).toBe('old');
    for (let i = 0; i < 10; i++) view = processSenderKeyDistribution(view, senderKeyDistribution(await createSenderKey(provider, seededRng(`k${i}`), CHANNEL, NOW)));
    expect(view.states.length).toBe(MAX_SENDER_KEY_STATES);
    // A replayed older distribution cannot rewind an existing chain.
    const again = processSenderKeyDistribution(view, { ...senderKeyDistribution(rotated), iteration: 0 });
    expect(again.states.length).toBe(MAX_SENDER_KEY_STATES);
  });

  it('issue #20: key ids beyond the live ones retire to their history point, so a restored record reads back MAX_RETIRED_SENDER_KEYS keys; older ones fail as history-expired', async () => {
    const alice = await member(provider, 'alice');
    const extra = 3;
    const total = MAX_SENDER_KEY_STATES + MAX_RETIRED_SENDER_KEYS + extra;
    let own = alice.own;
    let view: SenderKeyRecord | undefined;
    const msgs: Uint8Array[] = [];
    for (let k = 0; k < total; k++) {
      if (k > 0) own = await createSenderKey(provider, seededRng(`key${k}`), CHANNEL, NOW);
      view = processSenderKeyDistribution(view, senderKeyDistribution(own));
      // Two messages per key: the second is read after the first revived the key.
      for (let i = 0; i < 2; i++) {
        const out = await senderKeyEncrypt(provider, own, alice.id, utf8(`key ${k} message ${i}`));
        own = out.own;
        msgs.push(out.message);
      }
    }
    expect(view!.states.length).toBe(MAX_SENDER_KEY_STATES);
    expect(view!.retired!.length).toBe(MAX_RETIRED_SENDER_KEYS);
    expect(view!.forgotten!.length).toBe(extra);
    // What a backup carries and a restore reads (the storage codec, then restarted at history).
    let restored = historyRecord(decodeSenderKeyRecord(encodeSenderKeyRecord(view!)));
    expect(restored.retired!.length).toBe(MAX_RETIRED_SENDER_KEYS);
    for (let k = 0; k < total; k++) {
      for (let i = 0; i < 2; i++) {
        const attempt = senderKeyDecrypt(provider, restored, alice.id, msgs[2 * k + i]!);
        if (k < extra) {
          expect(await code(attempt)).toBe('history-expired');
          continue;
        }
        const out = await attempt;
        expect(fromUtf8(out.plaintext)).toBe(`key ${k} message ${i}`);
        restored = out.record;
        expect(restored.states.length).toBeLessThanOrEqual(MAX_SENDER_KEY_STATES);
        expect(restored.states.length + restored.retired!.length).toBe(MAX_SENDER_KEY_STATES + MAX_RETIRED_SENDER_KEYS);
      }
    }
    // A key nobody ever distributed is still "no key", not "too old".
    const stranger = await createSenderKey(provider, seededRng('stranger'), CHANNEL, NOW);
    expect(await code(senderKeyDecrypt(provider, restored, alice.id, (await senderKeyEncrypt(provider, stranger, alice.id, utf8('x'))).message))).toBe('not-a-recipient');
  });

  it('issue #20: a replayed distribution of a retired or forgotten key id changes nothing; own keys retire as history and merge into another copy', async () => {
    const alice = await member(provider, 'alice');
    const first = alice.own;
    let view = processSenderKeyDistribution(undefined, senderKeyDistribution(first));
    for (let k = 0; k < MAX_SENDER_KEY_STATES; k++) view = processSenderKeyDistribution(view, senderKeyDistribution(await createSenderKey(provider, seededRng(`r${k}`), CHANNEL, NOW)));
    expect(view.retired!.map((r) => r.keyId)).toEqual([first.keyId]);
    const before = toHex(encodeSenderKeyRecord(view));
    expect(toHex(encodeSenderKeyRecord(processSenderKeyDistribution(view, senderKeyDistribution(first))))).toBe(before);
    // One's own replaced key, retired under one's own address, reads on another device after a merge.
    const sent = await senderKeyEncrypt(provider, first, alice.id, utf8('mine'));
    const mine = retireSenderKey(undefined, CHANNEL, { keyId: first.keyId, signingKey: first.signing.publicKey, history: { chainKey: first.initialChainKey!, index: 0 } });
    expect(retireSenderKey(mine, CHANNEL, mine.retired![0]!)).toBe(mine);
    const merged = mergeSenderKeyRecords(undefined, mine)!;
    expect(fromUtf8((await senderKeyDecrypt(provider, merged, alice.id, sent.message)).plaintext)).toBe('mine');
    expect(mergeSenderKeyRecords(merged, mine)).toBeNull();
  });

  it('backlog: signatures checked in batches, messages opened in order, bad ones reported without stopping', async () => {
    const alice = await member(provider, 'alice');
    const view = processSenderKeyDistribution(undefined, senderKeyDistribution(alice.own));
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) {
      const out = await senderKeyEncrypt(provider, alice.own, alice.id, utf8(`m${i}`));
      alice.own = out.own;
      msgs.push(out.message);
    }
    msgs[10] = msgs[10]!.slice();
    msgs[10][20] = (msgs[10][20] as number) ^ 1;
    const { results, record } = await senderKeyDecryptBacklog(provider, view, alice.id, msgs);
    expect(results.filter((r) => r.ok).length).toBe(599);
    const r10 = results[10]!;
    expect(r10.ok ? null : r10.error.code).toBe('bad-signature');
    const r599 = results[599]!;
    expect(r599.ok && fromUtf8(r599.plaintext)).toBe('m599');
    expect(record.states[0]!.chain.index).toBe(600);
  });
});

describe('Sender key helpers', () => {
  const provider = providers[0]![1];

  it('shouldRotateSenderKey: after the message bound, after the age bound, on removal, otherwise not', async () => {
    const { own } = await member(provider, 'alice');
    expect(shouldRotateSenderKey(own, NOW)).toBeNull();
    expect(shouldRotateSenderKey({ ...own, chain: { ...own.chain, index: SENDER_KEY_ROTATION_MESSAGES } }, NOW)).toBe('message-limit');
    expect(shouldRotateSenderKey(own, NOW + SENDER_KEY_ROTATION_MS)).toBe('age');
    expect(shouldRotateSenderKey(own, NOW, true)).toBe('member-removed');
  });

  it('distribution and record encodings round-trip; chain key round-trip property', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 50 }), fc.nat({ max: 0xffffffff }), async (chainKey, steps, keyId) => {
        const { own } = await member(provider, 'alice');
        const start: OwnSenderKey = { ...own, keyId, chain: { chainKey, index: 0 } };
        let s = start;
        const msgs: Uint8Array[] = [];
        for (let i = 0; i <= steps; i++) {
          const out = await senderKeyEncrypt(provider, s, identityPublicOf(await generateIdentityKeyPair(provider, seededRng('id'))), utf8(String(i)));
          s = out.own;
          msgs.push(out.message);
        }
        let expected: Uint8Array = chainKey;
        for (let i = 0; i <= steps; i++) expected = kdfChainKey(expected).nextChainKey;
        expect(s.chain.chainKey).toEqual(expected);
        const d = decodeSenderKeyDistribution(encodeSenderKeyDistribution(senderKeyDistribution(start)));
        expect(d).toEqual(senderKeyDistribution(start));
        const rec = processSenderKeyDistribution(undefined, d);
        expect(decodeSenderKeyRecord(encodeSenderKeyRecord(rec))).toEqual(rec);
        const last = await senderKeyDecrypt(provider, rec, identityPublicOf(await generateIdentityKeyPair(provider, seededRng('id'))), msgs[steps]!);
        expect(fromUtf8(last.plaintext)).toBe(String(steps));
        expect(decodeSenderKeyRecord(encodeSenderKeyRecord(last.record))).toEqual(last.record);
      }),
      { numRuns: 15 },
    );
  });

  it('a distribution with an unknown version or trailing bytes is refused', () => {
    const d = encodeSenderKeyDistribution({ channelId: CHANNEL, keyId: 1, iteration: 0, chainKey: new Uint8Array(32), signingKey: new Uint8Array(32) });
    const v = d.slice();
    v[0] = 7;
    expect(() => decodeSenderKeyDistribution(v)).toThrow(expect.objectContaining({ code: 'unknown-version' }));
    const t = new ByteWriter().bytes(d).u8(0).finish();
    expect(() => decodeSenderKeyDistribution(t)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});
