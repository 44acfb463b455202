/**
 * Telling channel rooms that a member's standing or the channel's settings changed (kicked,
 * banned, left, timed out, roles, slow mode), so open sockets follow at once instead of at the
 * next reconnect (SECURITY-TESTS Z3).
 */
import type { Env } from './env';
import { endSessions } from './hubs';
import { openStorage } from './storage/openStorage';

export type RoomChange =
  /** Channel settings changed. */
  | { kind: 'settings'; slowModeSeconds: number }
  /** The user may no longer be in the channel: close their sockets, tell the others to rotate keys. */
  | { kind: 'removed'; userId: string; reason: 'kicked' | 'banned' | 'left' | 'deleted' }
  /** The user's permission bits in the channel are now `permissions` (0 closes their sockets), acting with `rank`. */
  | { kind: 'permissions'; userId: string; permissions: number; rank: number }
  /** Sessions ended (logout, password or 2FA change, reuse of a refresh token): close their sockets. */
  | { kind: 'sessions-ended'; userId: string; sessions: string[] | { allExcept?: string } };

/** Sends `change` to each channel's room. Rooms with nobody connected simply record nothing. */
export async function notifyRooms(env: Env, channelIds: string[], change: RoomChange): Promise<void> {
  await Promise.all(channelIds.map((id) => env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(id)).memberChanged(change)));
}

/**
 * Closes every socket of ended sessions — the user's hub sockets and channel sockets in every
 * channel they belong to (SECURITY-TESTS A10). One RPC per channel of the user: logouts are rare
 * and a user is in tens, not thousands, of channels. Never throws: the sessions are already
 * revoked in storage, so reconnects are refused and tokens expire within 15 minutes anyway.
 */
export async function closeSessionSockets(env: Env, userId: string, sessions: string[] | { allExcept?: string }): Promise<void> {
  try {
    await Promise.all([endSessions(env, userId, sessions), notifyRooms(env, await userChannels(env, userId), { kind: 'sessions-ended', userId, sessions })]);
  } catch (e) {
    console.warn('closing the sockets of ended sessions failed', e instanceof Error ? e.message : String(e));
  }
}

/** Every channel `userId` is in: the channels of their communities, and their DMs. */
export async function userChannels(env: Env, userId: string): Promise<string[]> {
  const storage = await openStorage(env);
  const communities = await storage.listCommunitiesForUser(userId);
  return [
    ...(await Promise.all(communities.map((c) => storage.listChannels(c.id)))).flat().map((c) => c.id),
    ...(await storage.listDirectChannels(userId)).map((c) => c.id),
  ];
}
