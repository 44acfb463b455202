/**
 * A pairwise session with one remote device: PQXDH to start it, the Double Ratchet to run it.
 *
 * The pure functions (`createInitiatorSession`, `acceptInitialMessage`, `sessionEncrypt`,
 * `sessionDecrypt`) take a `SessionRecord` and return a new one. The store-level functions
 * (`startSession`, `encryptTo`, `decryptFrom`) load and save through a `KeyStore` and commit only
 * after a message authenticated. Until the initiator hears back, each of its messages is wrapped
 * in an initial message (kind InitialMessage) so the responder can build the session from
 * whichever arrives first. Replays are refused: a known base key routes to the existing session
 * (→ `duplicate-message`), a base key seen before is refused even when the session is gone, and a
 * consumed one-time prekey cannot be used twice (`prekey-reused`). This file deliberately does not
 * decide whether the remote identity is trusted; it returns it for `TrustStore` and `DeviceList`.
 */
import type { CryptoProvider } from './CryptoProvider';
import { X25519_KEY_LENGTH, clampX25519 } from './CryptoProvider';
import { CryptoError } from './errors';
import { FORMAT_VERSION, Kind, constantTimeEqual, toHex } from './encoding';
import { cloneRatchetState, initRatchetAsInitiator, initRatchetAsResponder, ratchetDecrypt, ratchetEncrypt } from './DoubleRatchet';
import type { RatchetState } from './DoubleRatchet';
import { identityPublicOf } from './IdentityKey';
import type { IdentityKeyPair, IdentityPublic } from './IdentityKey';
import type { KeyStore } from './KeyStore';
import { decodeInitialMessage, encodeInitialMessage, initiatePqxdh, respondPqxdh } from './pqxdh';
import type { InitialMessage, InitiateOptions } from './pqxdh';
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from './PreKeys';
import type { PreKeyBundle } from './PreKeyBundle';
import type { Rng } from './primitives';
import { decodeState, encodeState, readArray, readBool, readBytes, readMap, readNullable, readObject, readUint } from './stateCodec';
import type { StateValue } from './stateCodec';

/** A stored pairwise session. */
export interface SessionRecord {
  ratchet: RatchetState;
  localIdentity: IdentityPublic;
  remoteIdentity: IdentityPublic;
  /** The initiator's ephemeral key: identifies the session across replays. */
  baseKey: Uint8Array;
  /** Set on the initiator until the first reply arrives. */
  pendingInitial: Omit<InitialMessage, 'message'> | null;
  usedOneTimePreKey: boolean;
  postQuantum: boolean;
  createdAt: number;
}

/** Dependencies of the store-level functions. */
export interface SessionDeps {
  provider: CryptoProvider;
  rng: Rng;
  store: KeyStore;
}

/** Starts a session as initiator from a bundle (verified inside). Pure: nothing is stored. */
export async function createInitiatorSession(provider: CryptoProvider, rng: Rng, identity: IdentityKeyPair, bundle: PreKeyBundle, now: number, options: InitiateOptions = {}): Promise<SessionRecord> {
  const agreement = await initiatePqxdh(provider, rng, identity, bundle, undefined, options);
  const ratchet = await initRatchetAsInitiator(provider, rng, agreement.sharedKey, agreement.associatedData, agreement.remoteSignedPreKey);
  return {
    ratchet,
    localIdentity: identityPublicOf(identity),
    remoteIdentity: bundle.identity,
    baseKey: agreement.header.baseKey,
    pendingInitial: agreement.header,
    usedOneTimePreKey: agreement.usedOneTimePreKey,
    postQuantum: agreement.postQuantum,
    createdAt: now,
  };
}

/** Encrypts with a session: returns the new record and the bytes to send. */
export function sessionEncrypt(record: SessionRecord, plaintext: Uint8Array, context?: Uint8Array): { record: SessionRecord; message: Uint8Array } {
  const { state, message } = ratchetEncrypt(record.ratchet, plaintext, context);
  const out = record.pendingInitial ? encodeInitialMessage({ ...record.pendingInitial, message }) : message;
  return { record: { ...record, ratchet: state }, message: out };
}

/** Decrypts a ratchet message (not an initial message) with a session. */
export async function sessionDecrypt(provider: CryptoProvider, rng: Rng, record: SessionRecord, message: Uint8Array, context?: Uint8Array): Promise<{ record: SessionRecord; plaintext: Uint8Array }> {
  const { state, plaintext } = await ratchetDecrypt(provider, rng, record.ratchet, message, context);
  // Any authenticated message from the responder proves it has the session: stop sending the initial wrapper.
  return { record: { ...record, ratchet: state, pendingInitial: null }, plaintext };
}

/** The responder's prekeys named by an initial message, looked up by the caller. */
export interface PreKeyLookup {
  signedPreKey: (id: number) => Promise<SignedPreKey | undefined>;
  oneTimePreKey: (id: number) => Promise<OneTimePreKey | undefined>;
  kyberPreKey: (id: number) => Promise<KyberPreKey | undefined>;
}

/**
 * Builds the responder's session from an initial message and opens its embedded first message.
 * Pure: the caller must delete the one-time prekey and store the record, in that order, only on success.
 */
export async function acceptInitialMessage(
  provider: CryptoProvider,
  rng: Rng,
  identity: IdentityKeyPair,
  prekeys: PreKeyLookup,
  initial: InitialMessage,
  context: Uint8Array | undefined,
  now: number,
): Promise<{ record: SessionRecord; plaintext: Uint8Array; consumedOneTimePreKeyId: number | null }> {
  const spk = await prekeys.signedPreKey(initial.signedPreKeyId);
  if (!spk) throw new CryptoError('prekey-missing', 'pqxdh-respond');
  let opk: OneTimePreKey | null = null;
  if (initial.oneTimePreKeyId !== null) {
    opk = (await prekeys.oneTimePreKey(initial.oneTimePreKeyId)) ?? null;
    if (!opk) throw new CryptoError('prekey-reused', 'pqxdh-respond');
  }
  let kpk: KyberPreKey | null = null;
  if (initial.kyber) {
    kpk = (await prekeys.kyberPreKey(initial.kyber.id)) ?? null;
    if (!kpk) throw new CryptoError('prekey-missing', 'pqxdh-respond');
  }
  const { sharedKey, associatedData } = await respondPqxdh(provider, identity, { signedPreKey: spk, oneTimePreKey: opk, kyberPreKey: kpk }, initial);
  const ratchet = initRatchetAsResponder(sharedKey, associatedData, spk.keyPair);
  const opened = await ratchetDecrypt(provider, rng, ratchet, initial.message, context);
  return {
    record: {
      ratchet: opened.state,
      localIdentity: identityPublicOf(identity),
      remoteIdentity: initial.identity,
      baseKey: initial.baseKey,
      pendingInitial: null,
      usedOneTimePreKey: opk !== null,
      postQuantum: kpk !== null,
      createdAt: now,
    },
    plaintext: opened.plaintext,
    consumedOneTimePreKeyId: opk ? opk.id : null,
  };
}

/** Creates and stores an initiator session with `address`, replacing any previous one. */
export async function startSession(deps: SessionDeps, address: string, bundle: PreKeyBundle, now: number, options: InitiateOptions = {}): Promise<SessionRecord> {
  const identity = await deps.store.getIdentity();
  if (!identity) throw new CryptoError('session-missing', 'pqxdh-initiate');
  const record = await createInitiatorSession(deps.provider, deps.rng, identity, bundle, now, options);
  await deps.store.putSession(address, record);
  return record;
}

/** Encrypts to `address` with the stored session and saves the advanced state. */
export async function encryptTo(deps: SessionDeps, address: string, plaintext: Uint8Array, context?: Uint8Array): Promise<Uint8Array> {
  const record = await deps.store.getSession(address);
  if (!record) throw new CryptoError('session-missing', 'ratchet-encrypt');
  const out = sessionEncrypt(record, plaintext, context);
  await deps.store.putSession(address, out.record);
  return out.message;
}

/** The result of `decryptFrom`. */
export interface DecryptResult {
  plaintext: Uint8Array;
  /** The sender's identity, authenticated by the session: check it with `TrustStore`. */
  remoteIdentity: IdentityPublic;
  /** True when this message created a new session. */
  newSession: boolean;
}

/**
 * Earlier sessions with one device kept beside the current one (libsignal keeps 40). Two devices
 * that start a session with each other at the same moment each end up holding the session the
 * other started, and go on encrypting with it; a message on either session must still open. The
 * current session is archived when a new initial message replaces it, and an archived one that
 * opens a message becomes current again (issue #20: the simulation found members whose key
 * distributions to each other were silently lost after such a crossing).
 */
export const MAX_ARCHIVED_SESSIONS = 4;

/** Where the `i`-th archived session with `address` is kept (addresses never contain `~`). */
export const archivedSessionAddress = (address: string, i: number) => `${address}~${i}`;

async function archiveSession(store: KeyStore, address: string, record: SessionRecord): Promise<void> {
  for (let i = MAX_ARCHIVED_SESSIONS - 1; i > 0; i--) {
    const older = await store.getSession(archivedSessionAddress(address, i - 1));
    if (older) await store.putSession(archivedSessionAddress(address, i), older);
  }
  await store.putSession(archivedSessionAddress(address, 0), record);
}

/** Tries the archived sessions in turn; the first that opens the message becomes current (and the current one takes its place). */
async function decryptWithArchived(deps: SessionDeps, address: string, current: SessionRecord | undefined, message: Uint8Array, context: Uint8Array | undefined, baseKey?: Uint8Array) {
  for (let i = 0; i < MAX_ARCHIVED_SESSIONS; i++) {
    const old = await deps.store.getSession(archivedSessionAddress(address, i));
    if (!old || (baseKey && !constantTimeEqual(old.baseKey, baseKey))) continue;
    try {
      const out = await sessionDecrypt(deps.provider, deps.rng, old, message, context);
      if (current) await deps.store.putSession(archivedSessionAddress(address, i), current);
      else await deps.store.removeSession(archivedSessionAddress(address, i));
      await deps.store.putSession(address, out.record);
      return out;
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
    }
  }
  return null;
}

/**
 * Decrypts a message from `address` (initial or ratchet message). On failure nothing is stored and
 * the typed error says why.
 */
export async function decryptFrom(deps: SessionDeps, address: string, message: Uint8Array, context: Uint8Array | undefined, now: number): Promise<DecryptResult> {
  if (!(message instanceof Uint8Array) || message.length < 2) throw new CryptoError('malformed', 'decode');
  if (message[0] !== FORMAT_VERSION) throw new CryptoError('unknown-version', 'decode');
  const existing = await deps.store.getSession(address);
  if (message[1] === Kind.RatchetMessage) {
    if (!existing) throw new CryptoError('session-missing', 'ratchet-decrypt');
    try {
      const out = await sessionDecrypt(deps.provider, deps.rng, existing, message, context);
      await deps.store.putSession(address, out.record);
      return { plaintext: out.plaintext, remoteIdentity: out.record.remoteIdentity, newSession: false };
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      const out = await decryptWithArchived(deps, address, existing, message, context);
      if (!out) throw e;
      return { plaintext: out.plaintext, remoteIdentity: out.record.remoteIdentity, newSession: false };
    }
  }
  if (message[1] !== Kind.InitialMessage) throw new CryptoError('malformed', 'decode');
  const initial = decodeInitialMessage(message);
  if (existing && constantTimeEqual(existing.baseKey, initial.baseKey)) {
    // The initiator has not yet heard back, or this is a replay: the session already exists.
    const out = await sessionDecrypt(deps.provider, deps.rng, existing, initial.message, context);
    await deps.store.putSession(address, out.record);
    return { plaintext: out.plaintext, remoteIdentity: out.record.remoteIdentity, newSession: false };
  }
  // The same, for a session that was archived when the other side's crossing one arrived.
  const resumed = await decryptWithArchived(deps, address, existing, initial.message, context, initial.baseKey);
  if (resumed) return { plaintext: resumed.plaintext, remoteIdentity: resumed.record.remoteIdentity, newSession: false };
  const baseKeyHex = toHex(initial.baseKey);
  if (await deps.store.isBaseKeyUsed(baseKeyHex)) throw new CryptoError('duplicate-message', 'pqxdh-respond');
  const identity = await deps.store.getIdentity();
  if (!identity) throw new CryptoError('session-missing', 'pqxdh-respond');
  const accepted = await acceptInitialMessage(
    deps.provider,
    deps.rng,
    identity,
    {
      signedPreKey: (id) => deps.store.getSignedPreKey(id),
      oneTimePreKey: (id) => deps.store.getOneTimePreKey(id),
      kyberPreKey: (id) => deps.store.getKyberPreKey(id),
    },
    initial,
    context,
    now,
  );
  // Commit order: consume the one-time prekey first, so a crash can lose a message but never reuse a key.
  if (accepted.consumedOneTimePreKeyId !== null) await deps.store.removeOneTimePreKey(accepted.consumedOneTimePreKeyId);
  await deps.store.addUsedBaseKey(initial.signedPreKeyId, baseKeyHex);
  // The session this replaces (one this device started, crossing this one) is kept, not lost.
  if (existing) await archiveSession(deps.store, address, existing);
  await deps.store.putSession(address, accepted.record);
  return { plaintext: accepted.plaintext, remoteIdentity: initial.identity, newSession: true };
}

// ---- storage form ----

function identityValue(id: IdentityPublic): StateValue {
  return { signingKey: id.signingKey, agreementKey: id.agreementKey };
}

function readIdentity(v: StateValue | undefined): IdentityPublic {
  const o = readObject(v);
  return { signingKey: readBytes(o['signingKey'], 32), agreementKey: readBytes(o['agreementKey'], 32) };
}

function ratchetValue(r: RatchetState): StateValue {
  const chain = (c: RatchetState['sending']): StateValue => (c ? { chainKey: c.chainKey, index: c.index } : null);
  return {
    rootKey: r.rootKey,
    selfRatchet: { publicKey: r.selfRatchet.publicKey, privateKey: r.selfRatchet.privateKey },
    remoteRatchetKey: r.remoteRatchetKey,
    sending: chain(r.sending),
    receiving: chain(r.receiving),
    previousSendingLength: r.previousSendingLength,
    skipped: new Map<string, StateValue>(r.skipped),
    previousRemoteKeys: [...r.previousRemoteKeys],
    associatedData: r.associatedData,
  };
}

function readChain(v: StateValue): { chainKey: Uint8Array; index: number } {
  const o = readObject(v);
  return { chainKey: readBytes(o['chainKey'], 32), index: readUint(o['index']) };
}

function readRatchet(v: StateValue | undefined): RatchetState {
  const o = readObject(v);
  const self = readObject(o['selfRatchet']);
  const skipped = new Map<string, Uint8Array>();
  for (const [k, x] of readMap(o['skipped'])) skipped.set(k, readBytes(x, 32));
  return {
    rootKey: readBytes(o['rootKey'], 32),
    selfRatchet: { publicKey: readBytes(self['publicKey'], X25519_KEY_LENGTH), privateKey: clampX25519(readBytes(self['privateKey'], X25519_KEY_LENGTH)) },
    remoteRatchetKey: readNullable(o['remoteRatchetKey'], (x) => readBytes(x, X25519_KEY_LENGTH)),
    sending: readNullable(o['sending'], readChain),
    receiving: readNullable(o['receiving'], readChain),
    previousSendingLength: readUint(o['previousSendingLength']),
    skipped,
    previousRemoteKeys: readArray(o['previousRemoteKeys']).map((x) => {
      if (typeof x !== 'string') throw new CryptoError('malformed', 'decode');
      return x;
    }),
    associatedData: readBytes(o['associatedData']),
  };
}

/** Storage value of a session record (used by `encodeSessionRecord` and `KeyBackup`). */
export function sessionRecordValue(s: SessionRecord): StateValue {
  const p = s.pendingInitial;
  return {
    ratchet: ratchetValue(s.ratchet),
    localIdentity: identityValue(s.localIdentity),
    remoteIdentity: identityValue(s.remoteIdentity),
    baseKey: s.baseKey,
    pendingInitial: p
      ? {
          identity: identityValue(p.identity),
          baseKey: p.baseKey,
          signedPreKeyId: p.signedPreKeyId,
          oneTimePreKeyId: p.oneTimePreKeyId,
          kyber: p.kyber ? { id: p.kyber.id, ciphertext: p.kyber.ciphertext } : null,
        }
      : null,
    usedOneTimePreKey: s.usedOneTimePreKey,
    postQuantum: s.postQuantum,
    createdAt: s.createdAt,
  };
}

/** Reads a session record from its storage value. */
export function readSessionRecord(v: StateValue): SessionRecord {
  const o = readObject(v);
  return {
    ratchet: readRatchet(o['ratchet']),
    localIdentity: readIdentity(o['localIdentity']),
    remoteIdentity: readIdentity(o['remoteIdentity']),
    baseKey: readBytes(o['baseKey'], X25519_KEY_LENGTH),
    pendingInitial: readNullable(o['pendingInitial'], (x) => {
      const p = readObject(x);
      return {
        identity: readIdentity(p['identity']),
        baseKey: readBytes(p['baseKey'], X25519_KEY_LENGTH),
        signedPreKeyId: readUint(p['signedPreKeyId']),
        oneTimePreKeyId: readNullable(p['oneTimePreKeyId'], readUint),
        kyber: readNullable(p['kyber'], (k) => {
          const ko = readObject(k);
          return { id: readUint(ko['id']), ciphertext: readBytes(ko['ciphertext']) };
        }),
      };
    }),
    usedOneTimePreKey: readBool(o['usedOneTimePreKey']),
    postQuantum: readBool(o['postQuantum']),
    createdAt: readUint(o['createdAt']),
  };
}

/** Serializes a session record (versioned). */
export function encodeSessionRecord(s: SessionRecord): Uint8Array {
  return encodeState(Kind.SessionState, sessionRecordValue(s));
}

/** Deserializes a session record; corrupted input is `malformed`. */
export function decodeSessionRecord(bytes: Uint8Array): SessionRecord {
  return readSessionRecord(decodeState(Kind.SessionState, bytes));
}

/** A deep-enough copy of a record (containers copied, byte arrays shared). */
export function cloneSessionRecord(s: SessionRecord): SessionRecord {
  return { ...s, ratchet: cloneRatchetState(s.ratchet) };
}
