/**
 * What a channel `send` frame's ciphertext holds: a SenderKey message plus the id of the device
 * that sealed it, so readers know whose sender key (and whose pairwise session's identity) opens
 * it. Layout: version byte 0x01, device id length (1 byte), device id (ASCII), SenderKey message.
 * The device id is routing-grade metadata the server already knows (the sender's socket); the
 * text stays inside the SenderKey message. This file does not encrypt or decrypt.
 */

/** Version of this wrapper; a reader refuses any other. */
export const CHANNEL_ENVELOPE_VERSION = 1;

export function wrapChannelEnvelope(deviceId: string, message: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(deviceId);
  if (id.length > 255) throw new Error('device id too long');
  const out = new Uint8Array(2 + id.length + message.length);
  out[0] = CHANNEL_ENVELOPE_VERSION;
  out[1] = id.length;
  out.set(id, 2);
  out.set(message, 2 + id.length);
  return out;
}

/** Null when the bytes are not a version-1 wrapper. */
export function unwrapChannelEnvelope(bytes: Uint8Array): { deviceId: string; message: Uint8Array } | null {
  if (bytes.length < 3 || bytes[0] !== CHANNEL_ENVELOPE_VERSION) return null;
  const n = bytes[1]!;
  if (n === 0 || bytes.length < 2 + n + 1) return null;
  const deviceId = new TextDecoder().decode(bytes.subarray(2, 2 + n));
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(deviceId)) return null;
  return { deviceId, message: bytes.subarray(2 + n) };
}
