/**
 * WebSocket frames between a device and its user's UserHub, in both directions, as valibot
 * schemas (strict: unknown fields are refused), and the limits the hub enforces.
 *
 * The hub is one socket per device for everything that is about the user rather than about one
 * channel: the device's inbox of pairwise ciphertexts (sender-key distributions, device-list
 * updates), unread and mention counts per channel, presence and typing. Like the channel
 * protocol it never interprets ciphertext. docs/protocol.md ("The user hub") documents these.
 */
import * as v from 'valibot';
import { Ciphertext, ClientMsgId } from './frames';

/** Most recipient devices one `deliver` may name: a sender-key distribution to a large group is split by the client. */
export const MAX_DELIVER_RECIPIENTS = 100;
/**
 * Most items one `deliver-many` may carry (each its own ciphertext for one device). A sender-key
 * distribution to a large channel goes out in frames of these, bounded also by MAX_FRAME_BYTES,
 * instead of one frame per member device (issue #21).
 */
export const MAX_DELIVER_ITEMS = 64;
/** Most users one `watch` may subscribe to: a member list page, not a whole instance. */
export const MAX_WATCH = 500;
/**
 * Most unacknowledged items one device's inbox holds: a device offline for weeks in a hundred busy
 * channels receives a few thousand key distributions; beyond this a sender is refused, so one
 * sender cannot grow a hub's storage without bound.
 */
export const MAX_INBOX_ITEMS = 10_000;
/** Most bytes of ciphertext one device's inbox holds (10 devices × 64 MiB stays far under a Durable Object's storage). */
export const MAX_INBOX_BYTES = 64 * 1024 * 1024;
/** Most unacknowledged items one sender may leave in one device's inbox, so one co-member cannot fill it for everyone else. */
export const MAX_INBOX_ITEMS_PER_SENDER = 1_000;
/** Most inbox items in flight to one socket before it acknowledges some: bounds what a non-reading device costs (R7). */
export const INBOX_WINDOW = 500;
/**
 * How long a call rings: the hub rings a device that connects while a call started less than this
 * ago, the client hands a ring to a screen that subscribes late for as long, and an unanswered 1:1
 * call ends after it (the usual minute before a call counts as missed).
 */
export const RING_MS = 60_000;
/** Most ids one `ack` may carry: one window. */
export const MAX_ACK_IDS = INBOX_WINDOW;
/** Typing indicators per channel per device: one per this many ms; the rest are refused. */
export const TYPING_INTERVAL_MS = 3_000;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1–64 characters of [A-Za-z0-9_-]'));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const InboxId = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));

/** A device of a user: where a pairwise ciphertext goes. */
export const DeviceAddress = v.strictObject({ userId: Id, deviceId: Id });
export type DeviceAddress = v.InferOutput<typeof DeviceAddress>;

/** Client → hub: store `ciphertext` in each named device's inbox (co-members, DM partners or your own devices). */
export const DeliverFrame = v.strictObject({
  type: v.literal('deliver'),
  clientMsgId: ClientMsgId,
  to: v.pipe(v.array(DeviceAddress), v.minLength(1, 'to must name at least one device'), v.maxLength(MAX_DELIVER_RECIPIENTS, `to names at most ${MAX_DELIVER_RECIPIENTS} devices`)),
  ciphertext: Ciphertext,
});
/** One item of `deliver-many`: a ciphertext for one device. */
export const DeliverItem = v.strictObject({ clientMsgId: ClientMsgId, to: DeviceAddress, ciphertext: Ciphertext });
/**
 * Client → hub: each item's ciphertext stored in its device's inbox, under the same rules as
 * `deliver`, each item answered by its own `delivered` (or `error` with the item's clientMsgId).
 */
export const DeliverManyFrame = v.strictObject({
  type: v.literal('deliver-many'),
  items: v.pipe(v.array(DeliverItem), v.minLength(1, 'items must not be empty'), v.maxLength(MAX_DELIVER_ITEMS, `items holds at most ${MAX_DELIVER_ITEMS} deliveries`)),
});
/** Client → hub: these inbox items are processed; delete them. */
export const AckFrame = v.strictObject({
  type: v.literal('ack'),
  ids: v.pipe(v.array(InboxId), v.minLength(1, 'ids must not be empty'), v.maxLength(MAX_ACK_IDS, `ids holds at most ${MAX_ACK_IDS} items`)),
});
/** Client → hub: everything up to `seq` in the channel is read (on every device of the user; never goes back). */
export const ReadFrame = v.strictObject({ type: v.literal('read'), channelId: Id, seq: Seq });
/** Client → hub: the user's settings (today: whether others may see read positions). */
export const SettingsFrame = v.strictObject({ type: v.literal('settings'), readReceipts: v.boolean() });
/** Client → hub: this device is active (`online`) or idle. */
export const PresenceFrame = v.strictObject({ type: v.literal('presence'), state: v.picklist(['online', 'idle']) });
/** Client → hub: follow these users' presence (replaces this device's list; empty stops). */
export const WatchFrame = v.strictObject({
  type: v.literal('watch'),
  userIds: v.pipe(v.array(Id), v.maxLength(MAX_WATCH, `userIds holds at most ${MAX_WATCH} users`)),
});
/** Client → hub: the user is typing in a channel (relayed to its connected members, never stored). */
export const TypingFrame = v.strictObject({ type: v.literal('typing'), channelId: Id });
/**
 * Client → hub: this user declines the call ringing in `channelId` (a DM or group DM), or is
 * `busy` in another call. The user's other devices stop ringing; the caller hears `call-declined`.
 */
export const CallDeclineFrame = v.strictObject({ type: v.literal('call-decline'), channelId: Id, reason: v.picklist(['declined', 'busy'], "reason must be 'declined' or 'busy'") });
/** Client → hub: keep-alive. */
export const HubPingFrame = v.strictObject({ type: v.literal('ping') });

export const HubClientFrame = v.variant('type', [DeliverFrame, DeliverManyFrame, AckFrame, ReadFrame, SettingsFrame, PresenceFrame, WatchFrame, TypingFrame, CallDeclineFrame, HubPingFrame]);
export type HubClientFrame = v.InferOutput<typeof HubClientFrame>;

export type PresenceState = 'online' | 'idle' | 'offline';

/** Unread state of one channel for the user. `unread = max(0, head - readSeq)`; `mentions` counts mentions after `readSeq`. */
export interface UnreadState {
  channelId: string;
  head: number;
  readSeq: number;
  unread: number;
  mentions: number;
}

export interface HubSettings {
  readReceipts: boolean;
}

/** A recipient device the hub could not deliver to, and why. */
export interface DeliveryFailure {
  userId: string;
  deviceId: string;
  code: 'not_found' | 'inbox_full' | 'conflict';
}

/** Hub → client frames. */
export type HubServerFrame =
  /**
   * After connect: the unread snapshot (as `unread` frames) has been sent; the inbox replay follows.
   * `listsChangedAgo`: how long ago, ms, the hub last announced a list change (`changed`) to this
   * user, null when it never did; a client that read its lists after that need not read them
   * again. Absent from servers older than it: read them again.
   */
  | { type: 'ready'; userId: string; deviceId: string; settings: HubSettings; listsChangedAgo?: number | null }
  | { type: 'inbox'; id: number; from: DeviceAddress; ciphertext: string; ts: number }
  /** Answer to `deliver`: stored for every device not listed in `failed`. */
  | { type: 'delivered'; clientMsgId: string; ts: number; failed: DeliveryFailure[]; duplicate?: true }
  | ({ type: 'unread' } & UnreadState)
  | { type: 'settings'; settings: HubSettings }
  | { type: 'presence'; userId: string; state: PresenceState }
  /** A watched user (or this user) published a new signed device list: re-read their devices before encrypting to them. */
  | { type: 'devices'; userId: string }
  /**
   * A watched user (or this user) changed their display name, status (PATCH /api/me) or avatar
   * (PUT or DELETE /api/me/avatar): shown at once wherever their name is, in place of what the
   * last list read said. Every field as it is now (a status or avatar cleared is null).
   */
  | { type: 'profile'; userId: string; username: string; displayName: string; statusText: string | null; avatarId: string | null; bannerId: string | null }
  | { type: 'typing'; channelId: string; userId: string }
  /**
   * Something this user's lists show changed: a community's members, roles, channels or groups
   * (`community`, with its id; also sent to someone just removed from it), or their DMs and
   * message requests (`dms`). The client re-reads that list; the frame carries nothing else.
   */
  | { type: 'changed'; scope: 'community'; id: string }
  | { type: 'changed'; scope: 'dms' }
  /** This account's standing changed (a warning, a quarantine or its end, issue #16): re-read it. */
  | { type: 'changed'; scope: 'account' }
  /**
   * A call in a DM or group DM this user is in (issue #14): `ringing` when `from` started it (ring
   * every device), `answered` when this user joined it on a device (the others stop ringing),
   * `declined` when this user declined it on a device, `ended` when the last person left.
   */
  | { type: 'ring'; channelId: string; from: string; state: 'ringing' | 'answered' | 'declined' | 'ended' }
  /** Who is in a community voice channel's call now (issue #14), to everyone who can see it, whenever it changes. */
  | { type: 'voice'; channelId: string; userIds: string[] }
  | { type: 'pong' }
  | { type: 'error'; error: { code: string; message: string; ref?: string } };
