/**
 * Reports and warnings (issue #16 items 1–2): reporting a message (disclosing its plaintext and
 * franking tags), a user or a community; the review queues of a community and of the instance;
 * resolving a report; warnings.
 */
import { api } from './http';
import type { ReportAction, ReportReason, ReportView } from '../../../protocol/reports';

export type { ReportAction, ReportReason, ReportView };

export interface MessageDisclosure {
  plaintext: string;
  sender: string;
  ts: number;
  franking?: string;
  frankTag?: string;
}

export interface MyWarning {
  id: string;
  communityId: string | null;
  communityName: string | null;
  userId: string;
  reason: string;
  createdAt: number;
}

export const reportMessage = (channelId: string, seq: number, messageSeq: number, reason: ReportReason, comment: string, disclosure: MessageDisclosure) =>
  api<{ id: string; status: string; verdict?: string }>('/api/reports', { method: 'POST', body: { kind: 'message', channelId, seq, ...(messageSeq !== seq ? { messageSeq } : {}), reason, ...(comment ? { comment } : {}), disclosure } });

export const reportUser = (userId: string, reason: ReportReason, comment: string) => api<{ id: string }>('/api/reports', { method: 'POST', body: { kind: 'user', userId, reason, ...(comment ? { comment } : {}) } });
export const reportCommunity = (communityId: string, reason: ReportReason, comment: string) =>
  api<{ id: string }>('/api/reports', { method: 'POST', body: { kind: 'community', communityId, reason, ...(comment ? { comment } : {}) } });
/** A moderator's warning to a member (TIMEOUT and a rank above theirs); the member sees it. */
export const warnMember = (communityId: string, userId: string, reason: string) =>
  api<{ warning: { id: string } }>(`/api/communities/${encodeURIComponent(communityId)}/members/${encodeURIComponent(userId)}/warnings`, { method: 'POST', body: { reason } });

export const communityReports = (communityId: string, closed = false) => api<{ reports: ReportView[] }>(`/api/communities/${encodeURIComponent(communityId)}/reports${closed ? '?status=closed' : ''}`);
export const instanceReports = (closed = false) => api<{ reports: ReportView[] }>(`/api/admin/reports${closed ? '?status=closed' : ''}`);

export const resolveReport = (id: string, action: ReportAction, options: { note?: string; seconds?: number } = {}) =>
  api<{ report: ReportView }>(`/api/reports/${encodeURIComponent(id)}/resolve`, { method: 'POST', body: { action, ...options } });

export const myWarnings = () => api<{ warnings: MyWarning[] }>('/api/me/warnings');

export const communityModeration = (communityId: string) => api<{ warnThreshold: number | null; warnTimeoutSeconds: number | null }>(`/api/communities/${encodeURIComponent(communityId)}/moderation`);
export const setCommunityModeration = (communityId: string, warnThreshold: number | null, warnTimeoutSeconds: number | null) =>
  api<{ warnThreshold: number | null; warnTimeoutSeconds: number | null }>(`/api/communities/${encodeURIComponent(communityId)}/moderation`, { method: 'PUT', body: { warnThreshold, warnTimeoutSeconds } });

export interface BlockedAccount {
  userId: string;
  username: string | null;
  displayName: string | null;
  createdAt: number;
}
export const listBlocks = () => api<{ blocks: BlockedAccount[] }>('/api/me/blocks');
export const blockUser = (userId: string) => api<void>(`/api/me/blocks/${encodeURIComponent(userId)}`, { method: 'PUT' });
export const unblockUser = (userId: string) => api<void>(`/api/me/blocks/${encodeURIComponent(userId)}`, { method: 'DELETE' });

/** Purge (issue #16 item 4): count (dryRun) or delete a member's messages since `since` (ms), in one channel or the whole community. */
export const purgeMessages = (communityId: string, userId: string, options: { channelId?: string; since?: number; dryRun: boolean }) =>
  api<{ count: number; files: number; more: boolean; dryRun: boolean; channels: { channelId: string; count: number; files: number }[] }>(`/api/communities/${encodeURIComponent(communityId)}/members/${encodeURIComponent(userId)}/purge`, { method: 'POST', body: options });
