/**
 * The plaintext inside a channel envelope: a small versioned JSON object. `message` and `edit`
 * carry `text`; `delete` carries nothing (the protocol needs a ciphertext, and an encrypted empty
 * body says nothing). Parsing is strict about types and lenient about unknown fields, so a later
 * client can add fields (replies, attachments) without breaking this one.
 */

/** Longest message text the composer accepts, in characters (well under the 64 KiB envelope). */
export const MAX_MESSAGE_CHARS = 4000;

export interface MessageBody {
  v: 1;
  text?: string;
}

export function encodeBody(body: MessageBody): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(body));
}

/** Null when the plaintext is not a body this client understands. */
export function decodeBody(bytes: Uint8Array): MessageBody | null {
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof o !== 'object' || o === null || (o as { v?: unknown }).v !== 1) return null;
    const text = (o as { text?: unknown }).text;
    if (text !== undefined && typeof text !== 'string') return null;
    return text === undefined ? { v: 1 } : { v: 1, text };
  } catch {
    return null;
  }
}
