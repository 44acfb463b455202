/**
 * What a channel tells the rest of the server after it accepted an envelope: today nothing.
 * The UserHub work (per-user unread counts and mention badges over one socket per device) hooks
 * in here; the room already calls it after every stored envelope, off the relay's hot path.
 */
import type { EnvelopeOut } from '../protocol/frames';
import type { Env } from '../worker/env';

export async function channelActivity(_env: Env, _channelId: string, _envelope: EnvelopeOut): Promise<void> {
  // Intentionally empty until UserHub exists: the relay must not wait on it.
}
