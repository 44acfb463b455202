/**
 * `/api/me`: the signed-in user's own account — profile, password, recovery code, sessions,
 * TOTP and backup codes, audit log, deletion. Every change that proves who you are again (a
 * password or 2FA change) ends your other sessions (SECURITY-TESTS A10).
 */
import { announceProfile, hubOf } from '../hubs';
import { Hono, type Context } from 'hono';
import { ApiError } from '../../protocol/errors';
import { AcceptTermsRequest, ChangePasswordRequest, DeleteAccountRequest, RegenerateRecoveryRequest, TotpCodeRequest, TotpDisableRequest, TotpEnableRequest, TotpEnrollRequest, UpdateProfileRequest } from '../../protocol/auth';
import type { AppEnv } from '../app';
import { audit } from '../auth/audit';
import { confirmPassword } from '../auth/confirmPassword';
import { cleanDisplayName } from '../auth/names';
import { passwordProblem } from '../auth/passwords';
import { hashPasswordFor } from '../auth/hashing';
import { digest } from '../auth/secrets';
import { checkSecondFactor, newBackupCodes, normalizeBackupCode, publicUser } from '../auth/sessions';
import { base32Encode, matchingStep, newTotpSecret, openSecret, otpauthUri, sealSecret, sealingKey } from '../auth/totp';
import { noStore, requireAuth, requireNotQuarantined } from '../middleware/auth';
import { errorResponse } from '../middleware/errors';
import { jsonBody } from '../middleware/jsonBody';
import { blobStore, keyBackupBlob } from '../storage/BlobStore';
import type { Storage, User } from '../storage/Storage';
import type { PublicProfile } from '../../durable-objects/UserHub';
import { closeSessionSockets, notifyRooms, userChannels } from '../rooms';
import { sweepFilesLater } from './files';
import { applyBlockChange } from '../moderation/blocks';

/** Most accounts one account may block (a bound on the list every block check reads). */
const MAX_BLOCKS = 1000;
import { dropImage, storeImage } from './images';
import { legalVersion } from '../legal/documents';

/** Pages of 500 audit events an export includes at most (the newest 50,000). */
const EXPORT_AUDIT_PAGES = 100;


async function issueBackupCodes(c: Context<AppEnv>, userId: string): Promise<string[]> {
  const codes = newBackupCodes();
  const storage = await c.var.storage();
  await storage.replaceBackupCodes(userId, codes.map((code) => digest(normalizeBackupCode(code))));
  return codes;
}

/** Sets (from the request body) or removes the caller's avatar or banner; the one replaced is deleted. */
/** What people who have this user in view are told when their name, status or picture changes. */
const profileOf = (u: User): PublicProfile => ({ username: u.username, displayName: u.displayName, statusText: u.statusText, avatarId: u.avatarId, bannerId: u.bannerId });

async function setProfileImage(c: Context<AppEnv>, slot: 'avatar' | 'banner', set: boolean) {
  const id = set ? await storeImage(c, slot) : null;
  const storage = await c.var.storage();
  const before = c.var.auth.user;
  const updated = await storage.updateUser(before.id, slot === 'avatar' ? { avatarId: id } : { bannerId: id });
  await dropImage(c.env, storage, slot === 'avatar' ? before.avatarId : before.bannerId);
  if (updated.avatarId !== before.avatarId || updated.bannerId !== before.bannerId) await announceProfile(c.env, updated.id, profileOf(updated));
  return c.json(publicUser(updated));
}

/**
 * Deletes an account and what belongs to it: its key backup, devices, sessions, memberships,
 * images and files (by the sweeper). Everyone who shared a channel with it hears it left, so their
 * clients rotate keys. Used by the account's owner (DELETE /api/me) and by admins.
 */
export async function deleteAccount(c: Context<AppEnv>, storage: Storage, user: User): Promise<void> {
  await notifyRooms(c.env, await userChannels(c.env, user.id), { kind: 'removed', userId: user.id, reason: 'deleted' });
  await closeSessionSockets(c.env, user.id, {});
  if (c.env.USER_HUB) await hubOf(c.env, user.id).pushForgetAll(user.id);
  // The backup blob first: if this fails the account still exists and deletion can be retried.
  await blobStore(c.env).delete(keyBackupBlob(user.id));
  await storage.deleteUser(user.id);
  for (const id of [user.avatarId, user.bannerId]) await dropImage(c.env, storage, id);
  await sweepFilesLater(c, storage);
}

export const meRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth)

  .get('/', (c) => c.json(publicUser(c.var.auth.user)))

  .patch('/', async (c) => {
    const body = await jsonBody(c, UpdateProfileRequest);
    const storage = await c.var.storage();
    const { user } = c.var.auth;
    const statusText = body.statusText === undefined ? undefined : body.statusText?.trim() || null;
    // Everyone who sees the account's name sees its status: a quarantined account may clear it, not set one.
    if (statusText) requireNotQuarantined(user, 'set a status');
    const updated = await storage.updateUser(user.id, {
      ...(body.displayName !== undefined ? { displayName: cleanDisplayName(body.displayName, user.username) } : {}),
      ...(statusText !== undefined ? { statusText } : {}),
      ...(body.email !== undefined ? { email: body.email } : {}),
      ...(body.dmPolicy !== undefined ? { dmPolicy: body.dmPolicy } : {}),
    });
    if (updated.displayName !== user.displayName || updated.statusText !== user.statusText) await announceProfile(c.env, user.id, profileOf(updated));
    return c.json(publicUser(updated));
  })

  // Avatar and profile banner (issue #13 item 5): the body is the image itself.
  // Accepting the instance's terms and privacy policy again after they changed (issue #16 item 7).
  .post('/terms', async (c) => {
    const body = await jsonBody(c, AcceptTermsRequest);
    const storage = await c.var.storage();
    const current = await legalVersion(storage);
    if (body.version !== current) throw new ApiError('conflict', `the terms in effect are version ${current}; read them again (GET /api/legal) and accept that one`);
    const user = await storage.updateUser(c.var.auth.user.id, { termsVersion: current, termsAcceptedAt: c.var.now() });
    await audit(c, 'terms_accepted', user.id, { version: current });
    return c.json(publicUser(user));
  })
  .put('/avatar', (c) => setProfileImage(c, 'avatar', true))
  .delete('/avatar', (c) => setProfileImage(c, 'avatar', false))
  .put('/banner', (c) => setProfileImage(c, 'banner', true))
  .delete('/banner', (c) => setProfileImage(c, 'banner', false))

  .delete('/', async (c) => {
    const body = await jsonBody(c, DeleteAccountRequest);
    const { user } = c.var.auth;
    await confirmPassword(c, body.password);
    if (user.totpEnabledAt !== null) {
      if (!body.code) return errorResponse('totp_required', 'deleting the account needs your authenticator code or a backup code', 401);
      if (!(await checkSecondFactor(c, user, body.code))) return errorResponse('invalid_code', 'that code is wrong or was already used', 401);
    }
    await deleteAccount(c, await c.var.storage(), user);
    await audit(c, 'account_deleted', user.id);
    return c.body(null, 204);
  })

  .post('/password', async (c) => {
    const body = await jsonBody(c, ChangePasswordRequest);
    const { user, session } = c.var.auth;
    await confirmPassword(c, body.currentPassword);
    const problem = passwordProblem(body.newPassword, user.username);
    if (problem) throw new ApiError('validation_failed', `newPassword: ${problem}`);
    const storage = await c.var.storage();
    await storage.updateUser(user.id, { passwordHash: await hashPasswordFor(c.env, body.newPassword) });
    const ended = await storage.revokeAllSessions(user.id, c.var.now(), session.id);
    await closeSessionSockets(c.env, user.id, { allExcept: session.id });
    await audit(c, 'password_changed', user.id, { endedSessions: ended });
    return c.json({ endedSessions: ended });
  })

  .post('/recovery', async (c) => {
    const body = await jsonBody(c, RegenerateRecoveryRequest);
    await confirmPassword(c, body.password);
    const storage = await c.var.storage();
    await storage.updateUser(c.var.auth.user.id, { recoveryVerifierHash: digest(body.recoveryVerifier) });
    await audit(c, 'recovery_regenerated', c.var.auth.user.id);
    return c.body(null, 204);
  })

  // Blocking (issue #16 item 3): whom this account blocked; block and unblock.
  .get('/blocks', async (c) => {
    const storage = await c.var.storage();
    const blocks = await storage.listBlocks(c.var.auth.user.id);
    const users = new Map((await storage.getUsersByIds(blocks.map((b) => b.userId))).map((u) => [u.id, u]));
    return c.json({ blocks: blocks.map((b) => ({ ...b, username: users.get(b.userId)?.username ?? null, displayName: users.get(b.userId)?.displayName ?? null })) });
  })

  .put('/blocks/:userId', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    const target = await storage.getUserById(c.req.param('userId'));
    if (!target) throw new ApiError('not_found', 'no such user');
    if (target.id === me) throw new ApiError('validation_failed', 'you cannot block yourself');
    if ((await storage.listBlocks(me)).length >= MAX_BLOCKS) throw new ApiError('quota_exceeded', `at most ${MAX_BLOCKS} blocked accounts`);
    await storage.block(me, target.id, c.var.now());
    await applyBlockChange(c.env, storage, me, target.id, c.var.now());
    return c.body(null, 204);
  })

  .delete('/blocks/:userId', async (c) => {
    const storage = await c.var.storage();
    const me = c.var.auth.user.id;
    if (!(await storage.unblock(me, c.req.param('userId')))) throw new ApiError('not_found', 'you have not blocked that account');
    await applyBlockChange(c.env, storage, me, c.req.param('userId'), c.var.now());
    return c.body(null, 204);
  })

  // Warnings moderators gave this account (issue #16 item 2), with the community's name.
  .get('/warnings', async (c) => {
    const storage = await c.var.storage();
    const warnings = await storage.listWarnings(c.var.auth.user.id);
    const names = new Map<string, string>();
    for (const id of new Set(warnings.map((w) => w.communityId).filter((x): x is string => x !== null))) names.set(id, (await storage.getCommunity(id))?.name ?? '');
    return c.json({ warnings: warnings.map(({ moderatorId: _m, reportId: _r, ...w }) => ({ ...w, communityName: w.communityId ? (names.get(w.communityId) ?? null) : null })) });
  })

  .get('/sessions', async (c) => {
    const storage = await c.var.storage();
    const { user, session } = c.var.auth;
    const sessions = await storage.listSessions(user.id, c.var.now());
    return c.json({
      sessions: sessions.map((s) => ({ id: s.id, deviceName: s.deviceName, ip: s.ip, userAgent: s.userAgent, createdAt: s.createdAt, lastUsedAt: s.lastUsedAt, current: s.id === session.id })),
    });
  })

  .delete('/sessions/:id', async (c) => {
    const storage = await c.var.storage();
    const { user } = c.var.auth;
    const id = c.req.param('id');
    if (!(await storage.revokeSession(user.id, id, c.var.now()))) return errorResponse('not_found', 'no such session', 404);
    await closeSessionSockets(c.env, user.id, [id]);
    await audit(c, 'session_revoked', user.id, { session: id });
    return c.body(null, 204);
  })

  .post('/sessions/revoke-others', async (c) => {
    const storage = await c.var.storage();
    const { user, session } = c.var.auth;
    const ended = await storage.revokeAllSessions(user.id, c.var.now(), session.id);
    await closeSessionSockets(c.env, user.id, { allExcept: session.id });
    await audit(c, 'session_revoked', user.id, { others: ended });
    return c.json({ endedSessions: ended });
  })

  .post('/totp/enroll', async (c) => {
    const body = await jsonBody(c, TotpEnrollRequest);
    const { user } = c.var.auth;
    if (user.totpEnabledAt !== null) return errorResponse('conflict', 'two-factor authentication is already on; disable it first', 409);
    await confirmPassword(c, body.password);
    const secret = newTotpSecret();
    const storage = await c.var.storage();
    await storage.updateUser(user.id, { totpSecret: sealSecret(sealingKey(c.env.TOTP_ENCRYPTION_KEY), user.id, secret) });
    return c.json({ secret: base32Encode(secret), otpauthUri: otpauthUri(secret, user.username, 'Chatalot') });
  })

  .post('/totp/enable', async (c) => {
    const { code, password } = await jsonBody(c, TotpEnableRequest);
    const { user, session } = c.var.auth;
    if (user.totpEnabledAt !== null) return errorResponse('conflict', 'two-factor authentication is already on', 409);
    if (!user.totpSecret) return errorResponse('conflict', 'start enrolment first (POST /api/me/totp/enroll)', 409);
    await confirmPassword(c, password);
    const storage = await c.var.storage();
    const step = matchingStep(openSecret(sealingKey(c.env.TOTP_ENCRYPTION_KEY), user.id, user.totpSecret), code, c.var.now());
    if (step === null || !(await storage.acceptTotpStep(user.id, step))) return errorResponse('invalid_code', 'that code is wrong or was already used', 400);
    await storage.updateUser(user.id, { totpEnabledAt: c.var.now() });
    const backupCodes = await issueBackupCodes(c, user.id);
    const ended = await storage.revokeAllSessions(user.id, c.var.now(), session.id);
    await closeSessionSockets(c.env, user.id, { allExcept: session.id });
    await audit(c, 'totp_enabled', user.id, { endedSessions: ended });
    return c.json({ backupCodes });
  })

  .post('/totp/disable', async (c) => {
    const body = await jsonBody(c, TotpDisableRequest);
    const { user, session } = c.var.auth;
    if (user.totpEnabledAt === null) return errorResponse('conflict', 'two-factor authentication is off', 409);
    await confirmPassword(c, body.password);
    if (!(await checkSecondFactor(c, user, body.code))) return errorResponse('invalid_code', 'that code is wrong or was already used', 400);
    const storage = await c.var.storage();
    await storage.updateUser(user.id, { totpSecret: null, totpEnabledAt: null });
    await storage.replaceBackupCodes(user.id, []);
    const ended = await storage.revokeAllSessions(user.id, c.var.now(), session.id);
    await closeSessionSockets(c.env, user.id, { allExcept: session.id });
    await audit(c, 'totp_disabled', user.id, { endedSessions: ended });
    return c.body(null, 204);
  })

  .post('/totp/backup-codes', async (c) => {
    const { code } = await jsonBody(c, TotpCodeRequest);
    const { user } = c.var.auth;
    if (user.totpEnabledAt === null) return errorResponse('conflict', 'two-factor authentication is off', 409);
    if (!(await checkSecondFactor(c, user, code))) return errorResponse('invalid_code', 'that code is wrong or was already used', 400);
    const backupCodes = await issueBackupCodes(c, user.id);
    await audit(c, 'backup_codes_regenerated', user.id);
    return c.json({ backupCodes });
  })

  // Issue #19 item 6: everything the server holds about this account, as one JSON download. Not
  // messages: the server has only their ciphertext; the device exports those (Settings → Privacy).
  .get('/export', async (c) => {
    const storage = await c.var.storage();
    const { user } = c.var.auth;
    const now = c.var.now();
    const communities = await Promise.all(
      (await storage.listCommunitiesForUser(user.id)).map(async (x) => {
        const m = await storage.getMember(x.id, user.id);
        return { id: x.id, name: x.name, role: m?.role ?? null, joinedAt: m?.joinedAt ?? null };
      }),
    );
    const dms = await Promise.all(
      (await storage.listDirectChannels(user.id, { all: true })).map(async (ch) => ({ id: ch.id, kind: ch.kind, members: (await storage.directMemberStates(ch.id)).map((m) => m.userId) })),
    );
    const events = [];
    let cursor: { before?: number; beforeId?: string } = {};
    for (let page = 0; page < EXPORT_AUDIT_PAGES; page++) {
      const batch = await storage.listAudit({ userId: user.id, limit: 500, ...cursor });
      events.push(...batch.map(({ id, event, ip, userAgent, detail, createdAt }) => ({ id, event, ip, userAgent, detail: JSON.parse(detail) as unknown, createdAt })));
      if (batch.length < 500) break;
      cursor = { before: batch.at(-1)!.createdAt, beforeId: batch.at(-1)!.id };
    }
    const body = {
      format: 'chatalot-account-export/1',
      exportedAt: now,
      note: 'What this server holds about the account. Messages are end-to-end encrypted: the server has only ciphertext; export them from a device that can read them.',
      account: { ...publicUser(user), suspended: user.suspendedAt !== null, termsAcceptedAt: user.termsAcceptedAt },
      communities,
      directMessages: dms,
      sessions: (await storage.listSessions(user.id, now)).map((s) => ({ id: s.id, deviceName: s.deviceName, ip: s.ip, userAgent: s.userAgent, createdAt: s.createdAt, lastUsedAt: s.lastUsedAt })),
      devices: (await storage.listDevices(user.id)).map((d) => ({ id: d.id, name: d.name, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt })),
      blocks: await storage.listBlocks(user.id),
      warnings: (await storage.listWarnings(user.id)).map(({ moderatorId: _m, reportId: _r, ...w }) => w),
      files: await storage.fileUsage(user.id),
      pushSubscriptions: c.env.USER_HUB ? await hubOf(c.env, user.id).pushSubscriptions(user.id) : [],
      audit: events,
    };
    await audit(c, 'data_exported', user.id);
    return new Response(JSON.stringify(body, null, 2), {
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Disposition': `attachment; filename="chatalot-account-${user.username}.json"`, 'Cache-Control': 'no-store' },
    });
  })

  .get('/audit', async (c) => {
    const storage = await c.var.storage();
    const before = Number(c.req.query('before'));
    const limit = Number(c.req.query('limit') ?? 50);
    const events = await storage.listAudit({ userId: c.var.auth.user.id, ...(Number.isFinite(before) && before > 0 ? { before } : {}),
      ...(c.req.query('beforeId') ? { beforeId: c.req.query('beforeId')! } : {}), limit: Number.isFinite(limit) ? limit : 50 });
    return c.json({ events: events.map(({ id, event, ip, userAgent, detail, createdAt }) => ({ id, event, ip, userAgent, detail: JSON.parse(detail) as unknown, createdAt })) });
  });
