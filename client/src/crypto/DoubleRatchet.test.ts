import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  MAX_SKIP,
  MAX_SKIPPED_KEYS,
  initRatchetAsInitiator,
  initRatchetAsResponder,
  ratchetDecrypt,
  ratchetEncrypt,
} from './DoubleRatchet';
import type { RatchetState } from './DoubleRatchet';
import { DR_MESSAGE_KEY_INFO, expandMessageKey, kdfChainKey } from './ChainKey';
import { CryptoError } from './errors';
import { fromUtf8, toHex, utf8 } from './encoding';
import { generateX25519KeyPair } from './KeyPair';
import { decodeSessionRecord, encodeSessionRecord } from './Session';
import type { SessionRecord } from './Session';
import { seededRng } from './seededRng';
import { providers } from './testDevices';
import type { CryptoProvider } from './CryptoProvider';
import type { Rng } from './primitives';

const AD = utf8('test-session-ad');
const CTX = utf8('channel:1');

interface Party {
  state: RatchetState;
  rng: Rng;
}

async function setup(provider: CryptoProvider, seed = 'dr'): Promise<{ a: Party; b: Party }> {
  const rng = seededRng(seed);
  const sk = rng(32);
  const bobSpk = await generateX25519KeyPair(provider, rng);
  const aRng = seededRng(seed + '/a');
  const a = { state: await initRatchetAsInitiator(provider, aRng, sk, AD, bobSpk.publicKey), rng: aRng };
  const b = { state: initRatchetAsResponder(sk, AD, bobSpk), rng: seededRng(seed + '/b') };
  return { a, b };
}

function enc(p: Party, text: string, ctx = CTX): Uint8Array {
  const out = ratchetEncrypt(p.state, utf8(text), ctx);
  p.state = out.state;
  return out.message;
}

async function dec(provider: CryptoProvider, p: Party, msg: Uint8Array, ctx = CTX): Promise<string> {
  const out = await ratchetDecrypt(provider, p.rng, p.state, msg, ctx);
  p.state = out.state;
  return fromUtf8(out.plaintext);
}

const dummyId = { signingKey: new Uint8Array(32), agreementKey: new Uint8Array(32) };
/** A byte-exact snapshot of a ratchet state (the storage encoding). */
function snapshot(state: RatchetState): string {
  return toHex(encodeRatchet(state));
}

/** The serialized state as text (byte arrays appear as hex inside), for searching key bytes. */
function dump(state: RatchetState): string {
  return fromUtf8(encodeRatchet(state).slice(2));
}

function encodeRatchet(state: RatchetState): Uint8Array {
  const rec: SessionRecord = { ratchet: state, localIdentity: dummyId, remoteIdentity: dummyId, baseKey: new Uint8Array(32), pendingInitial: null, usedOneTimePreKey: false, postQuantum: false, createdAt: 0 };
  return encodeSessionRecord(rec);
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CryptoError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe.each(providers)('Double Ratchet over %s', (_n, provider) => {
  it('P4: header N beyond MAX_SKIP (current + MAX_SKIP + 1, and 1e9) is rejected fast and state is unchanged', async () => {
    const { a, b } = await setup(provider);
    expect(await dec(provider, b, enc(a, 'm0'))).toBe('m0');
    const genuine = enc(a, 'm1');
    for (const n of [1 + MAX_SKIP + 1, 1e9]) {
      const forged = genuine.slice();
      new DataView(forged.buffer).setUint32(38, n, false);
      const before = snapshot(b.state);
      const t = performance.now();
      expect(await refusal(ratchetDecrypt(provider, b.rng, b.state, forged, CTX))).toBe('too-far-ahead');
      expect(performance.now() - t).toBeLessThan(10);
      expect(snapshot(b.state)).toBe(before);
    }
    // Same for a new ratchet key (a DH step) announcing a huge N or PN.
    const reply = enc(b, 'r');
    for (const offset of [34, 38]) {
      const forged = reply.slice();
      new DataView(forged.buffer).setUint32(offset, 1e9, false);
      const before = snapshot(a.state);
      const t = performance.now();
      expect(await refusal(ratchetDecrypt(provider, a.rng, a.state, forged, CTX))).toBe(offset === 38 ? 'too-far-ahead' : 'tampered');
      expect(performance.now() - t).toBeLessThan(offset === 38 ? 10 : 1000);
      expect(snapshot(a.state)).toBe(before);
    }
    expect(await dec(provider, b, genuine)).toBe('m1');
    expect(await dec(provider, a, reply)).toBe('r');
  });

  it('P4: exactly MAX_SKIP skipped keys is accepted, and those keys still open later', async () => {
    const { a, b } = await setup(provider);
    const msgs = Array.from({ length: MAX_SKIP + 1 }, (_, i) => enc(a, `m${i}`));
    expect(await dec(provider, b, msgs[MAX_SKIP]!)).toBe(`m${MAX_SKIP}`);
    expect(b.state.skipped.size).toBe(MAX_SKIP);
    expect(await dec(provider, b, msgs[3]!)).toBe('m3');
    expect(await refusal(ratchetDecrypt(provider, b.rng, b.state, msgs[3]!, CTX))).toBe('duplicate-message');
  });

  it('P5: flipping any bit of header, ciphertext or tag, or changing the AD, is refused and the state is unchanged', async () => {
    const { a, b } = await setup(provider);
    expect(await dec(provider, b, enc(a, 'warm-up'))).toBe('warm-up');
    enc(b, 'unused');
    const msg = enc(a, 'the secret');
    const before = snapshot(b.state);
    const positions = provider.name === 'noble' ? [...msg.keys()] : [...msg.keys()].filter((i) => i < 2 || i % 3 === 0);
    for (const i of positions) {
      for (const bit of [0x01, 0x80]) {
        const t = msg.slice();
        t[i] = (t[i] as number) ^ bit;
        const code = await refusal(ratchetDecrypt(provider, b.rng, b.state, t, CTX));
        expect(['tampered', 'malformed', 'unknown-version', 'too-far-ahead', 'duplicate-message', 'low-order-point']).toContain(code);
        expect(snapshot(b.state)).toBe(before);
      }
    }
    expect(await refusal(ratchetDecrypt(provider, b.rng, b.state, msg, utf8('channel:2')))).toBe('tampered');
    expect(await refusal(ratchetDecrypt(provider, b.rng, b.state, msg.slice(0, msg.length - 1), CTX))).toBe('tampered');
    expect(snapshot(b.state)).toBe(before);
    expect(await dec(provider, b, msg)).toBe('the secret');
  });

  it('P6: after message i the receiver state holds no key that opens message <= i', async () => {
    const { a, b } = await setup(provider);
    const sent: Array<{ msg: Uint8Array; secrets: string[] }> = [];
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 4; k++) {
        const ck = a.state.sending!.chainKey;
        const seed = kdfChainKey(ck).messageKeySeed;
        const mk = expandMessageKey(seed, DR_MESSAGE_KEY_INFO);
        sent.push({ msg: enc(a, `r${round}k${k}`), secrets: [ck, seed, mk.key].map(toHex) });
      }
      for (let i = 0; i < sent.length; i++) {
        const s = sent[i]!;
        if (i >= sent.length - 4) expect(await dec(provider, b, s.msg)).toMatch(/^r\d/);
        const text = dump(b.state);
        for (let j = 0; j <= i && j < sent.length; j++) {
          if (j > i) continue;
          if (i >= sent.length - 4) for (const secret of sent[j]!.secrets) expect(text.includes(secret)).toBe(false);
        }
        // Positive control: the chain key of the next, not yet received message is in the dump.
        if (i >= sent.length - 4 && i + 1 < sent.length) expect(text.includes(sent[i + 1]!.secrets[0]!)).toBe(true);
      }
      // Old ciphertexts do not open from the dump either.
      const restored = decodeSessionRecord(encodeRatchet(b.state)).ratchet;
      for (const s of sent) expect(await refusal(ratchetDecrypt(provider, b.rng, restored, s.msg, CTX))).toBe('duplicate-message');
      expect(await dec(provider, a, enc(b, `reply${round}`))).toBe(`reply${round}`);
    }
  });

  it('P7: a copy of Alice\'s state fails on every message after one round trip', async () => {
    const { a, b } = await setup(provider);
    expect(await dec(provider, b, enc(a, 'm1'))).toBe('m1');
    const stolen: Party = { state: a.state, rng: seededRng('attacker') };
    const r1 = enc(b, 'r1');
    expect(await dec(provider, a, r1)).toBe('r1');
    // The attacker still reads Bob's first reply: it is encrypted to the ratchet key it copied.
    expect(await dec(provider, stolen, r1)).toBe('r1');
    expect(await dec(provider, b, enc(a, 'm2'))).toBe('m2');
    for (let i = 0; i < 5; i++) {
      const r = enc(b, `after${i}`);
      expect(await dec(provider, a, r)).toBe(`after${i}`);
      expect(await refusal(ratchetDecrypt(provider, stolen.rng, stolen.state, r, CTX))).not.toBe('accepted');
      if (i % 2 === 1) expect(await dec(provider, b, enc(a, `m${i}`))).toBe(`m${i}`);
    }
  });

  it('total stored skipped keys stay bounded by MAX_SKIPPED_KEYS, oldest evicted', async () => {
    const { a, b } = await setup(provider);
    for (let chain = 0; chain < 3; chain++) {
      const msgs = Array.from({ length: MAX_SKIP }, (_, i) => enc(a, `c${chain}m${i}`));
      expect(await dec(provider, b, msgs[MAX_SKIP - 1]!)).toBe(`c${chain}m${MAX_SKIP - 1}`);
      expect(b.state.skipped.size).toBeLessThanOrEqual(MAX_SKIPPED_KEYS);
      expect(await dec(provider, a, enc(b, `r${chain}`))).toBe(`r${chain}`);
    }
    expect(b.state.skipped.size).toBe(MAX_SKIPPED_KEYS);
  });
});

const noble = providers[0]![1];

describe('Double Ratchet properties (fast-check)', () => {
  it('P3: 60 messages over 3 ratchet steps, randomly permuted with 10% dropped: each delivered message decrypts exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 19 }),
        fc.nat({ max: 19 }),
        fc.shuffledSubarray([...Array(57).keys()], { minLength: 57, maxLength: 57 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 57, maxLength: 57 }),
        async (sync1, sync2, order, dropDice) => {
          const { a, b } = await setup(noble, 'p3');
          const a1 = Array.from({ length: 20 }, (_, i) => enc(a, `a1-${i}`));
          expect(await dec(noble, b, a1[sync1]!)).toBe(`a1-${sync1}`);
          const b1 = Array.from({ length: 20 }, (_, i) => enc(b, `b1-${i}`));
          expect(await dec(noble, a, b1[sync2]!)).toBe(`b1-${sync2}`);
          const a2 = Array.from({ length: 20 }, (_, i) => enc(a, `a2-${i}`));
          const pending = [
            ...a1.map((m, i) => ({ to: b, m, text: `a1-${i}` })).filter((_, i) => i !== sync1),
            ...b1.map((m, i) => ({ to: a, m, text: `b1-${i}` })).filter((_, i) => i !== sync2),
            ...a2.map((m, i) => ({ to: b, m, text: `a2-${i}` })),
          ];
          const delivered: typeof pending = [];
          for (const [k, idx] of order.entries()) {
            if (dropDice[k] === 0) continue;
            const p = pending[idx]!;
            expect(await dec(noble, p.to, p.m)).toBe(p.text);
            delivered.push(p);
            expect(a.state.skipped.size + b.state.skipped.size).toBeLessThanOrEqual(2 * MAX_SKIPPED_KEYS);
          }
          for (const p of delivered) expect(await refusal(ratchetDecrypt(noble, p.to.rng, p.to.state, p.m, CTX))).toBe('duplicate-message');
          // The conversation continues after the storm.
          expect(await dec(noble, a, enc(b, 'later'))).toBe('later');
          expect(await dec(noble, b, enc(a, 'later2'))).toBe('later2');
        },
      ),
      { numRuns: 25 },
    );
  });

  it('random interleavings in both directions with reordering, drops and duplicates', async () => {
    type Act = { kind: 'sendA' } | { kind: 'sendB' } | { kind: 'deliver'; pick: number; dup: boolean; drop: boolean };
    const act: fc.Arbitrary<Act> = fc.oneof(
      fc.constant<Act>({ kind: 'sendA' }),
      fc.constant<Act>({ kind: 'sendB' }),
      fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), dup: fc.boolean(), drop: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(act, { minLength: 10, maxLength: 80 }), async (acts) => {
        const { a, b } = await setup(noble, 'interleave');
        let counter = 0;
        const inFlight: Array<{ to: Party; m: Uint8Array; text: string }> = [];
        const done: Array<{ to: Party; m: Uint8Array }> = [];
        for (const x of acts) {
          if (x.kind === 'sendA') {
            const text = `A${counter++}`;
            inFlight.push({ to: b, m: enc(a, text), text });
          } else if (x.kind === 'sendB') {
            if (!b.state.sending) continue;
            const text = `B${counter++}`;
            inFlight.push({ to: a, m: enc(b, text), text });
          } else if (inFlight.length > 0) {
            const [p] = inFlight.splice(x.pick % inFlight.length, 1);
            if (!p || (x.drop && x.pick % 10 === 0)) continue;
            expect(await dec(noble, p.to, p.m)).toBe(p.text);
            done.push(p);
            if (x.dup) expect(await refusal(ratchetDecrypt(noble, p.to.rng, p.to.state, p.m, CTX))).toBe('duplicate-message');
          }
        }
        for (const p of inFlight) expect(await dec(noble, p.to, p.m)).toBe(p.text);
      }),
      { numRuns: 40 },
    );
  });

  it('P5: random tampering of any byte is refused and leaves the state byte-identical', async () => {
    const { a, b } = await setup(noble, 'tamper');
    expect(await dec(noble, b, enc(a, 'x'))).toBe('x');
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (text, pos, xor) => {
        const out = ratchetEncrypt(a.state, utf8(text), CTX);
        const t = out.message.slice();
        const i = pos % t.length;
        t[i] = (t[i] as number) ^ xor;
        const before = snapshot(b.state);
        expect(await refusal(ratchetDecrypt(noble, b.rng, b.state, t, CTX))).not.toBe('accepted');
        expect(snapshot(b.state)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });
});
