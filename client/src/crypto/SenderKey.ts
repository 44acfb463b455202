/**
 * Sender Keys: how one device encrypts a channel message once for every member.
 *
 * Per (sender device, channel) the sender holds a chain key (the KDF_CK ratchet of `ChainKey`)
 * and an Ed25519 signing key, identified by a random 32-bit key id. Members learn them from a
 * `SenderKeyDistribution`, which the app sends only inside pairwise Double Ratchet sessions, so
 * the server never sees a chain key or signing key. Every message is signed; the signature is
 * verified (strict Ed25519) before anything is decrypted, so a member who knows the chain key
 * still cannot forge another member's messages (P11). The AEAD associated data and the signature
 * both bind the protocol label, the channel id and the sender's device identity, so a message
 * moved to another channel, attributed to another sender or delivered as a DM is refused (P13).
 *
 * Message: version, kind, key id u32, iteration u32, ChaCha20-Poly1305 ciphertext || tag, then a
 * 64-byte signature over framed(SIGNATURE_LABEL, channel id, sender identity, all preceding bytes).
 * Rotation: a fresh sender key (new id, chain and signing key) after SENDER_KEY_ROTATION_MESSAGES
 * messages or SENDER_KEY_ROTATION_MS, and whenever a member is removed: the removed member never
 * receives the new distribution, so it decrypts nothing sent afterwards (P10). Receivers keep up
 * to MAX_SENDER_KEY_STATES key ids per sender live, so messages in flight across a rotation still
 * open; older key ids are retired to their history point (up to MAX_RETIRED_SENDER_KEYS per
 * sender), so a device restored from the key backup reads back that far (issue #20), and beyond
 * that only their ids are remembered, so such a message fails as `history-expired`.
 * Deliberately out of scope: who receives a distribution (see `DeviceList`) and transport.
 */
import type { CryptoProvider } from './CryptoProvider';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH } from './CryptoProvider';
import { CryptoError, isCryptoError } from './errors';
import { ByteReader, ByteWriter, Kind, concat, framed, fromUtf8, utf8 } from './encoding';
import { SENDER_KEY_MESSAGE_KEY_INFO, expandMessageKey, kdfChainKey } from './ChainKey';
import { encodeIdentityPublic } from './IdentityKey';
import type { IdentityPublic } from './IdentityKey';
import { generateEd25519KeyPair } from './KeyPair';
import type { Ed25519KeyPair } from './KeyPair';
import { AEAD_TAG_LENGTH, aeadOpen, aeadSeal, randomBytes } from './primitives';
import type { Rng } from './primitives';
import { MAX_PLAINTEXT_LENGTH } from './DoubleRatchet';
import { decodeState, encodeState, readArray, readBytes, readMap, readNullable, readObject, readString, readUint } from './stateCodec';
import type { StateValue } from './stateCodec';
import { MAX_RETIRED_SENDER_KEYS } from './limits';

/** Largest forward jump in one chain: libsignal's bound; stops a forged iteration from costing minutes of hashing. */
export const MAX_FORWARD_JUMPS = 25_000;
/** Skipped message keys kept per sender key state; oldest evicted (libsignal's MAX_MESSAGE_KEYS). */
export const MAX_SENDER_MESSAGE_KEYS = 2000;
/** Key ids kept per (channel, sender): covers messages in flight across a few rotations. */
export const MAX_SENDER_KEY_STATES = 5;
export { MAX_RETIRED_SENDER_KEYS };
/** Ids of keys dropped beyond MAX_RETIRED_SENDER_KEYS, remembered (4 bytes each) so their messages fail as `history-expired`, not as "no key". */
export const MAX_FORGOTTEN_KEY_IDS = 1024;
/** Rotate after this many messages, bounding what one leaked chain key exposes. */
export const SENDER_KEY_ROTATION_MESSAGES = 1000;
/** Rotate after a week even in a quiet channel, for the same reason. */
export const SENDER_KEY_ROTATION_MS = 7 * 24 * 60 * 60 * 1000;
/** Longest channel id accepted in a distribution (ids are short opaque strings). */
export const MAX_CHANNEL_ID_LENGTH = 256;
/** Signatures verified concurrently when opening a backlog (WebCrypto runs them on a thread pool). */
export const BACKLOG_VERIFY_BATCH = 256;

/** Label of the sender-key message signature. */
export const SENDER_KEY_SIGNATURE_LABEL = 'Chatalot/SenderKeyMessage/v1';
/** Label of the sender-key AEAD associated data. */
export const SENDER_KEY_AD_LABEL = 'Chatalot/SenderKey/v1';
const HEADER_LENGTH = 2 + 4 + 4;

/** One chain position. */
export interface SenderChain {
  chainKey: Uint8Array;
  index: number;
}

/** The sending side of a sender key (kept only by its device). */
export interface OwnSenderKey {
  channelId: string;
  keyId: number;
  chain: SenderChain;
  /** The chain key at index 0, kept only when history is retained for backup. */
  initialChainKey: Uint8Array | null;
  signing: Ed25519KeyPair;
  createdAt: number;
}

/** What a member needs to read a sender's messages from `iteration` on. */
export interface SenderKeyDistribution {
  channelId: string;
  keyId: number;
  iteration: number;
  chainKey: Uint8Array;
  signingKey: Uint8Array;
}

/** A receiver's state for one key id of one sender. */
export interface SenderKeyReceiverState {
  keyId: number;
  signingKey: Uint8Array;
  chain: SenderChain;
  /** Skipped message key seeds by iteration, insertion-ordered. */
  skipped: Map<number, Uint8Array>;
  /** First iteration this device can read (the distribution point). */
  firstIndex: number;
  /** Chain at `firstIndex`, kept only when history is retained (for backup and new devices). */
  history: SenderChain | null;
}

/** A key id kept only to read history: its signing key and the chain at its history point. */
export interface RetiredSenderKey {
  keyId: number;
  signingKey: Uint8Array;
  history: SenderChain;
}

/** All states a receiver holds for one (channel, sender device), newest first. */
export interface SenderKeyRecord {
  channelId: string;
  /** Live key ids (at most MAX_SENDER_KEY_STATES), with their chains and skipped keys. */
  states: SenderKeyReceiverState[];
  /** Older key ids, history only, newest first (at most MAX_RETIRED_SENDER_KEYS); absent in records written before issue #20. */
  retired?: RetiredSenderKey[];
  /** Ids of keys dropped beyond the retired bound, newest first (at most MAX_FORGOTTEN_KEY_IDS). */
  forgotten?: number[];
}

/**
 * A record with `states` as its live key ids, kept within the bounds: live states beyond
 * MAX_SENDER_KEY_STATES retire to their history point (one without history is forgotten), and
 * retired keys beyond MAX_RETIRED_SENDER_KEYS are forgotten, their ids remembered.
 */
function bounded(channelId: string, states: SenderKeyReceiverState[], retired: RetiredSenderKey[], forgotten: number[]): SenderKeyRecord {
  const live = states.slice(0, MAX_SENDER_KEY_STATES);
  const dropped = states.slice(MAX_SENDER_KEY_STATES);
  const nowRetired = [...dropped.flatMap((st) => (st.history ? [{ keyId: st.keyId, signingKey: st.signingKey, history: { ...st.history } }] : [])), ...retired];
  const nowForgotten = [...dropped.filter((st) => !st.history).map((st) => st.keyId), ...nowRetired.slice(MAX_RETIRED_SENDER_KEYS).map((k) => k.keyId), ...forgotten];
  const record: SenderKeyRecord = { channelId, states: live };
  if (nowRetired.length > 0) record.retired = nowRetired.slice(0, MAX_RETIRED_SENDER_KEYS);
  if (nowForgotten.length > 0) record.forgotten = nowForgotten.slice(0, MAX_FORGOTTEN_KEY_IDS);
  return record;
}

/** Whether the record holds this key id, live or retired. */
export function holdsKeyId(record: SenderKeyRecord | undefined, keyId: number): boolean {
  return !!record && (record.states.some((s) => s.keyId === keyId) || (record.retired ?? []).some((k) => k.keyId === keyId));
}

/**
 * Adds a key as history only (retired): one's own replaced sender key, kept under one's own
 * address so that a device restored from the backup reads what this device sent with it.
 */
export function retireSenderKey(record: SenderKeyRecord | undefined, channelId: string, key: RetiredSenderKey): SenderKeyRecord {
  if (record && record.channelId !== channelId) throw new CryptoError('malformed', 'sender-key-distribution');
  if (holdsKeyId(record, key.keyId)) return record!;
  return bounded(channelId, record?.states ?? [], [key, ...(record?.retired ?? [])], record?.forgotten ?? []);
}

/**
 * Adds what another copy of the record holds and this one lacks (a key backup's): live states
 * and retired keys of key ids not held here, the incoming live ones restarted at their history
 * point. Returns null when nothing was added.
 */
export function mergeSenderKeyRecords(local: SenderKeyRecord | undefined, incoming: SenderKeyRecord): SenderKeyRecord | null {
  const restarted = historyRecord(incoming);
  const added = restarted.states.filter((st) => !holdsKeyId(local, st.keyId));
  const addedRetired = (restarted.retired ?? []).filter((k) => !holdsKeyId(local, k.keyId) && !added.some((st) => st.keyId === k.keyId));
  if (added.length === 0 && addedRetired.length === 0) return null;
  return bounded(incoming.channelId, [...(local?.states ?? []), ...added], [...(local?.retired ?? []), ...addedRetired], local?.forgotten ?? []);
}

/** Creates a fresh sender key for a channel. Set `retainHistory` to keep the initial chain for backup. */
export async function createSenderKey(provider: CryptoProvider, rng: Rng, channelId: string, now: number, retainHistory = true): Promise<OwnSenderKey> {
  if (utf8(channelId).length > MAX_CHANNEL_ID_LENGTH) throw new CryptoError('malformed', 'sender-key-encrypt');
  const idBytes = randomBytes(rng, 4);
  const keyId = new DataView(idBytes.buffer, idBytes.byteOffset, 4).getUint32(0, false);
  const chainKey = randomBytes(rng, 32);
  const signing = await generateEd25519KeyPair(provider, rng);
  return { channelId, keyId, chain: { chainKey, index: 0 }, initialChainKey: retainHistory ? chainKey : null, signing, createdAt: now };
}

/** The distribution for the current chain position. */
export function senderKeyDistribution(own: OwnSenderKey): SenderKeyDistribution {
  return { channelId: own.channelId, keyId: own.keyId, iteration: own.chain.index, chainKey: own.chain.chainKey, signingKey: own.signing.publicKey };
}

/**
 * The distribution from an earlier `iteration` of the current key, derived from the initial
 * chain key: the answer to a member device that missed the first distribution (issue #20). The
 * caller decides whether that device is entitled to messages from `iteration` on.
 */
export function senderKeyDistributionAt(own: OwnSenderKey, iteration: number): SenderKeyDistribution {
  if (!own.initialChainKey || iteration > own.chain.index || iteration < 0) throw new CryptoError('not-a-recipient', 'sender-key-distribution');
  let chainKey = own.initialChainKey;
  for (let i = 0; i < iteration; i++) chainKey = kdfChainKey(chainKey).nextChainKey;
  return { channelId: own.channelId, keyId: own.keyId, iteration, chainKey, signingKey: own.signing.publicKey };
}

/** Encodes a distribution message (to be sent only inside a pairwise session). */
export function encodeSenderKeyDistribution(d: SenderKeyDistribution): Uint8Array {
  return ByteWriter.withHeader(Kind.SenderKeyDistribution).var16(utf8(d.channelId)).u32(d.keyId).u32(d.iteration).bytes(d.chainKey).bytes(d.signingKey).finish();
}

/**
 * What a device that cannot open a channel message asks its sender's device for (inside their
 * pairwise session, never in the clear): the key `keyId` from `iteration` on (issue #20).
 */
export interface SenderKeyRequest {
  channelId: string;
  keyId: number;
  iteration: number;
}

export function encodeSenderKeyRequest(r: SenderKeyRequest): Uint8Array {
  return ByteWriter.withHeader(Kind.SenderKeyRequest).var16(utf8(r.channelId)).u32(r.keyId).u32(r.iteration).finish();
}

export function decodeSenderKeyRequest(bytes: Uint8Array): SenderKeyRequest {
  const r = ByteReader.open(bytes, Kind.SenderKeyRequest);
  const id = r.var16();
  if (id.length > MAX_CHANNEL_ID_LENGTH) throw new CryptoError('malformed', 'decode');
  const out = { channelId: fromUtf8(id), keyId: r.u32(), iteration: r.u32() };
  r.end();
  return out;
}

/** Decodes a distribution message. */
export function decodeSenderKeyDistribution(bytes: Uint8Array): SenderKeyDistribution {
  const r = ByteReader.open(bytes, Kind.SenderKeyDistribution);
  const id = r.var16();
  if (id.length > MAX_CHANNEL_ID_LENGTH) throw new CryptoError('malformed', 'decode');
  const d = { channelId: fromUtf8(id), keyId: r.u32(), iteration: r.u32(), chainKey: r.bytes(32), signingKey: r.bytes(ED25519_KEY_LENGTH) };
  r.end();
  return d;
}

/**
 * Adds a received distribution to a record (creating it if needed). A key id already held is kept
 * as it is, so a replayed or older distribution can never rewind a chain. Oldest key ids beyond
 * MAX_SENDER_KEY_STATES are dropped.
 */
export function processSenderKeyDistribution(record: SenderKeyRecord | undefined, d: SenderKeyDistribution, retainHistory = true): SenderKeyRecord {
  if (record && record.channelId !== d.channelId) throw new CryptoError('malformed', 'sender-key-distribution');
  const states = record ? [...record.states] : [];
  const held = states.findIndex((s) => s.keyId === d.keyId);
  if (held >= 0) {
    const earlier = extendBackwards(states[held]!, d);
    if (earlier) states[held] = earlier;
    return { ...record!, states };
  }
  // A retired or forgotten key id is history: a distribution of it again (a replay) changes nothing.
  if (record && (holdsKeyId(record, d.keyId) || record.forgotten?.includes(d.keyId))) return record;
  const chain = { chainKey: d.chainKey, index: d.iteration };
  states.unshift({ keyId: d.keyId, signingKey: d.signingKey, chain, skipped: new Map(), firstIndex: d.iteration, history: retainHistory ? { ...chain } : null });
  return bounded(d.channelId, states, record?.retired ?? [], record?.forgotten ?? []);
}

/**
 * A distribution of a key id already held, from an earlier iteration (a key re-request's answer,
 * issue #20), makes the earlier messages readable — but only when it is the same chain: hashing
 * its chain key forward must give exactly the chain this device started from, with the same
 * signing key. Anything else (a replay of a later point, a different chain under the same id)
 * leaves the state as it was, so nothing can rewind or replace a chain. The message keys of the
 * iterations in between become skipped keys (within MAX_SENDER_MESSAGE_KEYS).
 */
function extendBackwards(state: SenderKeyReceiverState, d: SenderKeyDistribution): SenderKeyReceiverState | null {
  if (!state.history || d.iteration >= state.firstIndex || state.firstIndex - d.iteration > MAX_SENDER_MESSAGE_KEYS) return null;
  if (!bytesEqual(state.signingKey, d.signingKey) || state.history.index !== state.firstIndex) return null;
  const seeds = new Map<number, Uint8Array>();
  let chainKey = d.chainKey;
  for (let i = d.iteration; i < state.firstIndex; i++) {
    const step = kdfChainKey(chainKey);
    seeds.set(i, step.messageKeySeed);
    chainKey = step.nextChainKey;
  }
  if (!bytesEqual(chainKey, state.history.chainKey)) return null;
  // Earlier iterations first, then the ones already skipped: eviction takes the oldest.
  const skipped = new Map([...seeds, ...state.skipped]);
  while (skipped.size > MAX_SENDER_MESSAGE_KEYS) skipped.delete(skipped.keys().next().value!);
  return { ...state, skipped, firstIndex: d.iteration, history: { chainKey: d.chainKey, index: d.iteration } };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The constant parts of a (channel, sender) pair's signature input and AEAD data, framed once. */
interface MessageContext {
  channelId: string;
  signaturePrefix: Uint8Array;
  adPrefix: Uint8Array;
}

function messageContext(channelId: string, sender: IdentityPublic): MessageContext {
  const id = encodeIdentityPublic(sender);
  const ch = utf8(channelId);
  return { channelId, signaturePrefix: framed(utf8(SENDER_KEY_SIGNATURE_LABEL), ch, id), adPrefix: framed(utf8(SENDER_KEY_AD_LABEL), ch, id) };
}

/** framed(prefix parts..., last) given framed(prefix parts...): appends one u16-length-prefixed field. */
function appendFramed(prefix: Uint8Array, last: Uint8Array): Uint8Array {
  if (last.length > 0xffff) throw new CryptoError('malformed', 'encode');
  const out = new Uint8Array(prefix.length + 2 + last.length);
  out.set(prefix);
  out[prefix.length] = last.length >>> 8;
  out[prefix.length + 1] = last.length & 0xff;
  out.set(last, prefix.length + 2);
  return out;
}

/** Encrypts and signs a channel message. `sender` is this device's public identity. */
export async function senderKeyEncrypt(provider: CryptoProvider, own: OwnSenderKey, sender: IdentityPublic, plaintext: Uint8Array): Promise<{ own: OwnSenderKey; message: Uint8Array }> {
  if (plaintext.length > MAX_PLAINTEXT_LENGTH) throw new CryptoError('malformed', 'sender-key-encrypt');
  if (own.chain.index >= 0xffffffff) throw new CryptoError('too-far-ahead', 'sender-key-encrypt');
  const { messageKeySeed, nextChainKey } = kdfChainKey(own.chain.chainKey);
  const header = ByteWriter.withHeader(Kind.SenderKeyMessage).u32(own.keyId).u32(own.chain.index).finish();
  const mk = expandMessageKey(messageKeySeed, SENDER_KEY_MESSAGE_KEY_INFO);
  const ctx = messageContext(own.channelId, sender);
  const body = concat(header, aeadSeal(mk.key, mk.nonce, plaintext, appendFramed(ctx.adPrefix, header)));
  const signature = await provider.ed25519Sign(own.signing.seed, appendFramed(ctx.signaturePrefix, body));
  return { own: { ...own, chain: { chainKey: nextChainKey, index: own.chain.index + 1 } }, message: concat(body, signature) };
}

/** A parsed sender-key message. */
interface ParsedMessage {
  keyId: number;
  iteration: number;
  header: Uint8Array;
  body: Uint8Array;
  sealed: Uint8Array;
  signature: Uint8Array;
}

/** Splits a sender-key message; exported for the vectors and tests. */
export function decodeSenderKeyMessage(bytes: Uint8Array): ParsedMessage {
  const r = ByteReader.open(bytes, Kind.SenderKeyMessage);
  const keyId = r.u32();
  const iteration = r.u32();
  const sealedLength = r.remaining - ED25519_SIGNATURE_LENGTH;
  if (sealedLength < AEAD_TAG_LENGTH || sealedLength > MAX_PLAINTEXT_LENGTH + AEAD_TAG_LENGTH) throw new CryptoError('malformed', 'decode');
  const sealed = r.bytes(sealedLength);
  const signature = r.bytes(ED25519_SIGNATURE_LENGTH);
  r.end();
  // Views, not copies: these are only read.
  return { keyId, iteration, header: bytes.subarray(0, HEADER_LENGTH), body: bytes.subarray(0, bytes.length - ED25519_SIGNATURE_LENGTH), sealed, signature };
}

/** The state for a key id: a live one, or a retired one restarted at its history point. */
function findState(record: SenderKeyRecord | undefined, keyId: number): SenderKeyReceiverState {
  const s = record?.states.find((x) => x.keyId === keyId);
  if (s) return s;
  const r = record?.retired?.find((x) => x.keyId === keyId);
  if (r) return { keyId: r.keyId, signingKey: r.signingKey, chain: { ...r.history }, skipped: new Map(), firstIndex: r.history.index, history: { ...r.history } };
  if (record?.forgotten?.includes(keyId)) throw new CryptoError('history-expired', 'sender-key-decrypt');
  throw new CryptoError('not-a-recipient', 'sender-key-decrypt');
}

/** Decrypts an already verified message (commit-on-success: returns a new record). */
function decryptVerified(record: SenderKeyRecord, ctx: MessageContext, m: ParsedMessage): { record: SenderKeyRecord; plaintext: Uint8Array } {
  const state = findState(record, m.keyId);
  if (m.iteration < state.firstIndex) throw new CryptoError('sent-before-join', 'sender-key-decrypt');
  const ad = appendFramed(ctx.adPrefix, m.header);
  const next: SenderKeyReceiverState = { ...state, skipped: new Map(state.skipped) };
  let seed = next.skipped.get(m.iteration);
  if (seed) {
    next.skipped.delete(m.iteration);
  } else {
    if (m.iteration < state.chain.index) throw new CryptoError('duplicate-message', 'sender-key-decrypt');
    if (m.iteration - state.chain.index > MAX_FORWARD_JUMPS) throw new CryptoError('too-far-ahead', 'sender-key-decrypt');
    let chain = state.chain;
    while (chain.index < m.iteration) {
      const step = kdfChainKey(chain.chainKey);
      next.skipped.set(chain.index, step.messageKeySeed);
      if (next.skipped.size > MAX_SENDER_MESSAGE_KEYS) {
        const oldest = next.skipped.keys().next().value;
        if (oldest !== undefined) next.skipped.delete(oldest);
      }
      chain = { chainKey: step.nextChainKey, index: chain.index + 1 };
    }
    const step = kdfChainKey(chain.chainKey);
    seed = step.messageKeySeed;
    next.chain = { chainKey: step.nextChainKey, index: chain.index + 1 };
  }
  const mk = expandMessageKey(seed, SENDER_KEY_MESSAGE_KEY_INFO);
  const plaintext = aeadOpen(mk.key, mk.nonce, m.sealed, ad);
  if (record.states.includes(state)) return { record: { ...record, states: record.states.map((s) => (s === state ? next : s)) }, plaintext };
  // A retired key read again (history on a restored device): it becomes live, so the rest of its
  // messages continue from here instead of from its history point each time.
  const retired = (record.retired ?? []).filter((k) => k.keyId !== state.keyId);
  return { record: bounded(record.channelId, [next, ...record.states], retired, record.forgotten ?? []), plaintext };
}

async function verify(provider: CryptoProvider, record: SenderKeyRecord, ctx: MessageContext, m: ParsedMessage): Promise<void> {
  const state = findState(record, m.keyId);
  if (!(await provider.ed25519Verify(state.signingKey, appendFramed(ctx.signaturePrefix, m.body), m.signature))) {
    throw new CryptoError('bad-signature', 'sender-key-decrypt');
  }
}

/**
 * Verifies and decrypts one channel message from `sender` with the receiver's record for that
 * (channel, sender). Throws `not-a-recipient`, `bad-signature`, `sent-before-join`,
 * `duplicate-message`, `too-far-ahead` or `tampered`; the given record is never modified.
 */
export async function senderKeyDecrypt(
  provider: CryptoProvider,
  record: SenderKeyRecord | undefined,
  sender: IdentityPublic,
  message: Uint8Array,
): Promise<{ record: SenderKeyRecord; plaintext: Uint8Array }> {
  if (!record) throw new CryptoError('not-a-recipient', 'sender-key-decrypt');
  const m = decodeSenderKeyMessage(message);
  const ctx = messageContext(record.channelId, sender);
  await verify(provider, record, ctx, m);
  return decryptVerified(record, ctx, m);
}

/** One outcome of a backlog. */
export type BacklogResult = { ok: true; plaintext: Uint8Array } | { ok: false; error: CryptoError };

/**
 * Opens a backlog of messages from one sender in order: signatures are checked concurrently in
 * batches (the slow part), then messages are decrypted one by one. A refused message does not
 * stop the rest; the returned record reflects only the messages that opened.
 */
export async function senderKeyDecryptBacklog(
  provider: CryptoProvider,
  record: SenderKeyRecord,
  sender: IdentityPublic,
  messages: Uint8Array[],
): Promise<{ record: SenderKeyRecord; results: BacklogResult[] }> {
  const ctx = messageContext(record.channelId, sender);
  const checkBatch = (start: number): Promise<Array<ParsedMessage | CryptoError>> =>
    Promise.all(
      messages.slice(start, start + BACKLOG_VERIFY_BATCH).map(async (bytes): Promise<ParsedMessage | CryptoError> => {
        try {
          const m = decodeSenderKeyMessage(bytes);
          await verify(provider, record, ctx, m);
          return m;
        } catch (e) {
          return isCryptoError(e) ? e : new CryptoError('malformed', 'sender-key-decrypt');
        }
      }),
    );
  const results: BacklogResult[] = [];
  let current = record;
  // Pipeline: batch k+1 is being verified (on WebCrypto's thread pool) while batch k, already
  // verified, is decrypted here. No message is decrypted before its own signature verified.
  let pending = messages.length > 0 ? checkBatch(0) : null;
  for (let start = 0; pending; start += BACKLOG_VERIFY_BATCH) {
    const checked = await pending;
    pending = start + BACKLOG_VERIFY_BATCH < messages.length ? checkBatch(start + BACKLOG_VERIFY_BATCH) : null;
    for (const c of checked) {
      if (c instanceof CryptoError) {
        results.push({ ok: false, error: c });
        continue;
      }
      try {
        const out = decryptVerified(current, ctx, c);
        current = out.record;
        results.push({ ok: true, plaintext: out.plaintext });
      } catch (e) {
        results.push({ ok: false, error: isCryptoError(e) ? e : new CryptoError('tampered', 'sender-key-decrypt') });
      }
    }
  }
  return { record: current, results };
}

/** Why a sender key should be replaced now. */
export type RotationReason = 'member-removed' | 'message-limit' | 'age' | null;

/**
 * Says whether to replace `own` with a fresh sender key (via `createSenderKey`) before the next
 * message: always after a member was removed, otherwise after the message or age limit.
 */
export function shouldRotateSenderKey(own: OwnSenderKey, now: number, memberRemoved = false): RotationReason {
  if (memberRemoved) return 'member-removed';
  if (own.chain.index >= SENDER_KEY_ROTATION_MESSAGES) return 'message-limit';
  if (now - own.createdAt >= SENDER_KEY_ROTATION_MS) return 'age';
  return null;
}

// ---- storage form ----

/** Storage value of a sender's own key. */
export function ownSenderKeyValue(k: OwnSenderKey): StateValue {
  return {
    channelId: k.channelId,
    keyId: k.keyId,
    chain: { chainKey: k.chain.chainKey, index: k.chain.index },
    initialChainKey: k.initialChainKey,
    signing: { publicKey: k.signing.publicKey, seed: k.signing.seed },
    createdAt: k.createdAt,
  };
}

function readChain(v: StateValue | undefined): SenderChain {
  const o = readObject(v);
  return { chainKey: readBytes(o['chainKey'], 32), index: readUint(o['index']) };
}

/** Reads a sender's own key from its storage value. */
export function readOwnSenderKey(v: StateValue): OwnSenderKey {
  const o = readObject(v);
  const s = readObject(o['signing']);
  return {
    channelId: readString(o['channelId']),
    keyId: readUint(o['keyId']),
    chain: readChain(o['chain']),
    initialChainKey: readNullable(o['initialChainKey'], (x) => readBytes(x, 32)),
    signing: { publicKey: readBytes(s['publicKey'], ED25519_KEY_LENGTH), seed: readBytes(s['seed'], ED25519_KEY_LENGTH) },
    createdAt: readUint(o['createdAt']),
  };
}

/** Storage value of a receiver record. */
export function senderKeyRecordValue(r: SenderKeyRecord): StateValue {
  return {
    channelId: r.channelId,
    states: r.states.map((s) => ({
      keyId: s.keyId,
      signingKey: s.signingKey,
      chain: { chainKey: s.chain.chainKey, index: s.chain.index },
      skipped: new Map<string, StateValue>([...s.skipped].map(([i, k]) => [String(i), k])),
      firstIndex: s.firstIndex,
      history: s.history ? { chainKey: s.history.chainKey, index: s.history.index } : null,
    })),
    retired: (r.retired ?? []).map((k) => ({ keyId: k.keyId, signingKey: k.signingKey, history: { chainKey: k.history.chainKey, index: k.history.index } })),
    forgotten: r.forgotten ?? [],
  };
}

/** Reads a receiver record from its storage value. */
export function readSenderKeyRecord(v: StateValue): SenderKeyRecord {
  const o = readObject(v);
  const record: SenderKeyRecord = {
    channelId: readString(o['channelId']),
    states: readArray(o['states']).map((x) => {
      const s = readObject(x);
      const skipped = new Map<number, Uint8Array>();
      for (const [i, k] of readMap(s['skipped'])) {
        const n = Number(i);
        if (!Number.isSafeInteger(n) || n < 0) throw new CryptoError('malformed', 'decode');
        skipped.set(n, readBytes(k, 32));
      }
      return {
        keyId: readUint(s['keyId']),
        signingKey: readBytes(s['signingKey'], ED25519_KEY_LENGTH),
        chain: readChain(s['chain']),
        skipped,
        firstIndex: readUint(s['firstIndex']),
        history: readNullable(s['history'], readChain),
      };
    }),
  };
  // Absent in values written before issue #20.
  const retired = o['retired'] === undefined ? [] : readArray(o['retired']).map((x) => {
    const k = readObject(x);
    return { keyId: readUint(k['keyId']), signingKey: readBytes(k['signingKey'], ED25519_KEY_LENGTH), history: readChain(k['history']) };
  });
  const forgotten = o['forgotten'] === undefined ? [] : readArray(o['forgotten']).map((x) => readUint(x));
  if (retired.length > MAX_RETIRED_SENDER_KEYS || forgotten.length > MAX_FORGOTTEN_KEY_IDS) throw new CryptoError('malformed', 'decode');
  return bounded(record.channelId, record.states, retired, forgotten);
}

/** Serializes a receiver record (versioned). */
export function encodeSenderKeyRecord(r: SenderKeyRecord): Uint8Array {
  return encodeState(Kind.SenderKeyState, senderKeyRecordValue(r));
}

/** Deserializes a receiver record. */
export function decodeSenderKeyRecord(bytes: Uint8Array): SenderKeyRecord {
  return readSenderKeyRecord(decodeState(Kind.SenderKeyState, bytes));
}

/**
 * A receiver record that reads history: each state restarted at its retained history point
 * (states without history are dropped). Used when restoring a backup on a new device.
 */
export function historyRecord(r: SenderKeyRecord): SenderKeyRecord {
  return {
    ...r,
    states: r.states
      .filter((s) => s.history !== null)
      .map((s) => {
        const h = s.history as SenderChain;
        return { ...s, chain: { ...h }, skipped: new Map(), firstIndex: h.index };
      }),
  };
}

/** A receiver record for one's own sender key, so one's own device (or a restored one) reads what it sent. */
export function ownKeyAsRecord(own: OwnSenderKey): SenderKeyRecord {
  const start = own.initialChainKey ? { chainKey: own.initialChainKey, index: 0 } : { ...own.chain };
  return {
    channelId: own.channelId,
    states: [{ keyId: own.keyId, signingKey: own.signing.publicKey, chain: start, skipped: new Map(), firstIndex: start.index, history: own.initialChainKey ? { ...start } : null }],
  };
}
