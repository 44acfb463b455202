import { describe, it, expect } from 'vitest';
import { addDevice, decodeDeviceList, findListedDevice, generateAccountKey, recipientDevices, removeDevice, signDeviceList, verifyDeviceList } from './DeviceList';
import type { DeviceList } from './DeviceList';
import { CryptoError } from './errors';
import { generateIdentityKeyPair, identityPublicOf } from './IdentityKey';
import { seededRng } from './seededRng';
import { providers } from './testDevices';

const NOW = 1_700_000_000_000;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CryptoError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe.each(providers)('DeviceList over %s', (_n, provider) => {
  it('P12: the server cannot add a device: a list not signed by the pinned account key is refused', async () => {
    const rng = seededRng('bob-account');
    const account = await generateAccountKey(provider, rng);
    const phone = identityPublicOf(await generateIdentityKeyPair(provider, rng));
    const list: DeviceList = { userId: 'bob', version: 1, issuedAt: NOW, devices: [{ deviceId: 'phone', identity: phone, addedAt: NOW }] };
    const signed = await signDeviceList(provider, account, list);
    expect(await verifyDeviceList(provider, signed, { userId: 'bob', accountKey: account.publicKey })).toEqual(list);

    // The server appends its own device and re-signs with a key of its own.
    const serverKey = await generateAccountKey(provider, seededRng('server'));
    const evil = identityPublicOf(await generateIdentityKeyPair(provider, seededRng('evil')));
    const injected = addDevice(list, { deviceId: 'evil', identity: evil, addedAt: NOW }, NOW);
    expect(await code(verifyDeviceList(provider, await signDeviceList(provider, serverKey, injected), { userId: 'bob', accountKey: account.publicKey }))).toBe('untrusted-device-list');
    // Or splices a device into the signed bytes without re-signing.
    const { signature } = decodeDeviceList(signed);
    const body = (await signDeviceList(provider, account, injected)).slice(0, -64);
    const spliced = new Uint8Array([...body, ...signature]);
    expect(await code(verifyDeviceList(provider, spliced, { userId: 'bob', accountKey: account.publicKey }))).toBe('untrusted-device-list');
    // A genuine list for another user is not Bob's.
    expect(await code(verifyDeviceList(provider, signed, { userId: 'mallory', accountKey: account.publicKey }))).toBe('untrusted-device-list');
  });

  it('P12: versions are monotonic: an older list (rolling back a removal) or a different list with the same version is stale', async () => {
    const rng = seededRng('alice-account');
    const account = await generateAccountKey(provider, rng);
    const phone = identityPublicOf(await generateIdentityKeyPair(provider, rng));
    const laptop = identityPublicOf(await generateIdentityKeyPair(provider, rng));
    const v1: DeviceList = { userId: 'alice', version: 1, issuedAt: NOW, devices: [{ deviceId: 'phone', identity: phone, addedAt: NOW }] };
    const v2 = addDevice(v1, { deviceId: 'laptop', identity: laptop, addedAt: NOW + 1 }, NOW + 1);
    const v3 = removeDevice(v2, 'laptop', NOW + 2);
    const s1 = await signDeviceList(provider, account, v1);
    const s2 = await signDeviceList(provider, account, v2);
    const s3 = await signDeviceList(provider, account, v3);
    expect((await verifyDeviceList(provider, s3, { userId: 'alice', accountKey: account.publicKey, previous: s2 })).devices.length).toBe(1);
    expect(await code(verifyDeviceList(provider, s2, { userId: 'alice', accountKey: account.publicKey, previous: s3 }))).toBe('stale-device-list');
    expect(await code(verifyDeviceList(provider, s1, { userId: 'alice', accountKey: account.publicKey, previous: s3 }))).toBe('stale-device-list');
    const fork = await signDeviceList(provider, account, { ...v3, issuedAt: NOW + 99 });
    expect(await code(verifyDeviceList(provider, fork, { userId: 'alice', accountKey: account.publicKey, previous: s3 }))).toBe('stale-device-list');
    expect(await verifyDeviceList(provider, s3, { userId: 'alice', accountKey: account.publicKey, previous: s3 })).toEqual(v3);
    expect(findListedDevice(v3, 'phone', phone)).toBeDefined();
    expect(findListedDevice(v3, 'laptop', laptop)).toBeUndefined();
    expect(findListedDevice(v3, 'phone', laptop)).toBeUndefined();
  });
});

describe('recipientDevices', () => {
  it('returns every device of every recipient and the sender\'s other devices, never the sending device', () => {
    const id = { signingKey: new Uint8Array(32), agreementKey: new Uint8Array(32) };
    const dev = (deviceId: string) => ({ deviceId, identity: id, addedAt: NOW });
    const alice: DeviceList = { userId: 'alice', version: 3, issuedAt: NOW, devices: [dev('phone'), dev('laptop')] };
    const bob: DeviceList = { userId: 'bob', version: 1, issuedAt: NOW, devices: [dev('phone'), dev('tablet')] };
    const r = recipientDevices({ userId: 'alice', deviceId: 'phone', list: alice }, [bob, bob]);
    expect(r.map((d) => `${d.userId}/${d.deviceId}`)).toEqual(['alice/laptop', 'bob/phone', 'bob/tablet']);
  });
});
