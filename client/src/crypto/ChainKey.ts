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
import { AEAD_NONCE_LENGTH, KEY_LENGTH, hkdf, hmacSha256 } from './primitives';
import { utf8 } from './encoding';

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

/** KDF_CK: one step of a chain. */
export function kdfChainKey(chainKey: Uint8Array): { messageKeySeed: Uint8Array; nextChainKey: Uint8Array } {
  return { messageKeySeed: hmacSha256(chainKey, MESSAGE_KEY_SEED), nextChainKey: hmacSha256(chainKey, CHAIN_KEY_SEED) };
}

/** KDF_RK: mixes a DH output into the root key. */
export function kdfRootKey(rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = hkdf(dhOutput, rootKey, ROOT_INFO_BYTES, 2 * KEY_LENGTH);
  return { rootKey: out.slice(0, KEY_LENGTH), chainKey: out.slice(KEY_LENGTH) };
}

/** Expands a message key seed into an AEAD key and nonce under `info`. */
export function expandMessageKey(seed: Uint8Array, info: string): MessageKeys {
  const out = hkdf(seed, ZERO_SALT, utf8(info), KEY_LENGTH + AEAD_NONCE_LENGTH);
  return { key: out.slice(0, KEY_LENGTH), nonce: out.slice(KEY_LENGTH) };
}
