/**
 * The device's `KeyStore` (client/src/crypto/KeyStore.ts) on IndexedDB: identity, prekeys,
 * pairwise sessions, sender keys and trust records, each in its own object store, stored as the
 * crypto core hands them over (structured clone keeps Uint8Array and Map as they are).
 *
 * `removeOneTimePreKey` resolves only after its transaction committed, so the prekey is gone
 * before `Session.decryptFrom` saves the session it made (the ordering KeyStore asks for). This
 * class does not encrypt at rest (the browser profile's protection and KeyBackup do) and knows
 * nothing about messages; the app's other stores share the same database (`DeviceDb`).
 */
import type { KeyStore } from '../crypto/KeyStore';
import type { IdentityKeyPair } from '../crypto/IdentityKey';
import type { Ed25519KeyPair } from '../crypto/KeyPair';
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from '../crypto/PreKeys';
import type { OwnSenderKey, SenderKeyRecord } from '../crypto/SenderKey';
import type { SessionRecord } from '../crypto/Session';
import type { TrustRecord } from '../crypto/TrustStore';
import type { Db } from './idb';

/** Object stores the key store uses. */
export const KEY_STORES = ['keyMeta', 'signedPreKeys', 'oneTimePreKeys', 'kyberPreKeys', 'usedBaseKeys', 'sessions', 'ownSenderKeys', 'senderKeyRecords', 'trust'] as const;

export class IndexedDbKeyStore implements KeyStore {
  constructor(private readonly db: Db) {}

  getIdentity(): Promise<IdentityKeyPair | undefined> {
    return this.db.get('keyMeta', 'identity');
  }
  setIdentity(identity: IdentityKeyPair): Promise<void> {
    return this.db.put('keyMeta', 'identity', identity);
  }
  getAccountKey(): Promise<Ed25519KeyPair | undefined> {
    return this.db.get('keyMeta', 'accountKey');
  }
  setAccountKey(key: Ed25519KeyPair): Promise<void> {
    return this.db.put('keyMeta', 'accountKey', key);
  }

  getSignedPreKey(id: number): Promise<SignedPreKey | undefined> {
    return this.db.get('signedPreKeys', id);
  }
  putSignedPreKey(key: SignedPreKey): Promise<void> {
    return this.db.put('signedPreKeys', key.id, key);
  }
  async removeSignedPreKey(id: number): Promise<void> {
    const used = await this.db.getAllKeys('usedBaseKeys');
    const values = await this.db.getAll<number>('usedBaseKeys');
    await this.db.write(['signedPreKeys', 'usedBaseKeys'], (tx) => {
      tx.objectStore('signedPreKeys').delete(id);
      used.forEach((k, i) => values[i] === id && tx.objectStore('usedBaseKeys').delete(k));
    });
  }
  listSignedPreKeys(): Promise<SignedPreKey[]> {
    return this.db.getAll('signedPreKeys');
  }
  getOneTimePreKey(id: number): Promise<OneTimePreKey | undefined> {
    return this.db.get('oneTimePreKeys', id);
  }
  putOneTimePreKeys(keys: OneTimePreKey[]): Promise<void> {
    return this.db.write('oneTimePreKeys', (tx) => {
      for (const k of keys) tx.objectStore('oneTimePreKeys').put(k, k.id);
    });
  }
  removeOneTimePreKey(id: number): Promise<void> {
    return this.db.delete('oneTimePreKeys', id);
  }
  countOneTimePreKeys(): Promise<number> {
    return this.db.count('oneTimePreKeys');
  }
  getKyberPreKey(id: number): Promise<KyberPreKey | undefined> {
    return this.db.get('kyberPreKeys', id);
  }
  putKyberPreKey(key: KyberPreKey): Promise<void> {
    return this.db.put('kyberPreKeys', key.id, key);
  }
  removeKyberPreKey(id: number): Promise<void> {
    return this.db.delete('kyberPreKeys', id);
  }
  async isBaseKeyUsed(baseKeyHex: string): Promise<boolean> {
    return (await this.db.get('usedBaseKeys', baseKeyHex)) !== undefined;
  }
  addUsedBaseKey(signedPreKeyId: number, baseKeyHex: string): Promise<void> {
    return this.db.put('usedBaseKeys', baseKeyHex, signedPreKeyId);
  }

  getSession(address: string): Promise<SessionRecord | undefined> {
    return this.db.get('sessions', address);
  }
  putSession(address: string, record: SessionRecord): Promise<void> {
    return this.db.put('sessions', address, record);
  }
  /** The sessions of many addresses in one transaction (for a sender-key distribution to a large channel). */
  async getSessions(addresses: string[]): Promise<Map<string, SessionRecord | undefined>> {
    const records = await this.db.getMany<SessionRecord>('sessions', addresses);
    return new Map(addresses.map((a, i) => [a, records[i]]));
  }
  /** The trust records of many addresses in one transaction. */
  async getTrusts(addresses: string[]): Promise<Map<string, TrustRecord | undefined>> {
    const records = await this.db.getMany<TrustRecord>('trust', addresses);
    return new Map(addresses.map((a, i) => [a, records[i]]));
  }
  /** Stores many trust records in one transaction. */
  putTrusts(records: TrustRecord[]): Promise<void> {
    return this.db.write('trust', (tx) => {
      for (const r of records) tx.objectStore('trust').put(r, r.userId);
    });
  }
  /** Stores many sessions in one transaction. */
  putSessions(entries: [string, SessionRecord][]): Promise<void> {
    return this.db.write('sessions', (tx) => {
      for (const [address, record] of entries) tx.objectStore('sessions').put(record, address);
    });
  }
  removeSession(address: string): Promise<void> {
    return this.db.delete('sessions', address);
  }
  async listSessions(): Promise<Array<[string, SessionRecord]>> {
    const keys = await this.db.getAllKeys('sessions');
    const values = await this.db.getAll<SessionRecord>('sessions');
    return keys.map((k, i) => [String(k), values[i]!]);
  }

  getOwnSenderKey(channelId: string): Promise<OwnSenderKey | undefined> {
    return this.db.get('ownSenderKeys', channelId);
  }
  putOwnSenderKey(key: OwnSenderKey): Promise<void> {
    return this.db.put('ownSenderKeys', key.channelId, key);
  }
  listOwnSenderKeys(): Promise<OwnSenderKey[]> {
    return this.db.getAll('ownSenderKeys');
  }
  getSenderKeyRecord(channelId: string, sender: string): Promise<SenderKeyRecord | undefined> {
    return this.db.get('senderKeyRecords', [channelId, sender]);
  }
  putSenderKeyRecord(channelId: string, sender: string, record: SenderKeyRecord): Promise<void> {
    return this.db.put('senderKeyRecords', [channelId, sender], record);
  }
  async listSenderKeyRecords(): Promise<Array<{ channelId: string; sender: string; record: SenderKeyRecord }>> {
    const keys = (await this.db.getAllKeys('senderKeyRecords')) as [string, string][];
    const values = await this.db.getAll<SenderKeyRecord>('senderKeyRecords');
    return keys.map(([channelId, sender], i) => ({ channelId, sender, record: values[i]! }));
  }

  getTrust(userId: string): Promise<TrustRecord | undefined> {
    return this.db.get('trust', userId);
  }
  putTrust(record: TrustRecord): Promise<void> {
    return this.db.put('trust', record.userId, record);
  }
  listTrust(): Promise<TrustRecord[]> {
    return this.db.getAll('trust');
  }

  clear(): Promise<void> {
    return this.db.clear([...KEY_STORES]);
  }
}
