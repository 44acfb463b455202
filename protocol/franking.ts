/**
 * Message franking (issue #16 item 1): how a report of an end-to-end encrypted message can be
 * checked without the server ever reading messages nobody reported.
 *
 * 1. The sender puts a fresh random franking key `fk` inside the message's plaintext (the body's
 *    `fk` field) and sends, beside the ciphertext, the commitment `HMAC-SHA256(fk, plaintext)`.
 *    The commitment reveals nothing about the text without `fk`, which only recipients have.
 * 2. The room, when it accepts the envelope, binds the commitment to who sent it, where, at
 *    which seq and when: `frankTag = HMAC-SHA256(K, context)`, with K a key only the server holds
 *    (derived from the instance secret). Every recipient receives both with the envelope.
 * 3. Each recipient checks the commitment against the plaintext it decrypted; a message whose
 *    commitment does not match is not shown, so nothing shown is unreportable.
 * 4. A report reveals the plaintext (with `fk` inside) and the two tags. The server recomputes
 *    its tag (sender, conversation, seq, time and commitment are as it accepted them) and the
 *    commitment (the revealed text is the one sent). Edited text, another sender, a commitment
 *    replayed from another conversation or a forged tag fail one of the two.
 *
 * Pure and synchronous (HMAC from @noble/hashes), so the room computes the tag inside its
 * synchronous accept and the client, the worker and tests share one definition.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Bytes of a franking key and of a commitment (a commitment must resist collisions: full SHA-256 width). */
export const FRANKING_BYTES = 32;
/** Bytes of the server's tag: a MAC only the server checks, so 128 bits resist forgery; it rides on every delivery. */
export const FRANK_TAG_BYTES = 16;

/** Envelope kinds whose plaintext a report can disclose, which therefore carry a commitment. */
export const FRANKED_KINDS: ReadonlySet<string> = new Set(['message', 'edit']);

const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** A base64url string of exactly FRANKING_BYTES bytes (43 characters). */
export const FRANKING_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh franking key, base64url. */
export function newFrankingKey(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(FRANKING_BYTES)));
}

/** The sender's commitment to `plaintext` under franking key `fk` (base64url), or null for a malformed key. */
export function commitment(fk: string, plaintext: Uint8Array): string | null {
  const key = fromB64url(fk);
  if (!key || key.length !== FRANKING_BYTES) return null;
  return b64url(hmac(sha256, key, plaintext));
}

/** Where and when the room accepted a franked envelope: what its tag binds the commitment to. */
export interface FrankingContext {
  channelId: string;
  sender: string;
  seq: number;
  ts: number;
  commitment: string;
}

/** The server's franking key, derived from the instance secret (its own label: no other use of that secret can produce it). */
export function serverFrankingKey(instanceSecret: Uint8Array): Uint8Array {
  return hkdf(sha256, instanceSecret, encoder.encode('chatalot'), encoder.encode('message franking v1'), FRANKING_BYTES);
}

/** HMAC states keyed once per server key: a room tags every envelope, so the key's two padded blocks are hashed once, not per tag. */
const keyed = new WeakMap<Uint8Array, ReturnType<typeof hmac.create>>();

/** The room's tag on an accepted envelope (truncated HMAC). Ids hold no newline, so the fields cannot run into each other. */
export function serverTag(key: Uint8Array, c: FrankingContext): string {
  let base = keyed.get(key);
  if (!base) keyed.set(key, (base = hmac.create(sha256, key)));
  const mac = base.clone().update(encoder.encode(`chatalot-franking-v1\n${c.channelId}\n${c.sender}\n${c.seq}\n${c.ts}\n${c.commitment}`)).digest();
  return b64url(mac.subarray(0, FRANK_TAG_BYTES));
}

/**
 * What a report proves:
 * - `verified`: the sender sent exactly this plaintext there, at that seq and time;
 * - `altered`: the room did accept that envelope, but the revealed text is not what was sent;
 * - `forged`: the server's tag does not match (another sender, conversation, seq or time, a
 *   commitment taken from elsewhere, or a made-up tag);
 * - `unverifiable`: the message predates franking (no commitment), so nothing can be proven.
 */
export type FrankingVerdict = 'verified' | 'altered' | 'forged' | 'unverifiable';

/** The franking key a plaintext body carries, if it is a JSON object with one. */
export function frankingKeyOf(plaintext: Uint8Array): string | null {
  try {
    const o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as { fk?: unknown };
    return typeof o === 'object' && o !== null && typeof o.fk === 'string' && FRANKING_PATTERN.test(o.fk) ? o.fk : null;
  } catch {
    return null;
  }
}

/** Checks a report's disclosure: the server tag first (is this an envelope the room accepted?), then the commitment. */
export function verifyDisclosure(key: Uint8Array, context: Omit<FrankingContext, 'commitment'> & { commitment?: string; frankTag?: string }, plaintext: Uint8Array): FrankingVerdict {
  if (context.commitment === undefined || context.frankTag === undefined) return 'unverifiable';
  const expected = fromB64url(serverTag(key, context as FrankingContext))!;
  const given = fromB64url(context.frankTag);
  if (!given || !equal(expected, given)) return 'forged';
  const fk = frankingKeyOf(plaintext);
  const recomputed = fk ? commitment(fk, plaintext) : null;
  const claimed = fromB64url(context.commitment);
  return recomputed && claimed && equal(fromB64url(recomputed)!, claimed) ? 'verified' : 'altered';
}
