/**
 * Channel sequencing: the rule that gives each accepted envelope the next integer and makes
 * a resent client message id return its original acknowledgement.
 *
 * Pure: it takes the channel's head and what the log already holds for this client message id,
 * and returns what to do. It does not store, broadcast or read a clock (the caller passes `now`).
 */
import type { EnvelopeOut } from './frames';

/** What the adapter must do with a send. */
export type SequenceDecision =
  | { kind: 'accept'; envelope: EnvelopeOut }
  | { kind: 'duplicate'; original: EnvelopeOut }
  | { kind: 'conflict'; original: EnvelopeOut };

/**
 * Whether a resend carries what the stored envelope holds. A client resends a message only
 * unchanged (same ciphertext, kind, target and reply); the same id with other content is a bug
 * or a forgery and must not be acknowledged as if it were stored (SECURITY-TESTS R2). A deleted
 * original has lost its ciphertext, so its resend still counts as the same.
 */
function sameContent(prior: EnvelopeOut, send: Omit<EnvelopeOut, 'seq' | 'ts' | 'deleted'>): boolean {
  return (
    (prior.deleted === true || prior.ciphertext === send.ciphertext) &&
    (prior.kind ?? 'message') === (send.kind ?? 'message') &&
    prior.target === send.target &&
    prior.replyTo === send.replyTo
  );
}

/**
 * Decide the fate of one send. `head` is the highest sequence number stored (0 for an empty
 * channel); `prior` is the envelope already stored under the same client message id, if any:
 * the same content again is a duplicate (the original ack), other content a conflict.
 */
export function sequence(
  head: number,
  send: Omit<EnvelopeOut, 'seq' | 'ts' | 'deleted'>,
  prior: EnvelopeOut | undefined,
  now: number,
): SequenceDecision {
  if (prior) return sameContent(prior, send) ? { kind: 'duplicate', original: prior } : { kind: 'conflict', original: prior };
  if (!Number.isSafeInteger(head) || head < 0) throw new RangeError('head must be a non-negative safe integer');
  return { kind: 'accept', envelope: { ...send, seq: head + 1, ts: now } };
}
