/**
 * `/api/community-invites/{code}/join`: joining a community with an invite code or link.
 *
 * Redemption is one atomic storage step, so of 20 parallel joins on a one-use code exactly one
 * wins (SECURITY-TESTS Z5); refusals name the reason (`invite_expired`, `invite_revoked`,
 * `invite_exhausted`). A redemption that then cannot turn into a membership — the user is banned
 * or already a member — gives its use back. Instance invites (for registration,
 * worker/routes/invites.ts) are not community invites and answer 404 here without being used.
 * Creating, listing and revoking community invites is in worker/routes/communities.ts.
 */
import { Hono } from 'hono';
import { ApiError } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { noStore, requireAuth } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { isStorageError } from '../storage/StorageError';
import { communityView } from './communities';

/** Invite codes are base64url; anything else cannot exist, so it never reaches storage. */
const INVITE_CODE = /^[A-Za-z0-9_-]{8,64}$/;

export const communityInviteRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .post('/:code/join', async (c) => {
    const code = c.req.param('code');
    if (!INVITE_CODE.test(code)) throw new ApiError('not_found', 'no such invite');
    const storage = await c.var.storage();
    const userId = c.var.auth.user.id;
    const found = await storage.getInvite(code);
    if (!found || found.communityId === null) throw new ApiError('not_found', 'no such invite');
    const communityId = found.communityId;
    const community = await storage.getCommunity(communityId);
    if (!community) throw new ApiError('not_found', 'no such invite');

    const now = c.var.now();
    await storage.redeemInvite(code, now);
    // From here on every refusal gives the use back.
    const ban = await storage.getBan(communityId, userId);
    if (ban && (ban.expiresAt === null || ban.expiresAt > now)) {
      await storage.unredeemInvite(code);
      return errorResponse('banned', 'you are banned from this community', 403);
    }
    if (ban) await storage.unban(communityId, userId); // expired: it no longer applies
    try {
      await storage.addMember({ communityId, userId, role: 'member', joinedAt: now, timedOutUntil: null });
    } catch (e) {
      await storage.unredeemInvite(code);
      if (isStorageError(e) && e.code === 'conflict') throw new ApiError('conflict', 'you are already a member of this community');
      throw e;
    }
    const member = (await storage.getMember(communityId, userId))!;
    return c.json(await communityView(storage, community, member, now));
  });
