/**
 * The plaintext inside a channel envelope: a small versioned JSON object. `message` and `edit`
 * carry `text`; `delete` carries nothing (the protocol needs a ciphertext, and an encrypted empty
 * body says nothing). A `reaction` carries its `emoji` (and `remove` to take it back); a reply
 * carries a short `quote` of what it answers, so the quote reads even where the original has not
 * loaded. Parsing is strict about types and lenient about unknown fields, so a later client can
 * add fields (attachments) without breaking this one.
 */

/** Longest message text the composer accepts, in characters (well under the 64 KiB envelope). */
export const MAX_MESSAGE_CHARS = 4000;

/** Longest quoted snippet a reply carries. */
export const MAX_QUOTE_CHARS = 200;

export interface MessageBody {
  v: 1;
  text?: string;
  emoji?: string;
  remove?: true;
  quote?: { sender: string; text: string };
}

export function encodeBody(body: MessageBody): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(body));
}

/** Null when the plaintext is not a body this client understands. */
export function decodeBody(bytes: Uint8Array): MessageBody | null {
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof o !== 'object' || o === null || (o as { v?: unknown }).v !== 1) return null;
    const { text, emoji, remove, quote } = o as { text?: unknown; emoji?: unknown; remove?: unknown; quote?: { sender?: unknown; text?: unknown } };
    if (text !== undefined && typeof text !== 'string') return null;
    const body: MessageBody = { v: 1 };
    if (text !== undefined) body.text = text;
    if (typeof emoji === 'string' && emoji.length > 0 && emoji.length <= 32) body.emoji = emoji;
    if (remove === true) body.remove = true;
    if (quote && typeof quote.sender === 'string' && typeof quote.text === 'string') body.quote = { sender: quote.sender, text: quote.text.slice(0, MAX_QUOTE_CHARS) };
    return body;
  } catch {
    return null;
  }
}
