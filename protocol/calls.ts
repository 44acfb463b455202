/**
 * Calls (issue #14): the frames a call socket exchanges with its channel's room, the roster the
 * room keeps, and the limits it enforces.
 *
 * A call is the set of devices joined to one channel's (or DM's) call. The room keeps only who is
 * in it, since when, and what each says of itself (muted, camera, screen); it relays `call-signal`
 * frames between two participating devices without reading them. Their ciphertext is a message of
 * the pairwise Double Ratchet session between the two devices (client/src/e2ee/CallSignals.ts):
 * the SDP offers and answers (with their DTLS fingerprints) and ICE candidates never reach the
 * server in the clear, so it cannot swap a fingerprint and sit in the middle of the media.
 *
 * A call socket is a channel socket opened with `?call=<deviceId>` (one of the caller's own
 * devices): it carries only call frames, never envelopes, and closing it leaves the call.
 */
import * as v from 'valibot';

/** Most devices in one call: a WebRTC mesh beyond this is not usable on ordinary uplinks. */
export const MAX_CALL_PARTICIPANTS = 25;
/**
 * Signals one call socket may send per second (bursts of twice as many): an offer, an answer and
 * a dozen ICE candidates per peer when joining a full call, far below a flood.
 */
export const CALL_SIGNAL_RATE_PER_SECOND = 50;
/** Most base64 characters of one signal's ciphertext: an SDP offer with audio, video and a screen is a few KiB. */
export const MAX_SIGNAL_CHARS = 32 * 1024;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1–64 characters of [A-Za-z0-9_-]'));

/** What a participant says of itself; shown to the others (the server cannot check it: it never sees media). */
export const CallMedia = v.strictObject({
  muted: v.boolean(),
  deafened: v.boolean(),
  video: v.boolean(),
  screen: v.boolean(),
});
export type CallMedia = v.InferOutput<typeof CallMedia>;

/** Call socket → room: join this channel's call with `media` (refused when full or without CONNECT). */
export const CallJoinFrame = v.strictObject({ type: v.literal('call-join'), media: CallMedia });
/** Call socket → room: leave the call (closing the socket does the same). */
export const CallLeaveFrame = v.strictObject({ type: v.literal('call-leave') });
/** Call socket → room: this participant's mute, deafen, camera and screen state changed. */
export const CallMediaFrame = v.strictObject({ type: v.literal('call-media'), media: CallMedia });
/** Call socket → room: relay `ciphertext` (a pairwise-session message) to the participating device `to`. */
export const CallSignalFrame = v.strictObject({
  type: v.literal('call-signal'),
  to: v.strictObject({ userId: Id, deviceId: Id }),
  ciphertext: v.pipe(
    v.string(),
    v.minLength(1, 'ciphertext must not be empty'),
    v.maxLength(MAX_SIGNAL_CHARS, `ciphertext of a signal exceeds ${MAX_SIGNAL_CHARS} characters`),
    v.regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'ciphertext must be base64'),
  ),
});
/**
 * Call socket → room, moderators (MUTE_MEMBERS, outranking the target) in community channels:
 * `mute` marks `userId` server-muted in the roster (their clients stop sending audio, the others'
 * clients stop playing it); `unmute` lifts it; `disconnect` closes their call sockets.
 */
export const CallModerateFrame = v.strictObject({
  type: v.literal('call-moderate'),
  userId: Id,
  action: v.picklist(['mute', 'unmute', 'disconnect'], "action must be 'mute', 'unmute' or 'disconnect'"),
});

/** One device in a call, as the roster shows it. */
export interface CallParticipant {
  userId: string;
  deviceId: string;
  /** When it joined (server clock, ms). */
  joinedAt: number;
  media: CallMedia;
  /** A moderator muted this user: their audio is neither sent nor played. */
  serverMuted: boolean;
  /** What the channel lets this user send (their permissions): clients ignore what is not allowed. */
  may: { speak: boolean; video: boolean; screen: boolean };
}

/** Room → every socket of the channel: who is in the call now (empty when it ended), and its cap. */
export interface CallRosterFrame {
  type: 'call-roster';
  participants: CallParticipant[];
  cap: number;
}
/** Room → a call socket: a signal from the participating device `from`. */
export interface CallSignalOut {
  type: 'call-signal';
  from: { userId: string; deviceId: string };
  ciphertext: string;
}
/** Room → call sockets: `userId` declined the call ringing on their devices, or is busy in another call. */
export interface CallDeclinedFrame {
  type: 'call-declined';
  userId: string;
  reason: 'declined' | 'busy';
}
