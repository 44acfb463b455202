/**
 * `/api/community-invites/{code}/join`: joining a community with an invite code or link.
 *
 * Redemption is one atomic storage step, so of 20 parallel joins on a one-use code exactly one
 * wins (SECURITY-TESTS Z5); refusals name the reason (`invite_expired`, `invite_revoked`,
 * `invite_exhausted`). A redemption that then cannot turn into a membership — the user is banned
 * or already a member — gives its use back. Instance invites (for registration,
 * worker/routes/invites.ts) are not community invites and answer 404 here without being used.
 * Creating, listing and revoking community invites is in worker/routes/communities.ts.
 *
 * `GET /api/auth/invites/{code}` is what an invite link shows before anyone signs in: the
 * community's name and member count and who invited you, or only that the link no longer works.
 * It sits under /api/auth for that bucket's stricter rate limit (codes are 96 random bits; the
 * limit keeps even trying pointless) and never uses the invite.
 */
import { Hono } from 'hono';
import { ApiError } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { noStore, requireAuth } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import type { Invite, Storage } from '../storage/Storage';
import { isStorageError } from '../storage/StorageError';
import { announceCommunityChange } from '../middleware/listChanges';
import { notifyJoined } from '../rooms';
import { communityView } from './communities';
import { mayInviteToInstance } from './invites';
import { registrationMode } from '../auth/registrationMode';

/**
 * Whether an invite lets someone without an account register on an invite-only instance:
 * 'admits', or the reason it does not, worded for the person holding the link. Instance invites
 * always admit; a community invite only when an instance admin made it so and its maker still
 * may invite to the instance (demoting them stops their links from creating accounts).
 */
export async function inviteAdmission(storage: Storage, invite: Invite): Promise<'admits' | string> {
  if (invite.communityId === null) return 'admits';
  if (!invite.admitsNewAccounts) return 'this community invite is for people who already have an account on this instance; ask for an invite that also admits new accounts';
  const maker = await storage.getUserById(invite.createdBy);
  if (!maker || !mayInviteToInstance(maker.instanceRole)) return 'this invite no longer admits new accounts: whoever made it can no longer invite people to the instance';
  return 'admits';
}

/** What state an invite is in, as the invite lists show it. */
export function inviteState(i: Invite, now: number): 'active' | 'revoked' | 'expired' | 'used_up' {
  return i.revokedAt !== null ? 'revoked' : i.expiresAt !== null && i.expiresAt <= now ? 'expired' : i.maxUses !== null && i.uses >= i.maxUses ? 'used_up' : 'active';
}

export const invitePreviewRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .get('/:code', async (c) => {
    const code = c.req.param('code');
    if (!INVITE_CODE.test(code)) throw new ApiError('not_found', 'no such invite');
    const storage = await c.var.storage();
    const invite = await storage.getInvite(code);
    if (!invite) throw new ApiError('not_found', 'no such invite');
    const state = inviteState(invite, c.var.now());
    const kind = invite.communityId === null ? 'instance' : 'community';
    // A dead link says only that it is dead: no names, no counts.
    if (state !== 'active') return c.json({ kind, state });
    const community = invite.communityId === null ? null : await storage.getCommunity(invite.communityId);
    if (invite.communityId !== null && !community) throw new ApiError('not_found', 'no such invite');
    const maker = await storage.getUserById(invite.createdBy);
    const mode = await registrationMode(c.env, storage);
    const admits = mode === 'open' || (mode === 'invite_only' && (await inviteAdmission(storage, invite)) === 'admits');
    return c.json({
      kind,
      state,
      expiresAt: invite.expiresAt,
      invitedBy: maker ? { username: maker.username, displayName: maker.displayName, avatarId: maker.avatarId } : null,
      community: community ? { id: community.id, name: community.name, iconId: community.iconId ?? null, accent: community.accent ?? null, memberCount: (await storage.listMembers(community.id)).length } : null,
      newAccounts: admits,
    });
  });

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
    await notifyJoined(c.env, (await storage.listChannels(communityId)).map((ch) => ch.id), userId);
    await announceCommunityChange(c, storage, communityId);
    return c.json(await communityView(storage, community, member, now));
  });
