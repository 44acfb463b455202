/**
 * Reaching users' hubs (the UserHub Durable Object, one per user) from the worker and from other
 * objects: the storage-backed Directory the hubs ask about sharing, devices and channel access;
 * the RPC adapter hubs use to reach each other; who receives a channel's activity; and
 * `endSessions`, which the auth routes call so a revoked session's hub sockets close (A10).
 *
 * Caches here live in the isolate for a short, stated time; nothing here is authoritative.
 */
import type { Env } from './env';
import { permissionsIn } from './auth/access';
import { openStorage } from './storage/openStorage';
import type { Directory, Hubs, ListChange, PublicProfile } from '../durable-objects/UserHub';
import { log, reason } from './observability/log';

/** How long a channel's recipient list is reused: a member added or removed sees badges follow within this. */
export const RECIPIENTS_TTL_MS = 30_000;
/** How many recipient lists one isolate keeps (the least recently computed go first). */
const MAX_CACHED_CHANNELS = 1_000;
const VIEW = 1;

/** The stub of `userId`'s hub. */
export function hubOf(env: Env, userId: string) {
  const ns = env.USER_HUB;
  if (!ns) throw new Error('USER_HUB is not bound');
  return ns.get(ns.idFromName(userId));
}

/**
 * Closes the hub sockets of ended sessions with 4001 (SECURITY-TESTS A10). Pass the ended session
 * ids, or `{ allExcept: currentSessionId }` when every other session ended (password or 2FA change).
 * Never throws: revocation in storage already happened, and a socket's token expires within 15 min.
 */
export async function endSessions(env: Env, userId: string, sessions: string[] | { allExcept?: string }): Promise<void> {
  if (!env.USER_HUB) return;
  try {
    await hubOf(env, userId).sessionsEnded(userId, sessions);
  } catch {
    // The hub is unreachable; the sockets' tokens expire within 15 minutes and reconnects are refused.
  }
}

/**
 * A device was deleted: its hub socket closes (4004) and its inbox is purged. Never throws: the
 * device row is already gone, so it can neither reconnect nor receive new deliveries.
 */
/** `userId` blocked `others` (declined or left a DM with them): they stop seeing `userId`'s presence now. */
export async function forgetFollowers(env: Env, userId: string, others: string[]): Promise<void> {
  if (!env.USER_HUB) return;
  await Promise.all(others.map((o) => hubOf(env, userId).forgetFollower(userId, o)));
}

export async function removeDeviceFromHub(env: Env, userId: string, deviceId: string): Promise<void> {
  if (!env.USER_HUB) return;
  try {
    await hubOf(env, userId).deviceRemoved(userId, deviceId);
  } catch (e) {
    log.warn('removed_device_socket_close_failed', { error: reason(e) });
  }
}

/**
 * A user changed their display name or status: their hub tells their devices and the people
 * following them. Never throws: the change is stored, and lists read later show it anyway.
 */
export async function announceProfile(env: Env, userId: string, profile: PublicProfile): Promise<void> {
  if (!env.USER_HUB) return;
  try {
    await hubOf(env, userId).profileChanged(userId, profile);
  } catch (e) {
    log.warn('profile_announce_failed', { error: reason(e) });
  }
}

/** A user published a new device list: their hub tells their devices and the people following them. */
export async function announceDeviceList(env: Env, userId: string): Promise<void> {
  if (!env.USER_HUB) return;
  try {
    await hubOf(env, userId).deviceListChanged(userId);
  } catch (e) {
    log.warn('device_list_announce_failed', { error: reason(e) });
  }
}

/** Hubs told about one list change at once. */
const PARALLEL_ANNOUNCEMENTS = 32;

/**
 * Tells these users' devices that a list they show changed (members, roles, channels, DMs), so
 * open screens re-read it instead of waiting for a reload. Never throws: a hub that misses it
 * shows the change on the next read.
 */
export async function announceListChange(env: Env, userIds: Iterable<string>, change: ListChange): Promise<void> {
  if (!env.USER_HUB) return;
  const users = [...new Set(userIds)];
  for (let i = 0; i < users.length; i += PARALLEL_ANNOUNCEMENTS) {
    await Promise.allSettled(users.slice(i, i + PARALLEL_ANNOUNCEMENTS).map((u) => hubOf(env, u).listChanged(u, change)));
  }
}

const recipientCache = new Map<string, { at: number; users: Promise<string[]> }>();

/** Users who may view a channel: DM members, or community members with VIEW (cached RECIPIENTS_TTL_MS). */
export function channelRecipients(env: Env, channelId: string, now = Date.now()): Promise<string[]> {
  const hit = recipientCache.get(channelId);
  if (hit && now - hit.at < RECIPIENTS_TTL_MS) return hit.users;
  const users = computeRecipients(env, channelId, now);
  recipientCache.delete(channelId);
  recipientCache.set(channelId, { at: now, users });
  if (recipientCache.size > MAX_CACHED_CHANNELS) recipientCache.delete(recipientCache.keys().next().value!);
  users.catch(() => recipientCache.delete(channelId));
  return users;
}

async function computeRecipients(env: Env, channelId: string, now: number): Promise<string[]> {
  const storage = await openStorage(env);
  const channel = await storage.getChannel(channelId);
  if (!channel) return [];
  if (channel.communityId === null) return storage.listChannelMembers(channelId);
  const members = await storage.listMembers(channel.communityId);
  const access = new Map(await storage.channelAccessMany(channelId, members.map((m) => m.userId)));
  return members.map((m) => m.userId).filter((u) => permissionsIn(access.get(u) ?? null, now) & VIEW);
}

/** The Directory the hubs use, over the instance's storage. */
export function storageDirectory(env: Env, clock: () => number = Date.now): Directory {
  return {
    async sharing(userId, others) {
      const storage = await openStorage(env);
      return new Set(await storage.sharedWith(userId, others));
    },
    async devicesOf(userId) {
      const storage = await openStorage(env);
      return (await storage.listDevices(userId)).map((d) => d.id);
    },
    async permissions(channelId, userId) {
      const storage = await openStorage(env);
      return permissionsIn(await storage.channelAccess(channelId, userId), clock());
    },
    recipients: (channelId) => channelRecipients(env, channelId, clock()),
    async blocked(userId, others) {
      const storage = await openStorage(env);
      return new Set(await storage.blockedEitherWay(userId, others));
    },
  };
}

/** Hub-to-hub calls over Durable Object RPC. */
export function hubRpc(env: Env): Hubs {
  return {
    deliver: (userId, d) => hubOf(env, userId).acceptDelivery(userId, d),
    deliverMany: (userId, ds) => hubOf(env, userId).acceptDeliveries(userId, ds),
    follow: (userId, watcher) => hubOf(env, userId).follow(userId, watcher),
    presence: (watcher, userId, state) => hubOf(env, watcher).presenceOf(watcher, userId, state),
    typing: (userId, channelId, from) => hubOf(env, userId).typingFrom(userId, channelId, from),
    callDeclined: (channelId, userId, reason) => env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(channelId)).callDeclined(userId, reason),
    devices: (watcher, userId) => hubOf(env, watcher).deviceListOf(watcher, userId),
    profile: (watcher, userId, profile) => hubOf(env, watcher).profileOf(watcher, userId, profile),
    readPosition: (channelId, userId, seq) => env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(channelId)).readPosition(userId, seq),
  };
}
