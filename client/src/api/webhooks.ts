/** A channel's incoming webhooks (worker/routes/webhooks.ts), for members with manage-webhooks. */
import type { WebhookEnrolment, WebhookView } from '../../../protocol/webhooks';
import { api } from './http';

export type { WebhookView };
export const listWebhooks = (channelId: string) => api<{ webhooks: WebhookView[] }>(`/api/channels/${channelId}/webhooks`);
export const createWebhook = (channelId: string, name: string, encrypted = false) =>
  api<{ webhook: WebhookView; url?: string; enrolment?: WebhookEnrolment }>(`/api/channels/${channelId}/webhooks`, { method: 'POST', body: { name, ...(encrypted ? { encrypted } : {}) } });
/** Approves an encrypted webhook's enrolled device into the channel (issue #17 item 4). */
export const approveWebhook = (channelId: string, id: string) => api<{ webhook: WebhookView }>(`/api/channels/${channelId}/webhooks/${id}/approve`, { method: 'POST' });
export const rotateWebhook = (channelId: string, id: string) => api<{ webhook: WebhookView; url: string }>(`/api/channels/${channelId}/webhooks/${id}/rotate`, { method: 'POST' });
export const deleteWebhook = (channelId: string, id: string) => api<void>(`/api/channels/${channelId}/webhooks/${id}`, { method: 'DELETE' });
