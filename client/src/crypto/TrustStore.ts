/**
 * Trust on first use (TOFU) of a user's identity key, and the per-message status the UI shows.
 *
 * The first key seen for a user is pinned as `unverified`. Comparing safety numbers (in person or
 * by QR) makes it `verified`. Any later, different key makes the record `changed`: the new key is
 * kept beside the previous one, sending is blocked (`assertCanSend` throws `identity-changed`)
 * until the user acknowledges the change, and nothing already queued is silently re-encrypted to
 * the new key (P8). What is pinned is whatever identity the app shows safety numbers for: in
 * Chatalot the user's account key, which signs the device list. These are pure functions over a
 * `TrustRecord`; `checkIdentity` is the one store-level helper. This file deliberately does not
 * fetch keys or decide whom to message.
 */
import { CryptoError } from './errors';
import { constantTimeEqual } from './encoding';
import type { KeyStore } from './KeyStore';

/** Trust state of a pinned identity. */
export type TrustState = 'verified' | 'unverified' | 'changed';

/** What this device believes about one user's identity key. */
export interface TrustRecord {
  userId: string;
  /** The identity key currently pinned (after a change, the new one). */
  identityKey: Uint8Array;
  state: TrustState;
  firstSeenAt: number;
  /** When the key last changed, or null. */
  changedAt: number | null;
  /** The key pinned before the last change, or null. */
  previousKey: Uint8Array | null;
}

/** Result of observing an identity key. */
export type TrustEvent = 'first-use' | 'unchanged' | 'changed';

/** The per-message status shown beside each message. */
export type MessageStatus = 'encrypted-verified' | 'encrypted-unverified' | 'key-changed' | 'not-encrypted';

/** Records that `identityKey` was seen for `userId` at `now`; returns the new record and what happened. */
export function observeIdentity(record: TrustRecord | undefined, userId: string, identityKey: Uint8Array, now: number): { record: TrustRecord; event: TrustEvent } {
  if (!record) return { record: { userId, identityKey, state: 'unverified', firstSeenAt: now, changedAt: null, previousKey: null }, event: 'first-use' };
  if (constantTimeEqual(record.identityKey, identityKey)) return { record, event: 'unchanged' };
  return { record: { ...record, identityKey, state: 'changed', changedAt: now, previousKey: record.identityKey }, event: 'changed' };
}

/** The user acknowledged a key change: the new key stays pinned, unverified. */
export function acknowledgeIdentityChange(record: TrustRecord): TrustRecord {
  return record.state === 'changed' ? { ...record, state: 'unverified' } : record;
}

/**
 * Marks the pinned key verified after a successful safety-number comparison of `identityKey`.
 * Throws `identity-changed` if the compared key is not the pinned one.
 */
export function markVerified(record: TrustRecord, identityKey: Uint8Array): TrustRecord {
  if (!constantTimeEqual(record.identityKey, identityKey)) throw new CryptoError('identity-changed', 'trust');
  return { ...record, state: 'verified' };
}

/** True when messages may be sent (no unacknowledged key change). */
export function canSendTo(record: TrustRecord | undefined): boolean {
  return record === undefined || record.state !== 'changed';
}

/** Throws `identity-changed` while a key change is unacknowledged. */
export function assertCanSend(record: TrustRecord | undefined): void {
  if (!canSendTo(record)) throw new CryptoError('identity-changed', 'trust');
}

/** The status for a message: not encrypted (webhooks), key changed, or encrypted and (un)verified. */
export function messageStatus(encrypted: boolean, record: TrustRecord | undefined): MessageStatus {
  if (!encrypted) return 'not-encrypted';
  if (record?.state === 'changed') return 'key-changed';
  return record?.state === 'verified' ? 'encrypted-verified' : 'encrypted-unverified';
}

/** Observes `identityKey` for `userId` through the store and saves the result. */
export async function checkIdentity(store: KeyStore, userId: string, identityKey: Uint8Array, now: number): Promise<{ record: TrustRecord; event: TrustEvent }> {
  const out = observeIdentity(await store.getTrust(userId), userId, identityKey, now);
  if (out.event !== 'unchanged') await store.putTrust(out.record);
  return out;
}
