/** Instance administration (`/api/admin…`, owners and admins): the accounts and their quarantine (issue #16). */
import { api } from './http';

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  instanceRole: 'owner' | 'admin' | 'user';
  createdAt: number;
  quarantine: { since: number; reason: string } | null;
}

export const searchUsers = (q: string, after?: string) => api<{ users: AdminUser[] }>(`/api/admin/users?q=${encodeURIComponent(q)}&limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`);
export const quarantineUser = (id: string, reason: string) => api<{ userId: string; quarantinedAt: number; reason: string }>(`/api/admin/users/${encodeURIComponent(id)}/quarantine`, { method: 'POST', body: { reason } });
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
