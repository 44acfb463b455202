/**
 * Writes security events to the audit log with time, client IP and user agent. The detail is a
 * small JSON object of facts (a reason, a session id); never a password, token, code or secret.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app';
import { clientIp, userAgent } from './clientInfo';
import { newId } from './secrets';

export type AuditEventName =
  | 'register'
  | 'login'
  | 'login_failed'
  | 'lockout'
  | 'logout'
  | 'refresh_reuse'
  | 'refresh_retry'
  | 'session_revoked'
  | 'password_changed'
  | 'password_reset'
  | 'recovery_code_used'
  | 'recovery_regenerated'
  | 'totp_enabled'
  | 'totp_disabled'
  | 'backup_codes_regenerated'
  | 'account_deleted'
  | 'invite_created'
  | 'invite_revoked'
  // Community moderation: who did what to whom (detail: communityId, targetId, …).
  | 'community_deleted'
  | 'emoji_added'
  | 'emoji_deleted'
  | 'member_kicked'
  | 'member_banned'
  | 'member_unbanned'
  | 'member_timed_out'
  | 'account_quarantined'
  | 'quarantine_lifted'
  // Reports and warnings (issue #16): ids and actions, never what a report disclosed.
  | 'report_filed'
  | 'report_resolved'
  | 'member_warned'
  | 'messages_purged'
  | 'sessions_ended_by_admin'
  | 'totp_reset_by_admin'
  | 'instance_role_changed'
  | 'registration_mode_changed'
  | 'instance_profile_changed'
  | 'legal_changed'
  | 'webhook_created'
  | 'data_exported'
  | 'webhook_rotated'
  | 'webhook_approved'
  | 'webhook_deleted'
  | 'webhook_post'
  | 'terms_accepted'
  | 'account_suspended'
  | 'suspension_lifted'
  | 'community_theme_changed'
  | 'announcement_posted'
  | 'announcement_removed'
  | 'role_changed'
  | 'ownership_transferred'
  | 'role_created'
  | 'role_deleted'
  | 'role_assigned'
  | 'role_unassigned'
  | 'override_changed'
  | 'personal_group_created'
  | 'personal_group_privacy'
  | 'personal_group_deleted'
  | 'personal_group_member_added'
  | 'personal_group_member_removed';

export async function audit(c: Context<AppEnv>, event: AuditEventName, userId: string | null, detail: Record<string, string | number | boolean> = {}): Promise<void> {
  const storage = await c.var.storage();
  await storage.appendAudit({
    id: newId(),
    event,
    userId,
    ip: clientIp(c.req.raw, c.env.TRUST_PROXY),
    userAgent: userAgent(c.req.raw),
    detail: JSON.stringify(detail),
    createdAt: c.var.now(),
  });
}
