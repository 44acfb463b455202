/**
 * Where a device keeps its keys: the storage interface and an in-memory implementation.
 *
 * The browser client implements `KeyStore` on IndexedDB; tests and bots use `InMemoryKeyStore`.
 * Records are handed over as objects and must be stored as given (the crypto core never mutates a
 * record after passing it in, and the in-memory store keeps exactly what it was given). An
 * implementation should make `removeOneTimePreKey` durable before `putSession` returns, because
 * `Session.decryptFrom` consumes a one-time prekey before saving the session it made. This file
 * deliberately encrypts nothing at rest; the platform's storage protection and `KeyBackup` do.
 */
import type { IdentityKeyPair } from './IdentityKey';
import type { Ed25519KeyPair } from './KeyPair';
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from './PreKeys';
import type { OwnSenderKey, SenderKeyRecord } from './SenderKey';
import type { SessionRecord } from './Session';
import type { TrustRecord } from './TrustStore';

/** Storage of one device's keys and sessions. Addresses are opaque "user.device" strings. */
export interface KeyStore {
  getIdentity(): Promise<IdentityKeyPair | undefined>;
  setIdentity(identity: IdentityKeyPair): Promise<void>;
  /** The account signing key, on devices that hold it (see `DeviceList`). */
  getAccountKey(): Promise<Ed25519KeyPair | undefined>;
  setAccountKey(key: Ed25519KeyPair): Promise<void>;

  getSignedPreKey(id: number): Promise<SignedPreKey | undefined>;
  putSignedPreKey(key: SignedPreKey): Promise<void>;
  /** Removes a signed prekey and forgets the base keys used against it. */
  removeSignedPreKey(id: number): Promise<void>;
  listSignedPreKeys(): Promise<SignedPreKey[]>;
  getOneTimePreKey(id: number): Promise<OneTimePreKey | undefined>;
  putOneTimePreKeys(keys: OneTimePreKey[]): Promise<void>;
  removeOneTimePreKey(id: number): Promise<void>;
  countOneTimePreKeys(): Promise<number>;
  getKyberPreKey(id: number): Promise<KyberPreKey | undefined>;
  putKyberPreKey(key: KyberPreKey): Promise<void>;
  removeKyberPreKey(id: number): Promise<void>;
  /** True when an initial message with this base key (hex) was already accepted. */
  isBaseKeyUsed(baseKeyHex: string): Promise<boolean>;
  /** Remembers a base key until its signed prekey is removed. */
  addUsedBaseKey(signedPreKeyId: number, baseKeyHex: string): Promise<void>;

  getSession(address: string): Promise<SessionRecord | undefined>;
  putSession(address: string, record: SessionRecord): Promise<void>;
  removeSession(address: string): Promise<void>;
  listSessions(): Promise<Array<[string, SessionRecord]>>;

  getOwnSenderKey(channelId: string): Promise<OwnSenderKey | undefined>;
  putOwnSenderKey(key: OwnSenderKey): Promise<void>;
  listOwnSenderKeys(): Promise<OwnSenderKey[]>;
  getSenderKeyRecord(channelId: string, sender: string): Promise<SenderKeyRecord | undefined>;
  putSenderKeyRecord(channelId: string, sender: string, record: SenderKeyRecord): Promise<void>;
  listSenderKeyRecords(): Promise<Array<{ channelId: string; sender: string; record: SenderKeyRecord }>>;

  getTrust(userId: string): Promise<TrustRecord | undefined>;
  putTrust(record: TrustRecord): Promise<void>;
  listTrust(): Promise<TrustRecord[]>;

  /** Deletes all key material (logout, V4). */
  clear(): Promise<void>;
}

/** Separator of the composite sender-key map key; cannot occur in a channel id's UTF-8 text. */
const SEP = '\u0000';

/** `KeyStore` held in memory: the reference implementation and the test double. */
export class InMemoryKeyStore implements KeyStore {
  private identity: IdentityKeyPair | undefined;
  private accountKey: Ed25519KeyPair | undefined;
  private readonly signedPreKeys = new Map<number, SignedPreKey>();
  private readonly oneTimePreKeys = new Map<number, OneTimePreKey>();
  private readonly kyberPreKeys = new Map<number, KyberPreKey>();
  private readonly usedBaseKeys = new Map<string, number>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly ownSenderKeys = new Map<string, OwnSenderKey>();
  private readonly senderKeyRecords = new Map<string, SenderKeyRecord>();
  private readonly trust = new Map<string, TrustRecord>();

  async getIdentity(): Promise<IdentityKeyPair | undefined> {
    return this.identity;
  }
  async setIdentity(identity: IdentityKeyPair): Promise<void> {
    this.identity = identity;
  }
  async getAccountKey(): Promise<Ed25519KeyPair | undefined> {
    return this.accountKey;
  }
  async setAccountKey(key: Ed25519KeyPair): Promise<void> {
    this.accountKey = key;
  }
  async getSignedPreKey(id: number): Promise<SignedPreKey | undefined> {
    return this.signedPreKeys.get(id);
  }
  async putSignedPreKey(key: SignedPreKey): Promise<void> {
    this.signedPreKeys.set(key.id, key);
  }
  async removeSignedPreKey(id: number): Promise<void> {
    this.signedPreKeys.delete(id);
    for (const [k, spk] of this.usedBaseKeys) if (spk === id) this.usedBaseKeys.delete(k);
  }
  async listSignedPreKeys(): Promise<SignedPreKey[]> {
    return [...this.signedPreKeys.values()];
  }
  async getOneTimePreKey(id: number): Promise<OneTimePreKey | undefined> {
    return this.oneTimePreKeys.get(id);
  }
  async putOneTimePreKeys(keys: OneTimePreKey[]): Promise<void> {
    for (const k of keys) this.oneTimePreKeys.set(k.id, k);
  }
  async removeOneTimePreKey(id: number): Promise<void> {
    this.oneTimePreKeys.delete(id);
  }
  async countOneTimePreKeys(): Promise<number> {
    return this.oneTimePreKeys.size;
  }
  async getKyberPreKey(id: number): Promise<KyberPreKey | undefined> {
    return this.kyberPreKeys.get(id);
  }
  async putKyberPreKey(key: KyberPreKey): Promise<void> {
    this.kyberPreKeys.set(key.id, key);
  }
  async removeKyberPreKey(id: number): Promise<void> {
    this.kyberPreKeys.delete(id);
  }
  async isBaseKeyUsed(baseKeyHex: string): Promise<boolean> {
    return this.usedBaseKeys.has(baseKeyHex);
  }
  async addUsedBaseKey(signedPreKeyId: number, baseKeyHex: string): Promise<void> {
    this.usedBaseKeys.set(baseKeyHex, signedPreKeyId);
  }
  async getSession(address: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(address);
  }
  async putSession(address: string, record: SessionRecord): Promise<void> {
    this.sessions.set(address, record);
  }
  async removeSession(address: string): Promise<void> {
    this.sessions.delete(address);
  }
  async listSessions(): Promise<Array<[string, SessionRecord]>> {
    return [...this.sessions.entries()];
  }
  async getOwnSenderKey(channelId: string): Promise<OwnSenderKey | undefined> {
    return this.ownSenderKeys.get(channelId);
  }
  async putOwnSenderKey(key: OwnSenderKey): Promise<void> {
    this.ownSenderKeys.set(key.channelId, key);
  }
  async listOwnSenderKeys(): Promise<OwnSenderKey[]> {
    return [...this.ownSenderKeys.values()];
  }
  async getSenderKeyRecord(channelId: string, sender: string): Promise<SenderKeyRecord | undefined> {
    return this.senderKeyRecords.get(channelId + SEP + sender);
  }
  async putSenderKeyRecord(channelId: string, sender: string, record: SenderKeyRecord): Promise<void> {
    this.senderKeyRecords.set(channelId + SEP + sender, record);
  }
  async listSenderKeyRecords(): Promise<Array<{ channelId: string; sender: string; record: SenderKeyRecord }>> {
    return [...this.senderKeyRecords.entries()].map(([k, record]) => {
      const i = k.indexOf(SEP);
      return { channelId: k.slice(0, i), sender: k.slice(i + 1), record };
    });
  }
  async getTrust(userId: string): Promise<TrustRecord | undefined> {
    return this.trust.get(userId);
  }
  async putTrust(record: TrustRecord): Promise<void> {
    this.trust.set(record.userId, record);
  }
  async listTrust(): Promise<TrustRecord[]> {
    return [...this.trust.values()];
  }
  async clear(): Promise<void> {
    this.identity = undefined;
    this.accountKey = undefined;
    for (const m of [this.signedPreKeys, this.oneTimePreKeys, this.kyberPreKeys, this.usedBaseKeys, this.sessions, this.ownSenderKeys, this.senderKeyRecords, this.trust]) m.clear();
  }
}
