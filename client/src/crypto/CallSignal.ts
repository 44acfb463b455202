/**
 * A call signal (issue #14): what one device in a call tells another — an SDP offer or answer, an
 * ICE candidate, a hang-up — carried inside their pairwise Double Ratchet session, so the server
 * that relays it can neither read nor change it (a swapped DTLS fingerprint in the SDP would let
 * it sit in the middle of the media).
 *
 * The plaintext names the channel whose call it belongs to and the sender's join time in that
 * call (`callId`), so a signal cannot be taken from one call and delivered into another; the
 * payload is the client's own JSON, opaque here.
 *
 *   version u8 | kind u8 (0x10) | channelId var16 | callId u64 | payload var32
 */
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, Kind, fromUtf8, utf8 } from './encoding';

/** Channel ids are at most 64 characters (protocol/frames.ts). */
const MAX_CHANNEL_ID_LENGTH = 64;
/** A signal's payload: an SDP with audio, video and a screen is a few KiB; 16 KiB is ample. */
export const MAX_CALL_SIGNAL_PAYLOAD = 16 * 1024;

export interface CallSignal {
  channelId: string;
  /** The sender's `joinedAt` in the call's roster: which call of this channel it belongs to. */
  callId: number;
  payload: Uint8Array;
}

export function encodeCallSignal(s: CallSignal): Uint8Array {
  if (s.payload.length > MAX_CALL_SIGNAL_PAYLOAD) throw new CryptoError('malformed', 'encode');
  return ByteWriter.withHeader(Kind.CallSignal).var16(utf8(s.channelId)).u64(s.callId).var32(s.payload).finish();
}

export function decodeCallSignal(bytes: Uint8Array): CallSignal {
  const r = ByteReader.open(bytes, Kind.CallSignal);
  const id = r.var16();
  if (id.length > MAX_CHANNEL_ID_LENGTH) throw new CryptoError('malformed', 'decode');
  const out = { channelId: fromUtf8(id), callId: r.u64(), payload: r.var32(MAX_CALL_SIGNAL_PAYLOAD) };
  r.end();
  return out;
}
