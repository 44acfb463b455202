/**
 * Re-checking the signed-in user's password before a sensitive change (a new password, turning
 * 2FA off, deleting the account, giving a community away), so a stolen session alone cannot do
 * it. Wrong answers count towards the account lockout and are audited like failed logins.
 */
import type { Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import type { AppEnv } from '../app';
import { audit } from './audit';
import { verifyPasswordFor } from './hashing';
import { LOCKOUT_MS, LOCKOUT_THRESHOLD } from './sessions';

export async function confirmPassword(c: Context<AppEnv>, password: string): Promise<void> {
  const { user } = c.var.auth;
  if (await verifyPasswordFor(c.env, password, user.passwordHash)) return;
  const storage = await c.var.storage();
  await storage.recordLoginFailure(user.id, LOCKOUT_THRESHOLD, c.var.now() + LOCKOUT_MS);
  await audit(c, 'login_failed', user.id, { reason: 'password_confirmation' });
  throw new ApiError('forbidden', 'the password is wrong');
}
