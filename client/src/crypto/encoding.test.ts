import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CryptoError } from './errors';
import { FORMAT_VERSION, Kind, toHex, utf8 } from './encoding';
import { decodeIdentityPublic } from './IdentityKey';
import { decodePreKeyBundle } from './PreKeyBundle';
import { decodeInitialMessage } from './pqxdh';
import { decodeRatchetMessage, ratchetDecrypt } from './DoubleRatchet';
import { decodeSenderKeyDistribution, decodeSenderKeyMessage, decodeSenderKeyRecord, decodeSenderKeyRequest } from './SenderKey';
import { decodeDeviceList } from './DeviceList';
import { decodeSessionRecord, decryptFrom, encryptTo, startSession } from './Session';
import { decodeBackupRekeyed, openBackup } from './KeyBackup';
import { compareSafetyNumberQr, computeSafetyNumber } from './safetyNumber';
import { bundleOf, makeDevice, providers } from './testDevices';

const NOW = 1_700_000_000_000;
const sn = computeSafetyNumber({ identityKey: new Uint8Array(32), stableId: 'a' }, { identityKey: new Uint8Array(32).fill(1), stableId: 'b' });

/** Every decoder of a serialized format, with the kind byte it expects. */
const decoders: Array<[string, number, (b: Uint8Array) => unknown]> = [
  ['identity', Kind.IdentityPublic, decodeIdentityPublic],
  ['bundle', Kind.PreKeyBundle, decodePreKeyBundle],
  ['initial message', Kind.InitialMessage, decodeInitialMessage],
  ['ratchet message', Kind.RatchetMessage, decodeRatchetMessage],
  ['sender-key message', Kind.SenderKeyMessage, decodeSenderKeyMessage],
  ['sender-key distribution', Kind.SenderKeyDistribution, decodeSenderKeyDistribution],
  ['sender-key request', Kind.SenderKeyRequest, decodeSenderKeyRequest],
  ['backup rekeyed notice', Kind.BackupRekeyed, decodeBackupRekeyed],
  ['device list', Kind.DeviceList, decodeDeviceList],
  ['backup', Kind.KeyBackup, (b) => openBackup(b, new Uint8Array(32), 'acct')],
  ['session state', Kind.SessionState, decodeSessionRecord],
  ['sender-key state', Kind.SenderKeyState, decodeSenderKeyRecord],
  ['safety-number QR', Kind.SafetyNumberQr, (b) => compareSafetyNumberQr(b, sn)],
];

function thrownCode(f: () => unknown): string | null {
  try {
    f();
  } catch (e) {
    if (e instanceof CryptoError) return e.code;
    throw e;
  }
  return null;
}

describe('versioned formats', () => {
  it.each(decoders)('%s: unknown version → unknown-version, wrong kind or truncation → malformed', (_n, kind, decode) => {
    expect(thrownCode(() => decode(Uint8Array.of(FORMAT_VERSION + 1, kind, 0, 0, 0)))).toBe('unknown-version');
    expect(thrownCode(() => decode(Uint8Array.of(0, kind)))).toBe('unknown-version');
    expect(thrownCode(() => decode(Uint8Array.of(FORMAT_VERSION, kind === 0x01 ? 0x02 : 0x01, 0, 0)))).toBe('malformed');
    expect(thrownCode(() => decode(Uint8Array.of(FORMAT_VERSION)))).toBe('malformed');
    expect(thrownCode(() => decode(Uint8Array.of(FORMAT_VERSION, kind)))).not.toBeNull();
  });

  it.each(decoders)('%s: arbitrary bytes never throw anything but a CryptoError (fast-check)', (_n, kind, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (body, framedRight) => {
        const input = framedRight ? Uint8Array.from([FORMAT_VERSION, kind, ...body]) : body;
        try {
          decode(input);
        } catch (e) {
          expect(e).toBeInstanceOf(CryptoError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the DM receive path refuses arbitrary bytes with typed errors and leaves the session intact', async () => {
    const provider = providers[0]![1];
    const a = await makeDevice(provider, 'alice.1');
    const b = await makeDevice(provider, 'bob.1');
    await startSession({ provider, rng: a.rng, store: a.store }, b.address, bundleOf(b), NOW);
    await decryptFrom({ provider, rng: b.rng, store: b.store }, a.address, await encryptTo({ provider, rng: a.rng, store: a.store }, b.address, utf8('x')), undefined, NOW);
    const before = await b.store.getSession(a.address);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(Kind.RatchetMessage, Kind.InitialMessage, Kind.SenderKeyMessage), async (body, kind) => {
        await expect(decryptFrom({ provider, rng: b.rng, store: b.store }, a.address, Uint8Array.from([1, kind, ...body]), undefined, NOW)).rejects.toBeInstanceOf(CryptoError);
        expect(await b.store.getSession(a.address)).toBe(before);
      }),
      { numRuns: 200 },
    );
    await expect(ratchetDecrypt(provider, b.rng, before!.ratchet, Uint8Array.of(1, 4), undefined)).rejects.toBeInstanceOf(CryptoError);
  });
});

describe('errors', () => {
  it('carry code and operation and never key bytes or plaintext in message, toString or JSON', async () => {
    const provider = providers[1]![1];
    const a = await makeDevice(provider, 'alice.1');
    const b = await makeDevice(provider, 'bob.1');
    await startSession({ provider, rng: a.rng, store: a.store }, b.address, bundleOf(b), NOW);
    const secretText = 'canary-7f3a9c2e-plaintext';
    const m = await encryptTo({ provider, rng: a.rng, store: a.store }, b.address, utf8(secretText));
    const t = m.slice();
    t[t.length - 1] = (t[t.length - 1] as number) ^ 1;
    let err: unknown;
    try {
      await decryptFrom({ provider, rng: b.rng, store: b.store }, a.address, t, undefined, NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CryptoError);
    const e = err as CryptoError;
    expect(e.code).toBe('tampered');
    expect(e.operation).toBe('aead-open');
    const rendered = [e.message, String(e), JSON.stringify(e), e.stack ?? ''].join('\n');
    for (const secret of [a.identity.agreement.privateKey, a.identity.signing.seed, b.spk.keyPair.privateKey, m]) {
      expect(rendered.includes(toHex(secret))).toBe(false);
      expect(rendered.includes(toHex(secret.slice(0, 8)))).toBe(false);
    }
    expect(rendered.includes(secretText)).toBe(false);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'CryptoError', code: 'tampered', operation: 'aead-open' });
  });
});
