/**
 * Test fixtures: devices with a key store, prekeys and a bundle, over either provider.
 * Not exported from `index.ts`; used by the unit tests, the vectors and the bench.
 */
import type { CryptoProvider } from './CryptoProvider';
import { generateIdentityKeyPair, identityPublicOf } from './IdentityKey';
import type { IdentityKeyPair, IdentityPublic } from './IdentityKey';
import { InMemoryKeyStore } from './KeyStore';
import { NobleProvider } from './NobleProvider';
import { bundleFromKeys } from './PreKeyBundle';
import type { PreKeyBundle } from './PreKeyBundle';
import { generateKyberPreKey, generateOneTimePreKeys, generateSignedPreKey } from './PreKeys';
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from './PreKeys';
import type { Rng } from './primitives';
import { seededRng } from './seededRng';
import { WebCryptoProvider } from './WebCryptoProvider';

/** Both providers, for `describe.each`. */
export const providers: Array<[string, CryptoProvider]> = [
  ['noble', new NobleProvider()],
  ['webcrypto', new WebCryptoProvider()],
];

/** A device under test. */
export interface TestDevice {
  address: string;
  identity: IdentityKeyPair;
  publicIdentity: IdentityPublic;
  store: InMemoryKeyStore;
  rng: Rng;
  spk: SignedPreKey;
  opks: OneTimePreKey[];
  kyber: KyberPreKey;
}

/** Creates a device with identity, signed prekey, `opkCount` one-time prekeys and an ML-KEM prekey. */
export async function makeDevice(provider: CryptoProvider, address: string, opkCount = 3, now = 1_700_000_000_000): Promise<TestDevice> {
  const rng = seededRng(address);
  const identity = await generateIdentityKeyPair(provider, rng);
  const spk = await generateSignedPreKey(provider, rng, identity, 1, now);
  const opks = await generateOneTimePreKeys(provider, rng, 100, opkCount);
  const kyber = await generateKyberPreKey(provider, rng, identity, 7, now);
  const store = new InMemoryKeyStore();
  await store.setIdentity(identity);
  await store.putSignedPreKey(spk);
  await store.putOneTimePreKeys(opks);
  await store.putKyberPreKey(kyber);
  return { address, identity, publicIdentity: identityPublicOf(identity), store, rng, spk, opks, kyber };
}

/** The bundle the server would serve for `d` (optionally without OPK or ML-KEM prekey). */
export function bundleOf(d: TestDevice, opts: { opk?: boolean; kyber?: boolean; opkIndex?: number } = {}): PreKeyBundle {
  const opk = opts.opk === false ? null : (d.opks[opts.opkIndex ?? 0] ?? null);
  return bundleFromKeys(d.identity, d.spk, opk, opts.kyber === false ? null : d.kyber);
}
