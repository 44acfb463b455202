/**
 * `/api/admin`: instance administration. The audit log of every account, filtered and paged;
 * quarantine (issue #16): an account held to reading only, pending review.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app';
import { noStore, requireAuth, requireNotQuarantined, requireRole } from '../middleware/auth';
import { jsonBody } from '../middleware/jsonBody';
import { AdminReasonRequest, CreateAnnouncementRequest, InstanceSettingsRequest, LegalUpdateRequest, QuarantineRequest, SetInstanceRoleRequest, SuspendRequest } from '../../protocol/auth';
import { legalDocuments, legalVersion } from '../legal/documents';
import { MAX_LEGAL_BODY_BYTES } from '../../protocol/limits';
import { dropImage, storeImage } from './images';
import { instanceProfile, registrationMode } from '../auth/registrationMode';
import { closeSessionSockets } from '../rooms';
import { deleteAccount } from './me';
import { newId } from '../auth/secrets';
import { WarnRequest } from '../../protocol/reports';
import { addWarning, reportViews } from '../moderation/reports';
import { ApiError } from '../../protocol/errors';
import { audit } from '../auth/audit';
import { notifyStanding } from '../rooms';
import { announceListChange, hubOf } from '../hubs';
import type { Storage, User } from '../storage/Storage';

/**
 * The account an admin acts on: not their own, never the owner's, and an admin's only by the
 * owner (admins do not hold each other). 404 for no such account.
 */
async function adminTarget(storage: Storage, actor: User, id: string, action = 'quarantine'): Promise<User> {
  const target = await storage.getUserById(id);
  if (!target) throw new ApiError('not_found', 'no such user');
  if (target.id === actor.id) throw new ApiError('forbidden', `you cannot ${action} yourself`);
  if (target.instanceRole === 'owner') throw new ApiError('forbidden', `you cannot ${action} the instance's owner`);
  if (target.instanceRole === 'admin' && actor.instanceRole !== 'owner') throw new ApiError('forbidden', `only the owner can ${action} an admin`);
  return target;
}
const quarantineTarget = (storage: Storage, actor: User, id: string) => adminTarget(storage, actor, id);

/** Quarantines account `id` with `reason` (the rules of quarantineTarget); audited, applied to open sockets, its devices told. */
export async function holdAccount(c: Context<AppEnv>, storage: Storage, id: string, reason: string): Promise<User> {
  const actor = c.var.auth.user;
  const target = await quarantineTarget(storage, actor, id);
  const now = c.var.now();
  const user = await storage.updateUser(target.id, { quarantinedAt: target.quarantinedAt ?? now, quarantineReason: reason });
  await audit(c, 'account_quarantined', target.id, { by: actor.id, reason });
  await notifyStanding(c.env, target.id, now);
  await announceListChange(c.env, [target.id], { scope: 'account' });
  return user;
}

/** The runtime settings in effect: registration mode, the instance's name and icon. */
async function instanceSettings(c: Context<AppEnv>, storage: Storage) {
  const [mode, profile] = await Promise.all([registrationMode(c.env, storage), instanceProfile(storage)]);
  return { registrationMode: mode, ...profile };
}

export const adminRoutes = new Hono<AppEnv>()
  .use('*', noStore)
  .use('*', requireAuth, requireRole('owner', 'admin'))
  // An admin held for review (only the owner can quarantine one) has no admin panel meanwhile.
  .use('*', async (c, next) => {
    requireNotQuarantined(c.var.auth.user, 'use the admin panel');
    await next();
  })
  .get('/audit', async (c) => {
    const storage = await c.var.storage();
    const before = Number(c.req.query('before'));
    const limit = Number(c.req.query('limit') ?? 100);
    const userId = c.req.query('userId');
    const event = c.req.query('event');
    const events = await storage.listAudit({
      ...(userId ? { userId } : {}),
      ...(event ? { event } : {}),
      ...(Number.isFinite(before) && before > 0 ? { before } : {}),
      ...(c.req.query('beforeId') ? { beforeId: c.req.query('beforeId')! } : {}),
      limit: Number.isFinite(limit) ? limit : 100,
    });
    return c.json({ events: events.map((e) => ({ ...e, detail: JSON.parse(e.detail) as unknown })) });
  })

  .get('/settings', async (c) => {
    const storage = await c.var.storage();
    return c.json(await instanceSettings(c, storage));
  })

  .put('/settings', async (c) => {
    const body = await jsonBody(c, InstanceSettingsRequest);
    const storage = await c.var.storage();
    const before = await registrationMode(c.env, storage);
    if (body.registrationMode !== undefined) {
      await storage.setSetting('registration_mode', body.registrationMode);
      if (before !== body.registrationMode) await audit(c, 'registration_mode_changed', c.var.auth.user.id, { from: before, to: body.registrationMode });
    }
    if (body.name !== undefined) {
      await storage.setSetting('instance_name', body.name);
      await audit(c, 'instance_profile_changed', c.var.auth.user.id, { name: body.name });
    }
    return c.json(await instanceSettings(c, storage));
  })

  // The instance's icon, shown on the sign-in page, in the title bar and as the app's badge.
  .put('/settings/icon', async (c) => {
    const storage = await c.var.storage();
    const before = await storage.getSetting('instance_icon');
    const id = await storeImage(c, 'icon');
    await storage.setSetting('instance_icon', id);
    await dropImage(c.env, storage, before);
    await audit(c, 'instance_profile_changed', c.var.auth.user.id, { icon: true });
    return c.json({ iconId: id });
  })

  .delete('/settings/icon', async (c) => {
    const storage = await c.var.storage();
    const before = await storage.getSetting('instance_icon');
    if (!before) return c.body(null, 204);
    await storage.setSetting('instance_icon', '');
    await dropImage(c.env, storage, before);
    await audit(c, 'instance_profile_changed', c.var.auth.user.id, { icon: false });
    return c.body(null, 204);
  })

  // The terms of service and privacy policy (issue #16 item 7): the instance's own, or back to the built-in text.
  .put('/legal', async (c) => {
    // Two texts of up to 100,000 characters each, as JSON (escapes included): read up to 1 MiB.
    const body = await jsonBody(c, LegalUpdateRequest, MAX_LEGAL_BODY_BYTES);
    const storage = await c.var.storage();
    for (const [field, name] of [['terms', 'legal_terms'], ['privacy', 'legal_privacy']] as const) {
      const text = body[field];
      if (text === undefined) continue;
      if (text !== null && text.trim() === '') throw new ApiError('validation_failed', `${field}: an empty text cannot be published; send null to use the built-in one`);
      await storage.setSetting(name, text ?? '');
    }
    const version = (await legalVersion(storage)) + (body.reaccept ? 1 : 0);
    if (body.reaccept) await storage.setSetting('legal_version', String(version));
    await audit(c, 'legal_changed', c.var.auth.user.id, { version, ...(body.terms !== undefined ? { terms: body.terms === null ? 'built-in' : 'custom' } : {}), ...(body.privacy !== undefined ? { privacy: body.privacy === null ? 'built-in' : 'custom' } : {}) });
    return c.json(await legalDocuments(storage));
  })

  .get('/feedback', async (c) => {
    const storage = await c.var.storage();
    const before = Number(c.req.query('before'));
    const items = await storage.listFeedback({ open: c.req.query('status') !== 'closed', ...(before > 0 ? { before } : {}), limit: 50 });
    const users = new Map((await storage.getUsersByIds([...new Set(items.map((f) => f.userId))])).map((u) => [u.id, u.username]));
    return c.json({ feedback: items.map((f) => ({ ...f, username: users.get(f.userId) ?? null })) });
  })

  .post('/feedback/:id/close', async (c) => {
    const storage = await c.var.storage();
    if (!(await storage.closeFeedback(c.req.param('id'), c.var.auth.user.id, c.var.now()))) throw new ApiError('not_found', 'no such open feedback');
    return c.body(null, 204);
  })

  .get('/announcements', async (c) => {
    const storage = await c.var.storage();
    return c.json({ announcements: await storage.listAnnouncements({ limit: 50 }) });
  })

  .post('/announcements', async (c) => {
    const body = await jsonBody(c, CreateAnnouncementRequest);
    const now = c.var.now();
    if (body.endsAt !== undefined && body.endsAt <= now) throw new ApiError('validation_failed', 'endsAt: the end must be in the future');
    const storage = await c.var.storage();
    const announcement = await storage.createAnnouncement({ id: newId(), text: body.text, severity: body.severity ?? 'info', createdBy: c.var.auth.user.id, createdAt: now, endsAt: body.endsAt ?? null });
    await audit(c, 'announcement_posted', c.var.auth.user.id, { announcementId: announcement.id, severity: announcement.severity });
    return c.json({ announcement }, 201);
  })

  .delete('/announcements/:id', async (c) => {
    const storage = await c.var.storage();
    if (!(await storage.deleteAnnouncement(c.req.param('id')))) throw new ApiError('not_found', 'no such announcement');
    await audit(c, 'announcement_removed', c.var.auth.user.id, { announcementId: c.req.param('id') });
    return c.body(null, 204);
  })

  .get('/reports', async (c) => {
    const storage = await c.var.storage();
    const before = Number(c.req.query('before'));
    const reports = await storage.listReports({ queue: 'instance', open: c.req.query('status') !== 'closed', ...(before > 0 ? { before } : {}), limit: 50 });
    return c.json({ reports: await reportViews(storage, reports) });
  })

  .post('/users/:id/warnings', async (c) => {
    const body = await jsonBody(c, WarnRequest);
    const storage = await c.var.storage();
    const target = await storage.getUserById(c.req.param('id'));
    if (!target) throw new ApiError('not_found', 'no such user');
    if (target.id === c.var.auth.user.id) throw new ApiError('forbidden', 'you cannot warn yourself');
    const warning = await addWarning(c, storage, null, target.id, body.reason, null);
    return c.json({ warning }, 201);
  })

  .get('/users/:id/warnings', async (c) => {
    const storage = await c.var.storage();
    return c.json({ warnings: await storage.listWarnings(c.req.param('id')) });
  })

  .get('/users', async (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 64);
    const after = c.req.query('after')?.slice(0, 64) ?? null;
    const limit = Number(c.req.query('limit') ?? 50);
    const storage = await c.var.storage();
    const users = await storage.searchUsers(q, after, Number.isInteger(limit) && limit > 0 ? Math.min(limit, 100) : 50);
    const now = c.var.now();
    const counts = new Map(await storage.accountCounts(users.map((u) => u.id), now));
    return c.json({
      users: users.map((u) => ({
        id: u.id,
        username: u.username,
        displayName: u.displayName,
        instanceRole: u.instanceRole,
        createdAt: u.createdAt,
        quarantine: u.quarantinedAt === null ? null : { since: u.quarantinedAt, reason: u.quarantineReason ?? '' },
        suspension: u.suspendedAt === null ? null : { since: u.suspendedAt, reason: u.suspensionReason ?? '' },
        twoFactor: u.totpEnabledAt !== null,
        ...(counts.get(u.id) ?? { sessions: 0, devices: 0 }),
      })),
    });
  })

  // The rest of the admin panel's account actions (issue #16 item 6); each audited with who did it.
  .post('/users/:id/sign-out', async (c) => {
    const storage = await c.var.storage();
    const target = await adminTarget(storage, c.var.auth.user, c.req.param('id'), 'sign out');
    const ended = await storage.revokeAllSessions(target.id, c.var.now());
    await closeSessionSockets(c.env, target.id, {});
    // Signed out everywhere: no browser of theirs should keep getting pushes until it signs in again.
    if (c.env.USER_HUB) await hubOf(c.env, target.id).pushForgetAll(target.id);
    await audit(c, 'sessions_ended_by_admin', target.id, { by: c.var.auth.user.id, endedSessions: ended });
    return c.json({ endedSessions: ended });
  })

  .post('/users/:id/reset-2fa', async (c) => {
    const body = await jsonBody(c, AdminReasonRequest);
    const storage = await c.var.storage();
    const target = await adminTarget(storage, c.var.auth.user, c.req.param('id'), 'reset two-factor authentication of');
    if (target.totpEnabledAt === null && target.totpSecret === null) throw new ApiError('conflict', 'this account has no two-factor authentication to reset');
    // The second factor goes, with its backup codes, and every session ends: whoever signs in next
    // needs the password, and the account's owner sets up 2FA again.
    await storage.updateUser(target.id, { totpSecret: null, totpEnabledAt: null });
    await storage.replaceBackupCodes(target.id, []);
    const ended = await storage.revokeAllSessions(target.id, c.var.now());
    await closeSessionSockets(c.env, target.id, {});
    if (c.env.USER_HUB) await hubOf(c.env, target.id).pushForgetAll(target.id);
    await audit(c, 'totp_reset_by_admin', target.id, { by: c.var.auth.user.id, reason: body.reason, endedSessions: ended });
    return c.body(null, 204);
  })

  .patch('/users/:id', async (c) => {
    const body = await jsonBody(c, SetInstanceRoleRequest);
    const storage = await c.var.storage();
    if (c.var.auth.user.instanceRole !== 'owner') throw new ApiError('forbidden', "only the instance's owner changes who is an admin");
    const target = await adminTarget(storage, c.var.auth.user, c.req.param('id'), 'change the role of');
    if (target.instanceRole !== body.instanceRole) {
      await storage.updateUser(target.id, { instanceRole: body.instanceRole });
      await audit(c, 'instance_role_changed', target.id, { by: c.var.auth.user.id, from: target.instanceRole, to: body.instanceRole });
    }
    return c.json({ userId: target.id, instanceRole: body.instanceRole });
  })

  .delete('/users/:id', async (c) => {
    const body = await jsonBody(c, AdminReasonRequest);
    const storage = await c.var.storage();
    const target = await adminTarget(storage, c.var.auth.user, c.req.param('id'), 'delete');
    await deleteAccount(c, storage, target);
    await audit(c, 'account_deleted', target.id, { by: c.var.auth.user.id, reason: body.reason });
    return c.body(null, 204);
  })

  .post('/users/:id/quarantine', async (c) => {
    const body = await jsonBody(c, QuarantineRequest);
    const user = await holdAccount(c, await c.var.storage(), c.req.param('id'), body.reason);
    return c.json({ userId: user.id, quarantinedAt: user.quarantinedAt, reason: user.quarantineReason });
  })

  // Suspension (issue #16 item 5): the account cannot sign in until an admin lifts it; every session ends now.
  .post('/users/:id/suspend', async (c) => {
    const body = await jsonBody(c, SuspendRequest);
    const storage = await c.var.storage();
    const target = await adminTarget(storage, c.var.auth.user, c.req.param('id'), 'suspend');
    const now = c.var.now();
    await storage.updateUser(target.id, { suspendedAt: target.suspendedAt ?? now, suspensionReason: body.reason });
    const ended = await storage.revokeAllSessions(target.id, now);
    await closeSessionSockets(c.env, target.id, {});
    // A suspended account gets no pushes; its devices subscribe again when it signs in after the suspension.
    if (c.env.USER_HUB) await hubOf(c.env, target.id).pushForgetAll(target.id);
    await audit(c, 'account_suspended', target.id, { by: c.var.auth.user.id, reason: body.reason, endedSessions: ended });
    return c.json({ userId: target.id, suspendedAt: target.suspendedAt ?? now, reason: body.reason, endedSessions: ended });
  })

  .delete('/users/:id/suspend', async (c) => {
    const storage = await c.var.storage();
    const target = await adminTarget(storage, c.var.auth.user, c.req.param('id'), 'suspend');
    if (target.suspendedAt === null) return c.body(null, 204);
    await storage.updateUser(target.id, { suspendedAt: null, suspensionReason: null });
    await audit(c, 'suspension_lifted', target.id, { by: c.var.auth.user.id });
    return c.body(null, 204);
  })

  .delete('/users/:id/quarantine', async (c) => {
    const storage = await c.var.storage();
    const actor = c.var.auth.user;
    const target = await quarantineTarget(storage, actor, c.req.param('id'));
    if (target.quarantinedAt === null) return c.body(null, 204);
    await storage.updateUser(target.id, { quarantinedAt: null, quarantineReason: null });
    await audit(c, 'quarantine_lifted', target.id, { by: actor.id });
    await notifyStanding(c.env, target.id, c.var.now());
    await announceListChange(c.env, [target.id], { scope: 'account' });
    return c.body(null, 204);
  });
