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
