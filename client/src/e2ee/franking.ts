/**
 * Message franking on the client (issue #16 item 1, protocol/franking.ts): a sender puts a fresh
 * franking key inside each message or edit and sends the commitment beside the ciphertext; a
 * reader checks the commitment against what it decrypted before showing it, and keeps the exact
 * plaintext so a report can disclose it byte for byte.
 */
import { commitment, FRANKED_KINDS, frankingKeyOf, newFrankingKey } from '../../../protocol/franking';
import type { EnvelopeKind } from '../../../protocol/frames';
import { encodeBody, type MessageBody } from './MessageBody';

/** The plaintext to seal for `body`, and its commitment when `kind` is franked. */
export function frankedPlaintext(kind: EnvelopeKind, body: MessageBody): { plaintext: Uint8Array; franking?: string } {
  if (!FRANKED_KINDS.has(kind)) return { plaintext: encodeBody(body) };
  const fk = newFrankingKey();
  const plaintext = encodeBody({ ...body, fk });
  return { plaintext, franking: commitment(fk, plaintext)! };
}

/** Whether a decrypted plaintext matches the commitment its envelope carried. */
export function commitmentHolds(plaintext: Uint8Array, franking: string): boolean {
  const fk = frankingKeyOf(plaintext);
  return fk !== null && commitment(fk, plaintext) === franking;
}
