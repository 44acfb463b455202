/** The signed-in user's own account: profile, password, recovery code, 2FA and sessions (`/api/me…`). */
import type { PublicUser } from '../../../protocol/auth';
import { api } from './http';

export interface AccountSession {
  id: string;
  deviceName: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  lastUsedAt: number;
  current: boolean;
}

/** The signed-in account as the server sees it now (a quarantine may have started or ended). */
export const fetchMe = () => api<PublicUser>('/api/me');
export const updateProfile = (body: { displayName?: string; statusText?: string | null; email?: string | null; dmPolicy?: 'everyone' | 'communities' | 'requests' }) => api<PublicUser>('/api/me', { method: 'PATCH', body });
export const changePassword = (currentPassword: string, newPassword: string) => api<{ endedSessions: number }>('/api/me/password', { method: 'POST', body: { currentPassword, newPassword } });
export const regenerateRecovery = (password: string, recoveryVerifier: string) => api<void>('/api/me/recovery', { method: 'POST', body: { password, recoveryVerifier } });
export const deleteAccount = (password: string, code?: string) => api<void>('/api/me', { method: 'DELETE', body: { password, ...(code ? { code } : {}) } });
export const listSessions = () => api<{ sessions: AccountSession[] }>('/api/me/sessions');
export const endSession = (id: string) => api<void>(`/api/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const endOtherSessions = () => api<unknown>('/api/me/sessions/revoke-others', { method: 'POST' });
export const totpEnroll = (password: string) => api<{ secret: string; otpauthUri: string }>('/api/me/totp/enroll', { method: 'POST', body: { password } });
export const totpEnable = (code: string, password: string) => api<{ backupCodes: string[] }>('/api/me/totp/enable', { method: 'POST', body: { code, password } });
export const totpDisable = (code: string, password: string) => api<void>('/api/me/totp/disable', { method: 'POST', body: { code, password } });
