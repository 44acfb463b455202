/**
 * The Double Ratchet (Signal's specification, revision 4) for one pairwise session.
 *
 * State in, state out: `ratchetEncrypt` and `ratchetDecrypt` never modify the state they are
 * given; they return a new state. Decryption builds a candidate state, and the caller gets it only
 * when the AEAD tag verified, so a tampered, replayed, too-far-ahead or otherwise refused message
 * leaves the session exactly as it was. A DH ratchet step happens on every reply.
 *
 * Message: version, kind, header (ratchet public key 32, previous chain length PN u32, index N u32),
 * then ChaCha20-Poly1305 ciphertext || tag. The AEAD associated data is
 * framed(session AD, context, version || kind || header), where context is what the caller binds
 * per message (the channel id), so a message moved to another conversation does not open.
 * Skipped message keys are kept per (ratchet key, index): at most MAX_SKIP per chain and
 * MAX_SKIPPED_KEYS in all, oldest evicted. Deliberately out of scope: header encryption (the
 * counters and ratchet key travel in clear, as in Signal), persistence (the caller stores the
 * returned state) and session selection (see `Session`).
 */
import type { CryptoProvider } from './CryptoProvider';
import { X25519_KEY_LENGTH } from './CryptoProvider';
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, Kind, concat, constantTimeEqual, framed, toHex } from './encoding';
import { DR_MESSAGE_KEY_INFO, expandMessageKey, kdfChainKey, kdfRootKey } from './ChainKey';
import { generateX25519KeyPair } from './KeyPair';
import type { X25519KeyPair } from './KeyPair';
import { AEAD_TAG_LENGTH, aeadOpen, aeadSeal } from './primitives';
import type { Rng } from './primitives';

/** Most message keys skipped in one chain: bounds the work one forged header can cause. */
export const MAX_SKIP = 1000;
/** Most skipped keys stored in all: bounds memory; the oldest are evicted first. */
export const MAX_SKIPPED_KEYS = 2000;
/** Earlier remote ratchet keys remembered, so a late copy of an old chain is a duplicate, not a new step. */
export const MAX_PREVIOUS_CHAINS = 5;
/** Largest plaintext: envelopes are capped far below this; files are encrypted separately. */
export const MAX_PLAINTEXT_LENGTH = 256 * 1024;
/** Counters are u32 on the wire; a chain this long must be replaced by a new DH step. */
export const MAX_CHAIN_INDEX = 0xffffffff;
/** Bytes before the ciphertext: version, kind, ratchet key, PN, N. */
export const RATCHET_HEADER_LENGTH = 2 + X25519_KEY_LENGTH + 4 + 4;

/** One symmetric chain. */
export interface ChainState {
  chainKey: Uint8Array;
  /** Index of the next message key this chain will produce. */
  index: number;
}

/** A session's ratchet state. Treat every byte array as immutable. */
export interface RatchetState {
  rootKey: Uint8Array;
  selfRatchet: X25519KeyPair;
  remoteRatchetKey: Uint8Array | null;
  sending: ChainState | null;
  receiving: ChainState | null;
  /** PN: length of the previous sending chain. */
  previousSendingLength: number;
  /** Skipped message key seeds by "ratchetKeyHex:index", in insertion order (oldest first). */
  skipped: Map<string, Uint8Array>;
  /** Hex of earlier remote ratchet keys, newest last. */
  previousRemoteKeys: string[];
  /** Session associated data from PQXDH. */
  associatedData: Uint8Array;
}

/** A decoded ratchet message header. */
export interface RatchetHeader {
  ratchetKey: Uint8Array;
  previousLength: number;
  index: number;
}

/** Initial state of the initiator (A): first DH step against B's signed prekey. */
export async function initRatchetAsInitiator(
  provider: CryptoProvider,
  rng: Rng,
  sharedKey: Uint8Array,
  associatedData: Uint8Array,
  remoteSignedPreKey: Uint8Array,
): Promise<RatchetState> {
  const selfRatchet = await generateX25519KeyPair(provider, rng);
  const { rootKey, chainKey } = kdfRootKey(sharedKey, await provider.x25519(selfRatchet.privateKey, remoteSignedPreKey));
  return {
    rootKey,
    selfRatchet,
    remoteRatchetKey: remoteSignedPreKey,
    sending: { chainKey, index: 0 },
    receiving: null,
    previousSendingLength: 0,
    skipped: new Map(),
    previousRemoteKeys: [],
    associatedData,
  };
}

/** Initial state of the responder (B): the signed prekey is the first ratchet key. */
export function initRatchetAsResponder(sharedKey: Uint8Array, associatedData: Uint8Array, signedPreKey: X25519KeyPair): RatchetState {
  return {
    rootKey: sharedKey,
    selfRatchet: signedPreKey,
    remoteRatchetKey: null,
    sending: null,
    receiving: null,
    previousSendingLength: 0,
    skipped: new Map(),
    previousRemoteKeys: [],
    associatedData,
  };
}

/** A copy that shares byte arrays (never mutated) but not containers. */
export function cloneRatchetState(s: RatchetState): RatchetState {
  return {
    ...s,
    sending: s.sending ? { ...s.sending } : null,
    receiving: s.receiving ? { ...s.receiving } : null,
    skipped: new Map(s.skipped),
    previousRemoteKeys: [...s.previousRemoteKeys],
  };
}

/** Encodes version, kind and header. */
export function encodeRatchetHeader(h: RatchetHeader): Uint8Array {
  return ByteWriter.withHeader(Kind.RatchetMessage).bytes(h.ratchetKey).u32(h.previousLength).u32(h.index).finish();
}

/** Splits a ratchet message into header, header bytes and sealed body. */
export function decodeRatchetMessage(bytes: Uint8Array): { header: RatchetHeader; headerBytes: Uint8Array; sealed: Uint8Array } {
  const r = ByteReader.open(bytes, Kind.RatchetMessage);
  const header = { ratchetKey: r.bytes(X25519_KEY_LENGTH), previousLength: r.u32(), index: r.u32() };
  const sealed = r.rest();
  if (sealed.length < AEAD_TAG_LENGTH || sealed.length > MAX_PLAINTEXT_LENGTH + AEAD_TAG_LENGTH) throw new CryptoError('malformed', 'decode');
  return { header, headerBytes: bytes.slice(0, RATCHET_HEADER_LENGTH), sealed };
}

function messageAd(sessionAd: Uint8Array, context: Uint8Array, headerBytes: Uint8Array): Uint8Array {
  return framed(sessionAd, context, headerBytes);
}

/** Encrypts `plaintext`; returns the new state and the encoded message. */
export function ratchetEncrypt(state: RatchetState, plaintext: Uint8Array, context: Uint8Array = new Uint8Array(0)): { state: RatchetState; message: Uint8Array } {
  if (!state.sending) throw new CryptoError('session-missing', 'ratchet-encrypt');
  if (plaintext.length > MAX_PLAINTEXT_LENGTH) throw new CryptoError('malformed', 'ratchet-encrypt');
  if (state.sending.index >= MAX_CHAIN_INDEX) throw new CryptoError('too-far-ahead', 'ratchet-encrypt');
  const { messageKeySeed, nextChainKey } = kdfChainKey(state.sending.chainKey);
  const headerBytes = encodeRatchetHeader({ ratchetKey: state.selfRatchet.publicKey, previousLength: state.previousSendingLength, index: state.sending.index });
  const mk = expandMessageKey(messageKeySeed, DR_MESSAGE_KEY_INFO);
  const sealed = aeadSeal(mk.key, mk.nonce, plaintext, messageAd(state.associatedData, context, headerBytes));
  const next = cloneRatchetState(state);
  next.sending = { chainKey: nextChainKey, index: state.sending.index + 1 };
  return { state: next, message: concat(headerBytes, sealed) };
}

function skippedId(ratchetKeyHex: string, index: number): string {
  return `${ratchetKeyHex}:${index}`;
}

/** Advances the receiving chain of `s` to `until`, storing the skipped seeds (mutates the candidate). */
function skipTo(s: RatchetState, until: number): void {
  if (!s.receiving || !s.remoteRatchetKey) return;
  const remoteHex = toHex(s.remoteRatchetKey);
  while (s.receiving.index < until) {
    const { messageKeySeed, nextChainKey } = kdfChainKey(s.receiving.chainKey);
    s.skipped.set(skippedId(remoteHex, s.receiving.index), messageKeySeed);
    if (s.skipped.size > MAX_SKIPPED_KEYS) {
      const oldest = s.skipped.keys().next().value;
      if (oldest !== undefined) s.skipped.delete(oldest);
    }
    s.receiving = { chainKey: nextChainKey, index: s.receiving.index + 1 };
  }
}

function open(seed: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
  const mk = expandMessageKey(seed, DR_MESSAGE_KEY_INFO);
  return aeadOpen(mk.key, mk.nonce, sealed, ad);
}

/**
 * Decrypts a ratchet message. On success returns the new state; on any failure throws a
 * CryptoError (`duplicate-message`, `too-far-ahead`, `tampered`, `malformed`, `unknown-version`,
 * `low-order-point`) and the given state is untouched. Bound checks run before any key derivation,
 * so a hostile header costs nothing.
 */
export async function ratchetDecrypt(
  provider: CryptoProvider,
  rng: Rng,
  state: RatchetState,
  message: Uint8Array,
  context: Uint8Array = new Uint8Array(0),
): Promise<{ state: RatchetState; plaintext: Uint8Array }> {
  const { header, headerBytes, sealed } = decodeRatchetMessage(message);
  const ad = messageAd(state.associatedData, context, headerBytes);
  const keyHex = toHex(header.ratchetKey);

  const stored = state.skipped.get(skippedId(keyHex, header.index));
  if (stored) {
    const plaintext = open(stored, sealed, ad);
    const next = cloneRatchetState(state);
    next.skipped.delete(skippedId(keyHex, header.index));
    return { state: next, plaintext };
  }

  const current = state.remoteRatchetKey !== null && constantTimeEqual(state.remoteRatchetKey, header.ratchetKey);
  if (current) {
    if (!state.receiving) throw new CryptoError('tampered', 'ratchet-decrypt');
    if (header.index < state.receiving.index) throw new CryptoError('duplicate-message', 'ratchet-decrypt');
    if (header.index - state.receiving.index > MAX_SKIP) throw new CryptoError('too-far-ahead', 'ratchet-decrypt');
    const next = cloneRatchetState(state);
    skipTo(next, header.index);
    const chain = next.receiving as ChainState;
    const { messageKeySeed, nextChainKey } = kdfChainKey(chain.chainKey);
    const plaintext = open(messageKeySeed, sealed, ad);
    next.receiving = { chainKey: nextChainKey, index: chain.index + 1 };
    return { state: next, plaintext };
  }

  if (state.previousRemoteKeys.includes(keyHex)) throw new CryptoError('duplicate-message', 'ratchet-decrypt');
  if (header.index > MAX_SKIP) throw new CryptoError('too-far-ahead', 'ratchet-decrypt');
  if (state.receiving && header.previousLength > state.receiving.index && header.previousLength - state.receiving.index > MAX_SKIP) {
    throw new CryptoError('too-far-ahead', 'ratchet-decrypt');
  }

  // A new remote ratchet key: finish the old receiving chain, then two DH steps.
  const next = cloneRatchetState(state);
  skipTo(next, header.previousLength);
  if (next.remoteRatchetKey) {
    next.previousRemoteKeys.push(toHex(next.remoteRatchetKey));
    if (next.previousRemoteKeys.length > MAX_PREVIOUS_CHAINS) next.previousRemoteKeys.shift();
  }
  next.previousSendingLength = next.sending ? next.sending.index : 0;
  next.remoteRatchetKey = header.ratchetKey;
  const recv = kdfRootKey(next.rootKey, await provider.x25519(next.selfRatchet.privateKey, header.ratchetKey));
  next.receiving = { chainKey: recv.chainKey, index: 0 };
  next.selfRatchet = await generateX25519KeyPair(provider, rng);
  const send = kdfRootKey(recv.rootKey, await provider.x25519(next.selfRatchet.privateKey, header.ratchetKey));
  next.rootKey = send.rootKey;
  next.sending = { chainKey: send.chainKey, index: 0 };
  skipTo(next, header.index);
  const chain = next.receiving;
  const { messageKeySeed, nextChainKey } = kdfChainKey(chain.chainKey);
  const plaintext = open(messageKeySeed, sealed, ad);
  next.receiving = { chainKey: nextChainKey, index: chain.index + 1 };
  return { state: next, plaintext };
}
