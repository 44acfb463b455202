/**
 * The symmetric-key ratchets shared by the Double Ratchet and Sender Keys.
 *
 * KDF_CK (Signal's Double Ratchet spec §5.2): message key seed = HMAC-SHA-256(ck, 0x01),
 * next chain key = HMAC-SHA-256(ck, 0x02). KDF_RK: HKDF-SHA-256(salt = root key, IKM = DH output,
 * info = ROOT_KDF_INFO) → 64 bytes split into the new root key and chain key.
 * A message key seed is expanded with HKDF(salt = 32 zero bytes, info = a per-protocol label) into
 * a 32-byte ChaCha20-Poly1305 key and its 12-byte nonce. Deriving the nonce from the key material
 * is safe because every message key is used for exactly one encryption (the chain only moves
 * forward and a used key is deleted); it saves 12 bytes per message and removes the RNG from the
 * hot path. This file deliberately holds no state; callers keep the chain.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AEAD_NONCE_LENGTH, KEY_LENGTH, hkdf } from './primitives';
import { concat, utf8 } from './encoding';

/** HKDF info of the Double Ratchet root KDF. */
export const ROOT_KDF_INFO = 'Chatalot_DR_Root_v1';
/** HKDF info expanding a Double Ratchet message key. */
export const DR_MESSAGE_KEY_INFO = 'Chatalot_DR_MessageKeys_v1';
/** HKDF info expanding a Sender Key message key. */
export const SENDER_KEY_MESSAGE_KEY_INFO = 'Chatalot_SenderKey_MessageKeys_v1';

const MESSAGE_KEY_SEED = Uint8Array.of(0x01);
const CHAIN_KEY_SEED = Uint8Array.of(0x02);
const ZERO_SALT = new Uint8Array(32);
const ROOT_INFO_BYTES = utf8(ROOT_KDF_INFO);

/** An AEAD key with the nonce derived alongside it. */
export interface MessageKeys {
  key: Uint8Array;
  nonce: Uint8Array;
}

/**
 * KDF_CK: one step of a chain. Both HMACs share one keyed state (the key's padded blocks are
 * hashed once), which matters when a device catches up on thousands of messages.
 */
export function kdfChainKey(chainKey: Uint8Array): { messageKeySeed: Uint8Array; nextChainKey: Uint8Array } {
  const keyed = hmac.create(sha256, chainKey);
  const messageKeySeed = keyed.clone().update(MESSAGE_KEY_SEED).digest();
  return { messageKeySeed, nextChainKey: keyed.update(CHAIN_KEY_SEED).digest() };
}

/** HKDF-Extract with the all-zero salt, keyed once. */
const ZERO_SALT_HMAC = hmac.create(sha256, ZERO_SALT);
/** Expanded info strings, cached ("info || 0x01" and "info || 0x02"). */
const infoBlocks = new Map<string, [Uint8Array, Uint8Array]>();

/** KDF_RK: mixes a DH output into the root key. */
export function kdfRootKey(rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = hkdf(dhOutput, rootKey, ROOT_INFO_BYTES, 2 * KEY_LENGTH);
  return { rootKey: out.slice(0, KEY_LENGTH), chainKey: out.slice(KEY_LENGTH) };
}

/**
 * Expands a message key seed into an AEAD key and nonce under `info`: exactly
 * HKDF-SHA-256(salt = 32 zero bytes, IKM = seed, info, L = 44), computed with cached keyed HMAC
 * states (T(1) gives the key, the first 12 bytes of T(2) the nonce). The known-answer vectors and
 * a test against the generic `hkdf` pin the equivalence.
 */
export function expandMessageKey(seed: Uint8Array, info: string): MessageKeys {
  let blocks = infoBlocks.get(info);
  if (!blocks) {
    const i = utf8(info);
    blocks = [concat(i, Uint8Array.of(1)), concat(i, Uint8Array.of(2))];
    infoBlocks.set(info, blocks);
  }
  const prk = ZERO_SALT_HMAC.clone().update(seed).digest();
  const keyed = hmac.create(sha256, prk);
  const t1 = keyed.clone().update(blocks[0]).digest();
  const t2 = keyed.update(t1).update(blocks[1]).digest();
  return { key: t1, nonce: t2.slice(0, AEAD_NONCE_LENGTH) };
}

/** The plain HKDF form of `expandMessageKey`, kept for tests that pin the equivalence. */
export function expandMessageKeyReference(seed: Uint8Array, info: string): MessageKeys {
  const out = hkdf(seed, ZERO_SALT, utf8(info), KEY_LENGTH + AEAD_NONCE_LENGTH);
  return { key: out.slice(0, KEY_LENGTH), nonce: out.slice(KEY_LENGTH) };
}
