/** Instance administration (`/api/admin…`, owners and admins): the accounts and their quarantine (issue #16). */
import { api } from './http';

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  instanceRole: 'owner' | 'admin' | 'user';
  createdAt: number;
  quarantine: { since: number; reason: string } | null;
  twoFactor: boolean;
  sessions: number;
  devices: number;
}

export const searchUsers = (q: string, after?: string) => api<{ users: AdminUser[] }>(`/api/admin/users?q=${encodeURIComponent(q)}&limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`);
export const quarantineUser = (id: string, reason: string) => api<{ userId: string; quarantinedAt: number; reason: string }>(`/api/admin/users/${encodeURIComponent(id)}/quarantine`, { method: 'POST', body: { reason } });
export const signOutUser = (id: string) => api<{ endedSessions: number }>(`/api/admin/users/${encodeURIComponent(id)}/sign-out`, { method: 'POST' });
export const resetTwoFactor = (id: string, reason: string) => api<void>(`/api/admin/users/${encodeURIComponent(id)}/reset-2fa`, { method: 'POST', body: { reason } });
export const setInstanceRole = (id: string, instanceRole: 'admin' | 'user') => api<{ userId: string; instanceRole: string }>(`/api/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: { instanceRole } });
export const deleteUserAsAdmin = (id: string, reason: string) => api<void>(`/api/admin/users/${encodeURIComponent(id)}`, { method: 'DELETE', body: { reason } });
export const liftQuarantine = (id: string) => api<void>(`/api/admin/users/${encodeURIComponent(id)}/quarantine`, { method: 'DELETE' });

/** Announcements (issue #16 item 6). */
export interface Announcement {
  id: string;
  text: string;
  severity: 'info' | 'warning' | 'critical';
  createdAt: number;
  endsAt: number | null;
}
export const listAnnouncementsAdmin = () => api<{ announcements: Announcement[] }>('/api/admin/announcements');
export const postAnnouncement = (text: string, severity: Announcement['severity'], endsAt?: number) =>
  api<{ announcement: Announcement }>('/api/admin/announcements', { method: 'POST', body: { text, severity, ...(endsAt !== undefined ? { endsAt } : {}) } });
export const removeAnnouncement = (id: string) => api<void>(`/api/admin/announcements/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const myAnnouncements = () => api<{ announcements: Announcement[] }>('/api/announcements');
export const dismissAnnouncement = (id: string) => api<void>(`/api/announcements/${encodeURIComponent(id)}/dismiss`, { method: 'POST' });

/** The audit log (issue #16 item 6): newest first, filtered by event and account, paged by the last row. */
export interface AuditRow {
  id: string;
  event: string;
  userId: string | null;
  ip: string;
  userAgent: string;
  detail: Record<string, unknown>;
  createdAt: number;
}
export const auditLog = (filter: { event?: string; userId?: string; before?: { createdAt: number; id: string } }) =>
  api<{ events: AuditRow[] }>(
    `/api/admin/audit?limit=50${filter.event ? `&event=${encodeURIComponent(filter.event)}` : ''}${filter.userId ? `&userId=${encodeURIComponent(filter.userId)}` : ''}${filter.before ? `&before=${filter.before.createdAt}&beforeId=${encodeURIComponent(filter.before.id)}` : ''}`,
  );

/** Instance settings and feedback (issue #16 item 6). */
export type RegistrationMode = 'open' | 'invite_only' | 'closed';
export const instanceSettings = () => api<{ registrationMode: RegistrationMode }>('/api/admin/settings');
export const setInstanceSettings = (registrationMode: RegistrationMode) => api<{ registrationMode: RegistrationMode }>('/api/admin/settings', { method: 'PUT', body: { registrationMode } });
export interface FeedbackItem {
  id: string;
  userId: string;
  username: string | null;
  kind: 'feedback' | 'bug';
  text: string;
  status: 'open' | 'closed';
  createdAt: number;
}
export const listFeedback = (closed = false) => api<{ feedback: FeedbackItem[] }>(`/api/admin/feedback${closed ? '?status=closed' : ''}`);
export const closeFeedback = (id: string) => api<void>(`/api/admin/feedback/${encodeURIComponent(id)}/close`, { method: 'POST' });
export const sendFeedback = (kind: 'feedback' | 'bug', text: string) => api<{ id: string }>('/api/feedback', { method: 'POST', body: { kind, text } });
