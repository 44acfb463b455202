/**
 * The device's end-to-end encryption at work: provisions this device's keys (identity, signed
 * prekey, ML-KEM prekey, one-time prekeys; POST /api/devices), keeps the hub socket (per-device
 * inbox), distributes this device's SenderKey for a channel to every member device over pairwise
 * PQXDH / Double Ratchet sessions, and seals and opens channel envelopes.
 *
 * It is the adapter between client/src/crypto (pure) and the network and IndexedDB. Every
 * operation that reads and writes key state runs through one queue, so two messages never race
 * on a ratchet or a chain. A failure is returned as a typed `CryptoErrorCode`, never swallowed,
 * and nothing here ever falls back to plaintext. Loaded with a dynamic import after sign-in, so
 * the login screen does not download the crypto library.
 */
import { HubSnapshot } from './hubSnapshot';
import type { PublicUser } from '../../../protocol/auth';
import type { EnvelopeOut } from '../../../protocol/frames';
import type { HubServerFrame, HubSettings } from '../../../protocol/hub';
import { eachLimited, packDeliveries, slicesByUser, type DeliverItem } from './batching';
import { batchedSessions } from './sessionBatch';
import { createSignal, untrack } from 'solid-js';
import {
  CryptoError,
  Kind,
  acknowledgeIdentityChange,
  checkIdentity,
  computeSafetyNumber,
  markVerified,
  observeIdentity,
  type SafetyNumber,
  type TrustRecord,
  createSenderKey,
  decodeBackupRekeyed,
  encodeBackupRekeyed,
  decodeCallSignal,
  encodeCallSignal,
  type CallSignal,
  decodeIdentityPublic,
  decodeSenderKeyDistribution,
  decodeSenderKeyMessage,
  decodeSenderKeyRequest,
  encodeSenderKeyRequest,
  senderKeyDistributionAt,
  decryptFrom,
  encodeIdentityPublic,
  encodeSenderKeyDistribution,
  encryptTo,
  generateIdentityKeyPair,
  generateKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  identityPublicOf,
  isCryptoError,
  messageStatus,
  oneTimePreKeysToGenerate,
  ownKeyAsRecord,
  retireSenderKey,
  processSenderKeyDistribution,
  selectProvider,
  senderKeyDecrypt,
  senderKeyDistribution,
  senderKeyEncrypt,
  shouldRotateSenderKey,
  shouldRotateSignedPreKey,
  signedPreKeysToDelete,
  startSession,
  systemRng,
  verifyPreKeyBundle,
  ONE_TIME_PREKEY_BATCH,
  type CryptoErrorCode,
  type CryptoProvider,
  type IdentityKeyPair,
  type IdentityPublic,
  type OwnSenderKey,
  type SenderKeyRecord,
  type MessageStatus,
  type PreKeyBundle,
  type SessionDeps,
} from '../crypto';
import { channelMembers } from '../api/communities';
import { withLock } from '../api/webLock';
import { claimBundlesMany, listOwnDevices, registerDevice, uploadPreKeys, userDevices, usersDevices, type ClaimedBundle, type PublicDevice } from '../api/keys';
import { MAX_BATCH_USERS } from '../../../protocol/keys';
import { IndexedDbKeyStore } from '../stores/IndexedDbKeyStore';
import type { Db } from '../stores/idb';
import { ReconnectingSocket } from '../ws/ReconnectingSocket';
import { fromBase64, toBase64, toBase64Url } from './base64';
import { BackupSync } from './BackupSync';
import { DeviceLists, removedBetween, type ListSnapshot } from './DeviceLists';
import { unwrapChannelEnvelope, wrapChannelEnvelope } from './ChannelEnvelope';

/** How long a channel's member-device list is reused before asking the server again, ms. */
const MEMBERS_TTL_MS = 15_000;
/** How long to wait for the hub to confirm a delivery before giving up (the message stays queued), ms. */
const DELIVER_TIMEOUT_MS = 15_000;
/** `deliver-many` frames in flight at once: below the hub's per-socket queue of 64 frames, so none is refused for crowding. */
const DELIVERY_WINDOW_FRAMES = 32;
/** A distribution's slice (issue #21): at most this many users' bundles in one claim… */
const SLICE_USERS = 64;
/** …and about this many devices, so the first slice is on its way while the next is sealed. */
const SLICE_DEVICES = 128;
/** Member devices whose sessions are started or sealed to at once: independent states, so their waits (IndexedDB, WebCrypto) overlap. */
const SEAL_CONCURRENCY = 16;

/** This device as registered with the server. */
interface DeviceRecord {
  userId: string;
  deviceId: string;
  nextOneTimePreKeyId: number;
  /** The signed prekey (and ML-KEM prekey, same id) the server hands out; absent: 1, the registration's. */
  signedPreKeyId?: number;
}

/** How often a running device checks whether its signed prekeys are due (also at every start). */
const PREKEY_CHECK_MS = 24 * 60 * 60 * 1000;

/**
 * Runs `fn` holding this browser's lock on making and publishing the device's prekeys: two tabs
 * of one device starting together would otherwise both make keys under the same new ids, and the
 * one stored could differ from the one published.
 */
function withPreKeyLock<T>(fn: () => Promise<T>): Promise<T> {
  return withLock('chatalot-prekeys', fn);
}

/** Which member devices hold the current sender key of one channel. */
interface DistributedRecord {
  keyId: number;
  addresses: string[];
  /** From which iteration each address holds it (absent in records written before issue #20). */
  from?: Record<string, number>;
  /** When (this device's clock, ms) each iteration was sealed, by iteration: a device approved later is entitled only from then on. */
  sealedAt?: number[];
  /**
   * The signed device list of each person holding the key, as last checked. Any device on it may
   * hold the key without this device having sent it (a key backup restored there carries it), so
   * a removal from it rotates the key even when the removed device never got it from here.
   */
  lists?: Record<string, ListSnapshot>;
}

/** An own sender key replaced by a newer one, kept to answer re-requests for the messages it sealed. */
interface PreviousOwnKey {
  own: OwnSenderKey;
  done: DistributedRecord;
}

/**
 * Replaced own sender keys kept per channel for answering re-requests: with the current one this
 * is MAX_SENDER_KEY_STATES, the key ids a receiver keeps per sender, so an answer for an older key
 * would be dropped by the receiver anyway.
 */
const MAX_PREVIOUS_OWN_KEYS = 4;
const previousKey = (channelId: string) => `${channelId}#previous`;

/** Times a recovery-code notice is sent to a device before giving up (the hub may be reconnecting). */
const REKEY_NOTICE_ATTEMPTS = 6;
/** A key re-request for the same (sender device, channel, key) is sent again after this long, ms (issue #20). */
const KEY_REQUEST_INTERVAL_MS = 30_000;
/** A device's re-requests for one key are answered at most this often, ms: a co-member cannot make this device re-read the members in a loop. */
const KEY_ANSWER_INTERVAL_MS = 5_000;
/** Outstanding re-request and answer bookkeeping kept at most (oldest dropped). */
const MAX_KEY_REQUEST_ENTRIES = 1000;

/** What opening needs of an envelope: its sender and ciphertext, and when the server stored it if known. */
export type OpenableEnvelope = Pick<EnvelopeOut, 'sender' | 'ciphertext'> & { ts?: number };

/** What opening an envelope gave. */
export type OpenResult = { ok: true; plaintext: Uint8Array; status: MessageStatus; deviceId: string } | { ok: false; code: CryptoErrorCode | 'waiting-for-key' };

/** "user.device": the address of a device in the key store. */
export const addressOf = (userId: string, deviceId: string) => `${userId}.${deviceId}`;

const randomId = () => toBase64Url(systemRng(16));

export class Engine {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly memberCache = new Map<string, { at: number; devices: { userId: string; deviceId: string; identityKey: string }[]; lists: Map<string, ListSnapshot> }>();
  /** Deliveries the hub has not confirmed yet, with their frames: a reconnected hub gets them again (it drops repeats by clientMsgId). */
  private readonly pendingDeliveries = new Map<string, { resolve: () => void; reject: (e: Error) => void; item: DeliverItem }>();
  private readonly keyListeners = new Set<(channelId: string) => void>();
  /** Key re-requests sent, by `address|channel|keyId`: when, and from which iteration. */
  private readonly keyRequests = new Map<string, { at: number; iteration: number }>();
  /** Per channel, the recipients epoch the cached member list was read for (issue #20). */
  private readonly readForEpoch = new Map<string, number>();
  /** Per channel, a key distribution begun while the person typed, and when the last one ended (`prepare`). */
  private readonly preparing = new Map<string, Promise<void>>();
  private readonly preparedAt = new Map<string, number>();
  /** When the server registered this device (server clock), once known. */
  registeredAt: number | undefined;
  /** When a message without its key last made this device look at the key backup. */
  private lastBackupLook = 0;
  /** Re-requests answered, by `address|channel|keyId`: when. */
  private readonly keyAnswers = new Map<string, number>();
  private readonly trustListeners = new Set<() => void>();
  readonly hub: ReconnectingSocket;
  /** The encrypted key backup this device keeps up to date once it knows the recovery code. */
  readonly backup: BackupSync;
  /** Signed device lists: this account's, and everyone else's pinned account keys. */
  readonly lists: DeviceLists;

  private constructor(
    readonly provider: CryptoProvider,
    readonly store: IndexedDbKeyStore,
    private readonly db: Db,
    readonly identity: IdentityKeyPair,
    readonly userId: string,
    readonly deviceId: string,
  ) {
    this.hub = new ReconnectingSocket(`/ws/hub?device=${encodeURIComponent(deviceId)}`, {
      // A delivery sent just before the socket dropped may never have been read, and its
      // confirmation would be lost either way: send it again rather than wait out the timeout.
      open: () => {
        this.hubSnapshot.begin();
        for (const items of packDeliveries([...this.pendingDeliveries.values()].map((p) => p.item))) this.hub.send({ type: 'deliver-many', items });
      },
      frame: (f) => this.onHubFrame(f as HubServerFrame),
    });
    this.lists = new DeviceLists(provider, store, db, userId, deviceId, identity, () => {
      this.forgetMembers();
      this.backup.markDirty();
    });
    this.backup = new BackupSync(
      db,
      store,
      userId,
      addressOf(userId, deviceId),
      (fn) => this.serial(fn),
      (channelIds) => {
        for (const id of channelIds) for (const fn of this.keyListeners) fn(id);
      },
      () => void this.lists.syncOwn().catch(() => undefined),
      (version) => this.announceRekey(version),
    );
  }

  /** Whether the room's recipients `epoch` is newer than the one the cached member list was read for. */
  private epochIsNew(channelId: string, epoch: number | undefined): boolean {
    const known = this.readForEpoch.get(channelId);
    return epoch !== undefined && (known === undefined || epoch > known);
  }

  /** `distribute`, reading the members afresh first when the room's epoch moved on (issue #20). */
  private async distributeFor(channelId: string, epoch: number | undefined) {
    if (this.epochIsNew(channelId, epoch)) this.memberCache.delete(channelId);
    const own = await this.distribute(channelId);
    if (epoch !== undefined) this.readForEpoch.set(channelId, Math.max(epoch, this.readForEpoch.get(channelId) ?? 0));
    return own;
  }

  /**
   * The members or their devices may have changed: the next send reads them again, and so does
   * the next typing (`prepare`), which is otherwise not repeated within the list's lifetime.
   */
  private forgetMembers(): void {
    this.memberCache.clear();
    this.preparedAt.clear();
  }

  private get deps(): SessionDeps {
    return { provider: this.provider, rng: systemRng, store: this.store };
  }

  /** Runs `fn` after every earlier key-state operation finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Starts the engine for `user`: loads or provisions this device, then connects the hub. */
  static async start(db: Db, user: PublicUser, deviceName: string): Promise<Engine> {
    let provider: CryptoProvider;
    try {
      provider = await selectProvider();
    } catch {
      throw new CryptoError('crypto-unavailable', 'provider');
    }
    const store = new IndexedDbKeyStore(db);
    let device = await db.get<DeviceRecord>('device', 'self');
    let identity = await store.getIdentity();
    /** When the server registered this device, when the list read to check it said so. */
    let registeredAt: number | undefined;
    if (!device && identity) {
      // Keys made and a registration sent, but the page died before its answer was kept
      // (SECURITY-TESTS R9): the server may hold a device with this identity. It is this one;
      // registering again would leave a device nobody can read for behind.
      const mine = await listOwnDevices();
      const ours = toBase64Url(encodeIdentityPublic(identityPublicOf(identity)));
      const found = mine.devices.find((d) => d.identityKey === ours);
      if (found) {
        device = { userId: user.id, deviceId: found.deviceId, nextOneTimePreKeyId: 1 + ONE_TIME_PREKEY_BATCH };
        await db.put('device', 'self', device);
      }
    }
    if (device && identity) {
      const mine = await listOwnDevices();
      const registered = mine.devices.find((d) => d.deviceId === device!.deviceId);
      registeredAt = registered?.createdAt;
      if (!registered) device = undefined;
      else {
        const missing = oneTimePreKeysToGenerate(registered.oneTimePreKeys);
        // The counter read again under the lock: another tab may have just spent these ids.
        if (missing > 0) device = await withPreKeyLock(async () => {
          let held = (await db.get<DeviceRecord>('device', 'self'))!;
          const keys = await generateOneTimePreKeys(provider, systemRng, held.nextOneTimePreKeyId, missing);
          // Kept, and their ids spent, before the server hears of them: a page that dies after
          // the upload but before its answer must not make these ids again with other keys the
          // next time (the server keeps the first public key of an id), which would leave
          // prekeys on the server whose private halves are gone (SECURITY-TESTS R9).
          await store.putOneTimePreKeys(keys);
          held = { ...held, nextOneTimePreKeyId: held.nextOneTimePreKeyId + missing };
          await db.put('device', 'self', held);
          await uploadPreKeys(held.deviceId, { oneTimePreKeys: keys.map((k) => ({ id: k.id, publicKey: toBase64Url(k.keyPair.publicKey) })) });
          return held;
        });
      }
    }
    if (!device || !identity) {
      await store.clear();
      const now = Date.now();
      identity = await generateIdentityKeyPair(provider, systemRng);
      const spk = await generateSignedPreKey(provider, systemRng, identity, 1, now);
      const kpk = await generateKyberPreKey(provider, systemRng, identity, 1, now);
      const otks = await generateOneTimePreKeys(provider, systemRng, 1, ONE_TIME_PREKEY_BATCH);
      await store.setIdentity(identity);
      await store.putSignedPreKey(spk);
      await store.putKyberPreKey(kpk);
      await store.putOneTimePreKeys(otks);
      const res = await registerDevice({
        name: deviceName,
        identityKey: toBase64Url(encodeIdentityPublic(identityPublicOf(identity))),
        signedPreKey: { id: spk.id, createdAt: spk.createdAt, publicKey: toBase64Url(spk.keyPair.publicKey), signature: toBase64Url(spk.signature) },
        kyberPreKey: { id: kpk.id, createdAt: kpk.createdAt, publicKey: toBase64Url(kpk.keyPair.publicKey), signature: toBase64Url(kpk.signature) },
        oneTimePreKeys: otks.map((k) => ({ id: k.id, publicKey: toBase64Url(k.keyPair.publicKey) })),
      });
      device = { userId: user.id, deviceId: res.deviceId, nextOneTimePreKeyId: 1 + ONE_TIME_PREKEY_BATCH };
      await db.put('device', 'self', device);
    }
    const engine = new Engine(provider, store, db, identity, user.id, device.deviceId);
    // When the server registered this device (its clock, as envelopes' `ts`): nothing sent before
    // can be re-requested (issue #20), only restored from the key backup. Read once: a device
    // already registered has it from the check above.
    if (registeredAt !== undefined) engine.registeredAt = registeredAt;
    else
      void listOwnDevices()
        .then((mine) => (engine.registeredAt = mine.devices.find((d) => d.deviceId === engine.deviceId)?.createdAt))
        .catch(() => undefined);
    // Offline now: the daily check or the next start publishes it.
    await engine.rotateSignedPreKeys(Date.now()).catch(() => undefined);
    engine.prekeyTimer = setInterval(() => void engine.rotateSignedPreKeys(Date.now()).catch(() => undefined), PREKEY_CHECK_MS);
    void engine.backup.start();
    void engine.lists.syncOwn().catch(() => undefined);
    return engine;
  }

  /** Called with a channel id whenever a new sender key for it arrived (retry messages that waited). */
  onSenderKey(fn: (channelId: string) => void): () => void {
    this.keyListeners.add(fn);
    return () => this.keyListeners.delete(fn);
  }

  private prekeyTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * Weekly rotation of the signed X25519 and ML-KEM prekeys (docs/crypto.md). A new pair under
   * the next id is kept before the server hears of it, and published until the server has it:
   * a page that dies in between publishes it at its next start (SECURITY-TESTS R9). A replaced
   * pair stays for 30 days after its replacement, for initial messages made with it while it was
   * handed out, then goes with the base keys remembered against it.
   */
  rotateSignedPreKeys(now: number): Promise<void> {
    return withPreKeyLock(() => this.rotateSignedPreKeysLocked(now));
  }

  private async rotateSignedPreKeysLocked(now: number): Promise<void> {
    const signed = await this.store.listSignedPreKeys();
    if (signed.length === 0) return;
    let current = signed.reduce((a, b) => (b.id > a.id ? b : a));
    if (shouldRotateSignedPreKey(current.createdAt, now)) {
      const id = current.id + 1;
      const kyber = await generateKyberPreKey(this.provider, systemRng, this.identity, id, now);
      current = await generateSignedPreKey(this.provider, systemRng, this.identity, id, now);
      await this.store.putKyberPreKey(kyber);
      await this.store.putSignedPreKey(current);
      signed.push(current);
    }
    let device = (await this.db.get<DeviceRecord>('device', 'self'))!;
    if ((device.signedPreKeyId ?? 1) !== current.id) {
      const kyber = await this.store.getKyberPreKey(current.id);
      await uploadPreKeys(this.deviceId, {
        signedPreKey: { id: current.id, createdAt: current.createdAt, publicKey: toBase64Url(current.keyPair.publicKey), signature: toBase64Url(current.signature) },
        ...(kyber ? { kyberPreKey: { id: kyber.id, createdAt: kyber.createdAt, publicKey: toBase64Url(kyber.keyPair.publicKey), signature: toBase64Url(kyber.signature) } } : {}),
      });
      device = { ...device, signedPreKeyId: current.id };
      await this.db.put('device', 'self', device);
    }
    for (const id of signedPreKeysToDelete(signed, device.signedPreKeyId ?? 1, now)) {
      await this.store.removeSignedPreKey(id);
      await this.store.removeKyberPreKey(id);
    }
  }

  stop(): void {
    clearInterval(this.prekeyTimer);
    this.backup.stop();
    this.lists.stop();
    this.hub.close();
    for (const p of this.pendingDeliveries.values()) p.reject(new Error('stopped'));
    this.pendingDeliveries.clear();
  }

  // ── Trust: safety numbers, verification, key changes ─────────────────────────────────────

  /** Calls `listener` whenever a pinned identity changes state (first seen, changed, verified). */
  onTrustChange(listener: () => void): () => void {
    this.trustListeners.add(listener);
    return () => this.trustListeners.delete(listener);
  }

  private trustChanged(): void {
    this.backup.markDirty();
    for (const l of this.trustListeners) l();
  }

  /** Every identity this device has pinned, keyed by device address (`user.device`). */
  trustRecords(): Promise<TrustRecord[]> {
    return this.store.listTrust();
  }

  /**
   * What the verify screen shows for `userId`: for each of their devices the safety number
   * between this device's identity key and theirs (the same 60 digits on both sides), and what
   * this device has pinned for it. A device whose listed key differs from the pinned one shows
   * as changed.
   */
  async verification(userId: string): Promise<{ device: PublicDevice; safetyNumber: SafetyNumber; record: TrustRecord; listed: boolean | null }[]> {
    const { devices, deviceList } = await userDevices(userId);
    await this.lists.approved(userId, devices, deviceList);
    const listed = new Map<string, boolean | null>();
    for (const d of devices) listed.set(d.deviceId, await this.lists.isListed(userId, d));
    const local = { identityKey: encodeIdentityPublic(identityPublicOf(this.identity)), stableId: this.userId };
    const now = Date.now();
    return this.serial(async () => {
      const out = [];
      for (const device of devices) {
        const key = fromBase64(device.identityKey);
        const address = addressOf(userId, device.deviceId);
        const observed = observeIdentity(await this.store.getTrust(address), address, key, now);
        if (observed.event !== 'unchanged') {
          await this.store.putTrust(observed.record);
          this.trustChanged();
        }
        out.push({ device, safetyNumber: computeSafetyNumber(local, { identityKey: key, stableId: userId }), record: observed.record, listed: listed.get(device.deviceId) ?? null });
      }
      return out;
    });
  }

  /** After comparing safety numbers: marks `userId`'s device verified for exactly the key compared. */
  async markVerified(userId: string, deviceId: string, identityKey: Uint8Array): Promise<void> {
    await this.serial(async () => {
      const address = addressOf(userId, deviceId);
      const record = (await this.store.getTrust(address)) ?? observeIdentity(undefined, address, identityKey, Date.now()).record;
      await this.store.putTrust(markVerified(acknowledgeIdentityChange(record), identityKey));
    });
    this.trustChanged();
  }

  /** Takes a verification back: the key stays pinned, unverified. */
  async clearVerification(userId: string, deviceId: string): Promise<void> {
    await this.serial(async () => {
      const record = await this.store.getTrust(addressOf(userId, deviceId));
      if (record) await this.store.putTrust({ ...record, state: 'unverified' });
    });
    this.trustChanged();
  }

  /** The user saw that `userId`'s key changed and accepts the new one (unverified); sending to them resumes. */
  async acceptKeyChange(userId: string): Promise<void> {
    await this.serial(async () => {
      for (const r of await this.store.listTrust()) if (r.userId.startsWith(`${userId}.`) && r.state === 'changed') await this.store.putTrust(acknowledgeIdentityChange(r));
    });
    this.trustChanged();
  }

  // ── Hub ────────────────────────────────────────────────────────────────────────────────────

  private readonly hubListeners = new Set<(f: HubServerFrame) => void>();

  /** The current connection's opening frames, for listeners that subscribe after they came. */
  private readonly hubSnapshot = new HubSnapshot();

  /**
   * Calls `listener` with every frame the hub sends (unread counts, presence, typing…), starting
   * with what it missed of the current connection's snapshot (the unread counts and `ready`);
   * returns the unsubscribe.
   */
  onHub(listener: (f: HubServerFrame) => void): () => void {
    this.hubListeners.add(listener);
    // Untracked: a listener subscribed inside an effect would otherwise make that effect depend on
    // what it reads while taking the frames, and subscribe (and be handed them) again on each change.
    untrack(() => {
      for (const f of this.hubSnapshot.missed()) listener(f);
    });
    return () => this.hubListeners.delete(listener);
  }

  private readonly hubSettingsSignal = createSignal<HubSettings | null>(null);
  /** The user's hub settings (read receipts), as the hub last reported them; null before it did. */
  readonly hubSettings = this.hubSettingsSignal[0];
  /** Turns sending read receipts on or off for the account (the hub answers with the new settings). */
  setReadReceipts(on: boolean): boolean {
    return this.hub.send({ type: 'settings', readReceipts: on });
  }

  private onHubFrame(f: HubServerFrame): void {
    this.hubSnapshot.record(f);
    if (f.type === 'ready' || f.type === 'settings') this.hubSettingsSignal[1](f.settings);
    // Someone approved or removed a device: re-read members' devices before the next send.
    // A membership may have changed (joined, left, removed): re-read members before the next send too.
    if (f.type === 'devices' || f.type === 'changed') this.forgetMembers();
    for (const l of this.hubListeners) l(f);
    if (f.type === 'inbox') void this.serial(() => this.openInboxItem(f));
    else if (f.type === 'delivered') {
      const p = this.pendingDeliveries.get(f.clientMsgId);
      this.pendingDeliveries.delete(f.clientMsgId);
      if (!p) return;
      if (f.failed.length > 0) p.reject(new Error(`delivery failed: ${f.failed.map((x) => x.code).join(', ')}`));
      else p.resolve();
    } else if (f.type === 'error' && f.error.ref) {
      const p = this.pendingDeliveries.get(f.error.ref);
      this.pendingDeliveries.delete(f.error.ref);
      p?.reject(new Error(f.error.message));
    }
  }

  /** Opens one pairwise inbox item (a sender-key distribution) and acknowledges it. */
  private async openInboxItem(item: Extract<HubServerFrame, { type: 'inbox' }>): Promise<void> {
    const address = addressOf(item.from.userId, item.from.deviceId);
    try {
      const out = await decryptFrom(this.deps, address, fromBase64(item.ciphertext), undefined, Date.now());
      await checkIdentity(this.store, address, encodeIdentityPublic(out.remoteIdentity), Date.now());
      if (out.plaintext[1] === Kind.SenderKeyDistribution) {
        const d = decodeSenderKeyDistribution(out.plaintext);
        const record = processSenderKeyDistribution(await this.store.getSenderKeyRecord(d.channelId, address), d);
        await this.store.putSenderKeyRecord(d.channelId, address, record);
        this.backup.markDirty();
        for (const fn of this.keyListeners) fn(d.channelId);
      } else if (out.plaintext[1] === Kind.BackupRekeyed && decodeBackupRekeyed(out.plaintext) && item.from.userId === this.userId) {
        // Another of this account's devices moved the backup to a new recovery code: look now, so
        // this device asks for the new code at once (or, already holding it, carries on).
        void this.backup.sync(true).catch(() => undefined);
      } else if (out.plaintext[1] === Kind.SenderKeyRequest) {
        // Not answered when the members cannot be read (this device left, the server is away):
        // the asking device asks again later.
        await this.answerKeyRequest(item.from, decodeSenderKeyRequest(out.plaintext)).catch(() => undefined);
      }
    } catch (e) {
      // A duplicate is a redelivery of something already processed; anything else cannot be
      // opened by retrying either. Both are acknowledged so the inbox does not fill up.
      if (!isCryptoError(e)) console.warn('inbox item could not be processed', e);
    }
    this.hub.send({ type: 'ack', ids: [item.id] });
  }

  /**
   * Delivers each ciphertext to its device in `deliver-many` frames, up to DELIVERY_WINDOW_FRAMES
   * frames in flight, and settles each one with the hub's answer to it. Nothing waits for one
   * confirmation before sending the next frame of a window (issue #21).
   */
  private async deliverAll(deliveries: { to: { userId: string; deviceId: string }; ciphertext: Uint8Array }[]): Promise<PromiseSettledResult<void>[]> {
    const items: DeliverItem[] = deliveries.map((d) => ({ clientMsgId: randomId(), to: d.to, ciphertext: toBase64(d.ciphertext) }));
    const settled = new Map<string, Promise<void>>();
    const frames = packDeliveries(items);
    for (let i = 0; i < frames.length; i += DELIVERY_WINDOW_FRAMES) {
      const window = frames.slice(i, i + DELIVERY_WINDOW_FRAMES);
      for (const frame of window) {
        for (const item of frame) settled.set(item.clientMsgId, this.expectDelivered(item));
        // Not connected: fail now (the caller retries) rather than hold the key-state queue.
        if (!this.hub.send({ type: 'deliver-many', items: frame })) {
          for (const item of frame) this.pendingDeliveries.get(item.clientMsgId)?.reject(new Error('the hub is not connected'));
        }
      }
      await Promise.allSettled(window.flat().map((item) => settled.get(item.clientMsgId)!));
    }
    return Promise.allSettled(items.map((item) => settled.get(item.clientMsgId)!));
  }

  /** Waits for the hub's answer to one delivery item (or gives up after DELIVER_TIMEOUT_MS). */
  private expectDelivered(item: DeliverItem): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingDeliveries.delete(item.clientMsgId);
        reject(new Error('the hub did not confirm the delivery'));
      }, DELIVER_TIMEOUT_MS);
      this.pendingDeliveries.set(item.clientMsgId, {
        resolve: () => (clearTimeout(timer), this.pendingDeliveries.delete(item.clientMsgId), resolve()),
        reject: (e) => (clearTimeout(timer), this.pendingDeliveries.delete(item.clientMsgId), reject(e)),
        item,
      });
    });
  }


  // ── Sender keys ────────────────────────────────────────────────────────────────────────────

  private async memberDevices(channelId: string, fresh = false) {
    const cached = this.memberCache.get(channelId);
    if (!fresh && cached && Date.now() - cached.at < MEMBERS_TTL_MS) return cached.devices;
    const { members } = await channelMembers(channelId);
    // A 1:1 DM its other side has not accepted: their keys stay closed to us until they do, and
    // sending to nobody else would be refused anyway. The caller keeps the message and retries.
    const waiting = members.filter((m) => m.pending);
    if (waiting.length > 0) throw new Error(`waiting for ${waiting.map((m) => m.displayName || m.username || 'them').join(', ')} to accept your message request`);
    // Every member's devices in as few requests as the batch size allows (issue #21: one request
    // per member made a channel's first message take seconds and met the per-IP limit).
    const ids = members.map((m) => m.userId);
    const read: { userId: string; devices: PublicDevice[]; deviceList: { version: number; list: string } | null }[] = [];
    for (let i = 0; i < ids.length; i += MAX_BATCH_USERS) {
      const page = await usersDevices(ids.slice(i, i + MAX_BATCH_USERS));
      if (page.missing.length > 0) throw new Error(`the keys of ${page.missing.length} member(s) cannot be read`);
      read.push(...page.users);
    }
    // Only devices on each person's signed device list receive keys (DeviceLists.ts).
    const devices = (
      await Promise.all(read.map(async (r) => (await this.lists.approved(r.userId, r.devices, r.deviceList)).map((d) => ({ userId: r.userId, deviceId: d.deviceId, identityKey: d.identityKey }))))
    ).flat();
    // Each member's accepted list as it stands now (approved() just pinned it), for the removal check.
    const lists = new Map<string, ListSnapshot>();
    for (const r of read) {
      const snapshot = await this.lists.pinnedList(r.userId);
      if (snapshot) lists.set(r.userId, snapshot);
    }
    this.memberCache.set(channelId, { at: Date.now(), devices, lists });
    return devices;
  }

  /**
   * Makes a new own sender key for the channel. The one it replaces is kept (bounded) to answer
   * re-requests for what it sealed, and retired as history under this device's own address, so
   * the key backup carries it and a device restored from the backup reads what this one sent.
   */
  private async newOwnKey(channelId: string, now: number): Promise<OwnSenderKey> {
    const old = await this.store.getOwnSenderKey(channelId);
    if (old?.initialChainKey) {
      const address = addressOf(this.userId, this.deviceId);
      const history = { keyId: old.keyId, signingKey: old.signing.publicKey, history: { chainKey: old.initialChainKey, index: 0 } };
      await this.store.putSenderKeyRecord(channelId, address, retireSenderKey(await this.store.getSenderKeyRecord(channelId, address), channelId, history));
    }
    const done = await this.db.get<DistributedRecord>('distributed', channelId);
    if (old && done && done.keyId === old.keyId) {
      const previous = (await this.db.get<PreviousOwnKey[]>('distributed', previousKey(channelId))) ?? [];
      await this.db.put('distributed', previousKey(channelId), [{ own: old, done }, ...previous].slice(0, MAX_PREVIOUS_OWN_KEYS));
    }
    const own = await createSenderKey(this.provider, systemRng, channelId, now);
    // This account's own list as the key is made: every device on it may come to hold the key
    // through the key backup before this device sends it anywhere, so a removal from the list
    // after this point rotates it (the simulation found a device approved, handed a new key by
    // the backup, removed, and reading on before the key was ever distributed).
    const mine = await this.lists.pinnedList(this.userId);
    await this.db.put('distributed', channelId, { keyId: own.keyId, addresses: [], from: {}, ...(mine ? { lists: { [this.userId]: mine } } : {}) } satisfies DistributedRecord);
    await this.store.putOwnSenderKey(own);
    return own;
  }

  /** Forces the next send to re-read the members and rotate the sender key (a member left). */
  async rotate(channelId: string): Promise<void> {
    await this.serial(async () => {
      this.memberCache.delete(channelId);
      this.preparedAt.delete(channelId);
      await this.newOwnKey(channelId, Date.now());
    });
    this.backup.markDirty();
  }

  private bundleFrom(c: ClaimedBundle): PreKeyBundle {
    return {
      identity: decodeIdentityPublic(fromBase64(c.identityKey)),
      signedPreKey: { id: c.signedPreKey.id, createdAt: c.signedPreKey.createdAt, publicKey: fromBase64(c.signedPreKey.publicKey), signature: fromBase64(c.signedPreKey.signature) },
      oneTimePreKey: c.oneTimePreKey ? { id: c.oneTimePreKey.id, publicKey: fromBase64(c.oneTimePreKey.publicKey) } : null,
      kyberPreKey: c.kyberPreKey
        ? { id: c.kyberPreKey.id, createdAt: c.kyberPreKey.createdAt, publicKey: fromBase64(c.kyberPreKey.publicKey), signature: fromBase64(c.kyberPreKey.signature) }
        : null,
    };
  }

  /**
   * Makes sure every current member device holds this device's sender key for the channel,
   * starting pairwise sessions from verified bundles where none exists. Returns the own key.
   */
  private async distribute(channelId: string) {
    const now = Date.now();
    let own = await this.store.getOwnSenderKey(channelId);
    const held = own?.keyId;
    if (!own || shouldRotateSenderKey(own, now)) own = await this.newOwnKey(channelId, now);
    try {
      return await this.distributeKey(channelId, own, now);
    } finally {
      // The backup upload a new key asks for waits until the key is out (or the attempt failed):
      // an upload in the middle of a large distribution competed with it for the device and the
      // server (issue #21).
      const current = await this.store.getOwnSenderKey(channelId);
      if (current?.keyId !== held) this.backup.markDirty();
    }
  }

  private async distributeKey(channelId: string, own: OwnSenderKey, now: number) {
    let done = await this.db.get<DistributedRecord>('distributed', channelId);
    if (!done || done.keyId !== own.keyId) done = { keyId: own.keyId, addresses: [], from: {} };
    const members = await this.memberDevices(channelId);
    // A device that holds this key is no longer among the members' devices (someone left or was
    // removed, or a device was taken off its owner's list): rotate now, even if the socket missed
    // the `member-removed` frame that rotates at once (issue #21: rotation is decided from the
    // membership at the next message, so a leaver never reads what follows).
    const current = new Set(members.map((d) => addressOf(d.userId, d.deviceId)));
    // …or a device was taken off the list of someone holding the key, even one this device never
    // sent it to: a key backup restored there may have carried it (the simulation found removed
    // devices reading on that way).
    const lists = this.memberCache.get(channelId)?.lists ?? new Map<string, ListSnapshot>();
    const holders = new Set(done.addresses.map((a) => a.slice(0, a.lastIndexOf('.'))));
    holders.add(this.userId);
    const shrunk = [...holders].some((u) => {
      const before = done!.lists?.[u];
      const after = lists.get(u);
      return before !== undefined && after !== undefined && removedBetween(before, after);
    });
    if (shrunk || done.addresses.some((a) => !current.has(a))) {
      own = await this.newOwnKey(channelId, now);
      done = { keyId: own.keyId, addresses: [], from: {} };
    }
    // The lists checked just now are where the next check starts.
    const snapshots = (done.lists ??= {});
    for (const [u, snapshot] of lists) snapshots[u] = snapshot;
    const holding = new Set(done.addresses);
    const targets = members.filter((d) => !(d.userId === this.userId && d.deviceId === this.deviceId) && !holding.has(addressOf(d.userId, d.deviceId)));
    if (targets.length === 0) return own;
    // In slices of users, pipelined (issue #21): the next slice's bundles are being claimed while
    // this one's sessions are started and its key sealed, and each slice is delivered as soon as
    // its sessions are stored, without waiting for the hub's answers, which are gathered at the
    // end. The server stores one slice while the device seals the next.
    const batch = await batchedSessions(this.store, targets.map((t) => addressOf(t.userId, t.deviceId)));
    const deps: SessionDeps = { ...this.deps, store: batch.store };
    const distribution = encodeSenderKeyDistribution(senderKeyDistribution(own));
    const slices = slicesByUser(targets, SLICE_USERS, SLICE_DEVICES);
    const claimsOf = async (slice: typeof targets) => {
      const needSession = new Set<string>();
      for (const t of slice) if (!(await batch.store.getSession(addressOf(t.userId, t.deviceId)))) needSession.add(t.userId);
      return needSession.size ? (await claimBundlesMany([...needSession])).users : [];
    };
    let trustMoved = false;
    const delivered: Promise<{ address: string; result: PromiseSettledResult<void> }[]>[] = [];
    try {
      let nextClaims = slices.length ? claimsOf(slices[0]!) : null;
      for (let k = 0; k < slices.length; k++) {
        const slice = slices[k]!;
        const claims = await nextClaims!;
        nextClaims = k + 1 < slices.length ? claimsOf(slices[k + 1]!) : null;
        // A failed prefetch must not go unobserved while this slice is sealed; it is awaited (and
        // thrown) at the top of the next round.
        nextClaims?.catch(() => undefined);
        const byAddress = new Map(slice.map((t) => [addressOf(t.userId, t.deviceId), t]));
        // Each device's session is its own state, so many are started at once: the work is mostly
        // waiting (IndexedDB, WebCrypto), and one after another it cost about 20 ms a device.
        const claimed = claims.flatMap(({ userId, bundles }) => bundles.map((b) => ({ userId, claimed: b })));
        await eachLimited(claimed, SEAL_CONCURRENCY, async ({ userId, claimed }) => {
          const target = byAddress.get(addressOf(userId, claimed.deviceId));
          if (!target || claimed.identityKey !== target.identityKey) return;
          const address = addressOf(userId, claimed.deviceId);
          if (await batch.store.getSession(address)) return;
          const bundle = this.bundleFrom(claimed);
          await verifyPreKeyBundle(this.provider, bundle);
          const trust = await checkIdentity(batch.store, address, encodeIdentityPublic(bundle.identity), now);
          if (trust.event !== 'unchanged') trustMoved = true;
          if (trust.record.state === 'changed') return; // not until the user acknowledges the new key
          // The bundle was verified just above: the session does not check its signatures again.
          await startSession(deps, address, bundle, now, { verified: true });
        });
        // Sealed for every device of the slice (each advances its own pairwise session).
        const sealed: ({ to: { userId: string; deviceId: string }; address: string; ciphertext: Uint8Array } | undefined)[] = new Array(slice.length);
        await eachLimited(slice, SEAL_CONCURRENCY, async (t, i) => {
          const address = addressOf(t.userId, t.deviceId);
          if (!(await batch.store.getSession(address))) return;
          sealed[i] = { to: { userId: t.userId, deviceId: t.deviceId }, address, ciphertext: await encryptTo(deps, address, distribution) };
        });
        // Stored before any ciphertext sealed under them leaves the device.
        await batch.flush();
        const ready = sealed.filter((x): x is NonNullable<typeof x> => x !== undefined);
        delivered.push(this.deliverAll(ready).then((results) => ready.map((r, i) => ({ address: r.address, result: results[i]! }))));
      }
    } finally {
      // Also when something failed half-way: a started or advanced session unused is harmless.
      await batch.flush();
      // Told once the new trust records are stored, so whoever re-reads them sees them.
      if (trustMoved) this.trustChanged();
    }
    // A device whose delivery failed is not marked done and is retried with the next send.
    const results = (await Promise.all(delivered)).flat();
    const from = (done.from ??= {});
    for (const r of results) if (r.result.status === 'fulfilled') (done.addresses.push(r.address), (from[r.address] = own.chain.index));
    await this.db.put('distributed', channelId, done);
    const failed = results.find((r) => r.result.status === 'rejected');
    if (failed) throw (failed.result as PromiseRejectedResult).reason;
    return own;
  }

  // ── Key re-requests (issue #20) ────────────────────────────────────────────────────────────

  /**
   * A message the server stored before this device existed is never answered by a sender (the
   * device was approved later); only the key backup can open it. Not asking spares a new device
   * one refused request, and a claim of the sender's prekeys, per sender of the history it loads.
   */
  private mayAskFor(env: OpenableEnvelope): boolean {
    return env.ts === undefined || this.registeredAt === undefined || env.ts >= this.registeredAt;
  }

  /**
   * This device cannot open a message of `userId`'s device `deviceId`: ask that device for its
   * key from the message's iteration, once per KEY_REQUEST_INTERVAL_MS per key (sooner for an
   * earlier iteration). Closes the gaps where the sender's view of the members was a moment old
   * (a device approved, a hub notice missed) when it distributed the key.
   */
  private wantKey(channelId: string, userId: string, deviceId: string, message: Uint8Array): void {
    if (userId === this.userId && deviceId === this.deviceId) return;
    let keyId: number, iteration: number;
    try {
      ({ keyId, iteration } = decodeSenderKeyMessage(message));
    } catch {
      return;
    }
    const key = `${addressOf(userId, deviceId)}|${channelId}|${keyId}`;
    const now = Date.now();
    // The key backup may hold it too (another device of this account read it since this device
    // last merged): a look at the backup, at most once per interval, merges a newer one.
    if (this.backup.enabled && now - this.lastBackupLook > KEY_REQUEST_INTERVAL_MS) {
      this.lastBackupLook = now;
      void this.backup.sync().catch(() => undefined);
    }
    const last = this.keyRequests.get(key);
    if (last && now - last.at < KEY_REQUEST_INTERVAL_MS && last.iteration <= iteration) return;
    this.keyRequests.delete(key);
    this.keyRequests.set(key, { at: now, iteration: Math.min(iteration, last?.iteration ?? iteration) });
    if (this.keyRequests.size > MAX_KEY_REQUEST_ENTRIES) this.keyRequests.delete(this.keyRequests.keys().next().value!);
    void this.serial(() => this.requestKey(userId, deviceId, { channelId, keyId, iteration })).catch(() => {
      // Not sent (offline, no bundle): the next attempt to open the message asks again.
      if (this.keyRequests.get(key)?.at === now) this.keyRequests.delete(key);
    });
  }

  /** Sends a sender-key request inside the pairwise session with the sender's device, starting one from a verified bundle if there is none. */
  private async requestKey(userId: string, deviceId: string, request: { channelId: string; keyId: number; iteration: number }): Promise<void> {
    await this.sessionsWith(userId, [deviceId]);
    const ciphertext = await encryptTo(this.deps, addressOf(userId, deviceId), encodeSenderKeyRequest(request));
    const [result] = await this.deliverAll([{ to: { userId, deviceId }, ciphertext }]);
    if (result?.status === 'rejected') throw result.reason;
  }

  /** Makes sure a pairwise session exists with each of `userId`'s devices `deviceIds`, from verified bundles (one claim for all that lack one). */
  private async sessionsWith(userId: string, deviceIds: string[]): Promise<void> {
    const missing: string[] = [];
    for (const id of deviceIds) if (!(await this.store.getSession(addressOf(userId, id)))) missing.push(id);
    if (missing.length === 0) return;
    const now = Date.now();
    const { users } = await claimBundlesMany([userId]);
    for (const deviceId of missing) {
      const claimed = users.find((u) => u.userId === userId)?.bundles.find((b) => b.deviceId === deviceId);
      if (!claimed) throw new Error('the device has no bundle');
      const address = addressOf(userId, deviceId);
      const bundle = this.bundleFrom(claimed);
      await verifyPreKeyBundle(this.provider, bundle);
      const trust = await checkIdentity(this.store, address, encodeIdentityPublic(bundle.identity), now);
      if (trust.event !== 'unchanged') this.trustChanged();
      if (trust.record.state === 'changed') throw new Error('the device key changed');
      await startSession(this.deps, address, bundle, now, { verified: true });
    }
  }

  /**
   * Tells this account's other approved devices, inside pairwise sessions, that the key backup
   * moved to a new recovery code (issue #20: they used to learn it only at their next upload).
   */
  private async announceRekey(version: number): Promise<void> {
    const { devices, deviceList } = await userDevices(this.userId);
    const others = (await this.lists.approved(this.userId, devices, deviceList)).filter((d) => d.deviceId !== this.deviceId);
    if (others.length === 0) return;
    const notices = await this.serial(async () => {
      await this.sessionsWith(this.userId, others.map((d) => d.deviceId));
      const out = [];
      for (const d of others) out.push({ to: { userId: this.userId, deviceId: d.deviceId }, ciphertext: await encryptTo(this.deps, addressOf(this.userId, d.deviceId), encodeBackupRekeyed(version)) });
      return out;
    });
    // The hub may be reconnecting just now (the simulation cut it mid-send): the notices that did
    // not get through are sent again once it is back, a few times, outside the key-state queue.
    let pending = notices;
    for (let attempt = 1; pending.length > 0 && attempt <= REKEY_NOTICE_ATTEMPTS; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 1000 * attempt));
      const results = await this.deliverAll(pending);
      pending = pending.filter((_, i) => results[i]!.status === 'rejected');
    }
  }

  /**
   * Another device asks for this device's current key of a channel from `iteration` on. Answered
   * only when it is entitled: its owner is a member now and the device is on their signed list
   * (read fresh from the server), and the owner held this key from that iteration on — one of
   * their devices received it from there. The answer starts at that point, never earlier: a
   * member who joined later does not get what was sent before, and a device approved later reads
   * from where its owner could (as a key backup would give it).
   */
  private async answerKeyRequest(from: { userId: string; deviceId: string }, request: { channelId: string; keyId: number; iteration: number }): Promise<void> {
    const address = addressOf(from.userId, from.deviceId);
    const key = `${address}|${request.channelId}|${request.keyId}`;
    const now = Date.now();
    const last = this.keyAnswers.get(key);
    if (last !== undefined && now - last < KEY_ANSWER_INTERVAL_MS) return;
    this.keyAnswers.delete(key);
    this.keyAnswers.set(key, now);
    if (this.keyAnswers.size > MAX_KEY_REQUEST_ENTRIES) this.keyAnswers.delete(this.keyAnswers.keys().next().value!);
    // The current key, or one it replaced.
    const current = await this.store.getOwnSenderKey(request.channelId);
    const currentDone = await this.db.get<DistributedRecord>('distributed', request.channelId);
    const previous = (await this.db.get<PreviousOwnKey[]>('distributed', previousKey(request.channelId))) ?? [];
    const found =
      current?.keyId === request.keyId && currentDone?.keyId === request.keyId ? { own: current, done: currentDone, at: -1 } : previous.map((p, at) => ({ ...p, at })).find((p) => p.own.keyId === request.keyId);
    if (!found) return;
    const { own, done } = found;
    // Entitled now: a member, and the device on its owner's signed list (both read afresh).
    const members = await this.memberDevices(request.channelId, true);
    if (!members.some((d) => d.userId === from.userId && d.deviceId === from.deviceId)) return;
    // Entitled then: from where the owner first held this key (one of their devices received it)…
    const held = Object.entries(done.from ?? {})
      .filter(([a]) => a.startsWith(`${from.userId}.`))
      .map(([, i]) => i);
    if (held.length === 0) return;
    let start = Math.min(...held);
    // …and, for a device approved after that, from the first message sealed after its approval
    // (the list's signed added-at time; the two clocks are different devices', see SECURITY.md).
    const ownHeld = done.from?.[address];
    const addedAt = await this.lists.listedSince(from.userId, from.deviceId);
    if (addedAt !== null) while (start < own.chain.index && !((done.sealedAt?.[start] ?? -1) >= addedAt)) start++;
    // Where it already holds the key from (it received the distribution) is never taken back.
    if (ownHeld !== undefined) start = Math.min(start, ownHeld);
    if (start >= own.chain.index && found.at >= 0) return; // a replaced key seals nothing more
    const distribution = senderKeyDistributionAt(own, Math.min(start, own.chain.index));
    const ciphertext = await encryptTo(this.deps, address, encodeSenderKeyDistribution(distribution));
    const [result] = await this.deliverAll([{ to: from, ciphertext }]);
    if (result?.status !== 'fulfilled') return;
    if (!done.addresses.includes(address)) done.addresses.push(address);
    (done.from ??= {})[address] = Math.min(done.from[address] ?? Infinity, distribution.iteration);
    if (found.at < 0) await this.db.put('distributed', request.channelId, done);
    else {
      previous[found.at] = { own, done };
      await this.db.put('distributed', previousKey(request.channelId), previous);
    }
  }

  // ── Calls (issue #14) ──────────────────────────────────────────────────────────────────────

  /**
   * `userId`'s device `deviceId` as their signed device list approves it (identity key included),
   * or null. Read afresh when not known or older than MEMBERS_TTL_MS: a call meets the same few
   * devices again and again while it negotiates.
   */
  private async listedDevice(userId: string, deviceId: string): Promise<PublicDevice | null> {
    const cached = this.listedForCalls.get(userId);
    const hit = cached && Date.now() - cached.at < MEMBERS_TTL_MS ? cached.devices.find((d) => d.deviceId === deviceId) : undefined;
    if (hit) return hit;
    const { devices, deviceList } = await userDevices(userId);
    const approved = await this.lists.approved(userId, devices, deviceList);
    this.listedForCalls.set(userId, { at: Date.now(), devices: approved });
    return approved.find((d) => d.deviceId === deviceId) ?? null;
  }
  private readonly listedForCalls = new Map<string, { at: number; devices: PublicDevice[] }>();

  /** Whether the identity this device pinned for `address` is the one `listed` carries. */
  private async pinnedIs(address: string, listed: PublicDevice): Promise<boolean> {
    const pinned = (await this.store.getTrust(address))?.identityKey;
    const expected = fromBase64(listed.identityKey);
    return !!pinned && pinned.length === expected.length && pinned.every((b, i) => b === expected[i]);
  }

  /**
   * Seals a call signal for one device in its pairwise session (starting one from a verified
   * bundle if needed). Only for a device on its owner's signed list whose identity key is the one
   * the list names: a server that invented a device, or swapped a bundle, gets nothing sealed.
   */
  async sealCallSignal(to: { userId: string; deviceId: string }, signal: CallSignal): Promise<string> {
    const listed = await this.listedDevice(to.userId, to.deviceId);
    if (!listed) throw new CryptoError('untrusted-device-list', 'call');
    return this.serial(async () => {
      await this.sessionsWith(to.userId, [to.deviceId]);
      const address = addressOf(to.userId, to.deviceId);
      if (!(await this.pinnedIs(address, listed))) throw new CryptoError('identity-changed', 'call');
      return toBase64(await encryptTo(this.deps, address, encodeCallSignal(signal)));
    });
  }

  /**
   * Opens a call signal from `from` (the room's authenticated sender). Throws a CryptoError when
   * it does not decrypt in that device's session, is not a call signal, or comes from a device
   * not on its owner's signed list or whose identity changed: the caller drops it and warns.
   */
  async openCallSignal(from: { userId: string; deviceId: string }, ciphertext: string): Promise<CallSignal> {
    const listed = await this.listedDevice(from.userId, from.deviceId);
    if (!listed) throw new CryptoError('untrusted-device-list', 'call');
    return this.serial(async () => {
      const address = addressOf(from.userId, from.deviceId);
      const out = await decryptFrom(this.deps, address, fromBase64(ciphertext), undefined, Date.now());
      const identity = encodeIdentityPublic(out.remoteIdentity);
      const trust = await checkIdentity(this.store, address, identity, Date.now());
      if (trust.event !== 'unchanged') this.trustChanged();
      if (trust.record.state === 'changed' || !(await this.pinnedIs(address, listed))) throw new CryptoError('identity-changed', 'call');
      if (out.plaintext[1] !== Kind.CallSignal) throw new CryptoError('malformed', 'call');
      return decodeCallSignal(out.plaintext);
    });
  }

  /**
   * Gives this device's sender key to the channel's member devices ahead of a send: called while
   * the person types, so that the first message in a channel, or the first after a member left
   * (rotation), does not wait for the distribution after Enter (issue #21 item 4: the key is
   * replaced when the removal is known and distributed by the senders who speak again, while
   * they type). It does only what the next `seal` would do first, in the same queue, so a send
   * made meanwhile waits for it and finds the key out. At most one at a time per channel, and
   * not again within the member list's lifetime when nothing changed; a failure is left for the
   * send to meet and report.
   */
  prepare(channelId: string, epoch?: number): Promise<void> {
    const running = this.preparing.get(channelId);
    if (running) return running;
    const last = this.preparedAt.get(channelId);
    if (!this.epochIsNew(channelId, epoch) && last !== undefined && Date.now() - last < MEMBERS_TTL_MS) return Promise.resolve();
    const run = this.serial(() => this.distributeFor(channelId, epoch))
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        this.preparing.delete(channelId);
        this.preparedAt.set(channelId, Date.now());
      });
    this.preparing.set(channelId, run);
    return run;
  }

  /**
   * Seals `plaintext` for the channel (distributing the sender key first); base64 for a `send`
   * frame. `epoch` is the room's recipients epoch the caller last heard: when it is newer than the
   * one the member list was read for, the members are read afresh first (rotating the key if
   * someone left), so the room, which refuses an envelope sealed for an older epoch, accepts it.
   */
  seal(channelId: string, plaintext: Uint8Array, epoch?: number): Promise<string> {
    return this.serial(async () => {
      const own = await this.distributeFor(channelId, epoch);
      const out = await senderKeyEncrypt(this.provider, own, identityPublicOf(this.identity), plaintext);
      await this.store.putOwnSenderKey(out.own);
      // When this iteration was sealed: a key re-request from a device approved later is answered only from then on.
      const stored = await this.db.get<DistributedRecord>('distributed', channelId);
      const done = stored?.keyId === own.keyId ? stored : { keyId: own.keyId, addresses: [], from: {} };
      (done.sealedAt ??= [])[own.chain.index] = Date.now();
      await this.db.put('distributed', channelId, done);
      return toBase64(wrapChannelEnvelope(this.deviceId, out.message));
    });
  }

  /** Opens a channel envelope. Typed failure codes; `waiting-for-key` when the sender's key has not arrived yet. */
  async open(channelId: string, env: OpenableEnvelope): Promise<OpenResult> {
    return (await this.openMany(channelId, [env]))[0]!;
  }

  /**
   * Opens a page of channel envelopes in order, in one turn of the key-state queue: each sender's
   * record is read once, advanced in memory and written once at the end, so a history page costs
   * a few IndexedDB transactions rather than two per message.
   */
  openMany(channelId: string, envs: OpenableEnvelope[]): Promise<OpenResult[]> {
    return this.serial(async (): Promise<OpenResult[]> => {
      const records = new Map<string, SenderKeyRecord | undefined>();
      const dirty = new Set<string>();
      const identities = new Map<string, { identity: IdentityPublic | undefined; trust: TrustRecord | undefined }>();
      const own = await this.store.getOwnSenderKey(channelId);
      const results: OpenResult[] = [];
      try {
        for (const env of envs) results.push(await this.openOne(channelId, env, own, records, dirty, identities));
      } finally {
        for (const address of dirty) await this.store.putSenderKeyRecord(channelId, address, records.get(address)!);
      }
      return results;
    });
  }

  private async openOne(
    channelId: string,
    env: OpenableEnvelope,
    own: OwnSenderKey | undefined,
    records: Map<string, SenderKeyRecord | undefined>,
    dirty: Set<string>,
    identities: Map<string, { identity: IdentityPublic | undefined; trust: TrustRecord | undefined }>,
  ): Promise<OpenResult> {
    let wrapped;
    try {
      wrapped = unwrapChannelEnvelope(fromBase64(env.ciphertext));
    } catch {
      wrapped = null;
    }
    if (!wrapped) return { ok: false, code: 'malformed' };
    try {
      if (env.sender === this.userId && wrapped.deviceId === this.deviceId) {
        if (!own) return { ok: false, code: 'not-a-recipient' };
        const out = await senderKeyDecrypt(this.provider, ownKeyAsRecord(own), identityPublicOf(this.identity), wrapped.message);
        return { ok: true, plaintext: out.plaintext, status: 'encrypted-verified', deviceId: wrapped.deviceId };
      }
      const address = addressOf(env.sender, wrapped.deviceId);
      if (!records.has(address)) records.set(address, await this.store.getSenderKeyRecord(channelId, address));
      const record = records.get(address);
      // The sender's identity signs the message: from the pairwise session, or, for history
      // restored from the key backup (a device this one never talked to), from its pinned key.
      let known = identities.get(address);
      if (!known) {
        const session = await this.store.getSession(address);
        const trust = await this.store.getTrust(address);
        known = { identity: session?.remoteIdentity ?? (trust ? decodeIdentityPublic(trust.identityKey) : undefined), trust };
        identities.set(address, known);
      }
      if (!known.identity || !record) {
        if (this.mayAskFor(env)) this.wantKey(channelId, env.sender, wrapped.deviceId, wrapped.message);
        return { ok: false, code: 'waiting-for-key' };
      }
      const out = await senderKeyDecrypt(this.provider, record, known.identity, wrapped.message);
      records.set(address, out.record);
      dirty.add(address);
      return { ok: true, plaintext: out.plaintext, status: messageStatus(true, known.trust), deviceId: wrapped.deviceId };
    } catch (e) {
      if (!isCryptoError(e)) throw e;
      // No key for it (yet): the sender's device is asked; it answers only if this device is entitled.
      if ((e.code === 'not-a-recipient' || e.code === 'sent-before-join') && this.mayAskFor(env)) this.wantKey(channelId, env.sender, wrapped.deviceId, wrapped.message);
      return { ok: false, code: e.code };
    }
  }
}
