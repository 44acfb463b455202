/**
 * The encrypted key backup: what a new device needs to read the history the user could read.
 *
 * Contents: the device identity, the account key, pairwise sessions, sender-key records (with
 * their retained history points), the user's own sender keys and trust records, serialized with
 * the state codec and encrypted with ChaCha20-Poly1305 under the backup key from the recovery code.
 * Blob: version, kind, 12-byte random nonce (from the RNG passed in), ciphertext || tag; the AEAD
 * associated data is framed(BACKUP_AD_LABEL, account id, version || kind), so a blob cannot be
 * replayed into another account. The server stores the blob and never sees the key.
 *
 * Restoring never lets a device send from a restored chain: a backup is older than the live state,
 * and sending from it would reuse message keys (and, since nonces are derived from them, nonces).
 * So restored sessions lose their sending chain (the app starts a new session to send), sender-key
 * records restart at their history point (reading history is the purpose), and the user's own
 * sender keys become read-only records; the device creates fresh sender keys to send. Prekeys are
 * not backed up: a new device publishes its own. This file does not talk to the server.
 */
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, FORMAT_VERSION, Kind, concat, framed, utf8 } from './encoding';
import type { IdentityKeyPair } from './IdentityKey';
import type { Ed25519KeyPair } from './KeyPair';
import type { KeyStore } from './KeyStore';
import { AEAD_NONCE_LENGTH, aeadOpen, aeadSeal, randomBytes } from './primitives';
import type { Rng } from './primitives';
import { historyRecord, ownKeyAsRecord, ownSenderKeyValue, readOwnSenderKey, readSenderKeyRecord, senderKeyRecordValue } from './SenderKey';
import type { OwnSenderKey, SenderKeyRecord } from './SenderKey';
import { cloneSessionRecord, readSessionRecord, sessionRecordValue } from './Session';
import type { SessionRecord } from './Session';
import { decodeState, encodeState, readArray, readBytes, readNullable, readObject, readString, readUint } from './stateCodec';
import type { StateValue } from './stateCodec';
import type { TrustRecord, TrustState } from './TrustStore';

/** Label starting the backup's associated data. */
export const BACKUP_AD_LABEL = 'Chatalot/KeyBackup/v1';
/** Largest backup accepted: far above a real one, small enough to refuse a hostile blob early. */
export const MAX_BACKUP_LENGTH = 64 * 1024 * 1024;

/** Everything a backup holds. */
export interface BackupContents {
  accountId: string;
  createdAt: number;
  identity: IdentityKeyPair | null;
  accountKey: Ed25519KeyPair | null;
  sessions: Array<[string, SessionRecord]>;
  senderKeys: Array<{ channelId: string; sender: string; record: SenderKeyRecord }>;
  ownSenderKeys: OwnSenderKey[];
  /** The address under which the user's own sender keys are restored as readable records. */
  ownAddress: string;
  trust: TrustRecord[];
}

/**
 * The notice a device sends the account's other devices, inside their pairwise sessions, when it
 * moved the key backup to a new recovery code (issue #20): they try the backup at once and, still
 * holding the old code's key, ask for the new code instead of finding out at their next upload.
 * It carries only the backup version now under the new code: no key, no code.
 */
export function encodeBackupRekeyed(version: number): Uint8Array {
  return ByteWriter.withHeader(Kind.BackupRekeyed).u64(version).finish();
}

export function decodeBackupRekeyed(bytes: Uint8Array): { version: number } {
  const r = ByteReader.open(bytes, Kind.BackupRekeyed);
  const version = r.u64();
  r.end();
  return { version };
}

/** Gathers the backup contents from a store. */
export async function collectBackup(store: KeyStore, accountId: string, ownAddress: string, now: number): Promise<BackupContents> {
  return {
    accountId,
    createdAt: now,
    identity: (await store.getIdentity()) ?? null,
    accountKey: (await store.getAccountKey()) ?? null,
    sessions: await store.listSessions(),
    senderKeys: await store.listSenderKeyRecords(),
    ownSenderKeys: await store.listOwnSenderKeys(),
    ownAddress,
    trust: await store.listTrust(),
  };
}

function contentsValue(c: BackupContents): StateValue {
  return {
    accountId: c.accountId,
    createdAt: c.createdAt,
    identity: c.identity
      ? { signing: { publicKey: c.identity.signing.publicKey, seed: c.identity.signing.seed }, agreement: { publicKey: c.identity.agreement.publicKey, privateKey: c.identity.agreement.privateKey } }
      : null,
    accountKey: c.accountKey ? { publicKey: c.accountKey.publicKey, seed: c.accountKey.seed } : null,
    sessions: c.sessions.map(([a, s]) => [a, sessionRecordValue(s)]),
    senderKeys: c.senderKeys.map((k) => ({ channelId: k.channelId, sender: k.sender, record: senderKeyRecordValue(k.record) })),
    ownSenderKeys: c.ownSenderKeys.map(ownSenderKeyValue),
    ownAddress: c.ownAddress,
    trust: c.trust.map((t) => ({ userId: t.userId, identityKey: t.identityKey, state: t.state, firstSeenAt: t.firstSeenAt, changedAt: t.changedAt, previousKey: t.previousKey })),
  };
}

function readTrustState(v: StateValue | undefined): TrustState {
  if (v === 'verified' || v === 'unverified' || v === 'changed') return v;
  throw new CryptoError('malformed', 'decode');
}

function readContents(v: StateValue): BackupContents {
  const o = readObject(v);
  return {
    accountId: readString(o['accountId']),
    createdAt: readUint(o['createdAt']),
    identity: readNullable(o['identity'], (x) => {
      const i = readObject(x);
      const s = readObject(i['signing']);
      const a = readObject(i['agreement']);
      return {
        signing: { publicKey: readBytes(s['publicKey'], 32), seed: readBytes(s['seed'], 32) },
        agreement: { publicKey: readBytes(a['publicKey'], 32), privateKey: readBytes(a['privateKey'], 32) },
      };
    }),
    accountKey: readNullable(o['accountKey'], (x) => {
      const k = readObject(x);
      return { publicKey: readBytes(k['publicKey'], 32), seed: readBytes(k['seed'], 32) };
    }),
    sessions: readArray(o['sessions']).map((x): [string, SessionRecord] => {
      const pair = readArray(x);
      return [readString(pair[0]), readSessionRecord(pair[1] ?? null)];
    }),
    senderKeys: readArray(o['senderKeys']).map((x) => {
      const k = readObject(x);
      return { channelId: readString(k['channelId']), sender: readString(k['sender']), record: readSenderKeyRecord(k['record'] ?? null) };
    }),
    ownSenderKeys: readArray(o['ownSenderKeys']).map(readOwnSenderKey),
    ownAddress: readString(o['ownAddress']),
    trust: readArray(o['trust']).map((x) => {
      const t = readObject(x);
      return {
        userId: readString(t['userId']),
        identityKey: readBytes(t['identityKey']),
        state: readTrustState(t['state']),
        firstSeenAt: readUint(t['firstSeenAt']),
        changedAt: readNullable(t['changedAt'], readUint),
        previousKey: readNullable(t['previousKey'], (k) => readBytes(k)),
      };
    }),
  };
}

function backupAd(accountId: string): Uint8Array {
  return framed(utf8(BACKUP_AD_LABEL), utf8(accountId), Uint8Array.of(FORMAT_VERSION, Kind.KeyBackup));
}

/** Encrypts backup contents under `backupKey`; the nonce comes from `rng`. */
export function sealBackup(contents: BackupContents, backupKey: Uint8Array, rng: Rng): Uint8Array {
  const nonce = randomBytes(rng, AEAD_NONCE_LENGTH);
  const plaintext = encodeState(Kind.BackupContents, contentsValue(contents));
  const sealed = aeadSeal(backupKey, nonce, plaintext, backupAd(contents.accountId));
  return concat(ByteWriter.withHeader(Kind.KeyBackup).bytes(nonce).finish(), sealed);
}

/**
 * Decrypts a backup blob for `accountId`. A wrong key (or an altered blob, which cannot be told
 * apart) is `wrong-recovery-code`.
 */
export function openBackup(blob: Uint8Array, backupKey: Uint8Array, accountId: string): BackupContents {
  if (blob.length > MAX_BACKUP_LENGTH) throw new CryptoError('malformed', 'backup-open');
  const r = ByteReader.open(blob, Kind.KeyBackup);
  const nonce = r.bytes(AEAD_NONCE_LENGTH);
  let plaintext: Uint8Array;
  try {
    plaintext = aeadOpen(backupKey, nonce, r.rest(), backupAd(accountId));
  } catch {
    throw new CryptoError('wrong-recovery-code', 'backup-open');
  }
  const contents = readContents(decodeState(Kind.BackupContents, plaintext));
  if (contents.accountId !== accountId) throw new CryptoError('malformed', 'backup-open');
  return contents;
}

/**
 * Writes backup contents into a (fresh) store, made safe for a restored device: sessions become
 * receive-only, sender-key records restart at their history points, own sender keys become
 * readable records under `ownAddress`.
 */
export async function restoreBackup(store: KeyStore, contents: BackupContents): Promise<void> {
  if (contents.identity) await store.setIdentity(contents.identity);
  if (contents.accountKey) await store.setAccountKey(contents.accountKey);
  for (const [address, record] of contents.sessions) {
    const s = cloneSessionRecord(record);
    s.ratchet.sending = null;
    s.pendingInitial = null;
    await store.putSession(address, s);
  }
  for (const k of contents.senderKeys) await store.putSenderKeyRecord(k.channelId, k.sender, historyRecord(k.record));
  for (const own of contents.ownSenderKeys) await store.putSenderKeyRecord(own.channelId, contents.ownAddress, ownKeyAsRecord(own));
  for (const t of contents.trust) await store.putTrust(t);
}
