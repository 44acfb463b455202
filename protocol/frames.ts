/**
 * WebSocket frames between a client and a ChannelRoom, in both directions, as valibot schemas.
 *
 * The room relays ciphertext: a `send` frame carries an opaque base64 body plus the routing
 * header the server needs (a client message id for idempotency). Nothing here interprets the
 * body. docs/protocol.md is checked against these schemas by tests/protocolDoc.test.ts.
 */
import * as v from 'valibot';
import { MAX_CIPHERTEXT_CHARS, MAX_HISTORY_PAGE } from './limits';
import { CallJoinFrame, CallLeaveFrame, CallMediaFrame, CallModerateFrame, CallSignalFrame, type CallDeclinedFrame, type CallRosterFrame, type CallSignalOut } from './calls';
import type { ScheduledListOut } from './scheduled';
import { FRANKING_PATTERN } from './franking';

export { SUBPROTOCOL, SUBPROTOCOL_BATCHED, chosenSubprotocol } from './subprotocol';

const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** A client-chosen id that makes a send idempotent: 8–64 URL-safe characters (128-bit random is expected). */
export const ClientMsgId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientMsgId must be 8–64 characters of [A-Za-z0-9_-]'));

/** Opaque ciphertext, base64 (standard or URL-safe alphabet), never interpreted by the server. */
export const Ciphertext = v.pipe(
  v.string(),
  v.minLength(1, 'ciphertext must not be empty'),
  v.maxLength(MAX_CIPHERTEXT_CHARS, `ciphertext exceeds ${MAX_CIPHERTEXT_CHARS} base64 characters`),
  v.regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'ciphertext must be base64'),
);


/** Client → room: resume after `lastSeq` (0 for everything). The room replays, then sends `ready`. */
export const HelloFrame = v.strictObject({ type: v.literal('hello'), lastSeq: Seq });
/**
 * What an envelope is, as far as routing needs to know. Its content (the text, the emoji of a
 * reaction, what a pin means) stays inside the ciphertext.
 * - message: a new message (optionally a reply in the thread of `replyTo`);
 * - edit: a new version of the sender's own message `target` (each version is its own envelope);
 * - delete: removes `target` (its ciphertext is erased and a tombstone stays): the author, or a
 *   role with MANAGE_MESSAGES in a community channel;
 * - reaction: an (encrypted) reaction to `target`;
 * - pin / unpin: marks `target`; needs MANAGE_MESSAGES in community channels.
 */
export const EnvelopeKind = v.picklist(['message', 'edit', 'delete', 'reaction', 'pin', 'unpin']);
/**
 * An envelope's kind. Clients send the ones above; `webhook` is made only by the server, for a post
 * an external service made through a channel's webhook (protocol/webhooks.ts): plaintext, never
 * end-to-end encrypted, and shown as such.
 */
export type EnvelopeKind = v.InferOutput<typeof EnvelopeKind> | 'webhook';

/** Most users one envelope may mention; a mention is routing metadata for badges. */
export const MAX_MENTIONS = 50;
/** Most device ids one envelope may name as recipients (pairwise ciphertexts in DMs). */
export const MAX_RECIPIENTS = 1000;

const UserId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1–64 characters of [A-Za-z0-9_-]'));

export const Mentions = v.strictObject({
  users: v.optional(v.pipe(v.array(UserId), v.maxLength(MAX_MENTIONS, `at most ${MAX_MENTIONS} mentioned users`))),
  everyone: v.optional(v.boolean()),
  here: v.optional(v.boolean()),
});
export type Mentions = v.InferOutput<typeof Mentions>;

/**
 * The sender's franking commitment (protocol/franking.ts): HMAC-SHA256 of the plaintext under a
 * key inside it, base64url. Required on a `message` and an `edit`, so every message can be
 * reported verifiably; the room binds it to the sender, channel, seq and time (`frankTag`).
 */
export const Franking = v.pipe(v.string(), v.regex(FRANKING_PATTERN, 'franking must be 32 bytes, base64url (43 characters)'));

/** Client → room: relay one envelope. */
export const SendFrame = v.strictObject({
  type: v.literal('send'),
  clientMsgId: ClientMsgId,
  kind: v.optional(EnvelopeKind),
  ciphertext: Ciphertext,
  target: v.optional(Seq),
  replyTo: v.optional(Seq),
  mentions: v.optional(Mentions),
  recipients: v.optional(v.pipe(v.array(UserId), v.maxLength(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} recipients`))),
  franking: v.optional(Franking),
  /**
   * The channel's recipients epoch the sender's member list reflects (from `ready` or `epoch`).
   * The room refuses an envelope sealed for an older one with `members_changed` (issue #20):
   * someone joined, left or changed devices since, and the sender must re-read and re-seal.
   */
  epoch: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER))),
});
/** Client → room: a page of history strictly before `before` or strictly after `after`. */
export const HistoryFrame = v.strictObject({
  type: v.literal('history'),
  before: v.optional(Seq),
  after: v.optional(Seq),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_PAGE))),
});
/** Client → room: keep-alive. */
export const PingFrame = v.strictObject({ type: v.literal('ping') });
/** Client → room: the channel's threads (roots with replies), newest activity first. */
export const ThreadsFrame = v.strictObject({ type: v.literal('threads'), limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_PAGE))) });
/** Client → room: one thread's replies, in order. */
export const ThreadFrame = v.strictObject({ type: v.literal('thread'), root: Seq, after: v.optional(Seq), limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_PAGE))) });

/**
 * Client → room: everything up to `seq` (and every page answered before) has been processed.
 * Flow control: the room closes (4008) a socket that falls more than MAX_UNSEEN_ENVELOPES behind
 * and paces `hello` replays by it. Send it at least every 100 envelopes or every second.
 */
export const SeenFrame = v.strictObject({ type: v.literal('seen'), seq: Seq });

/**
 * Client → room: keep `ciphertext` and release it as a message at `at` (ms since the epoch), even
 * while the sender is offline (protocol/scheduled.ts). The same clientMsgId again replaces a
 * pending one (an edit: new text or time, sealed again).
 */
export const ScheduleFrame = v.strictObject({
  type: v.literal('schedule'),
  clientMsgId: ClientMsgId,
  ciphertext: Ciphertext,
  at: Seq,
  replyTo: v.optional(Seq),
  mentions: v.optional(Mentions),
  franking: Franking,
  epoch: v.optional(Seq),
});
export type ScheduleFrame = v.InferOutput<typeof ScheduleFrame>;
/** Client → room: cancel one of your pending scheduled messages. */
export const UnscheduleFrame = v.strictObject({ type: v.literal('unschedule'), clientMsgId: ClientMsgId });
/** Client → room: list your pending scheduled messages in this channel. */
export const ScheduledListFrame = v.strictObject({ type: v.literal('scheduled') });

export const ClientFrame = v.variant('type', [
  HelloFrame,
  SendFrame,
  HistoryFrame,
  PingFrame,
  ThreadsFrame,
  ThreadFrame,
  SeenFrame,
  // Scheduled messages (protocol/scheduled.ts).
  ScheduleFrame,
  UnscheduleFrame,
  ScheduledListFrame,
  // Calls (protocol/calls.ts): only on a call socket (`?call=<deviceId>`).
  CallJoinFrame,
  CallLeaveFrame,
  CallMediaFrame,
  CallSignalFrame,
  CallModerateFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;
export type SendFrame = v.InferOutput<typeof SendFrame>;

/**
 * A stored envelope as readers receive it. `ts` is the server's receive time in ms; order is
 * `seq`. Optional routing fields appear only when set; `deleted` marks a tombstone (its
 * ciphertext is gone).
 */
export interface EnvelopeOut {
  seq: number;
  clientMsgId: string;
  sender: string;
  ciphertext: string;
  ts: number;
  kind?: EnvelopeKind;
  target?: number;
  replyTo?: number;
  mentions?: Mentions;
  recipients?: string[];
  deleted?: true;
  /** Disappearing messages (issue #15): when the room erases this message (ms); clients stop showing it then. */
  expiresAt?: number;
  /** The sender's franking commitment (protocol/franking.ts); gone with the ciphertext when erased. */
  franking?: string;
  /** The room's tag binding `franking` to sender, channel, seq and time. */
  frankTag?: string;
}

/** A thread: its root and how many replies it has. */
export interface ThreadSummary {
  root: number;
  replies: number;
  lastSeq: number;
  lastTs: number;
}

/** Room → client frames. */
export type ServerFrame =
  | { type: 'ack'; clientMsgId: string; seq: number; ts: number; duplicate?: true; /** Disappearing messages: when the room will erase it. */ expiresAt?: number }
  | ({ type: 'envelope' } & EnvelopeOut)
  /** chatalot.v2 only: envelope frames that queued up for this socket, in seq order, sent as one. */
  | { type: 'envelopes'; envelopes: ({ type: 'envelope' } & EnvelopeOut)[] }
  | { type: 'ready'; head: number; epoch: number }
  | { type: 'history'; envelopes: EnvelopeOut[]; head: number }
  | { type: 'pong' }
  | { type: 'threads'; threads: ThreadSummary[] }
  | { type: 'thread'; root: number; envelopes: EnvelopeOut[] }
  /** A member left or was removed: clients rotate their sender keys for this channel. */
  | { type: 'member-removed'; userId: string; reason: string; epoch: number }
  /** Who may read the channel may have changed (a join, a permission, a device list): the recipients epoch is now `epoch`. */
  | { type: 'epoch'; epoch: number }
  /** Read receipt: `userId` has read up to `seq` (only users with read receipts on; not stored). */
  | { type: 'read'; userId: string; seq: number }
  /** Who is in the channel's call (to every socket of the channel), and a signal for a call socket. */
  | CallRosterFrame
  | CallSignalOut
  | CallDeclinedFrame
  | ScheduledListOut
  | { type: 'error'; error: { code: string; message: string; ref?: string } };
