/**
 * Starting sessions and checking second factors, shared by the auth and account routes.
 * A session is one refresh-token family on one device: a 30-day refresh token stored only as its
 * SHA-256 digest, plus a 15-minute access token naming the session.
 */
import type { Context } from 'hono';
import type { AuthResponse, PublicUser } from '../../protocol/auth';
import type { AppEnv } from '../app';
import type { User } from '../storage/Storage';
import { clientIp, userAgent } from './clientInfo';
import { digest, newId, newRefreshToken, randomBytes } from './secrets';
import { ACCESS_TOKEN_SECONDS, signAccessToken, tokenKeys } from './tokens';
import { matchingStep, openSecret, sealingKey } from './totp';

/** Lifetime of a refresh token (and of a session that is never refreshed). */
export const REFRESH_TOKEN_MS = 30 * 24 * 60 * 60 * 1000;
/** Failed logins (password or second factor) that lock an account. */
export const LOCKOUT_THRESHOLD = 10;
/** How long a lockout lasts. */
export const LOCKOUT_MS = 15 * 60 * 1000;
/** How many backup codes a user gets. */
export const BACKUP_CODE_COUNT = 8;

export function publicUser(u: User): PublicUser {
  return { id: u.id, username: u.username, displayName: u.displayName, email: u.email, instanceRole: u.instanceRole, createdAt: u.createdAt, totpEnabled: u.totpEnabledAt !== null, dmPolicy: u.dmPolicy, avatarId: u.avatarId, bannerId: u.bannerId, statusText: u.statusText, quarantine: u.quarantinedAt === null ? null : { since: u.quarantinedAt, reason: u.quarantineReason ?? '' }, termsVersion: u.termsVersion };
}

/** Starts a new session for `user` and returns its tokens. */
export async function startSession(c: Context<AppEnv>, user: User, deviceName: string | undefined): Promise<AuthResponse> {
  const storage = await c.var.storage();
  const now = c.var.now();
  const refreshToken = newRefreshToken();
  const session = await storage.createSession(
    {
      id: newId(),
      userId: user.id,
      deviceName: (deviceName ?? '').trim().slice(0, 64) || describeAgent(userAgent(c.req.raw)),
      ip: clientIp(c.req.raw, c.env.TRUST_PROXY),
      userAgent: userAgent(c.req.raw),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + REFRESH_TOKEN_MS,
      revokedAt: null,
    },
    digest(refreshToken),
  );
  const keys = await tokenKeys(c.env.JWT_PRIVATE_KEY, c.env.JWT_PUBLIC_KEY);
  const accessToken = await signAccessToken(keys, { sub: user.id, sid: session.id, role: user.instanceRole }, now);
  return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_SECONDS, user: publicUser(user) };
}

/** A short device description from a user agent, for the sessions list. */
function describeAgent(ua: string): string {
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : ua ? ua.split(/[ /]/)[0] : 'Unknown client';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : `${browser}`;
}

/**
 * Checks a TOTP code (once per time step, ±1 step) or a backup code (once ever). Storage makes
 * both atomic, so a replayed code fails even when sent twice at the same instant (A5, A6).
 */
export async function checkSecondFactor(c: Context<AppEnv>, user: User, code: string): Promise<boolean> {
  const storage = await c.var.storage();
  if (/^\d{6}$/.test(code)) {
    if (!user.totpSecret) return false;
    const secret = openSecret(sealingKey(c.env.TOTP_ENCRYPTION_KEY), user.id, user.totpSecret);
    const step = matchingStep(secret, code, c.var.now());
    return step !== null && (await storage.acceptTotpStep(user.id, step));
  }
  return storage.useBackupCode(user.id, digest(normalizeBackupCode(code)), c.var.now());
}

const BACKUP_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Eight fresh backup codes, xxxx-xxxx-xxxx from an alphabet without look-alikes (~59 bits each). */
export function newBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () => {
    let chars = '';
    while (chars.length < 12) {
      // Rejection sampling keeps every character equally likely.
      for (const b of randomBytes(16)) if (b < 248 && chars.length < 12) chars += BACKUP_ALPHABET[b % BACKUP_ALPHABET.length];
    }
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export function normalizeBackupCode(code: string): string {
  return code.trim().toLowerCase();
}
