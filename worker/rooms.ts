/**
 * Telling channel rooms that a member's standing or the channel's settings changed (kicked,
 * banned, left, timed out, roles, slow mode), so open sockets follow at once instead of at the
 * next reconnect (SECURITY-TESTS Z3).
 */
import type { Env } from './env';

export type RoomChange =
  /** Channel settings changed. */
  | { kind: 'settings'; slowModeSeconds: number }
  /** The user may no longer be in the channel: close their sockets, tell the others to rotate keys. */
  | { kind: 'removed'; userId: string; reason: 'kicked' | 'banned' | 'left' | 'deleted' }
  /** The user's permission bits in the channel are now `permissions` (0 closes their sockets). */
  | { kind: 'permissions'; userId: string; permissions: number };

/** Sends `change` to each channel's room. Rooms with nobody connected simply record nothing. */
export async function notifyRooms(env: Env, channelIds: string[], change: RoomChange): Promise<void> {
  await Promise.all(channelIds.map((id) => env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(id)).memberChanged(change)));
}
