/**
 * Live lists (issue 12 item 5): after a successful change to a community — members joining,
 * leaving, kicked or banned, roles, channels, groups, the community itself — every member's
 * devices are told to re-read it (the hub's `changed` frame). Members are read before and after
 * the change, so someone just removed hears it too (their list loses the community). The hubs are
 * told in the background (`waitUntil`), after the answer.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app';
import { announceListChange } from '../hubs';
import type { Storage } from '../storage/Storage';
import { log, reason } from '../observability/log';

/** Runs `work` after the response where the runtime allows it, else before answering. */
export async function inBackground(c: Context<AppEnv>, work: Promise<unknown>): Promise<void> {
  const logged = work.catch((e) => log.warn('list_change_announce_failed', { error: reason(e) }));
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    await logged; // no execution context (a direct app.request in tests)
  }
}

/** Tells a community's members (and anyone else named) that it changed. */
export async function announceCommunityChange(c: Context<AppEnv>, storage: Storage, communityId: string, also: Iterable<string> = []): Promise<void> {
  const members = (await storage.listMembers(communityId)).map((m) => m.userId);
  await inBackground(c, announceListChange(c.env, [...members, ...also], { scope: 'community', id: communityId }));
}

/**
 * Middleware for routes that change one community: `communityOf` names it from the request (null:
 * not a community change, e.g. a DM channel). Reads the members first, so those removed by the
 * change are told as well.
 */
export function announcesCommunityChanges(communityOf: (c: Context<AppEnv>, storage: Storage) => Promise<string | null>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.path.includes('/invites')) return next();
    const storage = await c.var.storage();
    const communityId = await communityOf(c, storage).catch(() => null);
    const before = communityId ? (await storage.listMembers(communityId)).map((m) => m.userId) : [];
    await next();
    if (!communityId || c.res.status >= 400) return;
    await announceCommunityChange(c, storage, communityId, before);
  };
}
