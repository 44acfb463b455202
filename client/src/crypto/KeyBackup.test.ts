import { describe, it, expect } from 'vitest';
import { RECOVERY_CODE_CHARS, deriveRecoveryKeys, formatRecoveryCode, generateRecoveryCode, parseRecoveryCode } from './recoveryCode';
import { collectBackup, openBackup, restoreBackup, sealBackup } from './KeyBackup';
import { InMemoryKeyStore } from './KeyStore';
import { CryptoError } from './errors';
import { fromUtf8, toHex, utf8 } from './encoding';
import { seededRng } from './seededRng';
import { bundleOf, makeDevice, providers } from './testDevices';
import { decryptFrom, encryptTo, startSession } from './Session';
import { createSenderKey, processSenderKeyDistribution, senderKeyDecrypt, senderKeyDistribution, senderKeyEncrypt } from './SenderKey';
import { checkIdentity } from './TrustStore';

const NOW = 1_700_000_000_000;

describe('recovery code', () => {
  it('has 160 bits, renders as 8 groups of 4 readable characters, parses back forgivingly', () => {
    const code = generateRecoveryCode(seededRng('rc'));
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(code.replace(/-/g, '')).toHaveLength(RECOVERY_CODE_CHARS);
    const bytes = parseRecoveryCode(code);
    expect(bytes).toHaveLength(20);
    expect(formatRecoveryCode(bytes)).toBe(code);
    expect(parseRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toEqual(bytes);
    expect(parseRecoveryCode(code.replace(/0/g, 'O').replace(/1/g, 'l'))).toEqual(bytes);
    expect(() => parseRecoveryCode(code.slice(0, -1))).toThrow(expect.objectContaining({ code: 'malformed', operation: 'recovery-code' }));
    expect(() => parseRecoveryCode(code.slice(0, -1) + 'U')).toThrow(CryptoError);
  });

  it('derives independent reset verifier and backup key, bound to the account', () => {
    const code = generateRecoveryCode(seededRng('rc'));
    const k = deriveRecoveryKeys(code, 'acct-1');
    expect(toHex(k.passwordResetVerifier)).not.toBe(toHex(k.backupKey));
    expect(deriveRecoveryKeys(code, 'acct-2').backupKey).not.toEqual(k.backupKey);
    expect(deriveRecoveryKeys(parseRecoveryCode(code), 'acct-1')).toEqual(k);
  });
});

describe.each(providers)('key backup over %s', (_n, provider) => {
  it('restore on a fresh device reads channel history and DM history continues; the server blob holds no key', async () => {
    const alice = await makeDevice(provider, 'alice.1');
    const bob = await makeDevice(provider, 'bob.1');
    const deps = (d: typeof alice) => ({ provider, rng: d.rng, store: d.store });
    // A DM exchange.
    await startSession(deps(alice), bob.address, bundleOf(bob), NOW);
    await decryptFrom(deps(bob), alice.address, await encryptTo(deps(alice), bob.address, utf8('dm1')), undefined, NOW);
    await decryptFrom(deps(alice), bob.address, await encryptTo(deps(bob), alice.address, utf8('dm2')), undefined, NOW);
    // A channel: Alice's sender key distributed to Bob; Bob's own key too.
    let aliceKey = await createSenderKey(provider, alice.rng, 'ch', NOW);
    await bob.store.putSenderKeyRecord('ch', alice.address, processSenderKeyDistribution(undefined, senderKeyDistribution(aliceKey)));
    let bobKey = await createSenderKey(provider, bob.rng, 'ch', NOW);
    await bob.store.putOwnSenderKey(bobKey);
    const history: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await senderKeyEncrypt(provider, aliceKey, alice.publicIdentity, utf8(`ch${i}`));
      aliceKey = out.own;
      history.push(out.message);
      const rec = await bob.store.getSenderKeyRecord('ch', alice.address);
      await bob.store.putSenderKeyRecord('ch', alice.address, (await senderKeyDecrypt(provider, rec, alice.publicIdentity, out.message)).record);
    }
    const bobOwn = await senderKeyEncrypt(provider, bobKey, bob.publicIdentity, utf8('mine'));
    bobKey = bobOwn.own;
    await bob.store.putOwnSenderKey(bobKey);
    await checkIdentity(bob.store, 'alice', alice.publicIdentity.signingKey, NOW);

    // Backup under the recovery code.
    const code = generateRecoveryCode(seededRng('bob-code'));
    const { backupKey, passwordResetVerifier } = deriveRecoveryKeys(code, 'bob');
    const blob = sealBackup(await collectBackup(bob.store, 'bob', bob.address, NOW), backupKey, seededRng('nonce'));
    expect(blob[0]).toBe(1);
    expect(blob[1]).toBe(0x08);
    const hexBlob = toHex(blob);
    for (const secret of [aliceKey.chain.chainKey, bobKey.signing.seed, bob.identity.agreement.privateKey, backupKey]) expect(hexBlob.includes(toHex(secret))).toBe(false);
    expect(hexBlob.includes(toHex(passwordResetVerifier))).toBe(false);

    // Fresh device: only the code and the blob.
    const fresh = new InMemoryKeyStore();
    const contents = openBackup(blob, deriveRecoveryKeys(code, 'bob').backupKey, 'bob');
    await restoreBackup(fresh, contents);
    const rec = await fresh.getSenderKeyRecord('ch', alice.address);
    let r = rec;
    for (let i = 0; i < 5; i++) {
      const out = await senderKeyDecrypt(provider, r, alice.publicIdentity, history[i]!);
      expect(fromUtf8(out.plaintext)).toBe(`ch${i}`);
      r = out.record;
    }
    expect(fromUtf8((await senderKeyDecrypt(provider, await fresh.getSenderKeyRecord('ch', bob.address), bob.publicIdentity, bobOwn.message)).plaintext)).toBe('mine');
    expect((await fresh.getTrust('alice'))?.identityKey).toEqual(alice.publicIdentity.signingKey);
    // DM: the restored session cannot send from the restored (stale) chain, which would reuse
    // message keys; it keeps reading, and after the peer's next DH step it sends on a fresh chain.
    const restoredDeps = { provider, rng: seededRng('fresh'), store: fresh };
    await expect(encryptTo(restoredDeps, alice.address, utf8('no'))).rejects.toThrow(expect.objectContaining({ code: 'session-missing' }));
    const dm3 = await encryptTo(deps(alice), bob.address, utf8('dm3'));
    expect(fromUtf8((await decryptFrom(restoredDeps, alice.address, dm3, undefined, NOW)).plaintext)).toBe('dm3');
    const dm4 = await encryptTo(restoredDeps, alice.address, utf8('dm4'));
    expect(fromUtf8((await decryptFrom(deps(alice), bob.address, dm4, undefined, NOW)).plaintext)).toBe('dm4');
  });

  it('a wrong recovery code, another account or an altered blob is refused with a typed error', async () => {
    const bob = await makeDevice(provider, 'bob.1');
    const code = generateRecoveryCode(seededRng('c1'));
    const blob = sealBackup(await collectBackup(bob.store, 'bob', bob.address, NOW), deriveRecoveryKeys(code, 'bob').backupKey, seededRng('n'));
    const wrong = deriveRecoveryKeys(generateRecoveryCode(seededRng('c2')), 'bob').backupKey;
    expect(() => openBackup(blob, wrong, 'bob')).toThrow(expect.objectContaining({ code: 'wrong-recovery-code' }));
    expect(() => openBackup(blob, deriveRecoveryKeys(code, 'bob').backupKey, 'mallory')).toThrow(expect.objectContaining({ code: 'wrong-recovery-code' }));
    const t = blob.slice();
    t[40] = (t[40] as number) ^ 1;
    expect(() => openBackup(t, deriveRecoveryKeys(code, 'bob').backupKey, 'bob')).toThrow(CryptoError);
    const v = blob.slice();
    v[0] = 3;
    expect(() => openBackup(v, deriveRecoveryKeys(code, 'bob').backupKey, 'bob')).toThrow(expect.objectContaining({ code: 'unknown-version' }));
  });

  it('V4: clearing the key store removes every key', async () => {
    const bob = await makeDevice(provider, 'bob.1');
    await bob.store.clear();
    expect(await bob.store.getIdentity()).toBeUndefined();
    expect(await bob.store.countOneTimePreKeys()).toBe(0);
    expect(await bob.store.listSignedPreKeys()).toEqual([]);
    expect(await bob.store.getKyberPreKey(bob.kyber.id)).toBeUndefined();
    const c = await collectBackup(bob.store, 'bob', bob.address, NOW);
    expect(c.identity).toBeNull();
  });
});
