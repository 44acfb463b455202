/**
 * `/api/invites`: instance invite codes, managed by instance admins and the owner. A code may
 * limit its uses and expire between one hour and one year after creation; revoking keeps it in
 * the list with its use count. Community invites (worker/routes/communities.ts) may also admit new
 * accounts when an instance admin creates them so; see `admission` in worker/routes/communityInvites.ts.
 */
import { Hono } from 'hono';
import { CreateInviteRequest } from '../../protocol/auth';
import type { AppEnv } from '../app';
import { audit } from '../auth/audit';
import { base64url, randomBytes } from '../auth/secrets';
import { noStore, requireAuth, requireNotQuarantined, requireRole } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { jsonBody } from '../middleware/jsonBody';
import type { InstanceRole, Invite } from '../storage/Storage';
import { inviteState } from './communityInvites';

/** Who may let new accounts onto the instance: by instance invites, or community invites that admit. */
const INSTANCE_INVITERS: readonly InstanceRole[] = ['owner', 'admin'];
export const mayInviteToInstance = (role: InstanceRole): boolean => INSTANCE_INVITERS.includes(role);

function inviteView(i: Invite, now: number) {
  const state = inviteState(i, now);
  return { code: i.code, maxUses: i.maxUses, uses: i.uses, expiresAt: i.expiresAt, revokedAt: i.revokedAt, createdAt: i.createdAt, createdBy: i.createdBy, state };
}

export const inviteRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth, requireRole(...INSTANCE_INVITERS))

  .post('/', async (c) => {
    requireNotQuarantined(c.var.auth.user, 'invite people');
    const body = await jsonBody(c, CreateInviteRequest);
    const now = c.var.now();
    const storage = await c.var.storage();
    const invite = await storage.createInvite({
      code: base64url(randomBytes(12)),
      communityId: null,
      createdBy: c.var.auth.user.id,
      maxUses: body.maxUses ?? null,
      uses: 0,
      expiresAt: body.expiresInSeconds !== undefined ? now + body.expiresInSeconds * 1000 : null,
      revokedAt: null,
      createdAt: now,
      admitsNewAccounts: true,
    });
    await audit(c, 'invite_created', c.var.auth.user.id, { maxUses: invite.maxUses ?? 0 });
    return c.json(inviteView(invite, now), 201);
  })

  .get('/', async (c) => {
    const storage = await c.var.storage();
    const now = c.var.now();
    return c.json({ invites: (await storage.listInvites(null)).map((i) => inviteView(i, now)) });
  })

  .delete('/:code', async (c) => {
    const storage = await c.var.storage();
    const code = c.req.param('code');
    const invite = await storage.getInvite(code);
    if (!invite || invite.communityId !== null) return errorResponse('not_found', 'no such invite', 404);
    await storage.revokeInvite(code, c.var.now());
    await audit(c, 'invite_revoked', c.var.auth.user.id);
    return c.body(null, 204);
  });
