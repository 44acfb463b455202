/**
 * Telling channel rooms that a member's standing or the channel's settings changed (kicked,
 * banned, left, timed out, roles, slow mode), so open sockets follow at once instead of at the
 * next reconnect (SECURITY-TESTS Z3).
 */
import type { Env } from './env';
import { endSessions } from './hubs';
import { openStorage } from './storage/openStorage';
import { permissionsIn, rankInChannel } from './auth/access';
import { log, reason } from './observability/log';

export type RoomChange =
  /** Channel settings changed. */
  | { kind: 'settings'; slowModeSeconds: number }
  /** The channel's call cap changed (applies to the next joins). */
  | { kind: 'call-cap'; callCap: number }
  /** Disappearing messages: seconds after which new messages are erased (0: off). */
  | { kind: 'disappearing'; seconds: number }
  /** The user joined (a new recipient): envelopes sealed before the senders knew are refused and re-sealed. */
  | { kind: 'added'; userId: string }
  /** The user's devices changed (one removed, or their signed list republished): the same. */
  | { kind: 'devices'; userId: string }
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
 * `userId`'s devices changed (one removed, the signed list republished): every channel they are in
 * starts a new recipients epoch, so no envelope sealed for the old devices is accepted from now
 * on (issue #20). Never throws: the change is stored; a room not told refuses nothing stale, which
 * is how it was before the epoch existed, and the failure is logged.
 */
export async function notifyDevicesChanged(env: Env, userId: string): Promise<void> {
  try {
    await notifyRooms(env, await userChannels(env, userId), { kind: 'devices', userId });
  } catch (e) {
    log.warn('device_change_notify_failed', { error: reason(e) });
  }
}

/** `userId` joined `communityId`: each of its channels starts a new recipients epoch (issue #20). */
export async function notifyJoined(env: Env, channelIds: string[], userId: string): Promise<void> {
  await notifyRooms(env, channelIds, { kind: 'added', userId });
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
    log.warn('ended_session_sockets_close_failed', { error: reason(e) });
  }
}

/** Every channel `userId` is in: the channels of their communities, and their DMs. */
export async function userChannels(env: Env, userId: string): Promise<string[]> {
  const storage = await openStorage(env);
  const communities = await storage.listCommunitiesForUser(userId);
  const channels = [
    ...(await Promise.all(communities.map((c) => storage.listChannels(c.id)))).flat().map((c) => c.id),
    ...(await storage.listDirectChannels(userId)).map((c) => c.id),
  ];
  if (channels.length > 0) return channels;
  // An encrypted webhook's bot account (issue #17 item 4) is in no community: its one channel.
  const hook = await storage.webhookOfBot(userId);
  return hook?.approvedAt != null ? [hook.channelId] : [];
}

/**
 * `userId`'s standing changed everywhere at once (quarantined or let out, issue #16): every
 * channel they are in hears their permission bits afresh, so open sockets follow at once.
 */
export async function notifyStanding(env: Env, userId: string, now: number): Promise<void> {
  const storage = await openStorage(env);
  await Promise.all(
    (await userChannels(env, userId)).map(async (channelId) => {
      const access = await storage.channelAccess(channelId, userId);
      await notifyRooms(env, [channelId], { kind: 'permissions', userId, permissions: permissionsIn(access, now), rank: rankInChannel(access) });
    }),
  );
}
