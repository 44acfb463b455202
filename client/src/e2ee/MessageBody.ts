/**
 * The plaintext inside a channel envelope: a small versioned JSON object. `message` and `edit`
 * carry `text`; `delete` carries nothing (the protocol needs a ciphertext, and an encrypted empty
 * body says nothing). A `reaction` carries its `emoji` (and `remove` to take it back); a reply
 * carries a short `quote` of what it answers, so the quote reads even where the original has not
 * loaded. Parsing is strict about types and lenient about unknown fields, so a later client can
 * add fields (attachments) without breaking this one.
 */
import { MAX_FILES_PER_MESSAGE } from '../../../protocol/files';

/** Longest message text the composer accepts, in characters (well under the 64 KiB envelope). */
export const MAX_MESSAGE_CHARS = 4000;

/** Longest quoted snippet a reply carries. */
export const MAX_QUOTE_CHARS = 200;

/** Most files one message carries (protocol/files.ts: the server reads a reported message's too). */
export { MAX_FILES_PER_MESSAGE };
/** Longest file name kept (characters). */
export const MAX_FILE_NAME_CHARS = 255;

/**
 * An encrypted file a message carries (issue #13): where its ciphertext is (`id`, on the server)
 * and everything needed to read and show it, which only the message's recipients learn: the file
 * key, the original name, the type, the plaintext size and an image's dimensions.
 */
export interface FileRef {
  id: string;
  /** The file key, base64url (32 bytes). */
  key: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
  /**
   * An image's thumbnail (at most THUMB_EDGE pixels on its longer side, WebP or JPEG), base64url:
   * the receiver shows it as soon as the message arrives, while the file itself is fetched and
   * decrypted. It is inside the message's ciphertext like everything else here.
   */
  thumb?: string;
}

/** Longest side of a thumbnail, pixels. */
export const THUMB_EDGE = 96;
/** Largest thumbnail a message carries, base64url characters (about 6 KiB). */
export const MAX_THUMB_CHARS = 8192;

/** Options a poll offers (issue #15 item 1). */
export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 10;
export const MAX_POLL_QUESTION_CHARS = 300;
export const MAX_POLL_OPTION_CHARS = 100;

/**
 * A poll (issue #15 item 1), carried inside a message's ciphertext. Votes are `reaction`
 * envelopes on the poll message whose body holds `vote` (the chosen option indexes; empty takes
 * the vote back), so the server cannot tell a vote from a reaction, and never sees a choice. The
 * author closes it early with an `edit` whose body says `closePoll`. `closesAt` (ms) is judged by
 * each client against the room's timestamp on each vote, which every member sees alike.
 */
export interface Poll {
  question: string;
  options: string[];
  /** Several options may be chosen. */
  multi?: true;
  /** Clients do not show who voted for what (see SECURITY.md for what that does and does not hide). */
  anonymous?: true;
  closesAt?: number;
}

/** A link preview the sender's device fetched (issue #15 item 6): receivers show it without contacting the site. */
export interface LinkPreviewRef {
  url: string;
  title?: string;
  description?: string;
  siteName?: string;
}

export interface MessageBody {
  v: 1;
  /** The message's franking key (client/src/e2ee/franking.ts): added when sealing; readers keep it only in the exact plaintext. */
  fk?: string;
  preview?: LinkPreviewRef;
  poll?: Poll;
  /** A vote on a poll: option indexes (none: the vote taken back). */
  vote?: number[];
  /** The poll's author closes it. */
  closePoll?: true;
  text?: string;
  files?: FileRef[];
  emoji?: string;
  remove?: true;
  quote?: { sender: string; text: string };
  /** A call notice in a DM (issue #14): nobody answered, or the call ended after `durationMs`. */
  call?: CallNotice;
  /**
   * History moved in from elsewhere (issue #19 item 7, client/src/import/discord.ts): messages
   * with their original authors' names and times, shown as imported by the sender of this one.
   */
  imported?: { source: 'discord'; messages: ImportedMessage[] };
}

export interface ImportedMessage {
  author: string;
  at: number;
  text: string;
  /** Its reactions there, as counts (who reacted is not carried): an emoji, or `:name:` for a custom one. */
  reactions?: { emoji: string; count: number }[];
  /** Pinned there. */
  pinned?: true;
  /** The message it answered, as a short quote. */
  reply?: { author: string; text: string };
}

/** Bounds on an imported batch as read (the importer keeps well within them). */
const MAX_IMPORTED_MESSAGES = 200;
const MAX_IMPORTED_AUTHOR = 100;
const MAX_IMPORTED_TEXT = 8_000;
/** Most reactions kept on one imported message, and the longest emoji (a custom one's `:name:`). */
export const MAX_IMPORTED_REACTIONS = 20;
const MAX_IMPORTED_EMOJI = 40;

export interface CallNotice {
  event: 'missed' | 'ended';
  durationMs?: number;
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
    // 34: a custom emoji's `:name:` with the longest name (protocol/images.ts EMOJI_NAME).
    if (typeof emoji === 'string' && emoji.length > 0 && emoji.length <= 34) body.emoji = emoji;
    if (remove === true) body.remove = true;
    if (quote && typeof quote.sender === 'string' && typeof quote.text === 'string') body.quote = { sender: quote.sender, text: quote.text.slice(0, MAX_QUOTE_CHARS) };
    const call = (o as { call?: { event?: unknown; durationMs?: unknown } }).call;
    if (call && (call.event === 'missed' || call.event === 'ended')) {
      body.call = { event: call.event };
      const d = call.durationMs;
      if (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 && d <= 7 * 24 * 3_600_000) body.call.durationMs = d;
    }
    const preview = previewOf((o as { preview?: unknown }).preview);
    if (preview) body.preview = preview;
    const poll = pollOf((o as { poll?: unknown }).poll);
    if (poll) body.poll = poll;
    const vote = (o as { vote?: unknown }).vote;
    if (Array.isArray(vote) && vote.length <= MAX_POLL_OPTIONS && vote.every((i) => Number.isInteger(i) && i >= 0 && i < MAX_POLL_OPTIONS) && new Set(vote).size === vote.length) body.vote = vote as number[];
    if ((o as { closePoll?: unknown }).closePoll === true) body.closePoll = true;
    const imported = importedOf((o as { imported?: unknown }).imported);
    if (imported) body.imported = imported;
    const files = (o as { files?: unknown }).files;
    if (Array.isArray(files)) {
      const refs = files.slice(0, MAX_FILES_PER_MESSAGE).map(fileRef);
      if (refs.some((r) => r === null)) return null;
      if (refs.length > 0) body.files = refs as FileRef[];
    }
    return body;
  } catch {
    return null;
  }
}

/** An imported batch as sent, or undefined when it is not one (nothing of a malformed batch is shown). */
function importedOf(x: unknown): MessageBody['imported'] {
  if (typeof x !== 'object' || x === null) return undefined;
  const { source, messages } = x as { source?: unknown; messages?: unknown };
  if (source !== 'discord' || !Array.isArray(messages) || messages.length === 0 || messages.length > MAX_IMPORTED_MESSAGES) return undefined;
  const out: ImportedMessage[] = [];
  for (const m of messages as unknown[]) {
    const { author, at, text, reactions, pinned, reply } = (m ?? {}) as Record<string, unknown>;
    if (typeof author !== 'string' || typeof text !== 'string' || typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return undefined;
    const item: ImportedMessage = { author: author.slice(0, MAX_IMPORTED_AUTHOR), at, text: text.slice(0, MAX_IMPORTED_TEXT) };
    if (reactions !== undefined) {
      if (!Array.isArray(reactions)) return undefined;
      const kept: { emoji: string; count: number }[] = [];
      for (const r of reactions.slice(0, MAX_IMPORTED_REACTIONS) as unknown[]) {
        const { emoji, count } = (r ?? {}) as Record<string, unknown>;
        if (typeof emoji !== 'string' || emoji.length === 0 || emoji.length > MAX_IMPORTED_EMOJI || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) return undefined;
        kept.push({ emoji, count });
      }
      if (kept.length > 0) item.reactions = kept;
    }
    if (pinned !== undefined && pinned !== true) return undefined;
    if (pinned) item.pinned = true;
    if (reply !== undefined) {
      const { author: to, text: quoted } = (reply ?? {}) as Record<string, unknown>;
      if (typeof to !== 'string' || typeof quoted !== 'string') return undefined;
      item.reply = { author: to.slice(0, MAX_IMPORTED_AUTHOR), text: quoted.slice(0, MAX_QUOTE_CHARS) };
    }
    out.push(item);
  }
  return { source, messages: out };
}

const dimension = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) && x > 0 && x <= 100_000 ? x : undefined);

/** A file reference as sent, or null when it is not one (a malformed one spoils the whole body). */
function fileRef(x: unknown): FileRef | null {
  if (typeof x !== 'object' || x === null) return null;
  const { id, key, name, type, size, width, height, thumb } = x as Record<string, unknown>;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(id)) return null;
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(key)) return null;
  if (typeof name !== 'string' || typeof type !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
  const ref: FileRef = { id, key, name: name.slice(0, MAX_FILE_NAME_CHARS), type: /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type.slice(0, 127) : 'application/octet-stream', size };
  const w = dimension(width);
  const h = dimension(height);
  if (w && h) Object.assign(ref, { width: w, height: h });
  // A thumbnail that is not one is dropped, not the file: the image still shows once decrypted.
  if (typeof thumb === 'string' && thumb.length <= MAX_THUMB_CHARS && /^[A-Za-z0-9_-]+$/.test(thumb)) ref.thumb = thumb;
  return ref;
}

/** A poll as sent, or undefined when it is not a well-formed one. */
function pollOf(x: unknown): Poll | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const { question, options, multi, anonymous, closesAt } = x as Record<string, unknown>;
  if (typeof question !== 'string' || question.trim() === '' || question.length > MAX_POLL_QUESTION_CHARS) return undefined;
  if (!Array.isArray(options) || options.length < MIN_POLL_OPTIONS || options.length > MAX_POLL_OPTIONS) return undefined;
  if (!options.every((o) => typeof o === 'string' && o.trim() !== '' && o.length <= MAX_POLL_OPTION_CHARS)) return undefined;
  const poll: Poll = { question, options: options as string[] };
  if (multi === true) poll.multi = true;
  if (anonymous === true) poll.anonymous = true;
  if (typeof closesAt === 'number' && Number.isSafeInteger(closesAt) && closesAt > 0) poll.closesAt = closesAt;
  return poll;
}

/** A link preview as sent, or undefined when it is not one: an http(s) address and short texts. */
function previewOf(x: unknown): LinkPreviewRef | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const { url, title, description, siteName } = x as Record<string, unknown>;
  if (typeof url !== 'string' || url.length > 2048 || !/^https?:\/\//i.test(url)) return undefined;
  const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() !== '' ? v.slice(0, max) : undefined);
  const p: LinkPreviewRef = { url };
  const t = text(title, 300);
  const d = text(description, 500);
  const s = text(siteName, 100);
  if (t) p.title = t;
  if (d) p.description = d;
  if (s) p.siteName = s;
  return p.title || p.description ? p : undefined;
}
