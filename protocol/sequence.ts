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
  | { kind: 'duplicate'; original: EnvelopeOut };

/**
 * Decide the fate of one send. `head` is the highest sequence number stored (0 for an empty
 * channel); `prior` is the envelope already stored under the same client message id, if any.
 */
export function sequence(
  head: number,
  send: Omit<EnvelopeOut, 'seq' | 'ts' | 'deleted'>,
  prior: EnvelopeOut | undefined,
  now: number,
): SequenceDecision {
  if (prior) return { kind: 'duplicate', original: prior };
  if (!Number.isSafeInteger(head) || head < 0) throw new RangeError('head must be a non-negative safe integer');
  return { kind: 'accept', envelope: { ...send, seq: head + 1, ts: now } };
}
