/**
 * Keeps the account's encrypted key backup (client/src/crypto/KeyBackup.ts) in step with this
 * device, so that a new device given the recovery code reads the history this one can.
 *
 * The backup key is derived from the recovery code (recoveryCode.ts) and kept on this device
 * only, beside its other keys; the server stores an opaque blob it cannot open. Every device of
 * the account that knows the key takes part, so a backup is never a snapshot of one device:
 * before uploading, a device that sees a newer version on the server downloads it and merges it
 * into its own store (records it lacks are added, nothing it has is replaced), then uploads the
 * union. Uploads are debounced after a key change (a new sender key made or received, a trust
 * change) and carry a version that only grows; a 409 means another device got there first, so
 * the cycle starts again from the merge.
 *
 * What a merge restores, and why it is safe:
 * - other people's sender-key records, restarted at their history points: reading old messages
 *   is the point of a backup;
 * - the uploading device's own sender keys, as read-only records under its address, so one's own
 *   earlier messages read too; a restored chain is never used to send (that would reuse keys);
 * - trust records (the pinned identity keys and verifications), which also give the identity a
 *   history message's signature is checked against when no pairwise session exists;
 * - the uploading device's identity, pinned (verified: it came out of a blob only the recovery
 *   code opens) under its address;
 * - the account key, when this device has none.
 * Pairwise sessions are neither uploaded nor restored: they belong to one device's identity and a
 * new device starts its own. This device's identity is never replaced.
 */
import { createSignal } from 'solid-js';
import {
  collectBackup,
  encodeIdentityPublic,
  identityPublicOf,
  isCryptoError,
  mergeSenderKeyRecords,
  observeIdentity,
  openBackup,
  ownKeyAsRecord,
  sealBackup,
  systemRng,
  type BackupContents,
  type SenderKeyRecord,
} from '../crypto';
import { ApiRequestError } from '../api/http';
import { fetchKeyBackup, keyBackupStatus, storeKeyBackup } from '../api/keys';
import type { IndexedDbKeyStore } from '../stores/IndexedDbKeyStore';
import type { Db } from '../stores/idb';

/** Wait after a key change before uploading, so a burst of changes makes one upload, ms. */
const DEBOUNCE_MS = 1_500;
/** Attempts per cycle when other devices keep winning the version race. */
const MAX_CONFLICTS = 3;

/** The backup keys this device holds: the current one, and the one before a recovery-code change until the backup is re-encrypted. */
export interface BackupKeys {
  current: Uint8Array;
  previous?: Uint8Array;
}

/** Stored in the app's `device` store. */
const KEYS = 'backupKeys';
const STATE = 'backupState';
/** The last backup version this device uploaded or merged. */
interface BackupState {
  version: number;
  savedAt: number | null;
}

export type BackupStatus =
  /** This device has no backup key: the user has not entered the recovery code here. */
  | { kind: 'off'; serverHasBackup: boolean }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number | null }
  /** The backup on the server no longer opens with this device's key (the code was changed elsewhere). */
  | { kind: 'stale-key' }
  | { kind: 'error'; message: string };

/** Why a recovery code was refused. */
export class BackupCodeError extends Error {}

export class BackupSync {
  private keys: BackupKeys | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private dirty = false;
  private readonly statusSignal = createSignal<BackupStatus>({ kind: 'off', serverHasBackup: false });
  /** What the settings screen and the restore banner show. */
  readonly status = this.statusSignal[0];
  private readonly setStatus = this.statusSignal[1];

  constructor(
    private readonly db: Db,
    private readonly store: IndexedDbKeyStore,
    private readonly accountId: string,
    private readonly ownAddress: string,
    /** Runs key-state work in the engine's queue. */
    private readonly serial: <T>(fn: () => Promise<T>) => Promise<T>,
    /** Told which channels gained sender keys, so messages waiting for a key are tried again. */
    private readonly keysArrived: (channelIds: string[]) => void,
    /** Told after a backup was merged (it may have brought the account key). */
    private readonly merged: () => void = () => undefined,
    /** Told after the backup moved to a new recovery code (the engine tells the account's other devices). */
    private readonly rekeyed: (version: number) => Promise<void> = async () => undefined,
  ) {}

  /** Loads this device's backup key; with one, brings the backup up to date; without, asks whether one exists. */
  async start(): Promise<void> {
    this.keys = (await this.db.get<BackupKeys>('device', KEYS)) ?? null;
    if (this.keys) return this.sync(this.keys.previous !== undefined);
    try {
      const s = await keyBackupStatus();
      if (!this.keys) this.setStatus({ kind: 'off', serverHasBackup: s.exists });
    } catch {
      // Offline at start: the banner simply does not show until the next start.
    }
  }

  /** True when this device keeps the backup up to date. */
  get enabled(): boolean {
    return this.keys !== null;
  }

  /** A key changed on this device: upload soon. */
  markDirty(): void {
    if (!this.keys) return;
    this.dirty = true;
    this.setStatus({ kind: 'saving' });
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sync();
    }, DEBOUNCE_MS);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.keys = null;
  }

  /**
   * The user entered the recovery code on this device (or made a new one): from now on this
   * device keeps the backup. An existing backup is merged first, so history from other devices
   * becomes readable here, and the union is uploaded. A code that does not open the stored
   * backup is refused with `BackupCodeError` and changes nothing.
   */
  async enable(backupKey: Uint8Array): Promise<void> {
    const s = await keyBackupStatus();
    if (s.exists) {
      const { blob } = await fetchKeyBackup();
      try {
        openBackup(blob, backupKey, this.accountId);
      } catch (e) {
        if (isCryptoError(e) && e.code === 'wrong-recovery-code') throw new BackupCodeError('That recovery code does not open your key backup.');
        throw e;
      }
    }
    await this.setKeys({ current: backupKey });
    await this.db.put('device', STATE, { version: 0, savedAt: null } satisfies BackupState);
    await this.sync(true);
  }

  /** A new recovery code replaced the old one: re-encrypt the backup under the new key at once. */
  async rekey(backupKey: Uint8Array): Promise<void> {
    await this.setKeys({ current: backupKey, previous: this.keys?.current });
    await this.sync(true);
    const state = await this.db.get<BackupState>('device', STATE);
    await this.rekeyed(state?.version ?? 0).catch(() => undefined);
  }

  private async setKeys(keys: BackupKeys): Promise<void> {
    await this.db.put('device', KEYS, keys);
    this.keys = keys;
  }

  /** Merges a newer server backup if there is one, then uploads this device's state. Never runs twice at once. */
  async sync(force = false): Promise<void> {
    if (force) this.dirty = true;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.cycle().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.sync();
      }
    });
    return this.running;
  }

  private async cycle(): Promise<void> {
    for (let attempt = 0; attempt < MAX_CONFLICTS && this.keys; attempt++) {
      const keys = this.keys;
      const state = (await this.db.get<BackupState>('device', STATE)) ?? { version: 0, savedAt: null };
      try {
        this.setStatus({ kind: 'saving' });
        const server = await keyBackupStatus();
        if (server.exists && (server.version ?? 0) > state.version) {
          const { blob, version } = await fetchKeyBackup();
          const opened = this.openWith(blob, keys);
          if (!opened) {
            this.setStatus({ kind: 'stale-key' });
            return;
          }
          const channels = await this.serial(() => mergeBackup(this.store, opened.contents, this.ownAddress, Date.now()));
          state.version = version;
          await this.db.put('device', STATE, state);
          if (channels.length > 0) this.keysArrived(channels);
          this.merged();
          // Upload when the blob lacks something this device has, or is under the old key.
          if (opened.withPrevious || !(await this.serial(() => covers(opened.contents, this.store, this.ownAddress)))) this.dirty = true;
        }
        if (!this.dirty) {
          this.setStatus({ kind: 'saved', at: state.savedAt });
          return;
        }
        this.dirty = false;
        const contents = await this.serial(() => collectBackup(this.store, this.accountId, this.ownAddress, Date.now()));
        const blob = sealBackup({ ...contents, sessions: [] }, keys.current, systemRng);
        const version = Math.max(Date.now(), state.version + 1);
        try {
          await storeKeyBackup(blob, version);
        } catch (e) {
          if (e instanceof ApiRequestError && e.status === 409) {
            this.dirty = true;
            continue; // another device uploaded meanwhile: merge theirs, then try again
          }
          throw e;
        }
        const saved: BackupState = { version, savedAt: Date.now() };
        await this.db.put('device', STATE, saved);
        if (keys.previous) await this.setKeys({ current: keys.current });
        this.setStatus({ kind: 'saved', at: saved.savedAt });
        return;
      } catch (e) {
        this.dirty = true;
        this.setStatus({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
        return;
      }
    }
  }

  /** Opens a blob with the current key, or the previous one while a re-encryption is pending. */
  private openWith(blob: Uint8Array, keys: BackupKeys): { contents: BackupContents; withPrevious: boolean } | null {
    for (const key of [keys.current, keys.previous]) {
      if (!key) continue;
      try {
        return { contents: openBackup(blob, key, this.accountId), withPrevious: key !== keys.current };
      } catch (e) {
        if (!(isCryptoError(e) && e.code === 'wrong-recovery-code')) throw e;
      }
    }
    return null;
  }
}

/**
 * Adds what a backup holds and this store lacks (see the file comment); returns the channels
 * whose sender keys grew. Sender-key records are merged per key id, so an older key of someone
 * this device also heard from directly is added beside the live one.
 */
export async function mergeBackup(store: IndexedDbKeyStore, contents: BackupContents, ownAddress: string, now: number): Promise<string[]> {
  const channels = new Set<string>();
  if (contents.accountKey && !(await store.getAccountKey())) await store.setAccountKey(contents.accountKey);
  // mergeSenderKeyRecords restarts each incoming record at its history points.
  const incoming = contents.senderKeys.map((k) => ({ channelId: k.channelId, sender: k.sender, record: k.record }));
  if (contents.ownAddress !== ownAddress) {
    for (const own of contents.ownSenderKeys) incoming.push({ channelId: own.channelId, sender: contents.ownAddress, record: ownKeyAsRecord(own) });
  }
  for (const { channelId, sender, record } of incoming) {
    if (sender === ownAddress) continue; // this device reads its own messages with its own keys
    const merged = mergeSenderKeyRecords(await store.getSenderKeyRecord(channelId, sender), record);
    if (!merged) continue;
    await store.putSenderKeyRecord(channelId, sender, merged);
    channels.add(channelId);
  }
  for (const t of contents.trust) if (t.userId !== ownAddress && !(await store.getTrust(t.userId))) await store.putTrust(t);
  if (contents.identity && contents.ownAddress !== ownAddress && !(await store.getTrust(contents.ownAddress))) {
    const key = encodeIdentityPublic(identityPublicOf(contents.identity));
    await store.putTrust({ ...observeIdentity(undefined, contents.ownAddress, key, now).record, state: 'verified' });
  }
  return [...channels];
}

/** True when the backup already holds every sender key and pinned identity this store has. */
async function covers(contents: BackupContents, store: IndexedDbKeyStore, ownAddress: string): Promise<boolean> {
  const inBlob = new Set<string>();
  const keyIds = (r: SenderKeyRecord) => [...r.states.map((st) => st.keyId), ...(r.retired ?? []).map((k) => k.keyId)];
  for (const k of contents.senderKeys) for (const id of keyIds(k.record)) inBlob.add(`${k.channelId}|${k.sender}|${id}`);
  for (const own of contents.ownSenderKeys) inBlob.add(`${own.channelId}|${contents.ownAddress}|${own.keyId}`);
  for (const k of await store.listSenderKeyRecords()) for (const id of keyIds(k.record)) if (!inBlob.has(`${k.channelId}|${k.sender}|${id}`)) return false;
  for (const own of await store.listOwnSenderKeys()) if (!inBlob.has(`${own.channelId}|${ownAddress}|${own.keyId}`)) return false;
  const pinned = new Map(contents.trust.map((t) => [t.userId, t.state]));
  for (const t of await store.listTrust()) if (pinned.get(t.userId) !== t.state && t.userId !== contents.ownAddress) return false;
  return true;
}
