/** Instance administration (`/api/admin…`, owners and admins): the accounts and their quarantine (issue #16). */
import { api } from './http';

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  instanceRole: 'owner' | 'admin' | 'user' | 'bot';
  createdAt: number;
  quarantine: { since: number; reason: string } | null;
  suspension: { since: number; reason: string } | null;
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
export const suspendUser = (id: string, reason: string) => api<{ userId: string; suspendedAt: number; endedSessions: number }>(`/api/admin/users/${encodeURIComponent(id)}/suspend`, { method: 'POST', body: { reason } });
export const liftSuspension = (id: string) => api<void>(`/api/admin/users/${encodeURIComponent(id)}/suspend`, { method: 'DELETE' });
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
export interface InstanceSettings {
  registrationMode: RegistrationMode;
  name: string;
  iconId: string | null;
}
export const instanceSettings = () => api<InstanceSettings>('/api/admin/settings');
export const setInstanceSettings = (change: { registrationMode?: RegistrationMode; name?: string }) => api<InstanceSettings>('/api/admin/settings', { method: 'PUT', body: change });
export const setInstanceIcon = (image: Blob) => api<{ iconId: string }>('/api/admin/settings/icon', { method: 'PUT', raw: image });
export const removeInstanceIcon = () => api<void>('/api/admin/settings/icon', { method: 'DELETE' });
/** Publishes the instance's own terms and privacy policy (null: the built-in text); `reaccept` asks everyone again. */
export const publishLegal = (change: { terms?: string | null; privacy?: string | null; reaccept?: boolean }) =>
  api<{ version: number; terms: string; privacy: string; custom: { terms: boolean; privacy: boolean } }>('/api/admin/legal', { method: 'PUT', body: change });
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
