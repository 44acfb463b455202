/**
 * WebSocket frames between a client and a ChannelRoom, in both directions, as valibot schemas.
 *
 * The room relays ciphertext: a `send` frame carries an opaque base64 body plus the routing
 * header the server needs (a client message id for idempotency). Nothing here interprets the
 * body. docs/protocol.md is checked against these schemas by tests/protocolDoc.test.ts.
 */
import * as v from 'valibot';
import { MAX_CIPHERTEXT_CHARS, MAX_HISTORY_PAGE } from './limits';

/** A client-chosen id that makes a send idempotent: 8–64 URL-safe characters (128-bit random is expected). */
export const ClientMsgId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientMsgId must be 8–64 characters of [A-Za-z0-9_-]'));

/** Opaque ciphertext, base64 (standard or URL-safe alphabet), never interpreted by the server. */
export const Ciphertext = v.pipe(
  v.string(),
  v.minLength(1, 'ciphertext must not be empty'),
  v.maxLength(MAX_CIPHERTEXT_CHARS, `ciphertext exceeds ${MAX_CIPHERTEXT_CHARS} base64 characters`),
  v.regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'ciphertext must be base64'),
);

const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** Client → room: resume after `lastSeq` (0 for everything). The room replays, then sends `ready`. */
export const HelloFrame = v.strictObject({ type: v.literal('hello'), lastSeq: Seq });
/** Client → room: relay one envelope. */
export const SendFrame = v.strictObject({ type: v.literal('send'), clientMsgId: ClientMsgId, ciphertext: Ciphertext });
/** Client → room: a page of history strictly before `before` or strictly after `after`. */
export const HistoryFrame = v.strictObject({
  type: v.literal('history'),
  before: v.optional(Seq),
  after: v.optional(Seq),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_PAGE))),
});
/** Client → room: keep-alive. */
export const PingFrame = v.strictObject({ type: v.literal('ping') });

export const ClientFrame = v.variant('type', [HelloFrame, SendFrame, HistoryFrame, PingFrame]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;
export type SendFrame = v.InferOutput<typeof SendFrame>;

/** A stored envelope as readers receive it. `ts` is the server's receive time in ms; order is `seq`. */
export interface EnvelopeOut {
  seq: number;
  clientMsgId: string;
  sender: string;
  ciphertext: string;
  ts: number;
}

/** Room → client frames. */
export type ServerFrame =
  | { type: 'ack'; clientMsgId: string; seq: number; ts: number; duplicate?: true }
  | ({ type: 'envelope' } & EnvelopeOut)
  | { type: 'ready'; head: number }
  | { type: 'history'; envelopes: EnvelopeOut[]; head: number }
  | { type: 'pong' }
  /** A member left or was removed: clients rotate their sender keys for this channel. */
  | { type: 'member-removed'; userId: string; reason: string }
  | { type: 'error'; error: { code: string; message: string; ref?: string } };
