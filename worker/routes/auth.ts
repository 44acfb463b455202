/**
 * `/api/auth`: registration, login (with the TOTP step), refresh-token rotation, logout and
 * password reset with the recovery verifier. Unknown users, wrong passwords and locked accounts
 * get the same answer, after the same Argon2id work (SECURITY-TESTS A7, A8).
 */
import { Hono, type Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import { LoginRequest, RecoverRequest, RefreshRequest, RegisterRequest } from '../../protocol/auth';
import type { AppEnv } from '../app';
import { audit } from '../auth/audit';
import { cleanDisplayName, normalizeUsername, usernameProblem } from '../auth/names';
import { DUMMY_HASH, needsRehash, passwordProblem } from '../auth/passwords';
import { hashPasswordFor, verifyPasswordFor } from '../auth/hashing';
import { digest, equalBytes, newId, newRefreshToken } from '../auth/secrets';
import { checkSecondFactor, LOCKOUT_MS, LOCKOUT_THRESHOLD, publicUser, startSession } from '../auth/sessions';
import { ACCESS_TOKEN_SECONDS, signAccessToken, tokenKeys } from '../auth/tokens';
import { jsonBody } from '../middleware/jsonBody';
import { noStore, requireAuth } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { isStorageError } from '../storage/StorageError';
import { closeSessionSockets, notifyJoined } from '../rooms';
import type { InstanceRole, Invite, Session, User } from '../storage/Storage';
import { inviteAdmission } from './communityInvites';
import { announceCommunityChange } from '../middleware/listChanges';
import { instanceProfile, registrationMode } from '../auth/registrationMode';
import { legalVersion } from '../legal/documents';

/** A rotated refresh token presented again within this window is a client race, not theft. */
export const REFRESH_RACE_MS = 2000;
/**
 * A rotated refresh token presented again within this window, while the token it was exchanged
 * for has never been presented, is taken for a lost answer (the page closed or the network
 * dropped while the new pair travelled back) and exchanged again, once per lost answer; the
 * unused successor stops working. Later, or once the successor was used, it is reuse: the whole
 * session ends. SECURITY.md ("Sessions") says what this allows a thief with a copy.
 */
export const REFRESH_GRACE_MS = 2 * 60_000;

/** A username whose confusable skeleton an existing account holds (`paypa1` once `paypal` exists; SECURITY-TESTS I5). */
const lookAlike = () => new ApiError('conflict', 'this username looks too much like an existing one; choose another');
const invalidCredentials = () => errorResponse('invalid_credentials', 'username or password is wrong', 401);
const refreshConflict = () => errorResponse('refresh_conflict', 'this refresh token was just used by a parallel request', 401);

export const authRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .get('/config', async (c) => {
    const storage = await c.var.storage();
    const [mode, users, instance, legal] = await Promise.all([registrationMode(c.env, storage), storage.countUsers(), instanceProfile(storage), legalVersion(storage)]);
    return c.json({
      registrationMode: mode,
      needsSetup: users === 0,
      linkPreviews: c.env.LINK_PREVIEWS === 'on',
      gifs: !!c.env.GIF_API_KEY,
      instance,
      legalVersion: legal,
    });
  })

  .post('/register', async (c) => {
    const body = await jsonBody(c, RegisterRequest);
    const username = normalizeUsername(body.username);
    // The operator's ADMIN_USERNAME is compared in the same normalised form, and may be a name the
    // reserved list keeps from everyone else ("admin"): the operator chose it, and refusing it
    // would lock the operator out of their own instance. For the same reason nobody else may
    // take a look-alike of it before the operator registers.
    const admin = c.env.ADMIN_USERNAME ? normalizeUsername(c.env.ADMIN_USERNAME) : undefined;
    const nameProblem = usernameProblem(username, { operator: admin });
    if (nameProblem) throw new ApiError('validation_failed', `username: ${nameProblem}`);
    const pwProblem = passwordProblem(body.password, username);
    if (pwProblem) throw new ApiError('validation_failed', `password: ${pwProblem}`);
    const storage = await c.var.storage();
    // Explicit acceptance of the terms and privacy policy now in effect (issue #16 item 7), recorded on the account.
    const terms = await legalVersion(storage);
    if (body.acceptTerms !== terms) throw new ApiError('terms_not_accepted', `acceptTerms: accept this instance's terms of service and privacy policy (GET /api/legal, version ${terms}) to register`);
    const mode = await registrationMode(c.env, storage);
    const empty = (await storage.countUsers()) === 0;
    // The first account (or the one ADMIN_USERNAME names) becomes the owner whatever the mode,
    // so a new instance never locks its operator out — once. The grant is taken in storage before
    // the account exists and never again, so if that account is deleted (or another owner left),
    // registering the same name later is an ordinary registration, not a way to the instance.
    const wantsOwner = admin ? username === admin : empty;
    if (await storage.getUserByUsername(username)) throw new ApiError('conflict', 'this username is taken');
    if (await storage.hasLookAlike(username)) throw lookAlike();
    const granted = wantsOwner && (await storage.claimOwnerGrant(c.var.now()));
    const role: InstanceRole = granted ? 'owner' : 'user';
    let redeemed: Invite | undefined;
    if (role !== 'owner') {
      if (mode === 'closed') throw new ApiError('forbidden', 'registration is closed on this instance');
      if (mode === 'invite_only' && !body.inviteCode) throw new ApiError('forbidden', 'registration needs an invite code on this instance');
    }
    // An invite given at registration is used whatever the mode: on an invite-only instance it is
    // the way in; a community invite also makes the new account a member (one link to join).
    if (body.inviteCode && mode !== 'closed') {
      const invite = await storage.redeemInvite(body.inviteCode, c.var.now());
      const admits = mode === 'open' || role === 'owner' ? 'admits' : await inviteAdmission(storage, invite);
      if (admits !== 'admits') {
        await storage.unredeemInvite(body.inviteCode);
        throw new ApiError('forbidden', admits);
      }
      redeemed = invite;
    }
    let user;
    try {
      const passwordHash = await hashPasswordFor(c.env, body.password);
      user = await storage.createUser({
        id: newId(),
        username,
        displayName: cleanDisplayName(body.displayName, username),
        email: body.email ?? null,
        passwordHash,
        instanceRole: role,
        createdAt: c.var.now(),
        recoveryVerifierHash: digest(body.recoveryVerifier),
        termsVersion: terms,
        termsAcceptedAt: c.var.now(),
      });
    } catch (e) {
      if (redeemed) await storage.unredeemInvite(redeemed.code);
      if (granted) await storage.releaseOwnerGrant();
      if (isStorageError(e) && e.code === 'conflict') {
        if (await storage.getUserByUsername(username)) throw new ApiError('conflict', 'this username is taken');
        if (await storage.hasLookAlike(username)) throw lookAlike();
        throw new ApiError('conflict', 'the instance owner was registered at the same moment; register again with an invite');
      }
      throw e;
    }
    let joinedCommunityId: string | undefined;
    if (redeemed?.communityId) {
      const communityId = redeemed.communityId;
      // A brand-new account cannot be banned or a member yet; only a community deleted since the
      // redemption can stop this, and then the account stands without it.
      if (await storage.getCommunity(communityId)) {
        await storage.addMember({ communityId, userId: user.id, role: 'member', joinedAt: c.var.now(), timedOutUntil: null });
        joinedCommunityId = communityId;
        await notifyJoined(c.env, (await storage.listChannels(communityId)).map((ch) => ch.id), user.id);
        await announceCommunityChange(c, storage, communityId);
      }
    }
    await audit(c, 'register', user.id, { role, ...(redeemed ? { invite: true } : {}), ...(joinedCommunityId ? { communityId: joinedCommunityId } : {}) });
    return c.json({ ...(await startSession(c, user, body.deviceName)), ...(joinedCommunityId ? { joinedCommunityId } : {}) }, 201);
  })

  .post('/login', async (c) => {
    const body = await jsonBody(c, LoginRequest);
    const storage = await c.var.storage();
    const user = await storage.getUserByUsername(normalizeUsername(body.username));
    const now = c.var.now();
    // An encrypted webhook's bot account has no password and never signs in: as unknown.
    if (!user || user.instanceRole === 'bot') {
      await verifyPasswordFor(c.env, body.password, DUMMY_HASH);
      await audit(c, 'login_failed', null, { reason: 'unknown_user' });
      return invalidCredentials();
    }
    if (user.lockedUntil !== null && user.lockedUntil <= now) await storage.resetLoginFailures(user.id);
    const locked = user.lockedUntil !== null && user.lockedUntil > now;
    const passwordOk = await verifyPasswordFor(c.env, body.password, user.passwordHash);
    if (locked) {
      await audit(c, 'login_failed', user.id, { reason: 'locked' });
      return invalidCredentials();
    }
    if (!passwordOk) return loginFailure(c, user.id, 'password');
    if (user.totpEnabledAt !== null) {
      if (!body.code) return errorResponse('totp_required', 'enter the code from your authenticator app or a backup code', 401);
      if (!(await checkSecondFactor(c, user, body.code))) return loginFailure(c, user.id, 'second_factor');
    }
    await storage.resetLoginFailures(user.id);
    if (user.suspendedAt !== null) {
      // Told only to whoever knows the password (and second factor): it names the admins' reason.
      await audit(c, 'login_failed', user.id, { reason: 'suspended' });
      throw suspendedError(user);
    }
    if (needsRehash(user.passwordHash)) await storage.updateUser(user.id, { passwordHash: await hashPasswordFor(c.env, body.password) });
    const response = await startSession(c, user, body.deviceName);
    await audit(c, 'login', user.id, { via: body.code ? 'password+second_factor' : 'password' });
    return c.json(response);
  })

  .post('/refresh', async (c) => {
    const { refreshToken } = await jsonBody(c, RefreshRequest);
    const storage = await c.var.storage();
    const now = c.var.now();
    const next = newRefreshToken();
    const found = await storage.rotateRefreshToken(digest(refreshToken), digest(next), now);
    if (found.state === 'unknown') return errorResponse('unauthorized', 'refresh token is not valid', 401);
    const { session } = found;
    if (found.state === 'already-rotated') {
      if (now - found.rotatedAt < REFRESH_RACE_MS) return refreshConflict();
      if (found.unusedSuccessor !== null && now - found.rotatedAt < REFRESH_GRACE_MS && found.session.revokedAt === null) {
        const again = await storage.rotateRefreshToken(found.unusedSuccessor, digest(next), now);
        if (again.state !== 'rotated') return refreshConflict();
        await audit(c, 'refresh_retry', session.userId, { session: session.id });
        return refreshed(again.session);
      }
      // A token that was rotated long ago came back: someone holds a copy. End the whole family.
      await storage.revokeSession(session.userId, session.id, now);
      await closeSessionSockets(c.env, session.userId, [session.id]);
      await audit(c, 'refresh_reuse', session.userId, { session: session.id });
      return errorResponse('refresh_reused', 'this refresh token was already used; the session has been ended for safety', 401);
    }
    return refreshed(session);

    async function refreshed(session: Session) {
      if (session.revokedAt !== null || session.expiresAt <= now) return errorResponse('unauthorized', 'this session has ended', 401);
      const user = await storage.getUserById(session.userId);
      if (!user || user.suspendedAt !== null) return errorResponse('unauthorized', 'this session has ended', 401);
      const keys = await tokenKeys(c.env.JWT_PRIVATE_KEY, c.env.JWT_PUBLIC_KEY);
      const accessToken = await signAccessToken(keys, { sub: user.id, sid: session.id, role: user.instanceRole }, now);
      return c.json({ accessToken, refreshToken: next, expiresIn: ACCESS_TOKEN_SECONDS, user: publicUser(user) });
    }
  })

  .post('/logout', requireAuth, async (c) => {
    const { user, session } = c.var.auth;
    const storage = await c.var.storage();
    await storage.revokeSession(user.id, session.id, c.var.now());
    await closeSessionSockets(c.env, user.id, [session.id]);
    await audit(c, 'logout', user.id, { session: session.id });
    return c.body(null, 204);
  })

  .post('/recover', async (c) => {
    const body = await jsonBody(c, RecoverRequest);
    const storage = await c.var.storage();
    const user = await storage.getUserByUsername(normalizeUsername(body.username));
    const presented = new TextEncoder().encode(digest(body.recoveryVerifier));
    const stored = new TextEncoder().encode(user?.recoveryVerifierHash ?? digest('no-such-user'));
    const now = c.var.now();
    const locked = user?.lockedUntil !== null && user?.lockedUntil !== undefined && user.lockedUntil > now;
    if (!user || !user.recoveryVerifierHash || locked || !equalBytes(presented, stored)) {
      if (user && !locked) {
        const result = await storage.recordLoginFailure(user.id, LOCKOUT_THRESHOLD, now + LOCKOUT_MS);
        if (result.failedLogins === LOCKOUT_THRESHOLD) await audit(c, 'lockout', user.id, { until: result.lockedUntil ?? 0 });
      }
      await audit(c, 'login_failed', user?.id ?? null, { reason: 'recovery_code' });
      return errorResponse('invalid_recovery', 'username or recovery code is wrong', 401);
    }
    const pwProblem = passwordProblem(body.newPassword, user.username);
    if (pwProblem) throw new ApiError('validation_failed', `newPassword: ${pwProblem}`);
    // The recovery code stands in for the password, never for the second factor: with 2FA on,
    // recovery also needs the authenticator's code or one of the backup codes. Someone who lost
    // both needs an administrator (docs/security: "Recovery and 2FA"). The code is checked
    // before anything changes, so a missing or wrong one leaves the recovery code usable.
    if (user.totpEnabledAt !== null) {
      if (!body.code) return errorResponse('totp_required', 'two-factor authentication is on: enter your authenticator code or a backup code as well', 401);
      if (!(await checkSecondFactor(c, user, body.code))) return loginFailure(c, user.id, 'second_factor');
    }
    if (user.suspendedAt !== null) throw suspendedError(user);
    // The new password and the next recovery verifier land in one statement, so an interrupted
    // reset never leaves the old code usable with the new password or the reverse.
    await storage.updateUser(user.id, { passwordHash: await hashPasswordFor(c.env, body.newPassword), recoveryVerifierHash: digest(body.nextRecoveryVerifier) });
    await storage.revokeAllSessions(user.id, now);
    await closeSessionSockets(c.env, user.id, {});
    await storage.resetLoginFailures(user.id);
    await audit(c, 'recovery_code_used', user.id);
    await audit(c, 'password_reset', user.id);
    const fresh = (await storage.getUserById(user.id))!;
    return c.json(await startSession(c, fresh, undefined));
  });

const suspendedError = (user: User) => new ApiError('suspended', `this account is suspended by the instance's admins: ${user.suspensionReason ?? 'no reason given'}`);

async function loginFailure(c: Context<AppEnv>, userId: string, reason: string): Promise<Response> {
  const storage = await c.var.storage();
  const now = c.var.now();
  const result = await storage.recordLoginFailure(userId, LOCKOUT_THRESHOLD, now + LOCKOUT_MS);
  await audit(c, 'login_failed', userId, { reason });
  if (result.failedLogins === LOCKOUT_THRESHOLD) await audit(c, 'lockout', userId, { until: result.lockedUntil ?? 0 });
  return reason === 'second_factor' ? errorResponse('invalid_code', 'that code is wrong or was already used', 401) : invalidCredentials();
}
