/**
 * Authentication for routes: a Bearer access token, verified with the public key, whose session
 * is still live (not revoked by logout, a password or 2FA change, or refresh-token reuse) and
 * whose user still exists. Anything else is one 401 that says no more (SECURITY-TESTS A1–A3).
 * `requireRole` then narrows to instance admins or the owner.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app';
import { tokenKeys, verifyAccessToken } from '../auth/tokens';
import type { InstanceRole, Session, Storage, User } from '../storage/Storage';
import { errorResponse } from './errors';
import { ApiError } from '../../protocol/errors';

export interface AuthContext {
  user: User;
  session: Session;
}

const unauthorized = () => errorResponse('unauthorized', 'missing, invalid or expired access token', 401);

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Checks an access token and its session; null for anything wrong. Shared by the HTTP
 * middleware and the WebSocket upgrade (which carries the token in Sec-WebSocket-Protocol).
 */
export async function authenticate(c: Context<AppEnv>, token: string): Promise<(AuthContext & { expiresAt: number }) | null> {
  return (await authenticateWith(c, token, async () => undefined))?.auth ?? null;
}

/**
 * `authenticate`, with `also` read for the token's user in the same turn as the session and the
 * user: on the embedded store all of it travels to the gateway object in one call (a channel
 * socket's admission, issue #18 item 2). `also` runs before the session is known to be live; its
 * answer is dropped with everything else when the token is refused.
 */
export async function authenticateWith<T>(c: Context<AppEnv>, token: string, also: (storage: Storage, userId: string) => Promise<T>): Promise<{ auth: AuthContext & { expiresAt: number }; also: T } | null> {
  if (!JWT.test(token)) return null;
  const now = c.var.now();
  const claims = await verifyAccessToken(await tokenKeys(c.env.JWT_PRIVATE_KEY, c.env.JWT_PUBLIC_KEY), token, now);
  if (!claims) return null;
  const storage = await c.var.storage();
  const [session, user, extra] = await Promise.all([storage.getSession(claims.sid), storage.getUserById(claims.sub), also(storage, claims.sub)]);
  if (!session || session.userId !== claims.sub || session.revokedAt !== null || session.expiresAt <= now) return null;
  // A suspension ends every session at once; this also refuses a token minted a moment before.
  if (!user || user.suspendedAt !== null) return null;
  return { auth: { user, session, expiresAt: claims.exp * 1000 }, also: extra };
}

/**
 * What an encrypted webhook's bot account (issue #17 item 4) may call over HTTP: its own device,
 * prekeys and signed device list, the key directory its client seals with, its channel's member
 * list (access rules keep it to its one channel), and signing out. Everything else a user can do
 * — communities, DMs, profile, files, search — is refused, whatever the token says.
 */
const BOT_ROUTES: [method: string, path: RegExp][] = [
  ['GET', /^\/api\/me$/],
  ['POST', /^\/api\/devices$/],
  ['GET', /^\/api\/devices$/],
  ['PUT', /^\/api\/devices\/[^/]+\/prekeys$/],
  ['PUT', /^\/api\/device-list$/],
  ['POST', /^\/api\/users\/(devices|bundles)$/],
  ['GET', /^\/api\/users\/[^/]+\/(devices|device-list)$/],
  ['POST', /^\/api\/users\/[^/]+\/bundles$/],
  ['GET', /^\/api\/key-backup\/status$/],
  ['GET', /^\/api\/channels\/[^/]+\/members$/],
  ['POST', /^\/api\/auth\/logout$/],
];

export function botMayCall(method: string, path: string): boolean {
  return BOT_ROUTES.some(([m, p]) => m === method && p.test(path));
}

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const m = /^Bearer (\S+)$/.exec(c.req.header('Authorization') ?? '');
  const auth = m ? await authenticate(c, m[1]!) : null;
  if (!auth) return unauthorized();
  if (auth.user.instanceRole === 'bot' && !botMayCall(c.req.method, c.req.path)) return errorResponse('forbidden', "a webhook's bot account may only post to its channel", 403);
  c.set('auth', { user: auth.user, session: auth.session });
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

/**
 * Refuses what a quarantined account (issue #16) may not do — open DMs, upload, invite — with
 * `quarantined`; sending and reacting are taken away in the channel permissions (auth/access.ts).
 */
export function requireNotQuarantined(user: User, what: string): void {
  if (user.quarantinedAt !== null) throw new ApiError('quarantined', `your account is quarantined pending review by the instance's admins: you may read, not ${what}`);
}
