/**
 * Authentication for routes: a Bearer access token, verified with the public key, whose session
 * is still live (not revoked by logout, a password or 2FA change, or refresh-token reuse) and
 * whose user still exists. Anything else is one 401 that says no more (SECURITY-TESTS A1–A3).
 * `requireRole` then narrows to instance admins or the owner.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app';
import { tokenKeys, verifyAccessToken } from '../auth/tokens';
import type { InstanceRole, Session, User } from '../storage/Storage';
import { errorResponse } from './errors';

export interface AuthContext {
  user: User;
  session: Session;
}

const unauthorized = () => errorResponse('unauthorized', 'missing, invalid or expired access token', 401);

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('Authorization') ?? '';
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
  if (!m) return unauthorized();
  const now = c.var.now();
  const claims = await verifyAccessToken(await tokenKeys(c.env.JWT_PRIVATE_KEY, c.env.JWT_PUBLIC_KEY), m[1]!, now);
  if (!claims) return unauthorized();
  const storage = await c.var.storage();
  const session = await storage.getSession(claims.sid);
  if (!session || session.userId !== claims.sub || session.revokedAt !== null || session.expiresAt <= now) return unauthorized();
  const user = await storage.getUserById(claims.sub);
  if (!user) return unauthorized();
  c.set('auth', { user, session });
  await next();
};

/**
 * Marks responses as not storable: auth and account answers carry tokens, backup codes, TOTP
 * secrets and personal data, which no browser or proxy cache may keep (ASVS 14.2.2, 14.3.2).
 */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res.headers.set('Cache-Control', 'no-store');
};

/** Allows only instance roles in `roles` (after requireAuth). */
export function requireRole(...roles: InstanceRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.var.auth.user.instanceRole)) return errorResponse('forbidden', 'this needs an instance administrator', 403);
    await next();
  };
}
