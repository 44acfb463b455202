/**
 * A view of the device's key store for one sender-key distribution (issue #21): the sessions and
 * trust records of every member device are read in one IndexedDB transaction each, started,
 * checked and advanced in memory, and written back in one transaction each by `flush()` — which
 * the caller must await before anything sealed under them leaves the device, so a ratchet step is
 * never sent before it is stored. The identity is read once. Everything else goes to the store as
 * it is. It cost about nine transactions a device, one after another, before.
 */
import type { IdentityKeyPair, KeyStore, SessionRecord, TrustRecord } from '../crypto';

interface SessionsStore extends KeyStore {
  getSessions(addresses: string[]): Promise<Map<string, SessionRecord | undefined>>;
  putSessions(entries: [string, SessionRecord][]): Promise<void>;
  getTrusts(addresses: string[]): Promise<Map<string, TrustRecord | undefined>>;
  putTrusts(records: TrustRecord[]): Promise<void>;
}

export async function batchedSessions(base: SessionsStore, addresses: string[]): Promise<{ store: KeyStore; flush: () => Promise<void> }> {
  const [sessions, trust] = await Promise.all([base.getSessions(addresses), base.getTrusts(addresses)]);
  const dirty = new Map<string, SessionRecord>();
  const dirtyTrust = new Map<string, TrustRecord>();
  let identity: Promise<IdentityKeyPair | undefined> | undefined;
  const store = new Proxy(base, {
    get(target, prop) {
      if (prop === 'getSession') return async (address: string) => (sessions.has(address) ? sessions.get(address) : target.getSession(address));
      if (prop === 'putSession')
        return async (address: string, record: SessionRecord) => {
          sessions.set(address, record);
          dirty.set(address, record);
        };
      if (prop === 'getIdentity') return () => (identity ??= target.getIdentity());
      // Trust records are keyed by address (TrustStore's `userId` is the device address here).
      if (prop === 'getTrust') return async (address: string) => (trust.has(address) ? trust.get(address) : target.getTrust(address));
      if (prop === 'putTrust')
        return async (record: TrustRecord) => {
          trust.set(record.userId, record);
          dirtyTrust.set(record.userId, record);
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as KeyStore;
  return {
    store,
    flush: async () => {
      const entries = [...dirty];
      const records = [...dirtyTrust.values()];
      dirty.clear();
      dirtyTrust.clear();
      await Promise.all([entries.length ? base.putSessions(entries) : undefined, records.length ? base.putTrusts(records) : undefined]);
    },
  };
}
